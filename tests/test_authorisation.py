"""Who may see or change whose data: the matrix of actors and actions, all re-checked on the server.

One world is built through the real flows (invites, /plan, /sos, check-ins, /quiz, /home,
/report_broker), then every case starts a new bot on a copy of it, so each actor's attempt is
judged alone. A refused attempt must change nothing in the store; an allowed one must do what
it says; a leader of another village is answered, but sees none of this village's data.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import csv
import io
import logging
import re
import secrets
import shutil
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from access import invites
from domain.clock import ManualClock
from preview.botapi import ChatMessage, FakeTelegram
from tests.support.chat import Bot, Person
from tests.support.journeys import (
    STAFF_ID,
    VILLAGE,
    make_leader,
    onboard,
    register_departure,
    staffed_bot,
    sweep_at,
)

OTHER_VILLAGE = "09010201"  # in Botum Sakor, another district
HTML_NAME = "<b>x</b> & co"
ESCAPED_NAME = "&lt;b&gt;x&lt;/b&gt; &amp; co"
DEPARTURE_NAME = "Srey <b>Mom</b> & co"  # the owner's departure: escaped wherever it is shown
ESCAPED_DEPARTURE = "Srey &lt;b&gt;Mom&lt;/b&gt; &amp; co"
IDS = {"villager": 302, "leader": 201, "other_leader": 202, "staff": STAFF_ID, "stranger": 303}
IDS["owner"] = 301  # the villager whose data the others try to reach
CONVERSATION_STATE = ("conversations", "drafts", "schema_migrations")
REFUSALS = (
    "leader.only_leaders",
    "staff.only_staff",
    "input.not_allowed",
    "input.button_expired",
    "broker.only_leaders",
)


# -- the world ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """A database file and the chats that go with it, and the ids of what lives in it."""

    database: Path
    telegram: FakeTelegram
    now: datetime
    departure: int  # the owner's active departure (Nesat), with a notice to the leader
    returned: int  # the owner's second departure, back home, its questions not begun
    alert: int  # the owner's SOS
    checkin: int  # a check-in the owner has not answered yet
    problem_checkin: int  # a check-in the owner answered "I have a problem"
    attempt: int  # the owner's quiz attempt, no answer yet
    option: str  # an option of the attempt's first question
    leader_id: int  # the leader's row (for staff:revoke)


def utc(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


async def _build(directory: Path) -> World:
    bot = await staffed_bot(directory)
    try:
        leader = bot.user(IDS["leader"], "Chief " + HTML_NAME, "en")
        other_leader = bot.user(IDS["other_leader"], "Far Chief", "en")
        owner, villager = bot.user(IDS["owner"], HTML_NAME), bot.user(IDS["villager"], "Dara")
        await make_leader(bot, leader, lang="en")
        await make_leader(bot, other_leader, OTHER_VILLAGE, lang="en")
        await onboard(villager, "en")
        await onboard(owner)
        await register_departure(owner, name=DEPARTURE_NAME)
        await owner.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
        departure = (await bot.store.departures_of(owner.id))[0].departure_id
        await owner.send("/sos")  # before the check-ins: an SOS settles the ones already sent
        alert = (await bot.store.open_cases(None))[0].alert_id
        await sweep_at(bot, utc(3, 4, 1))  # 08:00 in Bangkok the day after arrival
        first = (await bot.store.checkins_of(departure))[0]
        await owner.press(f"ci:{first.checkin_id}:problem")
        planned = [c for c in await bot.store.checkins_of(departure) if c.status == "planned"]
        await sweep_at(bot, planned[0].due_at)
        unanswered = [c for c in await bot.store.checkins_of(departure) if c.status == "sent"]
        await owner.send("/quiz")
        await owner.press("quiz:start")
        _, _, attempt, _, option = owner.button_data()[0].split(":")  # quiz:a:<attempt>:0:<option>
        await register_departure(owner, name="Dara")
        await owner.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
        returned = max(d.departure_id for d in await bot.store.departures_of(owner.id))
        await owner.send("/home")
        await owner.press(f"ret:who:{returned}")
        await owner.send("/report_broker")
        for answer in (HTML_NAME, "At the market", "A job in Thailand"):
            await owner.send(answer)
        await owner.press("broker:named")
        await owner.press("broker:send")
        leader_id = (await bot.store.leaders_of(VILLAGE))[0].leader_id
        # Where the world stands: nothing of the owner's has been acted on yet.
        active, alert_row = await bot.store.departure(departure), await bot.store.alert(alert)
        assert active is not None and active.status == "active" and active.acknowledged_at is None
        assert alert_row is not None and alert_row.acknowledged_at is None
        assert [c.answer for c in unanswered] == [None]
        answered = await bot.store.checkin(first.checkin_id)
        assert answered is not None and answered.answer == "problem"
        begun = await bot.store.quiz_attempt(int(attempt))
        assert begun is not None and begun.answers == ()
        assert bot.telegram.refusals == []
        now, telegram = bot.clock.now(), copy.deepcopy(bot.telegram)
    finally:
        await bot.stop()
    return World(
        database=bot.database,
        telegram=telegram,
        now=now,
        departure=departure,
        returned=returned,
        alert=alert,
        checkin=unanswered[0].checkin_id,
        problem_checkin=first.checkin_id,
        attempt=int(attempt),
        option=option,
        leader_id=leader_id,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return asyncio.run(_build(tmp_path_factory.mktemp("world")))


@pytest.fixture
async def bot(world: World, tmp_path: Path) -> AsyncIterator[Bot]:
    """A new bot on a copy of the world: its database, its chats, its time."""
    shutil.copy(world.database, tmp_path / "bot.sqlite3")
    harness = Bot(tmp_path / "bot.sqlite3", clock=ManualClock(world.now))
    harness.telegram = copy.deepcopy(world.telegram)
    await harness.start(staff_user_ids=frozenset({STAFF_ID}))
    yield harness
    await harness.stop()
    assert harness.telegram.refusals == [], harness.telegram.refusals


# -- reading the store -----------------------------------------------------------------------


def snapshot(bot: Bot) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the conversation state, as committed."""
    with closing(sqlite3.connect(f"file:{bot.database}?mode=ro", uri=True)) as db:
        tables = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name not in CONVERSATION_STATE and not name.startswith("sqlite_")
        ]
        return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}


