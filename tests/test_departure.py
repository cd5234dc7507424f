"""Registering a departure, told to the village leader, acknowledged with one tap."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.context import BotContext
from delivery.sweep import sweep
from tests.support.chat import Bot
from tests.support.journeys import (
    STAFF_ID,
    make_leader,
    onboard,
    register_departure,
)

EXPIRED = "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"


pytestmark = pytest.mark.staffed


async def test_the_whole_path_in_khmer(bot: Bot) -> None:
    leader, deputy, villager = (
        bot.user(100, "Chief Sokha"),
        bot.user(101, "Deputy Dara"),
        bot.user(200),
    )
    await make_leader(bot, leader)
    await make_leader(bot, deputy)
    await onboard(villager)

    await register_departure(villager)
    review = villager.last_text()
    assert review.startswith("<b>សូមពិនិត្យមើល</b>")
    assert "<b>ឈ្មោះ៖</b> Srey Mom" in review
    assert "<b>អាយុ៖</b> ២០" in review
    assert "<b>ប្រាក់ខែ៖</b> ២៥០$ ក្នុងមួយខែ" in review
    assert "⚠️ <b>សូមគិតពីរឿងនេះ</b>" in review
    assert "មេខ្យល់ច្រើនតែនាំឆ្លងដែនពេលយប់" in review  # broker advice
    assert "ធ្វើការនៅក្រៅប្រទេស ត្រូវមានប៉ាស្ព័រ" in review  # no papers abroad
    assert await bot.store.departures_of(200) == []  # nothing stored before the yes

    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    assert villager.last_text().startswith("✅ បានផ្ញើហើយ។ យើងបានប្រាប់មេភូមិរបស់អ្នកហើយ។")
    [departure] = await bot.store.departures_of(200)
    assert departure.risk_flags == ("abroad_no_papers", "broker", "no_employer_contact")
    assert (departure.family_phone, departure.wage, departure.age) == ("012 345 678", 250, 20)

    notice = leader.last_text()
    assert notice.startswith("<b>ដំណឹងចេញដំណើរ</b> — នេសាទ")
    assert "⚠️ <b>ចំណុចគួរប្រយ័ត្ន៖</b> ទៅក្រៅប្រទេស ឯកសារមិនគ្រប់, ទៅតាមមេខ្យល់" in notice
    assert 'href="tg://user?id=200"' in notice
    assert "សូមស្ដាប់ និងផ្ដល់ដំបូន្មានដោយទន់ភ្លន់" in notice  # counsel, don't blame (obs. 10)
    assert deputy.last_text() == notice

    await deputy.click("✅ ខ្ញុំបានឃើញហើយ")
    assert "✅ Deputy Dara បានឃើញ" in leader.last_text()  # the other leader sees who acted
    assert leader.buttons() == [] or "✅ ខ្ញុំបានឃើញហើយ" not in leader.buttons()
    # A lock screen (a shared family phone) shows only the first line: no word of a departure.
    told = villager.last_text()
    assert told.startswith("👍 Deputy Dara បានឃើញសាររបស់អ្នកហើយ។\n")
    assert "វាជាសាររបស់អ្នកអំពី Srey Mom" in told  # which trip, without the word "departure"
    assert told.endswith("អ្នកអាចនិយាយជាមួយ Deputy Dara បាន។")  # not «គាត់»: which one? (reader 2)
    await leader.press(f"leader:ack:{departure.departure_id}")
    assert leader.last_alert() == "មានអ្នកផ្សេងបានឆ្លើយតបដំណឹងនេះរួចហើយ។"
    stored = await bot.store.departure(departure.departure_id)
    assert stored is not None and stored.acknowledged_by == 101


async def test_an_agency_from_the_checked_list_or_typed(bot: Bot) -> None:
    leader, villager = bot.user(103), bot.user(201)
    await make_leader(bot, leader)
    await onboard(villager)
    await bot.store.replace_agencies(
        [
            {
                "name": "Licensed Example Agency",
                "licence": "L-1",
                "phone": None,
                "destinations": ("TH",),
                "last_verified": date(2026, 11, 1),
            }
        ]
    )
    await register_departure(
        villager,
        channel="ក្រុមហ៊ុនជ្រើសរើសពលករមានអាជ្ញាប័ណ្ណ",
        agency="Licensed Example Agency",
        papers=("ប៉ាស្ព័រ", "វីសា ឬប័ណ្ណការងារ"),
    )
    assert "<b>ទៅតាម៖</b> ក្រុមហ៊ុនជ្រើសរើសពលករ «Licensed Example Agency»" in villager.last_text()
    assert "ទៅតាមមេខ្យល់" not in villager.last_text()
    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    await register_departure(
        villager, channel="ក្រុមហ៊ុនជ្រើសរើសពលករមានអាជ្ញាប័ណ្ណ", agency="<b>Fast</b> Jobs & Co"
    )
    assert "ក្រុមហ៊ុនជ្រើសរើសពលករ «&lt;b&gt;Fast&lt;/b&gt; Jobs &amp; Co»" in villager.last_text()
    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    second, first = await bot.store.departures_of(201)
    assert first.risk_flags == ("no_employer_contact",)
    assert "agency_unverified" in second.risk_flags
    assert "&lt;b&gt;Fast" in leader.last_text()  # escaped for the leader too


async def test_staff_get_departures_of_villages_without_a_leader(bot: Bot) -> None:
    villager, staff = bot.user(202), bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")  # staff read notices in the language they chose
    await onboard(villager)
    await register_departure(villager)
    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    assert "ដូច្នេះយើងបានប្រាប់បុគ្គលិកគម្រោងជំនួស" in villager.last_text()
    assert staff.last_text().startswith(
        "<b>For staff:</b> this village has no village chief in the bot."
    )
    await staff.click("✅ I have seen it")
    # "Staff" is a title: no name is shown, and no "talk to someone" either.
    assert villager.last_text() == "👍 មានគេបានឃើញសាររបស់អ្នកហើយ។\nវាជាសាររបស់អ្នកអំពី Srey Mom។"


async def test_an_unacknowledged_notice_goes_to_staff_once(bot: Bot) -> None:
    leader, villager, staff = bot.user(102), bot.user(203), bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    await make_leader(bot, leader)
    await onboard(villager)
    await register_departure(villager)
    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    assert bot.app is not None
    context = BotContext(bot.app)
    await sweep(context)
    assert "no village chief has acknowledged" not in staff.last_text()
    bot.clock.advance(timedelta(hours=24, minutes=1))
    await sweep(context)
    assert staff.last_text().startswith("<b>For staff:</b> no village chief has acknowledged")
    shown = len(staff.new_texts())
    await sweep(context)
    await bot.restart(crash=True)
    assert bot.app is not None
    await sweep(BotContext(bot.app))
    assert len(staff.new_texts()) == 0 and shown > 0  # escalated once, even after a restart


@pytest.mark.parametrize(
    ("answers", "wrong", "hint"),
    [
        ([], "hello", "សូមឆ្លើយដោយចុចប៊ូតុងណាមួយខាងក្រោម។"),  # a button question
        (["c:who:self"], "x" * 5000, "សូមវាយឈ្មោះ (មិនលើសពី ៦០ តួអក្សរ)។"),
        (["c:who:self"], "\u200b  ", "សូមវាយឈ្មោះ (មិនលើសពី ៦០ តួអក្សរ)។"),
        (["c:who:self", "name", "c:gender:female"], "abc", "សូមវាយអាយុជាលេខ"),
        (["c:who:self", "name", "c:gender:female"], "150", "សូមវាយអាយុជាលេខ"),
        (["c:who:self", "name", "c:gender:female"], "sticker", "សូមវាយអាយុជាលេខ"),
    ],
)
async def test_wrong_input_is_explained_and_changes_nothing(
    bot: Bot, answers: list[str], wrong: str, hint: str
) -> None:
    villager = bot.user(210)
    await onboard(villager)
    await villager.send("/plan")
    for step in answers:
        await (villager.send("Sokha") if step == "name" else villager.press(f"plan:{step}"))
    question = villager.last_text().split("\n", 1)[1]
    draft = (await bot.store.personal_data(210)).draft
    await (villager.send_sticker() if wrong == "sticker" else villager.send(wrong))
    assert villager.last_text().startswith(hint)
    assert question in villager.last_text()
    assert (await bot.store.personal_data(210)).draft == draft


async def test_khmer_digits_dates_and_going_back(bot: Bot) -> None:
    villager = bot.user(211)
    await onboard(villager)
    await villager.send("/plan")
    for step in ("c:who:self",):
        await villager.press(f"plan:{step}")
    await villager.send("Sokha")
    await villager.click("⬅️ ត្រឡប់ក្រោយ")  # take the name back
    assert "ឈ្មោះអ្វី" in villager.last_text()
    await villager.send("Sokha Chan")
    for step in ("c:gender:female",):
        await villager.press(f"plan:{step}")
    await villager.send("១៧")
    for step in ("c:destination:KH_PP", "c:work:factory", "c:duration:long", "c:channel:own"):
        await villager.press(f"plan:{step}")
    await villager.click("✅ រួចរាល់")  # no papers is an answer too
    await villager.send("+855 12 345 678")
    await villager.click("រំលង")
    await villager.send("៣១/០២")  # no such day
    assert villager.last_text().startswith("សូមវាយថ្ងៃ/ខែ")
    await villager.send("០៥/០៣")
    await villager.send("01/03")  # before leaving
    assert villager.last_text().startswith("ថ្ងៃទៅដល់ មិនអាចមុនថ្ងៃចេញដំណើរទេ។")
    await villager.send("០៦-០៣-២០២៦")
    await villager.click("ហេតុផលផ្សេង")
    await villager.click("រំលង")
    review = villager.last_text()
    assert "<b>ចេញដំណើរ៖</b> ៥ មីនា ២០២៦" in review
    assert "<b>ទៅដល់៖</b> ៦ មីនា ២០២៦" in review
    assert "<b>ឯកសារ៖</b> 🚫 គ្មានឯកសារ" in review
    assert "អាយុក្រោម ១៨ឆ្នាំ" in review  # child-protection advice for a 17-year-old
    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    [departure] = await bot.store.departures_of(211)
    assert departure.employer_phone == "+855 12 345 678"
    assert departure.risk_flags == ("minor",)


@pytest.mark.parametrize(
    "forged",
    [
        "plan:c:gender:female",  # a later question
        "plan:c:who:robot",
        "plan:m:documents:done",
        "plan:d:depart_on:365",
        "plan:a:agency:9999",
        "plan:skip:name",  # the name is not optional
        "plan:send",  # sending before the review
        "plan:zzz",
    ],
)
async def test_forged_form_presses_change_nothing(bot: Bot, forged: str) -> None:
    villager = bot.user(212)
    await onboard(villager)
    await villager.send("/plan")
    draft = (await bot.store.personal_data(212)).draft
    await villager.press(forged)
    assert villager.last_alert() == EXPIRED
    assert "តើអ្នកណាចេញទៅ?" in villager.last_text()
    assert (await bot.store.personal_data(212)).draft == draft
    assert await bot.store.departures_of(212) == []


async def test_a_restart_in_the_middle_keeps_every_answer(bot: Bot) -> None:
    villager = bot.user(213)
    await onboard(villager)
    await villager.send("/plan")
    await villager.click("ខ្ញុំ")
    await villager.send("Sokha")
    await bot.restart(crash=True)
    await villager.click("ស្ត្រី")
    await villager.send("២២")
    assert "តើទៅណា?" in villager.last_text()
    assert (await bot.store.personal_data(213)).draft["departure"]["answers"]["name"] == "Sokha"


async def test_stopping_the_form_keeps_nothing(bot: Bot) -> None:
    villager = bot.user(214)
    await onboard(villager)
    await register_departure(villager)
    await villager.click("✖️ ឈប់")
    assert villager.last_text().startswith("បានឈប់។ យើងមិនបានរក្សាទុក")
    assert await bot.store.departures_of(214) == []
    assert "departure" not in (await bot.store.personal_data(214)).draft


async def test_someone_not_onboarded_is_asked_to_start(bot: Bot) -> None:
    stranger = bot.user(215)
    await stranger.send("/plan")
    assert "សូមផ្ញើ /start ដើម្បីចាប់ផ្ដើម" in stranger.last_text()
