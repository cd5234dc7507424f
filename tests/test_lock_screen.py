"""The lock-screen rule (``domain/lock_screen.py``), checked three ways.

- Every text declared to open a message pushed to a person is neutral in both languages, unless
  it says why not; the wordings the bot had on b3039cc are caught.
- Every text the code pushes to a person is declared: a new ``to_person(...)`` with an
  undeclared key fails here, so a new feature cannot skip the rule.
- A villager's journey, driven through the fake Telegram (a trip acknowledged, a paper date, a
  check-in and its reminder, an SOS that reached nobody at first, taken on and closed, her mother
  asking /missing, a refresher while away): what arrived in her chat without her asking opens
  with a declared line, and its first paragraph (what a notification shows) is neutral; no
  first line a chief or staff member got names her.
"""

from __future__ import annotations

import ast
import re
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from content.bundle import CONTENT_DIR, LANGUAGES
from content.texts import load_catalog
from domain.lock_screen import (
    NEUTRAL,
    PUSHED_TO_PERSON,
    TO_HELPERS,
    first_line,
    helper_opening_problem,
    neutral_name,
    opening_problem,
    preview,
    subject_in,
)
from tests.support.chat import Bot
from tests.support.journeys import STAFF_ID, make_leader, onboard, sent_departure, sweep_at

ROOT = Path(__file__).resolve().parents[1]


def catalog(lang: str, folder: Path = CONTENT_DIR) -> dict[str, str]:
    texts: dict[str, str] = {}
    for path in sorted((folder / lang).glob("*.po")):
        texts.update(load_catalog(path))
    return texts


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_declared_opener_exists_and_the_neutral_ones_name_nothing(lang: str) -> None:
    texts = catalog(lang)
    assert sorted(set(PUSHED_TO_PERSON) - set(texts)) == []
    problems = {
        key: opening_problem(texts[key], lang)
        for key, why in PUSHED_TO_PERSON.items()
        if why == NEUTRAL
    }
    assert {key: p for key, p in problems.items() if p} == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_chiefs_or_staff_copy_opens_without_naming_the_person(lang: str) -> None:
    texts = catalog(lang)
    keys = [k for k in texts if any(re.fullmatch(p.replace("*", ".+"), k) for p in TO_HELPERS)]
    assert len(keys) >= len(TO_HELPERS) + 5  # the seven alert titles are there
    problems = {key: helper_opening_problem(texts[key]) for key in keys}
    assert {key: p for key, p in problems.items() if p} == {}
    assert helper_opening_problem("🚨 <b>{name} asks for help</b>\n…") is not None


# What these texts said on b3039cc, before the rule (a copy here: CI has no git history).
OLD_OPENERS = {
    "km": {
        "case.person_taken": "👍 {name} បានឃើញសាររបស់អ្នក ហើយនឹងជួយអ្នក។",
        "plan.acknowledged": "👍 {name} បានឃើញដំណឹងចេញដំណើររបស់ {person} ហើយ។",
        "sos.reached_later": "✅ ឥឡូវនេះ សាររបស់អ្នកបានទៅដល់បុគ្គលិកគម្រោងហើយ។",
        # 84195e1's, with the subject moved to a second line a notification still shows
        "case.person_closed": "✔️ {name} បានកត់ថា រឿងនេះចប់ហើយ។\nបើអ្នកនៅតែត្រូវការជំនួយ…",
        "family.relative_ask": "👋 សួស្ដី។ មាននរណាម្នាក់ពីផ្ទះ បានសួរយើងថាអ្នកសុខសប្បាយទេ…",
    },
    "en": {
        "case.person_taken": "👍 {name} has seen your message and will help you.",
        "plan.acknowledged": "👍 {name} has seen the departure of {person}. Safe journey!",
        "sos.reached_later": "✅ Your message has now reached the programme staff.",
        "case.person_taken_quiet": "👋 {name} will try to reach you.\nIf you need help, send /sos.",
        "family.relative_ask": "👋 Hello. Someone from home asked us how you are…",
        "refresher.lesson": "🔔 <b>A short reminder: {title}</b>",
    },
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_openers_of_b3039cc_are_caught(lang: str) -> None:
    caught = {key: opening_problem(text, lang) for key, text in OLD_OPENERS[lang].items()}
    assert [key for key, problem in caught.items() if problem is None] == []


def test_a_first_line_is_what_a_lock_screen_shows() -> None:
    assert first_line("\n<b>📢 Hello</b>\nYour chief wrote") == "📢 Hello"
    assert preview("🔔 A short reminder.\n\n📄 Your passport ends") == "🔔 A short reminder."
    assert subject_in("Hello. There is a short message for you.", "en") is None
    assert subject_in("សួស្ដី។ មានសារខ្លីមួយសម្រាប់អ្នក។", "km") is None
    assert opening_problem("👍 {name} saw it.\n\n{person} and {phone}", "en") is None
    assert opening_problem("👍 {name} saw it.\nIt reached the chief.", "en") is not None
    assert opening_problem("👍 {name} saw {paper}.", "en") is not None
    assert pushed_keys('to_person("k", 1, "x.y", {}, user_id=1)') == [re.escape("x.y")]


# -- every text pushed to a person is declared -----------------------------------------------


def pushed_keys(source: str) -> list[str]:
    """The text keys of the ``to_person(...)`` calls in a module, as regexes (an f-string key
    like ``f"sos.reached_later_{who}"`` stands for every catalog key it can make)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "to_person"):
            continue
        key = node.args[2]
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            found.append(re.escape(key.value))
        elif isinstance(key, ast.JoinedStr):
            found.append(
                "".join(
                    re.escape(str(part.value)) if isinstance(part, ast.Constant) else "[a-z_]+"
                    for part in key.values
                )
            )
        elif isinstance(key, ast.Name):
            found.append(_named_key(source, key.id))
        elif (
            isinstance(key, ast.IfExp)
            and isinstance(key.body, ast.Constant)
            and isinstance(key.orelse, ast.Constant)
        ):  # "a" if … else "b"
            found.append(f"{re.escape(str(key.body.value))}|{re.escape(str(key.orelse.value))}")
        else:
            raise AssertionError(f"a to_person key the test cannot read: {ast.dump(key)}")
    return found


def _named_key(source: str, name: str) -> str:
    """``key = "a" if … else "b"``: the keys a variable can hold."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == name:
            values = [c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant)]
            strings = [v for v in values if isinstance(v, str) and "." in v]
            return "|".join(re.escape(v) for v in strings)
    raise AssertionError(f"cannot find what {name} holds")


