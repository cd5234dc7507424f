"""Reminders before a passport, visa, work permit or contract runs out (issue 15).

Dates come from /plan (the passport) and /documents (every paper); reminders go out 120, 30 and
7 days before, at 08:00 where the person is, each at most once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.context import BotContext
from delivery.documents import queue_due_document_reminders
from preview.botapi import ChatMessage
from tests.support.chat import Bot, Person
from tests.support.journeys import (
    STAFF_ID,
    make_leader,
    onboard,
    register_departure,
    sent_departure,
    sweep_at,
)

pytestmark = pytest.mark.staffed
SEND = "✅ បាទ/ចាស ផ្ញើទៅមេភូមិ"
PERMIT = "📄 ប័ណ្ណការងារ"
RENEW, HELP, LATER = (
    "✅ រួចហើយ៖ ខ្ញុំមានថ្ងៃថ្មី",
    "🙋 ខ្ញុំត្រូវការជំនួយ",
    "⏰ រំលឹកខ្ញុំពេលក្រោយ",
)
BAD_DATE = "សូមវាយថ្ងៃ/ខែ/ឆ្នាំ ឧទាហរណ៍ ២៥/១២/២០២៧ ឬ 25/12/2027។ ឬចុចប៊ូតុង។"


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# What arrives: the neutral line and «📖 Read», all a lock screen or a notification can show.
SEALED = {
    "km": "🔔 សួស្ដី។ មានសារខ្លីមួយសម្រាប់អ្នក។\nសូមចុច «📖 អាន» ដើម្បីមើល។",
    "en": "🔔 Hello. There is a short message for you.\nTap «📖 Read» to see it.",
}


async def reminders(person: Person) -> list[str]:
    """The paper reminders that arrived since the last look, each opened with «📖 Read» as she
    would: what Read shows (the sealed message said only the neutral line)."""
    person.new_texts()
    for message in list(person.bot.telegram.chats.get(person.id, [])):
        for _, data in message.buttons():
            if data.startswith("doc:read:"):
                assert message.text in SEALED.values(), message.text
                await person.press(data, message)
    return [t for t in person.new_texts() if t.startswith("📄")]


async def permit_until(bot: Bot, villager: Person, typed: str, **trip: str) -> int:
    """Registers a trip (registered 1 March 2026) and gives the work permit's end date."""
    departure_id = await sent_departure(bot, villager, **trip)
    await villager.send("/documents")
    await villager.click(PERMIT)
    await villager.send(typed)
    return departure_id


async def test_the_passport_date_in_khmer_digits_flags_a_passport_that_ends_soon(
    bot: Bot,
) -> None:
    leader, villager = bot.user(1501, "Chief"), bot.user(1502)
    await make_leader(bot, leader)
    await onboard(villager)
    await register_departure(
        villager, papers=("ប៉ាស្ព័រ", "វីសា ឬប័ណ្ណការងារ"), passport_until="១០/០៦/២០២៦"
    )
    review = villager.last_text()
    assert "<b>ប៉ាស្ព័រផុតកំណត់៖</b> ១០ មិថុនា ២០២៦" in review
    assert "ប៉ាស្ព័រនេះ នៅសល់តិចជាង ៦ ខែ ពីថ្ងៃចេញដំណើរ" in review
    await villager.click(SEND)
    [departure] = await bot.store.departures_of(1502)
    assert "passport_ends_soon" in departure.risk_flags
    assert "ប៉ាស្ព័រជិតផុតកំណត់" in leader.last_text()  # the leader's notice names the flag
    [passport] = await bot.store.documents_of(departure.departure_id)
    assert (passport.kind, str(passport.expires_on)) == ("passport", "2026-06-10")


