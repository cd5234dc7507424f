"""Check-ins after arrival, in the migrant's own time zone, with silence treated as a signal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from content.bundle import CONTENT_DIR
from content.pictures import picture_file
from printables.drawing import described
from tests.support.chat import Bot, Person
from tests.support.journeys import (
    STAFF_ID,
    make_leader,
    onboard,
    sent_departure,
    sweep_at,
)

PROMPT_KM = "សួស្ដី! សុខសប្បាយទេ? សូមចុចប៊ូតុងមួយខាងក្រោម៖"
REMINDER_KM = "សួស្ដីម្ដងទៀត! គ្រាន់តែចុចប៊ូតុងមួយខាងក្រោម ដើម្បីឱ្យយើងដឹងពីសុខទុក្ខរបស់អ្នក៖"


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


pytestmark = pytest.mark.staffed


def prompts(person: Person) -> list[str]:
    return [t for t in person.new_texts() if t in (PROMPT_KM, REMINDER_KM)]


async def test_the_first_check_in_comes_the_day_after_arrival_at_8_in_thailand(bot: Bot) -> None:
    villager = bot.user(500)
    await sent_departure(bot, villager)  # registered 1 March; leaves 2 March, arrives 3 March
    prompts(villager)
    await sweep_at(bot, utc(3, 4, 0, 59))  # 07:59 in Bangkok on 4 March
    assert prompts(villager) == []
    await sweep_at(bot, utc(3, 4, 1, 0))  # 08:00 in Bangkok
    assert prompts(villager) == [PROMPT_KM]
    assert villager.buttons() == [
        "🙂 ខ្ញុំសុខសប្បាយ",
        "😟 ខ្ញុំមានបញ្ហា",
        "🚨 ខ្ញុំត្រូវការជំនួយឥឡូវនេះ",
        "🏡 ខ្ញុំត្រឡប់មកផ្ទះវិញហើយ",
    ]
    await sweep_at(bot, utc(3, 4, 1, 5))
    assert prompts(villager) == []  # never the same prompt twice


async def test_korea_is_two_hours_ahead_and_night_waits_for_morning(bot: Bot) -> None:
    villager = bot.user(501)
    await sent_departure(bot, villager, destination="🇰🇷 កូរ៉េខាងត្បូង")
    prompts(villager)
    await sweep_at(bot, utc(3, 3, 23, 0))  # 08:00 in Seoul on 4 March
    assert prompts(villager) == [PROMPT_KM]
    await villager.click("🙂 ខ្ញុំសុខសប្បាយ")
    # the next one (7 days after arrival) falls due at 08:00 Seoul on 10 March; at 21:00 Seoul
    # the sweep finds nothing, and at night a due prompt waits for the window
    await sweep_at(bot, utc(3, 9, 12, 0))
    assert prompts(villager) == []
    await sweep_at(bot, utc(3, 9, 23, 0))
    assert prompts(villager) == [PROMPT_KM]


async def test_silence_reminds_twice_then_tells_the_leader_then_staff(bot: Bot) -> None:
    leader, villager, staff = (
        bot.user(510, "Chief"),
        bot.user(511),
        bot.user(STAFF_ID, "Staff", "en"),
    )
    await onboard(staff, "en")
    await make_leader(bot, leader)
    await sent_departure(bot, villager)
    leader.new_texts()
    await sweep_at(bot, utc(3, 4, 1))
    assert prompts(villager) == [PROMPT_KM]
    await sweep_at(bot, utc(3, 5, 0, 59))
    assert prompts(villager) == []
    await sweep_at(bot, utc(3, 5, 1))  # 24 h
    assert prompts(villager) == [REMINDER_KM]
    await sweep_at(bot, utc(3, 6, 1))  # 48 h
    assert prompts(villager) == [REMINDER_KM]
    await sweep_at(bot, utc(3, 7, 1))  # 72 h: the leader is told
    alert = leader.last_text()
    assert alert.startswith("🔕 <b>មិនបានឆ្លើយការសួរសុខទុក្ខ អស់រយៈពេល ៣ ថ្ងៃ</b>")
    assert "Srey Mom" in alert and "012 345 678" in alert  # the family phone to try
    staff.new_texts()
    await sweep_at(bot, utc(3, 7, 3, 59))
    assert staff.new_texts() == []
    # Nobody took it on within cases.take_on (3 h): the leader is reminded, staff get it.
    await sweep_at(bot, utc(3, 7, 4, 1))
    assert staff.last_text().startswith("⏰ <b>Nobody has taken this case on yet")
    assert "🔕 <b>No reply to check-ins for 3 days</b>" in staff.last_text()
    assert leader.last_text().startswith("⏰ <b>មិនទាន់មាននរណាទទួលជួយករណីនេះ")
    await staff.click("🤝 I will handle it")
    assert "🤝 Staff កំពុងជួយ" in leader.last_text()  # the leader's copy shows it too
    # The villager sent nothing: "has seen your message" would be false.
    assert villager.last_text() == "👋 នរណាម្នាក់ នឹងព្យាយាមទាក់ទងអ្នក។"


async def test_an_answer_stops_the_reminders(bot: Bot) -> None:
    villager = bot.user(520)
    await sent_departure(bot, villager)
    await sweep_at(bot, utc(3, 4, 1))
    await villager.click("🙂 ខ្ញុំសុខសប្បាយ")
    assert villager.last_text().startswith("អរគុណ។ សូមថែរក្សាខ្លួន។")
    prompts(villager)
    await sweep_at(bot, utc(3, 5, 2))
    await sweep_at(bot, utc(3, 6, 2))
    assert prompts(villager) == []
    await villager.click("🧹 លុបសារទាំងនេះ")
    assert not any(m.text == PROMPT_KM for m in villager._messages())


async def test_a_late_registration_catches_up_once(bot: Bot) -> None:
    villager = bot.user(530)
    await onboard(villager)
    await villager.send("/plan")
    for step in ("c:who:self",):
        await villager.press(f"plan:{step}")
    await villager.send("Dara")
    await villager.press("plan:c:gender:male")
    await villager.send("25")
    for step in ("c:destination:TH", "c:work:farm", "c:duration:short", "c:channel:friends"):
        await villager.press(f"plan:{step}")
    await villager.click("✅ រួចរាល់")
    await villager.click("រំលង")
    await villager.click("រំលង")
    await villager.send("15/02")  # left two weeks ago
    await villager.send("16/02")
    await villager.click("ហេតុផលផ្សេង")
    await villager.click("រំលង")
    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    prompts(villager)
    await sweep_at(bot, utc(3, 1, 2, 30))  # 09:30 in Bangkok: the catch-up goes now
    assert prompts(villager) == [PROMPT_KM]
    [departure] = await bot.store.departures_of(530)
    checkins = await bot.store.checkins_of(departure.departure_id)
    assert [(c.number, c.catch_up, c.status) for c in checkins] == [
        (1, True, "sent"),  # 17 and 23 Feb folded into one
        (2, False, "planned"),
    ]
    assert checkins[1].due_at == utc(3, 2, 1)  # 14 days after arrival, 08:00 Bangkok


async def test_new_dates_re_plan_and_cancel_stops(bot: Bot) -> None:
    villager = bot.user(540)
    departure_id = await sent_departure(bot, villager)
    await villager.send("/mydepartures")
    await villager.click("📅 ប្ដូរថ្ងៃ៖ Srey Mom")
    await villager.send("10/03")
    await villager.send("12/03")
    planned = [c for c in await bot.store.checkins_of(departure_id) if c.status == "planned"]
    assert [c.due_at for c in planned] == [utc(3, 13, 1)]
    await villager.send("/mydepartures")
    await villager.click("✖️ បោះបង់៖ Srey Mom")
    await villager.click("បាទ/ចាស បោះបង់")
    prompts(villager)
    await sweep_at(bot, utc(3, 13, 2))
    assert prompts(villager) == []


@pytest.mark.parametrize("crash", [False, True])
async def test_a_restart_between_sweeps_sends_nothing_twice(bot: Bot, crash: bool) -> None:
    villager = bot.user(550)
    await sent_departure(bot, villager)
    prompts(villager)
    await sweep_at(bot, utc(3, 4, 1))
    await bot.restart(crash=crash)
    await sweep_at(bot, utc(3, 4, 1, 10))
    assert prompts(villager) == [PROMPT_KM]


async def test_a_failing_send_is_tried_again_later(bot: Bot) -> None:
    villager = bot.user(560)
    await sent_departure(bot, villager)
    prompts(villager)
    bot.telegram.failing[560] = 1
    await sweep_at(bot, utc(3, 4, 1))
    assert prompts(villager) == []
    await sweep_at(bot, utc(3, 4, 1, 0) + timedelta(seconds=5))
    assert prompts(villager) == []  # retried after 10 seconds, not at once
    await sweep_at(bot, utc(3, 4, 1, 0) + timedelta(seconds=10))
    assert prompts(villager) == [PROMPT_KM]
    assert bot.telegram.refusals == [("sendMessage", "Bad Gateway")]  # the planned failure only
    bot.telegram.refusals.clear()


async def test_a_blocked_migrant_escalates_to_the_leader(bot: Bot) -> None:
    leader, villager = bot.user(570, "Chief"), bot.user(571)
    await make_leader(bot, leader)
    await sent_departure(bot, villager)
    bot.telegram.blocked.add(571)
    await sweep_at(bot, utc(3, 4, 1))
    assert leader.last_text().startswith("🔕 <b>ទាក់ទងតាម Telegram មិនបាន</b>")
    assert bot.telegram.refusals == [("sendMessage", "Forbidden: bot was blocked by the user")]
    bot.telegram.refusals.clear()  # the only refusal, and the one this test is about


async def test_need_help_reaches_leader_and_staff_and_the_answer_reaches_the_person(
    bot: Bot,
) -> None:
    leader, villager, staff = (
        bot.user(580, "Chief"),
        bot.user(581),
        bot.user(STAFF_ID, "Staff", "en"),
    )
    await onboard(staff, "en")
    await make_leader(bot, leader)
    await sent_departure(bot, villager)
    await sweep_at(bot, utc(3, 4, 1))
    await villager.click("🚨 ខ្ញុំត្រូវការជំនួយឥឡូវនេះ")
    text = villager.last_text()
    assert text.startswith("🚨 <b>យើងបានប្រាប់")
    assert "<b>ថៃ៖ លេខទូរស័ព្ទជំនួយ</b>" in text and "1-800-010-181" in text
    assert leader.last_text().startswith("🚨 <b>សុំជំនួយបន្ទាន់</b>")
    assert staff.last_text().startswith("🚨 <b>Asks for help now</b>")
    await leader.click("🤝 ខ្ញុំនឹងជួយ")
    assert villager.last_text() == "👍 នរណាម្នាក់ បានឃើញសាររបស់អ្នកហើយ។\nគាត់នឹងទាក់ទងអ្នក។"
    assert "🤝 Chief is handling it" in staff.last_text()
    await staff.click("✔️ Close")
    await staff.click("Safe and working")
    assert await bot.store.open_cases(None) == []


async def test_sos_works_without_a_registration_and_is_not_repeated(bot: Bot) -> None:
    stranger, staff = bot.user(590), bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    await stranger.send("/sos")
    assert stranger.last_text().startswith("🚨 <b>យើងបានប្រាប់")
    assert "<b>កម្ពុជា៖ លេខទូរស័ព្ទជំនួយ</b>" in stranger.last_text()
    assert staff.last_text().startswith("🚨 <b>Asks for help now (SOS)</b>")
    shown = len(staff.new_texts())
    await stranger.send("/sos")
    assert stranger.last_text().startswith("🚨 សារសុំជំនួយរបស់អ្នក បានផ្ញើរួចហើយ")
    assert len(staff.new_texts()) == 0 and shown


async def test_a_problem_with_its_advice_and_an_alert(bot: Bot) -> None:
    leader, villager = bot.user(600, "Chief"), bot.user(601)
    await make_leader(bot, leader)
    await sent_departure(bot, villager)
    await sweep_at(bot, utc(3, 4, 1))
    await villager.click("😟 ខ្ញុំមានបញ្ហា")
    leader.new_texts()
    await villager.click("🛂 ថៅកែយកប៉ាស្ព័រ ឬឯកសារខ្ញុំទុក")
    # A problem picked is a problem reported: the leader has it before any "done".
    told = "អរគុណដែលបានប្រាប់។ យើងបានប្រាប់មេភូមិរបស់អ្នកហើយ"
    assert villager.last_text().startswith(told)
    assert "ប៉ាស្ព័រ ជារបស់អ្នក។" in villager.last_text()  # and the advice for it
    [alert] = leader.new_texts()
    assert alert.startswith("⚠️ <b>ប្រាប់ថាមានបញ្ហានៅកន្លែងការងារ</b>")
    assert "ថៅកែយកប៉ាស្ព័រ" in alert and "ម៉ោងច្រើនពេក" not in alert  # only alerting ones
    await villager.click("🕛 ធ្វើការម៉ោងច្រើនពេក ឬកន្លែងស្នាក់នៅមិនល្អ")
    done = next(d for d in villager.button_data() if d.endswith(":done"))
    await villager.press(done)
    await villager.press(done)  # a double tap
    assert villager.last_text().startswith(told)
    assert leader.new_texts() == []  # one alert, not one per tap
    assert len(await bot.store.open_cases(None)) == 1


async def test_a_problem_shows_its_pictures_then_buttons_that_start_with_the_same_emoji(
    bot: Bot,
) -> None:
    villager = bot.user(604)
    await sent_departure(bot, villager)
    await sweep_at(bot, utc(3, 4, 1))
    assert villager.media() == []  # the prompt, as the lock screen may show it: no picture
    await villager.click("😟 ខ្ញុំមានបញ្ហា")
    # One picture of every problem, drawn with its button's emoji and no words at all...
    assert villager.media() == ["photo"]
    [sheet] = [m for m in villager._messages() if m.kind == "photo"]
    drawn = bot.telegram.files[str(sheet.file_id)].content
    assert drawn == picture_file(CONTENT_DIR, "km", "problems").read_bytes()
    assert len(drawn) < 40 * 1024  # one small download on paid data
    assert sheet.caption is None
    signs = ["🛂", "💸", "$", "⛓️", "🚷", "👊", "🕛", "🤥", "💭"]  # "$" is on the debt's ball
    assert described(drawn).splitlines() == signs
    # ...then, below it, the list: each button starts with the emoji drawn for it.
    kinds = [m.kind for m in villager._messages() if m.from_bot]
    assert kinds[-2:] == ["photo", "text"]
    assert villager.buttons() == [
        "🛂 ថៅកែយកប៉ាស្ព័រ ឬឯកសារខ្ញុំទុក",
        "💸 ខ្ញុំមិនបានប្រាក់ខែ ឬបានតិចជាងគេសន្យា",
        "⛓️ ខ្ញុំជំពាក់បំណុលថៅកែ ឬមេខ្យល់",
        "🚷 គេមិនឱ្យខ្ញុំចេញទៅណា ឬឈប់ពីការងារ",
        "👊 ខ្ញុំត្រូវគេគំរាម ឬធ្វើបាប",
        "🕛 ធ្វើការម៉ោងច្រើនពេក ឬកន្លែងស្នាក់នៅមិនល្អ",
        "🤥 ការងារមិនដូចគេសន្យាទេ",
        "💭 បញ្ហាផ្សេងទៀត",
        "✅ រួចរាល់",
    ]
    prompt = next(m for m in villager._messages() if m.text == PROMPT_KM)
    assert prompt.buttons() == []  # answered: its buttons are gone, not left to tap again
    await villager.click("🕛 ធ្វើការម៉ោងច្រើនពេក ឬកន្លែងស្នាក់នៅមិនល្អ")
    assert "🕛 ☑️ ធ្វើការម៉ោងច្រើនពេក ឬកន្លែងស្នាក់នៅមិនល្អ" in villager.buttons()  # still first
    assert villager.media() == ["photo"]  # the list changes in place; the picture once
    await villager.click("✅ រួចរាល់")
    await villager.click("🧹 លុបសារទាំងនេះ")
    # A phone shared or taken away keeps neither the list nor its pictures.
    assert [m.kind for m in villager._messages() if m.from_bot and m.kind == "photo"] == []
    assert not any(m.text == PROMPT_KM for m in villager._messages())


async def test_a_problem_picked_without_done_and_one_never_named_still_tell_someone(
    bot: Bot,
) -> None:
    leader, villager = bot.user(602, "Chief"), bot.user(603)
    await make_leader(bot, leader)
    await sent_departure(bot, villager)
    await sweep_at(bot, utc(3, 4, 1))
    await villager.click("😟 ខ្ញុំមានបញ្ហា")  # and then nothing: the phone was taken away
    leader.new_texts()
    await sweep_at(bot, utc(3, 4, 20))
    assert leader.new_texts() == []  # not at once: they may still say which
    await sweep_at(bot, utc(3, 5, 1, 1))  # a day later, inside the window
    [alert] = leader.new_texts()
    assert alert.startswith("⚠️ <b>ប្រាប់ថាមានបញ្ហានៅកន្លែងការងារ</b>")
    await sweep_at(bot, utc(3, 6, 1, 1))
    # Once (nobody took it on, so the reminders come: not the alert again).
    assert [t for t in leader.new_texts() if not t.startswith("⏰")] == []


async def test_home_stops_everything_and_an_old_prompt_is_met_kindly(bot: Bot) -> None:
    leader, villager = bot.user(610, "Chief"), bot.user(611)
    await make_leader(bot, leader)
    departure_id = await sent_departure(bot, villager)
    await sweep_at(bot, utc(3, 4, 1))
    old_prompt_data = next(d for d in villager.button_data() if d.endswith(":fine"))
    await villager.send("/home")
    assert villager.last_text().startswith("🏡 សូមស្វាគមន៍ ដែលអ្នកបានមកផ្ទះវិញ!")
    assert leader.last_text() == "🏡 Srey Mom បានត្រឡប់មកផ្ទះវិញហើយ។"
    await villager.click("▶️ ឆ្លើយសំណួរ")
    await villager.click("បានខ្លះ")
    await villager.click("១០០ ដល់ ៥០០ ដុល្លារ")
    await villager.click("⬜ ខ្ញុំមិនបានប្រាក់ខែ ឬបានតិចជាងគេសន្យា")
    await villager.click("✅ រួចរាល់")
    await villager.click("បាទ/ចាស ខ្ញុំទុកជាប់នឹងខ្លួន")
    await villager.click("មិនប្រាកដ")
    await villager.send_sticker()
    assert villager.last_text().startswith("សូមវាយរឿងរបស់អ្នកជាអក្សរ")
    await villager.send("The boss paid half. I came back with my friend.")
    await villager.click("បាទ/ចាស ចែករំលែកបាន ដោយមិនប្រាប់ឈ្មោះ")
    assert villager.last_text().startswith("អរគុណ។")
    [answers] = await bot.store.returns_of(611)
    assert answers["wage_as_promised"] == "partly" and answers["problems"] == "wages_withheld"
    assert answers["story_consent"] == 1

    prompts(villager)
    await sweep_at(bot, utc(4, 20, 2))
    assert prompts(villager) == []  # no more check-ins
    await villager.press(old_prompt_data)
    assert "ការសួរសុខទុក្ខនេះ បានបិទហើយ" in villager.last_text()
    assert all(c.status != "planned" for c in await bot.store.checkins_of(departure_id))


async def test_someone_else_cannot_answer_a_check_in(bot: Bot) -> None:
    villager, other = bot.user(620), bot.user(621)
    await sent_departure(bot, villager)
    await sweep_at(bot, utc(3, 4, 1))
    data = next(d for d in villager.button_data() if d.endswith(":help"))
    await onboard(other)
    await other.press(data)
    assert other.last_alert() == "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"
    assert await bot.store.open_cases(None) == []


async def test_delete_stops_check_ins(bot: Bot) -> None:
    villager = bot.user(630)
    await sent_departure(bot, villager)
    await villager.send("/delete")
    await villager.click("បាទ/ចាស លុបទាំងអស់")
    prompts(villager)
    await sweep_at(bot, utc(3, 4, 2))
    assert prompts(villager) == []
    assert await bot.store.rows_about(630) == 0