def test_every_text_the_code_pushes_to_a_person_is_declared() -> None:
    keys = set(catalog("en"))
    pushed: dict[str, set[str]] = {}
    for path in sorted(ROOT.glob("*/*.py")):
        if path.parts[-2] in ("tests", "benchmarks", ".venv"):
            continue
        for pattern in pushed_keys(path.read_text(encoding="utf-8")):
            matched = {k for k in keys if re.fullmatch(pattern, k)}
            assert matched, f"{path.name}: {pattern} matches no text"
            pushed.setdefault(path.name, set()).update(matched)
    undeclared = {module: sorted(found - set(PUSHED_TO_PERSON)) for module, found in pushed.items()}
    assert {m: k for m, k in undeclared.items() if k} == {}
    assert len(pushed) >= 6  # cases, rules, voice copies, notices, missing, share: it looked


# -- what arrived on her phone ----------------------------------------------------------------

NAME, FAMILY_PHONE = "Srey Mom", "012 345 678"  # her trip's name and family phone (journeys)


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def sent_rows(bot: Bot) -> list[tuple[str, str, int, int, str]]:
    """(kind, role, chat, message id, payload) of every outbox row Telegram took."""
    with closing(sqlite3.connect(f"file:{bot.database}?mode=ro", uri=True)) as db:
        return db.execute(
            "SELECT kind, role, chat_id, message_id, payload FROM outbox"
            " WHERE status = 'sent' AND message_id IS NOT NULL ORDER BY outbox_id"
        ).fetchall()


def first_shown(bot: Bot, chat: int, message_id: int) -> str:
    """The text a message had when it arrived (later edits are not what the lock screen lit)."""
    for entry in bot.telegram.shown:
        if entry.chat_id == chat and entry.message_id == message_id:
            return entry.text
    raise AssertionError(f"message {message_id} of {chat} was never shown")


def opener_patterns(lang: str) -> dict[str, re.Pattern[str]]:
    """Each declared opener's first line, with its placeholders free."""
    texts = catalog(lang)
    patterns = {}
    for key in PUSHED_TO_PERSON:
        line = re.escape(first_line(texts[key]))
        patterns[key] = re.compile(re.sub(r"\\\{[a-z_]+\\\}", ".+?", line))
    return patterns