async def test_a_passport_good_for_years_is_no_risk_and_i_dont_know_is_an_answer(
    bot: Bot,
) -> None:
    villager = bot.user(1503)
    await onboard(villager)
    await register_departure(villager, papers=("ប៉ាស្ព័រ",), passport_until="25/12/2030")
    assert "ប៉ាស្ព័រនេះផុតកំណត់" not in villager.last_text()
    await villager.click(SEND)
    await register_departure(villager, papers=("ប៉ាស្ព័រ",))  # taps "I don't know"
    assert "<b>ប៉ាស្ព័រផុតកំណត់៖</b> មិនដឹង" in villager.last_text()
    await villager.click(SEND)
    second, first = await bot.store.departures_of(1503)
    assert "passport_ends_soon" not in first.risk_flags
    [unknown] = await bot.store.documents_of(second.departure_id)
    assert unknown.expires_on is None


async def test_bad_passport_dates_are_explained_and_change_nothing(bot: Bot) -> None:
    villager = bot.user(1504)
    await onboard(villager)
    await villager.send("/plan")
    for step in ("សមាជិកគ្រួសារខ្ញុំ", "ស្ត្រី", "🇲🇾 ម៉ាឡេស៊ី"):
        if step == "ស្ត្រី":
            await villager.send("Dara")
        await villager.click(step)
        if step == "ស្ត្រី":
            await villager.send("២២")
    await villager.click("រោងចក្រ")
    await villager.click("ខ្លី តាមរដូវ (ពីរបីខែ)")
    await villager.click("មេខ្យល់")
    await villager.click("⬜ ប៉ាស្ព័រ")
    await villager.click("✅ រួចរាល់")
    question = villager.last_text()
    assert "តើប៉ាស្ព័រផុតកំណត់ថ្ងៃណា?" in question
    for wrong in ("៣១/០២/២០២៧", "tomorrow", "x" * 5000, "01/01/1990"):
        await villager.send(wrong)
        assert villager.last_text().startswith(BAD_DATE)
    await villager.send_sticker()
    assert villager.last_text().startswith(BAD_DATE)
    await villager.press("plan:x:passport_until:maybe")  # forged
    assert villager.last_alert() == "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"
    await bot.restart()  # the question survives a restart
    await villager.send("២៨/០២/២០២៨")
    assert "សំណួរទី" in villager.last_text() and "តើប៉ាស្ព័រផុតកំណត់" not in villager.last_text()


@pytest.mark.parametrize(
    ("destination", "hours_ahead"),
    [("🇹🇭 ថៃ", 7), ("🇲🇾 ម៉ាឡេស៊ី", 8)],  # 08:00 local is 01:00 UTC in Bangkok, 00:00 in KL
)
async def test_three_reminders_arrive_at_8_where_the_person_is(
    bot: Bot, destination: str, hours_ahead: int
) -> None:
    villager = bot.user(1510)
    await permit_until(bot, villager, "៣០/០៩/២០២៦", destination=destination)
    assert "✅ បានរក្សាទុក៖ ប័ណ្ណការងារ ផុតកំណត់នៅថ្ងៃ ៣០ កញ្ញា ២០២៦។" in villager.last_text()
    await reminders(villager)
    # 120, 30 and 7 days before 30 September: 2 June, 31 August, 23 September.
    for month, day, left in ((6, 2, "១២០"), (8, 31, "៣០"), (9, 23, "៧")):
        eight = utc(2026, month, day, 8) - timedelta(hours=hours_ahead)
        await sweep_at(bot, eight - timedelta(minutes=1))  # 07:59 there: not yet
        assert await reminders(villager) == []
        await sweep_at(bot, eight)
        [text] = await reminders(villager)
        assert text.startswith("📄 <b>សូមចាំ៖ ប័ណ្ណការងារ របស់អ្នកផុតកំណត់នៅថ្ងៃ ៣០ កញ្ញា ២០២៦</b>")
        assert f"(នៅសល់ {left} ថ្ងៃទៀត)" in text
        assert "ស្ថានទូតកម្ពុជា" in text  # whom to ask, with the embassy line of that country
        assert villager.buttons() == [RENEW, HELP, LATER]
        await sweep_at(bot, eight + timedelta(hours=4))
        assert await reminders(villager) == []  # never twice
    await sweep_at(bot, utc(2026, 10, 30, 5))
    assert await reminders(villager) == []


