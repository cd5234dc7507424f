"""Who might misuse the bot, and what they cannot learn or do (docs/THREATS.md, issue #22).

Each story is one of the threats in docs/THREATS.md, read as the chats of the people in it: a
chief related to the abuser, an abuser posing as family, an employer holding the phone, a chief
who has been revoked, a staff group. Every defect the review of the cases, families and
new-phone features reproduced has its story here; it failed before the fix.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from contextlib import closing
from datetime import timedelta
from typing import Any

import pytest

from storage.people import PERSONAL_MENTIONS, PERSONAL_ROWS
from tests.support.chat import Bot, Person
from tests.support.journeys import (
    STAFF_ID,
    VILLAGE,
    make_leader,
    onboard,
    register_departure,
    sent_departure,
    sweep_at,
)

pytestmark = pytest.mark.staffed

KM_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
TAKE_KM, CLOSE_KM, HISTORY_KM = "🤝 ខ្ញុំនឹងជួយ", "✔️ បិទករណី", "🕘 ប្រវត្តិ"
SAFE_WORKING_KM = "មានសុវត្ថិភាព ហើយកំពុងធ្វើការ"
AGAIN_KM = "🙋 ខ្ញុំនៅតែត្រូវការជំនួយ"


def on_disk(bot: Bot, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """What the database file holds now (read as anyone who copied it would)."""
    with closing(sqlite3.connect(bot.database)) as db:
        return db.execute(sql, params).fetchall()


async def staff_member(bot: Bot) -> Person:
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    return staff


async def revoke(bot: Bot, staff: Person, chief: Person) -> None:
    """Staff end a chief's role from /leaders, as they would after a complaint."""
    [role] = [r for r in await bot.store.leaders_of(VILLAGE) if r.user_id == chief.id]
    await staff.send("/leaders")
    await staff.press(f"staff:revoke:{role.leader_id}")


async def sos_case(bot: Bot) -> tuple[Person, Person, Person, int]:
    """A villager away in Thailand sends /sos; her chief and staff get the case."""
    villager, chief = bot.user(5001, "Dara"), bot.user(5002, "Chief")
    staff = await staff_member(bot)
    await make_leader(bot, chief)
    await sent_departure(bot, villager)
    await villager.send("/sos")
    [case] = await bot.store.open_cases(None)
    return villager, chief, staff, case.alert_id


# -- a case that cannot go quiet ----------------------------------------------------------------


# -- /missing: a mistyped number, a relative who asked for nothing --------------------------------


async def registered_daughter(bot: Bot, reason: str | None = None) -> tuple[Person, int]:
    daughter = bot.user(5101, "Dara")
    await onboard(daughter)
    await register_departure(daughter, who="ខ្ញុំ", name="Dara")
    await daughter.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    [trip] = await bot.store.departures_of(daughter.id)
    return daughter, trip.departure_id


async def family_report(mother: Person, number: int | None) -> None:
    await mother.send("/missing")
    await mother.send("Dara")
    await mother.click("កូនស្រី ឬកូនប្រុសរបស់ខ្ញុំ")
    await mother.click("🇹🇭 ថៃ")
    await mother.click("ពី ១ ទៅ ៣ ខែ")
    await mother.send("097 123 4567")
    if number is None:
        await mother.click("រំលង")
    else:
        await mother.send(str(number))
    await mother.click("✅ ផ្ញើទៅមេភូមិ និងបុគ្គលិកគម្រោង")


async def family_case(bot: Bot) -> tuple[Person, Person, Person, Person, int]:
    """A mother reports her daughter, who registered her own trip; chief and staff have it."""
    chief = bot.user(5102, "Chief", "en")
    staff = await staff_member(bot)
    await make_leader(bot, chief, lang="en")
    daughter, number = await registered_daughter(bot)
    mother = bot.user(5103, "Mother")
    await onboard(mother)
    await family_report(mother, number)
    case = next(c for c in await bot.store.open_cases(None) if c.kind == "family")
    return chief, staff, daughter, mother, case.alert_id


