"""SIGKILL, then a restart: the real bot process (bot.py run) over HTTP, from its files alone.

A person's form goes on where it was; a sweep cut off half-way sends the rest and nothing twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from delivery.drainer import CONCURRENCY
from domain.clock import ManualClock, SystemClock
from domain.schedule import Next
from preview.botapi import FakeTelegram
from preview.server import FakeTelegramServer
from storage.store import Store
from tests.support.chat import Bot
from tests.support.journeys import STAFF_ID, VILLAGE, read_consent, sweep_at
from tests.support.process import BotProcess, query, write_config

PROMPT_KM = "សួស្ដី! សុខសប្បាយទេ? សូមចុចប៊ូតុងមួយខាងក្រោម៖"
WHO = "តើអ្នកណាចេញទៅ?"  # the form's first question
DURATION = "តើទៅយូរប៉ុណ្ណា?"
SENT = "✅ បានផ្ញើហើយ។"


@pytest.fixture
def server() -> Iterator[FakeTelegramServer]:
    with FakeTelegramServer(FakeTelegram()) as serving:
        yield serving


@pytest.fixture
def bot(server: FakeTelegramServer, tmp_path: Path) -> Iterator[BotProcess]:
    process = BotProcess(server, tmp_path, write_config(tmp_path, staff=[STAFF_ID], all_day=True))
    yield process
    process.close()


async def test_a_registration_killed_twice_goes_on_where_it_was_and_is_stored_once(
    bot: BotProcess,
) -> None:
    await bot.start()
    villager = bot.user(4001)
    await villager.send("/start")
    await villager.click("ភាសាខ្មែរ")
    await read_consent(villager)
    await villager.click("បាទ/ចាស ខ្ញុំយល់ព្រម")
    await villager.click("ស្រែ អំបិល")
    # The step is on disk once the bot has answered (written right after each update).
    await bot.eventually(
        lambda: bot.draft(4001).get("onboarding", {}).get("district") == "0906",
        "the district on disk",
    )

    bot.kill()
    await bot.start()

    await villager.click("ជ្រោយស្វាយ")  # a button of the message shown before the kill
    assert villager.last_text() == "តើអ្នករស់នៅភូមិណា ក្នុងឃុំជ្រោយស្វាយ?"
    await villager.click("នេសាទ")
    await villager.click("រំលង")
    await villager.click("រំលង")
    await villager.send("/plan")
    await villager.click("សមាជិកគ្រួសារខ្ញុំ")
    await villager.send("Srey Mom")
    await villager.click("ស្ត្រី")
    await villager.send("២០")
    await villager.click("🇹🇭 ថៃ")
    await bot.eventually(
        lambda: bot.draft(4001).get("departure", {}).get("answers", {}).get("destination") == "TH",
        "the destination on disk",
    )

    bot.kill()
    await bot.start()

    await villager.click("កែច្នៃគ្រឿងសមុទ្រ (បង្គា ក្ដាម)")  # asked before the kill
    assert DURATION in villager.last_text()  # the next question, not the first one again
    assert WHO not in villager.last_text()
    await villager.click("ខ្លី តាមរដូវ (ពីរបីខែ)")
    await villager.click("មេខ្យល់")
    await villager.click("✅ រួចរាល់")
    await villager.click("រំលង")  # employer phone
    await villager.send("២៥០")
    await villager.click("ថ្ងៃស្អែក")
    await villager.click("ថ្ងៃបន្ទាប់")
    await villager.click("ក្រីក្រ ឬជំពាក់បំណុល")
    await villager.send("012 345 678")
    assert "Srey Mom" in villager.last_text()  # the review, with the answers from both runs
    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    assert villager.last_text().startswith(SENT)
    bot.stop()

    assert query(
        bot.database,
        "SELECT user_id, name, gender, age, destination, work, duration, wage FROM departures",
    ) == [(4001, "Srey Mom", "female", 20, "TH", "seafood", "short", 250)]
    assert query(bot.database, "SELECT number, status FROM checkins") == [(0, "planned")]
    assert query(bot.database, "SELECT village_code FROM users WHERE user_id = 4001") == [
        (VILLAGE,)
    ]
    assert query(bot.database, "SELECT COUNT(*) FROM drafts") == [(0,)]
    assert query(bot.database, "SELECT COUNT(*) FROM conversations") == [(0,)]
    assert query(bot.database, "PRAGMA integrity_check") == [("ok",)]
    # Nothing was sent twice: every message the villager got is a different one (the form
    # edits its one message in place), and staff got the one notice.
    sent = [s.text for s in bot.telegram.shown if s.chat_id == 4001 and s.kind == "message"]
    assert [t for t, n in Counter(sent).items() if n > 1] == []
    assert sum(1 for t in villager.texts() if WHO in t) == 1
    notices = [s for s in bot.telegram.shown if s.chat_id == STAFF_ID and s.kind == "message"]
    assert len(notices) == 1 and "Srey Mom" in notices[0].text


VILLAGERS = 120
FIRST = 6000


async def seed_due_checkins(database: Path, count: int) -> datetime:
    """``count`` villagers in Thailand, each with a first check-in due a minute ago (real time).

    Written through the Store, as the bot writes them; returns the time they fell due.
    """
    clock = SystemClock()
    now = clock.now()
    arrived = now.astimezone(ZoneInfo("Asia/Bangkok")).date() - timedelta(days=1)
    store = await Store.open(database, clock)
    try:
        for user_id in range(FIRST, FIRST + count):
            await store.complete_onboarding(
                user_id, language="km", district_code="0906", village_code=VILLAGE, consented_at=now
            )
            await store.register_departure(
                {
                    "user_id": user_id,
                    "for_self": True,
                    "name": f"Villager {user_id}",
                    "gender": "female",
                    "age": 24,
                    "village_code": VILLAGE,
                    "destination": "TH",
                    "work": "seafood",
                    "duration": "short",
                    "channel": "broker",
                    "agency": None,
                    "documents": (),
                    "employer_phone": None,
                    "wage": 250,
                    "depart_on": arrived,
                    "arrive_on": arrived,
                    "reason": "poverty_debt",
                    "family_phone": None,
                    "risk_flags": (),
                },
                request_key=f"seed-{user_id}",
                first=Next(now - timedelta(minutes=1), 0, False),
                messages=lambda _departure_id: [],
            )
    finally:
        await store.close()
    return now


def prompts_per_chat(telegram: FakeTelegram) -> Counter[int]:
    return Counter(s.chat_id for s in telegram.shown if s.kind == "message" and s.text == PROMPT_KM)


def first_checkins(bot: BotProcess) -> dict[int, str]:
    """user id -> status of their first check-in."""
    rows = query(bot.database, "SELECT user_id, status FROM checkins WHERE number = 0")
    return {int(user_id): str(status) for user_id, status in rows}


async def test_a_sweep_killed_half_way_sends_the_rest_once_and_never_twice(
    bot: BotProcess,
) -> None:
    due = await seed_due_checkins(bot.database, VILLAGERS)
    bot.telegram.delays["sendMessage"] = 0.04  # a slow Telegram, so the kill lands mid-sweep
    await bot.start()
    await bot.eventually(
        lambda: sum(prompts_per_chat(bot.telegram).values()) >= VILLAGERS // 2,
        "half of the prompts",
    )

    bot.kill()
    before_restart = prompts_per_chat(bot.telegram)
    assert 0 < sum(before_restart.values()) < VILLAGERS  # the kill cut the sweep
    await bot.start()
    await bot.eventually(
        lambda: (
            "planned" not in first_checkins(bot).values()
            and query(bot.database, "SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
            == [(0,)]
        ),
        "every due prompt to go out",
    )
    bot.stop()

    statuses = first_checkins(bot)
    prompts = prompts_per_chat(bot.telegram)
    assert set(statuses) == set(range(FIRST, FIRST + VILLAGERS))
    assert max(prompts.values()) == 1  # never two prompts for one check-in
    # Those being sent at the kill (the drainer has a few in the air at once) are left claimed
    # ('sending'): counted as sent, never resent.
    in_flight = [user_id for user_id, status in statuses.items() if status == "sending"]
    assert len(in_flight) <= CONCURRENCY
    assert set(statuses.values()) <= {"sent", "sending"}
    # A prompt claimed at the kill may not have left: it counts as sent all the same (at most
    # once), and the reminder a day later covers it. At most the drainer's few in the air.
    unseen = [u for u, status in statuses.items() if status == "sent" and prompts[u] == 0]
    assert len(unseen) + len(in_flight) <= CONCURRENCY
    assert query(bot.database, "PRAGMA integrity_check") == [("ok",)]
    assert query(bot.database, "PRAGMA foreign_key_check") == []

    # Five minutes on, the next sweep settles the claim: sent, not sent again.
    later = Bot(bot.database, clock=ManualClock(due + timedelta(minutes=1)))
    await later.start()
    try:
        await sweep_at(later, due + timedelta(minutes=15))
    finally:
        await later.stop()
    assert later.telegram.shown == []
    statuses = first_checkins(bot)
    assert set(statuses.values()) == {"sent"}
    # Each departure has exactly one next check-in planned: nothing planned twice.
    assert query(
        bot.database, "SELECT COUNT(*), COUNT(DISTINCT departure_id) FROM checkins WHERE number = 1"
    ) == [(VILLAGERS, VILLAGERS)]
    assert query(bot.database, "SELECT COUNT(*) FROM checkins WHERE status = 'sending'") == [(0,)]