async def test_malaysia_gets_it_at_midnight_utc_and_not_a_minute_before(bot: Bot) -> None:
    villager = bot.user(1511)
    await permit_until(bot, villager, "30/09/2026", destination="🇲🇾 ម៉ាឡេស៊ី")
    await reminders(villager)
    await sweep_at(bot, utc(2026, 6, 1, 23, 59))  # 07:59 in Kuala Lumpur
    assert await reminders(villager) == []
    await sweep_at(bot, utc(2026, 6, 2, 0))
    [text] = await reminders(villager)
    assert "+60 3 4257 1150" in text  # the Kuala Lumpur embassy


ASK_BOSS = "សួរនរណា៖ ថៅកែ ឬក្រុមហ៊ុនជ្រើសរើសពលករ របស់អ្នក និងស្ថានទូតកម្ពុជា៖"
IF_KEPT = "បើថៅកែកំពុងទុកប៉ាស្ព័ររបស់អ្នក សូមហៅស្ថានទូត ឬលេខទូរស័ព្ទជំនួយសិន (/help)។"
ASK_EMBASSY_FIRST = "សួរនរណាមុនគេ៖ ស្ថានទូតកម្ពុជា ឬលេខទូរស័ព្ទជំនួយ (/help)៖"


async def test_someone_whose_boss_keeps_the_papers_is_not_sent_to_ask_the_boss(bot: Bot) -> None:
    """Asking a boss who holds the passport can put a person in danger: the embassy first."""
    told, kept = bot.user(1512), bot.user(1513)
    for villager in (told, kept):
        await permit_until(bot, villager, "30/09/2026")
    await sweep_at(bot, utc(2026, 3, 4, 1))  # the first check-in, 08:00 in Bangkok
    await kept.click("😟 ខ្ញុំមានបញ្ហា")
    await kept.click("🛂 ថៅកែយកប៉ាស្ព័រ ឬឯកសារខ្ញុំទុក")
    await reminders(told), await reminders(kept)
    await sweep_at(bot, utc(2026, 6, 2, 1))  # 120 days before
    [usual] = await reminders(told)
    assert ASK_BOSS in usual and IF_KEPT in usual  # everyone hears what to do if it happens
    [text] = await reminders(kept)
    assert ASK_EMBASSY_FIRST in text and "+66 2 957 5851" in text
    assert "ថៅកែ ឬក្រុមហ៊ុនជ្រើសរើសពលករ" not in text


async def test_done_asks_the_new_date_and_re_plans(bot: Bot) -> None:
    villager = bot.user(1520)
    departure_id = await permit_until(bot, villager, "30/09/2026")
    await sweep_at(bot, utc(2026, 6, 2, 1))
    assert len(await reminders(villager)) == 1
    await villager.click(RENEW)
    assert villager.last_text().startswith("តើប័ណ្ណការងារផុតកំណត់ថ្ងៃណា?")
    await villager.send("hello")
    assert villager.last_text().startswith(BAD_DATE)
    await villager.send("៣០/០៩/២០២៧")
    assert "ផុតកំណត់នៅថ្ងៃ ៣០ កញ្ញា ២០២៧" in villager.last_text()
    [permit] = await bot.store.documents_of(departure_id)
    assert permit.renewals == 1
    await sweep_at(bot, utc(2026, 8, 31, 2))
    await sweep_at(bot, utc(2026, 9, 23, 2))
    assert await reminders(villager) == []  # the old date's reminders are gone
    await sweep_at(bot, utc(2027, 6, 2, 1))  # 120 days before the new date
    [text] = await reminders(villager)
    assert "៣០ កញ្ញា ២០២៧" in text
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    await staff.send("/report all all")
    report = staff.new_texts()
    joined = "\n".join(report)
    assert "Reminders sent before papers end: 2" in joined
    assert "Papers renewed (a later date given): 1" in joined