async def read_question(daughter: Person) -> None:
    """The relative opens the private question (its first line says nothing of who asked)."""
    assert daughter.last_text() == "👋 សួស្ដី។ មានសារខ្លីមួយសម្រាប់អ្នក។ សូមចុច «📖 អាន»។"
    await daughter.click("📖 អាន")


async def test_this_is_not_about_me_keeps_the_search_going(bot: Bot) -> None:
    _chief, staff, daughter, _mother, number = await family_case(bot)
    await read_question(daughter)
    # The question says which button hides her, before she presses one (reader-1 row 8).
    question = daughter.last_text()
    assert "បើអ្នកមិនចង់ឱ្យគេរកឃើញ ចុច «🔒 កុំប្រាប់គេអ្វីទាំងអស់»។" in question
    assert "បើចុច «🙅 នេះមិនមែននិយាយពីខ្ញុំទេ» បុគ្គលិកអាចនៅតែរក។" in question
    await daughter.click("🙅 នេះមិនមែននិយាយពីខ្ញុំទេ")
    report = await bot.store.family_report_of_case(number)
    assert report is not None and report.relative_answer == "notme"
    staff_card = staff.last_text()
    assert "asks that nobody be told" not in staff_card  # not taken for "tell them nothing"
    assert "close the case without passing anything on" not in staff_card
    assert "not about them" in staff_card  # a wrong number: keep looking for the right person
    # ...or her, hiding: never that account again, and the family is not told of it.
    assert "or they may not want to be found" in staff_card
    assert "Do not contact that person again, and do not tell the family" in staff_card
    assert "Keep looking for the family's relative in other ways, carefully" in staff_card
    case = await bot.store.alert(number)
    assert case is not None and case.resolved_at is None


async def test_a_chief_never_learns_that_the_relative_answered_nothing(bot: Bot) -> None:
    chief, staff, daughter, _mother, _number = await family_case(bot)
    card_before = chief.last_text()
    await read_question(daughter)
    await daughter.click("🔒 កុំប្រាប់គេអ្វីទាំងអស់")
    assert chief.last_text() == card_before  # his copy is not even edited
    await chief.click("🕘 History")
    history = chief.last_text()
    assert "relative" not in history and "answered" not in history, history
    cards = [m.text for m in bot.telegram.chats[chief.id] if m.from_bot and "📁" in m.text]
    assert all("relative answered" not in c for c in cards)
    assert "🔒" in staff.last_text()  # staff do learn it


async def test_staff_see_the_relatives_own_message_on_their_card(bot: Bot) -> None:
    _chief, staff, daughter, mother, _number = await family_case(bot)
    await read_question(daughter)
    await daughter.click("💬 ខ្ញុំចង់ផ្ញើសារទៅគេ")
    await daughter.reply("ខ្ញុំសុខសប្បាយ")
    assert mother.last_text().endswith("«ខ្ញុំសុខសប្បាយ»")
    assert "💬" in staff.last_text(), staff.last_text()  # the card was rewritten


async def test_a_crash_while_a_family_report_is_sent_does_not_make_a_second_one(bot: Bot) -> None:
    await staff_member(bot)
    chief = bot.user(5102, "Chief", "en")
    await make_leader(bot, chief, lang="en")
    mother = bot.user(5103, "Mother")
    await onboard(mother)
    await mother.send("/missing")
    await mother.send("Dara")
    await mother.click("កូនស្រី ឬកូនប្រុសរបស់ខ្ញុំ")
    await mother.click("🇹🇭 ថៃ")
    await mother.click("ពី ១ ទៅ ៣ ខែ")
    await mother.click("រំលង")
    await mother.click("រំលង")
    # Telegram is slow: the process dies while the copies to the chief and staff go out.
    bot.telegram.delays["sendMessage"] = 30.0
    press = asyncio.ensure_future(mother.click("✅ ផ្ញើទៅមេភូមិ និងបុគ្គលិកគម្រោង"))
    for _ in range(200):
        if await bot.store.open_cases(None):
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    await bot.crash()
    press.cancel()
    bot.telegram.delays.clear()
    await bot.start()
    await mother.press("fam:send")  # the old Send button, pressed again after the restart
    assert len([c for c in await bot.store.open_cases(None) if c.kind == "family"]) == 1