async def lang_of(bot: Bot, person: Person) -> str:
    profile = await bot.store.get_user(person.id)
    assert bot.services is not None
    return profile.language if profile else bot.services.config.default_language


async def text(bot: Bot, person: Person, key: str, **values: object) -> str:
    assert bot.services is not None
    return bot.services.content.texts.get(await lang_of(bot, person), key, **values)


def csv_rows(bot: Bot, person: Person) -> list[list[str]]:
    document = [m for m in bot.telegram.chats[person.id] if m.text.startswith("[document")][-1]
    content = bot.telegram.documents[document.message_id].decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


# -- the actions, and what "allowed" and "scoped" look like for each ----------------------------

Check = Callable[[Bot, World, Person], Awaitable[None]]


async def sees_departure(bot: Bot, world: World, actor: Person) -> None:
    assert ESCAPED_DEPARTURE in actor.last_text()


async def sees_no_departure(bot: Bot, world: World, actor: Person) -> None:
    assert ESCAPED_DEPARTURE not in actor.last_text()
    assert "Dara" not in actor.last_text()


def stats_of(count: int) -> Check:
    async def check(bot: Bot, world: World, actor: Person) -> None:
        assert (await text(bot, actor, "leader.stats_title", count=count)) in actor.last_text()

    return check


async def exports(bot: Bot, world: World, actor: Person) -> None:
    names = [row[0] for row in csv_rows(bot, actor)[1:]]
    assert sorted(names) == ["Dara", DEPARTURE_NAME]