async def test_a_late_entry_catches_up_once_then_the_plan_goes_on(bot: Bot) -> None:
    villager = bot.user(1530)
    await permit_until(bot, villager, "២០/០៣/២០២៦")  # 19 days ahead: 120 and 30 already past
    await sweep_at(bot, utc(2026, 3, 1, 3))
    [catch_up] = await reminders(villager)
    assert "(នៅសល់ ១៩ ថ្ងៃទៀត)" in catch_up
    await sweep_at(bot, utc(2026, 3, 2, 3))
    await sweep_at(bot, utc(2026, 3, 12, 3))
    assert await reminders(villager) == []  # one catch-up, not a burst
    await sweep_at(bot, utc(2026, 3, 13, 1))  # 7 days before, 08:00 Bangkok
    [seven] = await reminders(villager)
    assert "(នៅសល់ ៧ ថ្ងៃទៀត)" in seven


PASSED_STAY = (  # review E5, for a paper a legal stay needs once its date has gone by
    "ធ្វើការនៅក្រៅប្រទេសស្របច្បាប់ ត្រូវមាន៖ ប៉ាស្ព័រ វីសា និងប័ណ្ណការងារ។ បើគ្មាន គេអាចចាប់អ្នក។\n"
    "សូមហៅស្ថានទូតកម្ពុជា ឬលេខទូរស័ព្ទជំនួយ (/help) ឆាប់ៗ ដើម្បីសួរថាត្រូវធ្វើអ្វី។\n"
    "កុំទៅសួរប៉ូលិសដោយខ្លួនឯង។ តែបើជីវិតអ្នកមានគ្រោះថ្នាក់ ហៅប៉ូលិសភ្លាម។"
)
NUMBERS = "📞 លេខទូរស័ព្ទជំនួយ"


async def test_a_reminder_arrives_sealed_and_only_she_can_open_it(bot: Bot) -> None:
    """A notification may show several lines: "visa: the date has passed" on the phone of someone
    abroad, where an employer may hold it, is a danger (Khmer reader, pass 2). What arrives is the
    neutral line and «📖 Read»; the reminder opens on her tap, and a forged press opens nothing."""
    villager, other = bot.user(1541), bot.user(1542)
    await permit_until(bot, villager, "15/02/2026")
    await onboard(other)
    villager.new_texts()
    await sweep_at(bot, utc(2026, 3, 1, 3))
    assert villager.new_texts() == [SEALED["km"]]
    assert villager.buttons() == ["📖 អាន"]
    [sealed] = [m for m in bot.telegram.chats[villager.id] if m.text == SEALED["km"]]
    [data] = [d for _, d in sealed.buttons()]
    await other.press(data, bot.telegram.add(forged_copy(other.id, bot, data)))
    assert other.last_alert() == "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"
    assert sealed.text == SEALED["km"]  # nothing opened
    await villager.press(data, sealed)
    assert sealed.text.startswith("📄 <b>ប័ណ្ណការងារ៖")  # opened in place
    assert "📖 អាន" not in villager.buttons()


def forged_copy(chat_id: int, bot: Bot, data: str) -> ChatMessage:
    """A message in someone else's chat carrying the button data of another person's reminder."""
    forged = ChatMessage(chat_id, bot.telegram.new_message_id(chat_id), "…", True)
    forged.reply_markup = {"inline_keyboard": [[{"text": "📖 អាន", "callback_data": data}]]}
    return forged


async def test_a_date_already_past_gets_one_reminder_with_what_to_do_now(bot: Bot) -> None:
    """Past the date she is out of a legal stay: not "ask in time, before it ends" (review N10,
    W39), but the embassy or a hotline now, not the police alone, the police if her life is in
    danger; no "remind me later"; the numbers of where she is on a tap."""
    villager, other = bot.user(1531), bot.user(1532)
    await permit_until(bot, villager, "15/02/2026")
    await onboard(other)
    await sweep_at(bot, utc(2026, 3, 1, 3))
    [passed] = await reminders(villager)
    assert passed == (
        "📄 <b>ប័ណ្ណការងារ៖ ថ្ងៃដែលអ្នកបានប្រាប់ គឺ ១៥ កុម្ភៈ ២០២៦ បានកន្លងផុតហើយ។</b>\n\n"
        f"{PASSED_STAY}\n\n"
        "<b>ស្ថានទូតកម្ពុជា នៅបាងកក</b>\n📞 +66 2 957 5851 / 5852\n\n"  # contacts.yaml
        "📞 191 ប៉ូលិស៖ ពេលជីវិតមានគ្រោះថ្នាក់"
    )
    assert "ទាន់ពេល" not in passed and "ថៅកែ" not in passed  # not "in time", not the boss
    assert villager.buttons() == [RENEW, HELP, NUMBERS]
    forged = next(d for d in villager.button_data() if d.startswith("doc:numbers:"))

    await villager.click(NUMBERS)
    numbers = villager.last_text()  # Thailand's numbers, below the reminder
    assert numbers.startswith("<b>") and "1-800-010-181" in numbers and "191" in numbers
    await villager.click(RENEW)  # the reminder kept its buttons
    assert villager.last_text().startswith("តើប័ណ្ណការងារផុតកំណត់ថ្ងៃណា?")
    await other.press(forged)  # not their reminder
    assert other.last_alert() == "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"
    assert "1-800-010-181" not in "\n".join(other.new_texts())
    await sweep_at(bot, utc(2026, 3, 9, 3))
    assert await reminders(villager) == []