async def test_the_limit_of_open_family_reports_survives_delete_and_start(bot: Bot) -> None:
    await staff_member(bot)
    mother = bot.user(5103, "Mother")
    await onboard(mother)
    for _ in range(3):
        await family_report(mother, None)
    await mother.send("/missing")
    assert mother.last_text().startswith("មានសំណើ ៣") or "៣" in mother.last_text()
    too_many = mother.last_text()
    await mother.send("/delete")
    await mother.click("បាទ/ចាស លុបទាំងអស់")
    await onboard(mother)
    await mother.send("/missing")
    assert mother.last_text() == too_many
    assert len([c for c in await bot.store.open_cases(None) if c.kind == "family"]) == 3


async def test_a_relatives_words_go_with_her_delete(bot: Bot) -> None:
    _chief, _staff, daughter, mother, _number = await family_case(bot)
    await read_question(daughter)
    await daughter.click("💬 ខ្ញុំចង់ផ្ញើសារទៅគេ")
    await daughter.reply("ខ្ញុំនៅ Rayong ជាមួយមិត្ត")
    assert "Rayong" in mother.last_text()
    await daughter.send("/delete")
    await daughter.click("បាទ/ចាស លុបទាំងអស់")
    for table, column in (("family_reports", "relative_message"), ("outbox", "payload")):
        rows = on_disk(bot, f"SELECT {column} FROM {table}")
        assert not [r for r in rows if r[0] and "Rayong" in str(r[0])], (table, rows)


# -- the case history ----------------------------------------------------------------------------


async def test_a_long_history_still_opens(bot: Bot) -> None:
    _villager, chief, staff, _number = await sos_case(bot)
    for n in range(4):
        await chief.click("✏️ សរសេរកំណត់ចំណាំ")
        await chief.reply(f"note {n} " + "x" * 1400)
    staff.new_texts()
    await staff.click("🕘 History")
    shown = staff.new_texts()
    assert all(len(t) <= 4096 for t in shown)
    assert all(f"note {n} " in "".join(shown) for n in range(4)), shown
    assert bot.telegram.refusals == []


# -- a voice after /sos, with a form left open ---------------------------------------------------


async def test_a_voice_reply_after_sos_reaches_staff_with_a_form_open(bot: Bot) -> None:
    villager, _chief, staff, _number = await sos_case(bot)
    await villager.send("/plan")  # a form left open
    await villager.click("ខ្ញុំ")
    await villager.send("/sos")  # the form stays open behind the cry for help
    staff.new_texts()
    await villager.reply(voice=True)  # she replies to the bot's answer with a voice message
    assert "voice" in staff.media() or any(m.kind == "voice" for m in staff.voices()), staff.media()
    assert not any("ប៊ូតុង" in t for t in villager.new_texts()[-1:])


# -- a new phone -----------------------------------------------------------------------------------


VIOLENCE = "អំពើហិង្សាក្នុងគ្រួសារ"


async def test_a_chief_cannot_move_a_violence_record_to_an_account_of_his_own(bot: Bot) -> None:
    chief = bot.user(5201, "Chief")
    await make_leader(bot, chief)
    villager = bot.user(5202, "Mom")
    await onboard(villager)
    # She lets the chief know where she goes, not why (so her trip is on his /away).
    reason_shared = "មេភូមិដឹងថាខ្ញុំទៅណា តែមិនដឹងមូលហេតុ"
    await register_departure(villager, reason=VIOLENCE, reason_shared=reason_shared)
    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    await chief.send("/relink")
    await chief.click("១. Srey Mom")
    refusal = chief.last_text()
    assert refusal.startswith("📱 សម្រាប់អ្នកនេះ មានតែបុគ្គលិកគម្រោងទេ")  # only staff make it
    # ...and never why: no open case, no reason kept back (reader-1 row 12).
    assert "ករណី" not in refusal and "ហេតុផល" not in refusal and VIOLENCE not in refusal
    [trip] = await bot.store.departures_of(villager.id)
    await chief.press(f"relink:make:d{trip.departure_id}")  # a forged press: the same
    assert "start=m_" not in " ".join(chief.new_texts())
    assert await bot.store.relinks_for_user(villager.id) == []