async def exports_nothing(bot: Bot, world: World, actor: Person) -> None:
    assert csv_rows(bot, actor)[1:] == []


async def sees_alert(bot: Bot, world: World, actor: Person) -> None:
    shown = "\n".join(actor.new_texts())
    assert (await text(bot, actor, "alert.title.sos")) in shown
    assert ESCAPED_DEPARTURE in shown


async def sees_no_alert(bot: Bot, world: World, actor: Person) -> None:
    assert actor.last_text() == await text(bot, actor, "case.none_open")


async def gets_the_report(bot: Bot, world: World, actor: Person) -> None:
    kinds = [s.kind for s in bot.telegram.shown if s.chat_id == actor.id][-3:]
    assert kinds == ["message", "photo", "document"]


async def gets_the_status(bot: Bot, world: World, actor: Person) -> None:
    assert actor.last_text().startswith("<b>")  # the status title, not a refusal
    assert actor.last_text() != await text(bot, actor, "staff.only_staff")


async def makes_an_invite(bot: Bot, world: World, actor: Person) -> None:
    assert "start=l_" in actor.last_text()
    assert len(snapshot(bot)["leader_invites"]) == 3  # the two used ones and this one


async def lists_leaders(bot: Bot, world: World, actor: Person) -> None:
    assert "Chief " + ESCAPED_NAME in actor.last_text()
    assert f"staff:revoke:{world.leader_id}" in actor.button_data()


async def sees_report(bot: Bot, world: World, actor: Person) -> None:
    assert ESCAPED_NAME in actor.last_text()  # what the owner typed as "who", escaped


async def sees_no_report(bot: Bot, world: World, actor: Person) -> None:
    assert actor.last_text() == await text(bot, actor, "broker.list_empty")


async def acknowledged(bot: Bot, world: World, actor: Person) -> None:
    departure = await bot.store.departure(world.departure)
    assert departure is not None and departure.acknowledged_by == actor.id


async def alert_acknowledged(bot: Bot, world: World, actor: Person) -> None:
    alert = await bot.store.alert(world.alert)
    assert alert is not None and alert.acknowledged_by == actor.id


async def alert_unchanged_outcomes_offered(bot: Bot, world: World, actor: Person) -> None:
    # An old "Sorted" press asks what happened (a case closes with an outcome), in place.
    alert = await bot.store.alert(world.alert)
    assert alert is not None and alert.resolved_at is None
    assert f"case:out:{world.alert}:safe_working" in actor.button_data()


async def alert_resolved(bot: Bot, world: World, actor: Person) -> None:
    alert = await bot.store.alert(world.alert)
    assert alert is not None and alert.resolved_at is not None


async def case_noted_asked(bot: Bot, world: World, actor: Person) -> None:
    assert actor.last_text() == await text(bot, actor, "case.note_ask", number=world.alert)


async def case_handed(bot: Bot, world: World, actor: Person) -> None:
    alert = await bot.store.alert(world.alert)
    assert alert is not None and alert.handed_to == "labour_ministry"


async def revoked(bot: Bot, world: World, actor: Person) -> None:
    assert await bot.store.led_villages(IDS["leader"]) == []


def status_is(status: str) -> Check:
    async def check(bot: Bot, world: World, actor: Person) -> None:
        departure = await bot.store.departure(world.departure)
        assert departure is not None and departure.status == status

    return check


def draft(bot: Bot, actor: Person, key: str) -> dict[str, Any]:
    assert bot.app is not None
    found = bot.app.user_data.get(actor.id, {}).get(key, {})
    assert isinstance(found, dict)
    return found


async def dates_begun(bot: Bot, world: World, actor: Person) -> None:
    assert draft(bot, actor, "departure_dates") == {"id": world.departure}


async def checked_in_fine(bot: Bot, world: World, actor: Person) -> None:
    checkin = await bot.store.checkin(world.checkin)
    assert checkin is not None and checkin.answer == "fine"