async def test_a_contract_past_its_date_asks_what_comes_next(bot: Bot) -> None:
    villager = bot.user(1533)
    await sent_departure(bot, villager)
    await villager.send("/documents")
    await villager.click("📄 កិច្ចសន្យាការងារ")
    await villager.send("15/02/2026")
    await sweep_at(bot, utc(2026, 3, 1, 3))
    [passed] = await reminders(villager)
    assert "សូមសួរថា ក្រោយកិច្ចសន្យាការងារ តើមានអ្វីបន្ទាប់៖ កិច្ចសន្យាថ្មី ឬការត្រឡប់មកផ្ទះវិញ។" in passed
    assert "ទាន់ពេល" not in passed and ASK_BOSS in passed
    assert villager.buttons() == [RENEW, HELP, NUMBERS]


async def test_english_passed_reminder_reads_whole(bot: Bot) -> None:
    villager = bot.user(1534, "Dara", "en")
    await sent_departure(bot, villager)
    await villager.send("/language")
    await villager.click("English")
    await villager.send("/documents")
    await villager.click("📄 Visa")
    await villager.send("15/02/2026")
    villager.new_texts()
    await sweep_at(bot, utc(2026, 3, 1, 3))
    [text] = await reminders(villager)
    assert text == (
        "📄 <b>Visa: the date you gave, February 15, 2026, has passed.</b>\n\n"
        "To work abroad legally you need a passport, a visa and a work permit. Without them you "
        "can be arrested.\n"
        "Call the embassy of Cambodia or a hotline (/help) soon, to ask what to do.\n"
        "Do not go to ask the police on your own. But if your life is in danger, call the police "
        "at once.\n\n"
        "<b>Embassy of Cambodia, Bangkok</b>\n📞 +66 2 957 5851 / 5852\n\n"
        "📞 191 Police: when a life is in danger"
    )
    assert villager.buttons() == [
        "✅ Done: I have the new date",
        "🙋 I need help",
        "📞 Numbers for help",
    ]


@pytest.mark.parametrize("crash", [False, True])
async def test_a_restart_in_between_loses_nothing_and_doubles_nothing(
    bot: Bot, crash: bool
) -> None:
    villager = bot.user(1540)
    await permit_until(bot, villager, "30/09/2026")
    await reminders(villager)
    await bot.restart(crash=crash)
    await sweep_at(bot, utc(2026, 6, 2, 1))
    assert len(await reminders(villager)) == 1
    # Queued, then the process dies before the drainer sends it: sent once after the restart.
    bot.clock.advance(utc(2026, 8, 31, 1) - bot.clock.now())
    assert bot.app is not None
    assert await queue_due_document_reminders(BotContext(bot.app)) == 1
    await bot.restart(crash=crash)
    await sweep_at(bot, utc(2026, 8, 31, 1, 5))
    await sweep_at(bot, utc(2026, 8, 31, 1, 10))
    assert len(await reminders(villager)) == 1
    await bot.restart(crash=crash)
    await sweep_at(bot, utc(2026, 9, 23, 1))
    await sweep_at(bot, utc(2026, 9, 23, 2))
    assert len(await reminders(villager)) == 1