async def test_a_code_cannot_move_a_record_onto_a_chief_or_staff_account(bot: Bot) -> None:
    staff = bot.user(STAFF_ID, "Staff", "en")  # staff need no profile of their own
    chief = bot.user(5201, "Chief")
    await make_leader(bot, chief)
    villager = bot.user(5202, "Mom")
    await sent_departure(bot, villager)
    await staff.send("/relink")
    await staff.click("១. Srey Mom")  # staff have no profile yet: the list is in Khmer
    await staff.click(staff.buttons()[0])
    payload = re.search(r"start=(m_[\w-]+)", staff.last_text())
    assert payload
    await chief.send(f"/start {payload.group(1)}")
    assert "✅ បាទ/ចាស ផ្ទេរមកទូរស័ព្ទនេះ" not in chief.buttons()
    await staff.send(f"/start {payload.group(1)}")  # nor onto the maker's own account
    assert not [b for b in staff.buttons() if b.startswith("✅ Yes, move")]
    await staff.press("relink:yes")
    assert len(await bot.store.departures_of(villager.id)) == 1


async def test_a_new_phone_that_already_sent_sos_still_receives_the_record(bot: Bot) -> None:
    staff = await staff_member(bot)
    chief = bot.user(5201, "Chief")
    await make_leader(bot, chief)
    villager = bot.user(5202, "Mom")
    await sent_departure(bot, villager)
    new_phone = bot.user(5203, "Mom")
    await onboard(new_phone)
    await new_phone.send("/sos")  # her new phone's first act: a cry for help
    await chief.send("/relink")
    await chief.click("១. Srey Mom")
    await chief.click("✅ បង្កើតលេខកូដ")
    payload = re.search(r"start=(m_[\w-]+)", chief.last_text())
    assert payload
    await new_phone.send(f"/start {payload.group(1)}")
    await new_phone.click("✅ បាទ/ចាស ផ្ទេរមកទូរស័ព្ទនេះ")
    assert len(await bot.store.departures_of(new_phone.id)) == 1
    sos = [c for c in await bot.store.open_cases(None) if c.kind == "sos"]
    assert sos and all(c.user_id == new_phone.id and c.erased_at is None for c in sos)
    assert staff.id


async def test_revoking_a_chief_voids_the_codes_he_made(bot: Bot) -> None:
    staff = await staff_member(bot)
    chief = bot.user(5201, "Chief")
    await make_leader(bot, chief)
    villager = bot.user(5202, "Mom")
    await sent_departure(bot, villager)
    await chief.send("/relink")
    await chief.click("១. Srey Mom")
    await chief.click("✅ បង្កើតលេខកូដ")
    payload = re.search(r"start=(m_[\w-]+)", chief.last_text())
    assert payload
    await revoke(bot, staff, chief)
    accomplice = bot.user(5204, "Someone")
    await accomplice.send(f"/start {payload.group(1)}")
    assert "✅ បាទ/ចាស ផ្ទេរមកទូរស័ព្ទនេះ" not in accomplice.buttons()
    assert len(await bot.store.departures_of(villager.id)) == 1


# -- an erased chief -----------------------------------------------------------------------------


async def test_an_erased_chief_leaves_no_chat_id_behind(bot: Bot) -> None:
    _villager, chief, _staff, _number = await sos_case(bot)
    await chief.click(TAKE_KM)
    await chief.send("/delete")
    await chief.click("បាទ/ចាស លុបទាំងអស់")
    tables = [r[0] for r in on_disk(bot, "SELECT name FROM sqlite_master WHERE type='table'")]
    for table in tables:
        for column in [c[1] for c in on_disk(bot, f"PRAGMA table_info({table})")]:
            if column.endswith(("chat_id", "user_id", "_by", "actor_id", "relative_id")):
                [(found,)] = on_disk(
                    bot, f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", chief.id
                )
                assert found == 0, (table, column)
    assert PERSONAL_ROWS and PERSONAL_MENTIONS


# -- a chief related to the one she left -----------------------------------------------------------


STAFF_ONLY_KM = "🔒 តែបុគ្គលិកគម្រោងប៉ុណ្ណោះ"