async def problem_named(bot: Bot, world: World, actor: Person) -> None:
    assert await bot.store.checkin_problems(world.problem_checkin) == ["documents_kept"]


async def quiz_answered(bot: Bot, world: World, actor: Person) -> None:
    attempt = await bot.store.quiz_attempt(world.attempt)
    assert attempt is not None and len(attempt.answers) == 1


async def questions_begun(bot: Bot, world: World, actor: Person) -> None:
    assert draft(bot, actor, "returning")["departure_id"] == world.returned


@dataclass(frozen=True)
class Action:
    does: str  # a command, or "press " and button data; {fields} of World filled in
    allowed: Check  # what an allowed actor gets
    scoped: Check | None = None  # what a leader of another village gets


ACTIONS: dict[str, Action] = {
    "/away": Action("/away", sees_departure, sees_no_departure),
    "/stats": Action("/stats", stats_of(2), stats_of(0)),
    "/export": Action("/export", exports, exports_nothing),
    "/alerts": Action("/alerts", sees_alert, sees_no_alert),
    "/cases": Action("/cases", sees_alert, sees_no_alert),
    "/report": Action("/report all all", gets_the_report),
    "/status": Action("/status", gets_the_status),
    "/invite CODE": Action(f"/invite {VILLAGE}", makes_an_invite),
    "/leaders": Action("/leaders", lists_leaders),
    "/broker_reports": Action("/broker_reports", sees_report, sees_no_report),
    "leader:ack": Action("press leader:ack:{departure}", acknowledged),
    "leader:call": Action("press leader:call:{departure}", acknowledged),
    "al:ack": Action("press al:ack:{alert}", alert_acknowledged),
    "al:done": Action("press al:done:{alert}", alert_unchanged_outcomes_offered),
    "case:take": Action("press case:take:{alert}", alert_acknowledged),
    "case:note": Action("press case:note:{alert}", case_noted_asked),
    "case:to": Action("press case:to:{alert}:labour_ministry", case_handed),
    "case:out": Action("press case:out:{alert}:safe_working", alert_resolved),
    "staff:revoke": Action("press staff:revoke:{leader_id}", revoked),
    "dep:cancel_yes": Action("press dep:cancel_yes:{departure}", status_is("cancelled")),
    "dep:dates": Action("press dep:dates:{departure}", dates_begun),
    "ci:fine": Action("press ci:{checkin}:fine", checked_in_fine),
    "pb:problem": Action("press pb:{problem_checkin}:documents_kept", problem_named),
    "quiz:a": Action("press quiz:a:{attempt}:0:{option}", quiz_answered),
    "ret:start": Action("press ret:start:{returned}", questions_begun),
    "ret:who": Action("press ret:who:{departure}", status_is("returned")),
}