@pytest.mark.staffed
async def test_what_her_lock_screen_and_her_chiefs_showed_on_a_journey(bot: Bot) -> None:
    villager, chief, mother = bot.user(9301, "Dara"), bot.user(9302, "Chief"), bot.user(9303)
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    await make_leader(bot, chief)
    departure_id = await sent_departure(bot, villager, who="ខ្ញុំ")  # her own trip
    await villager.click("🔔 រំលឹកខ្ញុំម្ដងម្កាល")  # refreshers: yes
    await chief.click("✅ ខ្ញុំបានឃើញហើយ")  # plan.acknowledged
    await villager.send("/documents")
    await villager.click("📄 ប័ណ្ណការងារ")
    await villager.send("15/02/2026")  # a date already past: one reminder
    await sweep_at(bot, utc(3, 4, 1))  # 08:00 in Bangkok: the first check-in
    await sweep_at(bot, utc(3, 5, 1))  # no answer: its reminder
    await villager.click("🙂 ខ្ញុំសុខសប្បាយ")

    bot.telegram.failing[chief.id] = 1  # her SOS reaches nobody at first
    bot.telegram.failing[STAFF_ID] = 1
    await villager.send("/sos")
    await sweep_at(bot, bot.clock.now() + timedelta(minutes=5))  # sent again: reached later
    assert bot.telegram.refusals == [("sendMessage", "Bad Gateway")] * 2  # the planned ones
    bot.telegram.refusals.clear()
    [case] = [c for c in await bot.store.open_cases(None) if c.kind == "sos"]
    await chief.press(f"case:take:{case.alert_id}")  # case.person_taken
    await staff.press(f"case:close:{case.alert_id}")
    await staff.press(f"case:out:{case.alert_id}:safe_working")  # case.person_closed

    await onboard(mother)
    await mother.send("/missing")
    await mother.send("Dara-family")
    await mother.click("កូនស្រី ឬកូនប្រុសរបស់ខ្ញុំ")
    await mother.click("🇹🇭 ថៃ")
    await mother.click("ពី ១ ទៅ ៣ ខែ")
    await mother.send("097 123 4567")
    await mother.send(str(departure_id))
    await mother.click("✅ ផ្ញើទៅមេភូមិ និងបុគ្គលិកគម្រោង")  # family.relative_ask
    await sweep_at(bot, bot.clock.now() + timedelta(days=16))  # a refresher while away

    patterns = {lang: opener_patterns(lang) for lang in LANGUAGES}
    seen_kinds, seen_openers = set(), set()
    for kind, role, chat, message_id, _payload in sent_rows(bot):
        shown = first_shown(bot, chat, message_id)
        line = first_line(shown)
        if role != "person":
            assert NAME not in line and FAMILY_PHONE not in line, (kind, line)
            continue
        seen_kinds.add(kind)
        lang = "en" if chat == STAFF_ID else "km"
        opener = [k for k, p in patterns[lang].items() if p.fullmatch(line)]
        assert opener, f"{kind}: {line!r} opens with no declared text"
        seen_openers.update(opener)
        if all(PUSHED_TO_PERSON[k] == NEUTRAL for k in opener):
            assert subject_in(preview(shown), lang) is None, (kind, preview(shown))
    assert seen_kinds >= {"text", "checkin", "document", "refresher"}
    assert seen_openers >= {
        "plan.acknowledged",
        "documents.reminder.lead",
        "checkin.prompt",
        "checkin.reminder",
        "sos.reached_later",
        "case.person_taken",
        "case.person_closed",
        "family.relative_ask",
        "refresher.neutral",
    }


@pytest.mark.staffed
async def test_a_chiefs_title_in_his_name_never_reaches_her_lock_screen(bot: Bot) -> None:
    # A chief's Telegram name (his leader name) carries his title: "Chief Sok has seen your
    # message" on a family's phone says she wrote to the chief (reader 2, row 20).
    villager, chief = bot.user(9311, "Dara"), bot.user(9312, "មេភូមិ សុខ")
    await make_leader(bot, chief)
    await sent_departure(bot, villager, who="ខ្ញុំ")
    villager.new_texts()
    await chief.click("✅ ខ្ញុំបានឃើញហើយ")  # plan.acknowledged
    [acknowledged] = villager.new_texts()
    assert preview(acknowledged).startswith("👍 សុខ បានឃើញសាររបស់អ្នកហើយ។")
    assert subject_in(preview(acknowledged), "km") is None, preview(acknowledged)

    await villager.send("/sos")
    villager.new_texts()
    [case] = [c for c in await bot.store.open_cases(None) if c.kind == "sos"]
    await chief.press(f"case:take:{case.alert_id}")  # case.person_taken
    [taken] = villager.new_texts()
    assert preview(taken).startswith("👍 សុខ បានឃើញសាររបស់អ្នកហើយ។"), taken
    assert subject_in(preview(taken), "km") is None, preview(taken)
    await chief.press(f"case:hist:{case.alert_id}")  # his own history keeps his full name
    history = chief.new_texts()[-1]
    assert "មេភូមិ សុខ" in history, history


def test_a_helpers_name_loses_its_title_and_keeps_the_rest() -> None:
    assert neutral_name("មេភូមិ សុខ", "នរណាម្នាក់") == "សុខ"
    assert neutral_name("មេភូមិសុខ", "នរណាម្នាក់") == "សុខ"  # Khmer writes no space
    assert neutral_name("Sok (village chief)", "Someone") == "Sok"
    assert neutral_name("សុខ (មេភូមិ)", "នរណាម្នាក់") == "សុខ"
    assert neutral_name("មេភូមិ", "នរណាម្នាក់") == "នរណាម្នាក់"
    assert neutral_name("Programme staff", "Someone") == "Someone"
    assert neutral_name("ភូមិន្ទ", "Someone") == "ភូមិន្ទ"  # a name, not the word for village