async def test_a_trip_only_staff_may_know_of_never_reaches_the_chief(bot: Bot) -> None:
    staff = await staff_member(bot)
    chief = bot.user(5301, "Chief")
    await make_leader(bot, chief)
    villager = bot.user(5302, "Srey")
    await onboard(villager)
    chief.new_texts()
    await register_departure(villager, who="ខ្ញុំ", reason=VIOLENCE, reason_shared=STAFF_ONLY_KM)
    assert "មេភូមិមិនទទួលវាទេ" in villager.last_text()  # the review says who gets it
    await villager.click("✅ បាទ/ចាស ផ្ញើទៅតែបុគ្គលិកគម្រោង")
    assert villager.last_text().startswith("✅ បានផ្ញើទៅតែបុគ្គលិកគម្រោងហើយ")
    assert staff.last_text().startswith("<b>For staff:</b> this person asked that only")
    await villager.send("/sos")
    assert chief.new_texts() == []  # her cry for help went to staff alone
    for command in ("/away", "/export", "/cases", "/relink", "/stats"):
        await chief.send(command)
    seen = " ".join(chief.new_texts())
    assert "Srey Mom" not in seen and "ថៃ" not in seen, seen
    assert [c for c in await bot.store.open_cases(None) if c.kind == "sos"]
    assert "Srey Mom" in staff.last_text()
    # Her trip's news (new dates, cancelled, back home) goes to staff alone.
    await villager.send("/mydepartures")
    await villager.click(next(b for b in villager.buttons() if "បោះបង់" in b))
    await villager.click(next(b for b in villager.buttons() if b.startswith("បាទ")))
    assert chief.new_texts() == []


async def test_a_case_reopened_after_its_chief_was_revoked_reaches_the_new_chief_and_staff(
    bot: Bot,
) -> None:
    villager, old_chief, staff, number = await sos_case(bot)
    await old_chief.click(TAKE_KM)
    await old_chief.click(CLOSE_KM)
    await old_chief.click(SAFE_WORKING_KM)
    await revoke(bot, staff, old_chief)
    new_chief = bot.user(5003, "New chief")
    await make_leader(bot, new_chief)
    old_chief.new_texts(), new_chief.new_texts(), staff.new_texts()

    await villager.click(AGAIN_KM)
    # A new message (not only an edit of an old one) to the chief of the village now, and staff.
    new_messages = [
        s.text
        for s in bot.telegram.shown
        if s.kind == "message" and s.chat_id in (new_chief.id, staff.id)
    ]
    assert any(t.startswith("↩️ <b>បានបើកម្ដងទៀត") for t in new_messages), new_messages
    assert any(t.startswith("↩️ <b>Opened again") for t in new_messages), new_messages
    assert old_chief.new_texts() == []  # a revoked chief gets nothing, not even an edit
    case = await bot.store.alert(number)
    assert case is not None and case.acknowledged_at is None  # waits to be taken on again
    assert TAKE_KM in new_chief.buttons()


async def test_an_untaken_high_risk_case_reminds_everyone_after_an_hour(bot: Bot) -> None:
    _villager, chief, staff, number = await sos_case(bot)
    chief.new_texts(), staff.new_texts()
    await sweep_at(bot, bot.clock.now() + timedelta(minutes=59))
    assert chief.new_texts() == [] and staff.new_texts() == []
    await sweep_at(bot, bot.clock.now() + timedelta(minutes=2))
    reminded = [t for t in chief.new_texts() if t.startswith("⏰")]
    assert len(reminded) == 1 and TAKE_KM in chief.buttons()
    assert [t for t in staff.new_texts() if t.startswith("⏰")]
    await sweep_at(bot, bot.clock.now() + timedelta(minutes=5))
    assert chief.new_texts() == []  # once per interval, however many sweeps
    case = await bot.store.alert(number)
    assert case is not None and case.staff_told_at is not None


async def test_a_case_taken_by_a_chief_who_is_then_revoked_goes_back_to_everyone(
    bot: Bot,
) -> None:
    _villager, chief, staff, number = await sos_case(bot)
    await chief.click(TAKE_KM)
    await revoke(bot, staff, chief)
    case = await bot.store.alert(number)
    assert case is not None and case.acknowledged_at is None and case.handler_chat_id is None
    staff.new_texts(), chief.new_texts()
    await sweep_at(bot, bot.clock.now())
    assert [t for t in staff.new_texts() if t.startswith("⏰")]
    assert chief.new_texts() == []  # revoked: nothing more about it