async def test_a_person_who_blocked_the_bot_keeps_their_plan(bot: Bot) -> None:
    villager = bot.user(1545)
    departure_id = await permit_until(bot, villager, "30/09/2026")
    [permit] = await bot.store.documents_of(departure_id)
    bot.telegram.blocked.add(1545)
    await sweep_at(bot, utc(2026, 6, 2, 1))
    steps = await bot.store.document_reminders_of(permit.document_id)
    assert [(r.number, r.status) for r in steps] == [(0, "failed"), (1, "planned")]
    bot.telegram.blocked.discard(1545)  # they unblock: the next one reaches them
    bot.telegram.refusals.clear()  # only the check-ins' and this reminder's refusals
    await reminders(villager)
    await sweep_at(bot, utc(2026, 8, 31, 1))
    assert len(await reminders(villager)) == 1


async def test_i_need_help_tells_the_chief_once(bot: Bot) -> None:
    leader, villager = bot.user(1550, "Chief", "en"), bot.user(1551)
    await make_leader(bot, leader, lang="en")
    await permit_until(bot, villager, "30/09/2026")
    await sweep_at(bot, utc(2026, 6, 2, 1))
    await reminders(villager)
    leader.new_texts()
    await villager.click(HELP)
    assert "យើងបានប្រាប់មេភូមិរបស់អ្នកហើយ" in villager.last_text()
    assert "+66 2 957 5851" in villager.last_text()  # and the embassy line
    [alert] = [t for t in leader.new_texts() if "papers that end soon" in t]
    assert "Papers: Work permit" in alert and "Srey Mom" in alert
    case = await bot.store.recent_open_alert(1551, "document", utc(2026, 1, 1, 0))
    assert case is not None and case.details == ("work_permit",)  # a case of its own kind
    await villager.click(HELP)  # a double tap tells nobody twice
    assert villager.last_alert() == "អ្នកបានឆ្លើយរួចហើយ។ អរគុណ។"
    assert leader.new_texts() == []
    other = bot.user(1552)
    await onboard(other)
    reminder_id = (await bot.store.due_document_reminders(utc(2030, 1, 1, 0)))[0].reminder_id
    await other.press(f"doc:help:{reminder_id}")  # forged: not their reminder
    assert other.last_alert() == "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"
    assert leader.new_texts() == []


async def test_remind_me_later_brings_it_back_in_three_days(bot: Bot) -> None:
    leader, villager = bot.user(1561, "Chief"), bot.user(1560)
    await make_leader(bot, leader)
    await permit_until(bot, villager, "30/09/2026")
    await sweep_at(bot, utc(2026, 6, 2, 1))
    await reminders(villager)
    await villager.click(LATER)
    assert villager.last_text() == "⏰ បានហើយ។ យើងនឹងរំលឹកអ្នកម្ដងទៀត នៅថ្ងៃ ៥ មិថុនា ២០២៦។"
    await villager.click(LATER)
    assert villager.last_alert() == "អ្នកបានឆ្លើយរួចហើយ។ អរគុណ។"
    leader.new_texts()
    await villager.click(HELP)  # help after "later" still tells the chief, once
    await villager.click(HELP)
    assert len([t for t in leader.new_texts() if "សុំជំនួយអំពីឯកសារ" in t]) == 1
    await sweep_at(bot, utc(2026, 6, 4, 1))
    assert await reminders(villager) == []
    await sweep_at(bot, utc(2026, 6, 5, 1))
    assert len(await reminders(villager)) == 1
    await sweep_at(bot, utc(2026, 8, 31, 1))
    assert len(await reminders(villager)) == 1  # and the plan goes on


async def test_coming_home_or_cancelling_stops_the_reminders(bot: Bot) -> None:
    villager, other = bot.user(1570), bot.user(1571)
    await permit_until(bot, villager, "30/09/2026")
    await permit_until(bot, other, "30/09/2026")
    await villager.send("/home")
    await other.send("/mydepartures")
    await other.click("✖️ បោះបង់៖ Srey Mom")
    await other.click("បាទ/ចាស បោះបង់")
    await reminders(villager), await reminders(other)
    await sweep_at(bot, utc(2026, 6, 2, 1))
    assert await reminders(villager) == [] and await reminders(other) == []