# The matrix. yes: allowed and done; no: refused, nothing changes; scoped: answered, but
# only with the actor's own village (none of this village's data), nothing changes.
# "owner" is the villager whose departure, check-ins, quiz and report these are.
ACTORS = ("villager", "leader", "other_leader", "staff", "stranger", "owner")
MATRIX: dict[str, tuple[str, str, str, str, str, str]] = {
    #                  villager leader  other     staff  stranger owner
    "/away":           ("no",   "yes", "scoped", "yes", "no",   "no"),
    "/stats":          ("no",   "yes", "scoped", "yes", "no",   "no"),
    "/export":         ("no",   "yes", "scoped", "yes", "no",   "no"),
    "/alerts":         ("no",   "yes", "scoped", "yes", "no",   "no"),
    "/cases":          ("no",   "yes", "scoped", "yes", "no",   "no"),
    "/report":         ("no",   "no",  "no",     "yes", "no",   "no"),
    "/status":         ("no",   "no",  "no",     "yes", "no",   "no"),
    "/invite CODE":    ("no",   "no",  "no",     "yes", "no",   "no"),
    "/leaders":        ("no",   "no",  "no",     "yes", "no",   "no"),
    "/broker_reports": ("no",   "yes", "scoped", "yes", "no",   "no"),
    "leader:ack":      ("no",   "yes", "no",     "yes", "no",   "no"),
    "leader:call":     ("no",   "yes", "no",     "yes", "no",   "no"),
    "al:ack":          ("no",   "yes", "no",     "yes", "no",   "no"),
    "al:done":         ("no",   "yes", "no",     "yes", "no",   "no"),
    "case:take":       ("no",   "yes", "no",     "yes", "no",   "no"),
    "case:note":       ("no",   "yes", "no",     "yes", "no",   "no"),
    "case:to":         ("no",   "yes", "no",     "yes", "no",   "no"),
    "case:out":        ("no",   "yes", "no",     "yes", "no",   "no"),
    "staff:revoke":    ("no",   "no",  "no",     "yes", "no",   "no"),
    "dep:cancel_yes":  ("no",   "no",  "no",     "no",  "no",   "yes"),
    "dep:dates":       ("no",   "no",  "no",     "no",  "no",   "yes"),
    "ci:fine":         ("no",   "no",  "no",     "no",  "no",   "yes"),
    "pb:problem":      ("no",   "no",  "no",     "no",  "no",   "yes"),
    "quiz:a":          ("no",   "no",  "no",     "no",  "no",   "yes"),
    "ret:start":       ("no",   "no",  "no",     "no",  "no",   "yes"),
    "ret:who":         ("no",   "no",  "no",     "no",  "no",   "yes"),
}  # fmt: skip


def _cases() -> Iterator[Any]:
    for action, verdicts in MATRIX.items():
        for actor, verdict in zip(ACTORS, verdicts, strict=True):
            yield pytest.param(action, actor, verdict, id=f"{action}-{actor}-{verdict}")


@pytest.mark.parametrize(("action", "actor_name", "verdict"), list(_cases()))
async def test_the_matrix(
    bot: Bot,
    world: World,
    caplog: pytest.LogCaptureFixture,
    action: str,
    actor_name: str,
    verdict: str,
) -> None:
    spec = ACTIONS[action]
    actor = bot.user(IDS[actor_name], actor_name.title(), "en")
    actor.new_texts()  # what came before is the world's
    before = snapshot(bot)
    does = spec.does.format(**world.__dict__)
    if does.startswith("press "):
        # A button on a message the actor has (the real one, or forged on an old message).
        data = does.removeprefix("press ")
        own = [
            m for m in bot.telegram.chats.get(actor.id, []) if data in (d for _, d in m.buttons())
        ]
        old = ChatMessage(actor.id, bot.telegram.new_message_id(actor.id), "…", True)
        old.reply_markup = {"inline_keyboard": [[{"text": "…", "callback_data": data}]]}
        await actor.press(data, own[-1] if own else bot.telegram.add(old))
    else:
        await actor.send(does)

    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == []
    assert actor.id not in bot.telegram.callback_owner.values()  # every press is answered
    lang = await lang_of(bot, actor)
    assert bot.services is not None
    texts = bot.services.content.texts
    refusals = {texts.get(lang, key) for key in REFUSALS}
    said = actor.last_alert() if does.startswith("press ") else actor.last_text()
    if verdict == "no":
        assert said in refusals, said
        assert snapshot(bot) == before  # a refused attempt changes nothing
        assert draft(bot, actor, "departure_dates") == draft(bot, actor, "returning") == {}
        return
    assert said not in refusals, said
    if verdict == "scoped":
        assert spec.scoped is not None
        await spec.scoped(bot, world, actor)
        after = snapshot(bot)
        # The look itself is audited (case_views), and only as this actor's look at their own
        # village's list; nothing else changes.
        seen = before.pop("case_views")
        looks = [row for row in after.pop("case_views") if row not in seen]
        assert all(row[1] == actor.id and row[3] is None for row in looks), looks
        assert all(row[4] == OTHER_VILLAGE for row in looks), looks
        assert after == before
    else:
        await spec.allowed(bot, world, actor)