async def test_overdue_cases_come_first_and_the_report_counts_taking_on_in_time(bot: Bot) -> None:
    villager, chief, staff, number = await sos_case(bot)
    await sweep_at(bot, bot.clock.now() + timedelta(hours=2))  # nobody took it on
    other = bot.user(5010, "Mony")
    await sent_departure(bot, other, name="Mony")
    await other.send("/sos")
    staff.new_texts()
    await staff.send("/cases")
    title, *cases = staff.new_texts()
    assert title.startswith("<b>Open cases: 2</b>")
    assert cases[0].startswith("⏰ Not taken on in time") and "Srey Mom" in cases[0]
    assert cases[1].startswith("⏳ Opened today") and "Mony" in cases[1]
    await staff.click("🤝 I will handle it")  # the newer one, in time
    await staff.send("/report all all")
    report = " ".join(staff.new_texts())
    assert "Cases taken on in time (percent: within 1 hour if high-risk" in report
    assert number and villager and chief


async def test_a_closed_case_asks_whether_the_person_got_the_help_they_needed(bot: Bot) -> None:
    villager, chief, staff, number = await sos_case(bot)
    await chief.click(TAKE_KM)
    await chief.click(CLOSE_KM)
    await chief.click(SAFE_WORKING_KM)
    assert "តើអ្នកបានទទួលជំនួយដែលអ្នកត្រូវការទេ?" in villager.last_text()
    await chief.press(f"case:fb:{number}:yes")  # only the person may answer
    assert chief.last_alert() == "នេះសម្រាប់តែមេភូមិនៃភូមិនេះ និងបុគ្គលិកគម្រោងប៉ុណ្ណោះ។"
    await villager.click("🤏 បានខ្លះ")
    assert villager.buttons() == [AGAIN_KM]
    events = [e for e in await bot.store.case_events(number) if e.kind == "feedback"]
    assert [e.detail["answer"] for e in events] == ["partly"]
    await staff.send("/report all all")
    report = " ".join(staff.new_texts())
    assert "Did you get the help you needed" in report and "Partly" in report


async def test_staff_read_who_looked_at_a_case_and_a_chief_does_not(bot: Bot) -> None:
    _villager, chief, staff, _number = await sos_case(bot)
    await chief.click(HISTORY_KM)
    assert "👁" not in chief.last_text()  # who looked is for staff to check
    await chief.send("/away")
    await staff.click("🕘 History")
    history = staff.last_text()
    assert "<b>👁 Who looked</b> (for staff only)" in history
    assert 'Chief (<a href="tg://user?id=5002">5002</a>) opened this case\'s history' in history
    assert "opened the village's list of people away (/away)" in history
    rows = on_disk(bot, "SELECT viewer_id, what FROM case_views ORDER BY view_id")
    assert (chief.id, "history") in rows and (chief.id, "away") in rows
    await chief.send("/delete")
    await chief.click("បាទ/ចាស លុបទាំងអស់")
    assert on_disk(bot, "SELECT * FROM case_views WHERE viewer_id = ?", chief.id) == []


async def test_a_code_made_by_a_staff_member_who_left_opens_nothing(bot: Bot) -> None:
    staff = await staff_member(bot)
    villager = bot.user(5202, "Mom")
    await sent_departure(bot, villager)
    await staff.send("/relink")
    await staff.click("1. Srey Mom")
    await staff.click("✅ Make the code")
    payload = re.search(r"start=(m_[\w-]+)", staff.last_text())
    assert payload
    await bot.stop()
    await bot.start(staff_user_ids=frozenset())  # the staff member has left the programme
    phone = bot.user(5205, "Mom")
    await phone.send(f"/start {payload.group(1)}")
    assert phone.last_text().startswith("លេខកូដនេះ ផុតកំណត់ហើយ។")
    assert len(await bot.store.departures_of(villager.id)) == 1