async def test_documents_screen_mydata_delete_and_bad_input(bot: Bot) -> None:
    villager = bot.user(1580)
    await onboard(villager)
    await villager.send("/documents")
    assert villager.last_text().startswith("ថ្ងៃផុតកំណត់របស់ឯកសារ គឺសម្រាប់ការចេញដំណើរទៅក្រៅប្រទេស")
    await register_departure(villager)
    await villager.click(SEND)
    await villager.send("/mydepartures")
    await villager.click("📄 ថ្ងៃផុតកំណត់ឯកសារ")
    screen = villager.last_text()
    assert "ធ្វើការនៅក្រៅប្រទេសស្របច្បាប់ ត្រូវមាន" in screen  # a broker, no papers
    assert "កុំទៅសួរប៉ូលិសដោយខ្លួនឯង។ តែបើជីវិតមានគ្រោះថ្នាក់ ហៅប៉ូលិសភ្លាម។" in screen
    assert "យើងនឹងរំលឹកអ្នក ១២០, ៣០, ៧ ថ្ងៃ" in screen
    await villager.send("hello")
    assert villager.last_text().startswith("សូមឆ្លើយដោយចុចប៊ូតុងណាមួយខាងក្រោម។")
    await villager.click("📄 វីសា")
    await villager.send_photo()
    assert villager.last_text().startswith(BAD_DATE)
    await villager.click("🤷 ខ្ញុំមិនដឹង")
    assert "វីសា មិនដឹងថ្ងៃផុតកំណត់" in villager.last_text()
    await villager.click("📄 ប៉ាស្ព័រ")
    await bot.restart(crash=True)  # the question is still open after a crash
    await villager.send("01/05/2031")
    assert villager.last_text().startswith("✅ បានរក្សាទុក៖ ប៉ាស្ព័រ ផុតកំណត់នៅថ្ងៃ ១ ឧសភា ២០៣១")
    await villager.press("doc:set:driving_licence")  # forged
    assert villager.last_alert() == "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"
    await villager.send("/mydata")
    mydata = villager.last_text()
    assert "• ប៉ាស្ព័រ៖ ១ ឧសភា ២០៣១" in mydata and "• វីសា៖ មិនដឹង" in mydata
    await villager.send("/delete")
    await villager.click(villager.buttons()[0])
    assert await bot.store.rows_about(1580) == 0
    assert await bot.store.documents_of_user(1580) == []


async def test_leaders_see_who_has_a_date_within_30_days(bot: Bot) -> None:
    leader, soon, later = bot.user(1590, "Chief"), bot.user(1591), bot.user(1592)
    await make_leader(bot, leader)
    await permit_until(bot, soon, "២០/០៣/២០២៦", name="Srey Pov")
    await permit_until(bot, later, "30/09/2026", name="Sophea")
    await leader.send("/away")
    away = leader.last_text()
    assert "📄 ប័ណ្ណការងារ ផុតកំណត់នៅថ្ងៃ ២០ មីនា ២០២៦" in away
    assert "៣០ កញ្ញា ២០២៦" not in away


async def test_english_reminder_reads_whole(bot: Bot) -> None:
    villager = bot.user(1600, "Dara", "en")
    await sent_departure(bot, villager)
    await villager.send("/language")
    await villager.click("English")
    await villager.send("/documents")
    await villager.click("📄 Work permit")
    await villager.send("30/09/2026")
    assert "✅ Saved: Work permit ends on September 30, 2026." in villager.last_text()
    villager.new_texts()
    await sweep_at(bot, utc(2026, 6, 2, 1))
    text = next(t for t in await reminders(villager) if t.startswith("📄 <b>Reminder"))
    assert "(in 120 days)" in text and "Embassy of Cambodia, Bangkok" in text
    assert villager.buttons() == [
        "✅ Done: I have the new date",
        "🙋 I need help",
        "⏰ Remind me later",
    ]