def test_the_matrix_covers_every_actor_and_action() -> None:
    assert set(MATRIX) == set(ACTIONS)
    assert all(len(verdicts) == len(ACTORS) for verdicts in MATRIX.values())
    assert all(set(v) <= {"yes", "no", "scoped"} for v in MATRIX.values())
    for action, verdicts in MATRIX.items():
        assert ("scoped" in verdicts) == (ACTIONS[action].scoped is not None), action


# -- invites and escaping --------------------------------------------------------------------


async def test_invite_codes_carry_at_least_128_bits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[int | None] = []
    real = secrets.token_urlsafe

    def spy(nbytes: int | None = None) -> str:
        asked.append(nbytes)
        return real(nbytes)

    monkeypatch.setattr(secrets, "token_urlsafe", spy)
    bot = await staffed_bot(tmp_path)
    try:
        staff = bot.user(STAFF_ID, "Staff", "en")
        codes = []
        for _ in range(20):
            await staff.send(f"/invite {VILLAGE}")
            match = re.search(r"start=l_([\w-]+)", staff.last_text())
            assert match, staff.last_text()
            codes.append(match.group(1))
        assert asked == [16] * 20  # 16 random bytes from the OS's secure source: 128 bits
        for code in codes:
            raw = base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
            assert len(raw) * 8 >= 128
            assert invites.invite_code_of("l_" + code) == code
        assert len(set(codes)) == len(codes)
        stored = {row[0] for row in snapshot(bot)["leader_invites"]}
        assert stored == {invites.hash_code(code) for code in codes}  # only hashes are kept
        assert not any(code in str(snapshot(bot)) for code in codes)
        assert bot.telegram.refusals == []
    finally:
        await bot.stop()


async def test_names_with_html_are_escaped_in_a_departure_notice(tmp_path: Path) -> None:
    bot = await staffed_bot(tmp_path)
    try:
        leader, villager = bot.user(401, HTML_NAME, "en"), bot.user(402, HTML_NAME)
        await make_leader(bot, leader, lang="en")
        await onboard(villager)
        await register_departure(villager, name=HTML_NAME)
        assert ESCAPED_NAME in villager.last_text()  # the review, before sending
        await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
        notice = leader.last_text()
        assert ESCAPED_NAME in notice and HTML_NAME not in notice
        await leader.click("✅ I have seen it")
        assert "Seen by " + ESCAPED_NAME in leader.last_text()  # the leader's own name, too
        assert ESCAPED_NAME in villager.last_text() and HTML_NAME not in villager.last_text()
        await leader.send("/away")
        assert ESCAPED_NAME in leader.last_text()
        assert bot.telegram.refusals == []
    finally:
        await bot.stop()


async def test_names_with_html_are_escaped_in_a_broker_report(tmp_path: Path) -> None:
    bot = await staffed_bot(tmp_path)
    try:
        leader, villager = bot.user(411, "Chief", "en"), bot.user(412, HTML_NAME, "en")
        await make_leader(bot, leader, lang="en")
        await onboard(villager, "en")
        await villager.send("/report_broker")
        for answer in (HTML_NAME, f"at {HTML_NAME}'s shop", f"{HTML_NAME} promised $400"):
            await villager.send(answer)
        await villager.press("broker:named")
        await villager.press("broker:send")
        staff = bot.user(STAFF_ID)
        for reader in (leader, staff):
            notice = reader.last_text()
            assert notice.count(ESCAPED_NAME) == 4, notice  # who, place, promised, the reporter
            assert HTML_NAME not in notice
        await leader.send("/broker_reports")
        assert ESCAPED_NAME in leader.last_text() and HTML_NAME not in leader.last_text()
        assert bot.telegram.refusals == []
    finally:
        await bot.stop()
