"""Onboarding as a villager meets it: language, consent in three short screens, village, two
optional questions, menu."""

from __future__ import annotations

import pytest

from content.budget import length
from tests.support.chat import Bot, Person
from tests.support.journeys import NEXT, read_consent

KHMER = "ភាសាខ្មែរ"
AGREE_KM = "បាទ/ចាស ខ្ញុំយល់ព្រម"
NEXT_KM = NEXT["km"]
# Khmer, Khmer with the voice on every screen (issue 18), English.
# No consent screen is recorded in these tests, so "I would rather listen" is not offered.
LANGUAGE_BUTTONS = ["🇰🇭 " + KHMER, "🇬🇧 English"]  # each led by its flag (issue 25)


async def onboard_in_khmer(villager: Person) -> None:
    await villager.send("/start")
    await villager.click(KHMER)
    await read_consent(villager)
    await villager.click(AGREE_KM)
    await villager.click("ស្រែ អំបិល")
    await villager.click("ជ្រោយស្វាយ")
    await villager.click("នេសាទ")
    await villager.click("ស្ត្រី")
    await villager.click("១៨ ដល់ ២៤ឆ្នាំ")


async def test_a_villager_onboards_in_khmer(bot: Bot) -> None:
    villager = bot.user(1001)

    await villager.send("/start")
    assert "សូមជ្រើសរើសភាសា" in villager.last_text()
    assert villager.buttons() == LANGUAGE_BUTTONS

    await villager.click(KHMER)  # three short screens, each read in one breath (review E1)
    assert "បូតនេះជួយអ្នក" in villager.last_text()  # what the bot does
    assert villager.buttons() == [NEXT_KM]  # nobody agrees before seeing what is kept
    assert length(villager.last_text()) <= 220

    await villager.click(NEXT_KM)
    assert "យើងទុកអ្វីខ្លះ?" in villager.last_text()  # what is kept, before anything is
    assert "អ្នកណាឃើញ?" in villager.last_text()
    # Where a voice message goes: with the cry for help (to staff alone when it went to staff
    # alone), and after violence at home to staff alone (review T9, reader 2 row 22).
    assert "ទៅអ្នកដែលទទួលសារសុំជំនួយ។" in villager.last_text()
    assert "បើអ្នកប្រាប់ថា ចាកចេញពីអំពើហិង្សាក្នុងគ្រួសារ វាទៅតែបុគ្គលិក។" in villager.last_text()
    assert villager.buttons() == [NEXT_KM]
    assert length(villager.last_text()) <= 300

    await villager.click(NEXT_KM)
    assert "/mydata" in villager.last_text() and "/delete" in villager.last_text()
    assert "តើអ្នកយល់ព្រមទេ?" in villager.last_text()
    assert villager.buttons() == ["✅ " + AGREE_KM, "✖️ ទេ អរគុណ"]
    assert await bot.store.get_user(1001) is None  # reading is not agreeing

    await villager.click(AGREE_KM)
    assert villager.last_text() == "តើអ្នករស់នៅស្រុកណា?"
    assert villager.buttons() == ["ស្រែ អំបិល", "បុទុមសាគរ"]

    await villager.click("ស្រែ អំបិល")
    assert villager.last_text() == "តើអ្នករស់នៅឃុំណា ក្នុងស្រុកស្រែ អំបិល?"
    assert len(villager.buttons()) == 6 + 1  # six pilot communes and "back"

    await villager.click("ជ្រោយស្វាយ")
    assert villager.last_text() == "តើអ្នករស់នៅភូមិណា ក្នុងឃុំជ្រោយស្វាយ?"
    assert "➕ ភូមិខ្ញុំមិនមានក្នុងបញ្ជី" in villager.buttons()
    assert await bot.store.get_user(1001) is None  # nothing kept before a village is chosen

    await villager.click("នេសាទ")
    assert "ភូមិរបស់អ្នក៖ <b>នេសាទ</b> ឃុំជ្រោយស្វាយ" in villager.last_text()
    assert "តើអ្នកជាស្ត្រី ឬបុរស?" in villager.last_text()
    profile = await bot.store.get_user(1001)
    assert profile is not None
    assert (profile.language, profile.village_code, profile.district_code) == (
        "km",
        "09060405",
        "0906",
    )

    await villager.click("ស្ត្រី")
    assert villager.last_text() == "តើអ្នកអាយុប៉ុន្មាន?"
    await villager.click("១៨ ដល់ ២៤ឆ្នាំ")
    assert "ម៉ឺនុយដើម" in villager.last_text()
    assert villager.buttons() == [
        "🔔 រំលឹកខ្ញុំម្ដងម្កាល",  # offered once, above the menu; nothing comes without a yes
        "📚 រៀនពីចំណាកស្រុកដោយសុវត្ថិភាព",
        "📝 សំណួរ៖ តើខ្ញុំត្រៀមខ្លួនរួចហើយឬនៅ?",
        "🧮 ទៅ ឬនៅ? គិតលុយមើល",
        "✈️ ខ្ញុំគ្រោងចេញទៅ៖ ប្រាប់មេភូមិ",
        "🧳 ការចេញដំណើររបស់ខ្ញុំ",
        "📤 ប្រាប់មិត្តភក្តិ",
        "🆘 ជំនួយ និងលេខទូរស័ព្ទ",
        "🔒 ព័ត៌មានរបស់ខ្ញុំ",
        "🤖 អំពីបូតនេះ",
        "🌐 ភាសា / Language",
    ]

    profile = await bot.store.get_user(1001)
    assert profile is not None
    assert (profile.gender, profile.age_band) == ("female", "18_24")
    assert (await bot.store.personal_data(1001)).draft == {}  # the finished form left no draft


async def test_a_staff_member_onboards_in_english(bot: Bot) -> None:
    staff = bot.user(2001, "Dara", language_code="en")
    await staff.send("/start")
    await staff.click("English")
    assert "This bot helps you" in staff.last_text()
    await read_consent(staff, "en")
    await staff.click("Yes, I agree")
    await staff.click("Botum Sakor")
    assert staff.last_text() == "Which commune in Botum Sakor?"
    await staff.click("Kandaol")
    await staff.click("Prolean")
    assert "Your village: <b>Prolean</b>, Kandaol." in staff.last_text()
    await staff.click("Skip")
    await staff.click("Skip")
    assert "<b>Main menu</b>" in staff.last_text()
    profile = await bot.store.get_user(2001)
    assert profile is not None
    assert (profile.language, profile.village_code, profile.gender, profile.age_band) == (
        "en",
        "09010202",
        None,
        None,
    )


async def test_back_buttons_walk_back_through_the_places(bot: Bot) -> None:
    villager = bot.user(1002)
    await villager.send("/start")
    await villager.click("English")
    await read_consent(villager, "en")
    await villager.click("Yes, I agree")
    await villager.click("Srae Ambel")
    await villager.click("Chrouy Svay")
    await villager.click("⬅️ Back")
    assert villager.last_text() == "Which commune in Srae Ambel?"
    await villager.click("⬅️ Back")
    assert villager.last_text() == "Which district do you live in?"
    await villager.click("Botum Sakor")
    await villager.click("Andoung Tuek")
    await villager.click("Prai")
    assert "Your village: <b>Prai</b>" in villager.last_text()


async def test_a_village_not_in_the_list_still_gets_everything_else(bot: Bot) -> None:
    villager = bot.user(1003)
    await villager.send("/start")
    await villager.click(KHMER)
    await read_consent(villager)
    await villager.click(AGREE_KM)
    await villager.click("បុទុមសាគរ")
    await villager.click("កណ្ដោល")
    await villager.click("ភូមិខ្ញុំមិនមានក្នុងបញ្ជី")
    assert "មេរៀន លេខទូរស័ព្ទជំនួយ និងការសុំជំនួយ" in villager.last_text()
    await villager.click("⬅️ ត្រឡប់ក្រោយ")
    assert villager.last_text() == "តើអ្នករស់នៅភូមិណា ក្នុងឃុំកណ្ដោល?"
    await villager.click("ភូមិខ្ញុំមិនមានក្នុងបញ្ជី")
    await villager.click("បន្ត")
    assert "ភូមិរបស់អ្នកមិនមានក្នុងបញ្ជី" in villager.last_text()
    profile = await bot.store.get_user(1003)
    assert profile is not None
    assert (profile.district_code, profile.village_code) == ("0901", None)


async def test_declining_consent_keeps_nothing(bot: Bot) -> None:
    villager = bot.user(1004)
    await villager.send("/start")
    await villager.click(KHMER)
    await read_consent(villager)
    await villager.click("ទេ អរគុណ")
    assert "យើងមិនបានរក្សាទុកអ្វីអំពីអ្នកទេ" in villager.last_text()
    assert await bot.store.rows_about(1004) == 0
    await villager.send("/start")  # changing one's mind starts afresh
    assert villager.buttons() == LANGUAGE_BUTTONS


async def test_a_returning_person_gets_the_menu_not_the_questions(bot: Bot) -> None:
    villager = bot.user(1005)
    await onboard_in_khmer(villager)
    await villager.send("/start")
    assert "សូមស្វាគមន៍ម្ដងទៀត" in villager.last_text()
    assert "ម៉ឺនុយដើម" in villager.last_text()


async def test_start_with_an_unknown_link_payload_still_starts(bot: Bot) -> None:
    villager = bot.user(1006)
    await villager.send("/start r_doesnotexist")
    assert villager.buttons() == LANGUAGE_BUTTONS


async def test_start_again_in_the_middle_begins_afresh(bot: Bot) -> None:
    villager = bot.user(1007)
    await villager.send("/start")
    await villager.click("English")
    await read_consent(villager, "en")
    await villager.click("Yes, I agree")
    await villager.click("Srae Ambel")
    await villager.send("/start")
    assert villager.buttons() == LANGUAGE_BUTTONS
    assert (await bot.store.personal_data(1007)).draft == {"onboarding": {}}


WRONG_INPUTS = ["free text", "១២៣", "x" * 5000, "<b>hi</b> & bye", "sticker", "photo", "voice"]


async def send_wrong(person: Person, wrong: str) -> None:
    if wrong == "sticker":
        await person.send_sticker()
    elif wrong == "photo":
        await person.send_photo()
    elif wrong == "voice":
        await person.send_voice()
    else:
        await person.send(wrong)


@pytest.mark.parametrize("wrong", WRONG_INPUTS)
async def test_typing_where_a_button_is_expected_repeats_the_step(bot: Bot, wrong: str) -> None:
    villager = bot.user(1010)
    await villager.send("/start")
    await villager.click(KHMER)
    await read_consent(villager)
    await villager.click(AGREE_KM)
    await villager.click("ស្រែ អំបិល")
    before = await bot.store.personal_data(1010)

    await send_wrong(villager, wrong)

    assert villager.last_text().startswith("សូមឆ្លើយដោយចុចប៊ូតុងណាមួយខាងក្រោម។")
    assert "តើអ្នករស់នៅឃុំណា ក្នុងស្រុកស្រែ អំបិល?" in villager.last_text()
    assert await bot.store.personal_data(1010) == before
    await villager.click("ជ្រោយស្វាយ")  # and the person can go on
    assert villager.last_text() == "តើអ្នករស់នៅភូមិណា ក្នុងឃុំជ្រោយស្វាយ?"


STEPS_AND_FORGERIES = [
    (0, "onb:lang:fr"),
    (1, "onb:consent:yes"),  # "yes" on the first consent screen, before what is kept was shown
    (1, "onb:consent:erase"),  # skipping the second screen
    (1, "onb:district:0906"),  # a button of a later step
    (2, "onb:consent:yes"),  # "yes" on the second consent screen
    (2, "onb:consent:kept"),  # the first screen's button, pressed again on an old message
    (3, "onb:consent:kept"),
    (3, "onb:consent:maybe"),
    (4, "onb:district:0101"),  # a district that is not offered
    (5, "onb:commune:090102"),  # a commune of the other district
    (6, "onb:village:09060101"),  # a village of another commune
    (6, "onb:village:" + "9" * 60),
    (7, "onb:gender:robot"),
    (8, "onb:age:99"),
]
CLICKS_KM = [KHMER, NEXT_KM, NEXT_KM, AGREE_KM, "ស្រែ អំបិល", "បឹងព្រាវ", "ផ្លោង", "បុរស"]


@pytest.mark.parametrize(("clicks", "forged"), STEPS_AND_FORGERIES)
async def test_a_forged_press_at_each_step_changes_nothing(
    bot: Bot, clicks: int, forged: str
) -> None:
    villager = bot.user(1011)
    await villager.send("/start")
    for label in CLICKS_KM[:clicks]:
        await villager.click(label)
    screen, buttons = villager.last_text(), villager.buttons()
    before = await bot.store.personal_data(1011)

    await villager.press(forged)

    assert villager.last_alert() == "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"
    assert screen.splitlines()[-1] in villager.last_text()  # the same question, asked again
    assert villager.buttons() == buttons
    assert await bot.store.personal_data(1011) == before


async def test_a_press_from_another_feature_during_onboarding_is_not_swallowed(bot: Bot) -> None:
    villager = bot.user(1012)
    await villager.send("/start")
    await villager.click(KHMER)
    await villager.send("/help")  # help works mid-onboarding, and onboarding waits
    await villager.click("ថៃ")
    assert "1-800-010-181" in villager.last_text()
    await read_consent(villager)
    await villager.click(AGREE_KM)
    assert villager.last_text() == "តើអ្នករស់នៅស្រុកណា?"


async def test_commands_are_registered_in_khmer_and_english(bot: Bot) -> None:
    commands = bot.telegram.commands
    assert set(commands) == {"km", "en", ""}
    assert [c["command"] for c in commands["km"]] == [
        "start",
        "menu",
        "sos",
        "home",
        "learn",
        "quiz",
        "calc",
        "plan",
        "mydepartures",
        "documents",
        "agency",
        "report_broker",
        "missing",
        "share",
        "help",
        "mydata",
        "delete",
        "about",
        "language",
        "listen",
    ]
    assert commands["km"][14]["description"] == "ជំនួយ និងលេខទូរស័ព្ទ"
    assert commands["en"][14]["description"] == "Help and hotlines"
    assert commands[""] == commands["km"]  # Khmer for everyone else


async def test_something_unknown_after_onboarding_gets_the_menu(bot: Bot) -> None:
    villager = bot.user(1013)
    await onboard_in_khmer(villager)
    await villager.send("hello?")
    assert "សូមទោស ខ្ញុំមិនយល់ទេ" in villager.last_text()
    await villager.send_sticker()
    assert "សូមទោស ខ្ញុំមិនយល់ទេ" in villager.last_text()
    await villager.send("/nonsense")
    assert "សូមទោស ខ្ញុំមិនយល់ទេ" in villager.last_text()
    await villager.press("onb:village:09060405")  # an old onboarding button
    assert villager.last_alert() == "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"


async def test_a_stranger_who_never_started_is_told_how(bot: Bot) -> None:
    stranger = bot.user(1014)
    await stranger.send("hi")
    assert "សូមផ្ញើ /start ដើម្បីចាប់ផ្ដើម" in stranger.last_text()
    assert await bot.store.rows_about(1014) == 0


CONSENT_SCREENS = [(0, "បូតនេះជួយអ្នក"), (1, "អ្នកណាឃើញ?"), (2, "តើអ្នកយល់ព្រមទេ?")]


@pytest.mark.parametrize(("nexts", "shown"), CONSENT_SCREENS)
@pytest.mark.parametrize("wrong", ["free text", "sticker", "voice"])
async def test_wrong_input_on_a_consent_screen_says_so_and_changes_nothing(
    bot: Bot, nexts: int, shown: str, wrong: str
) -> None:
    villager = bot.user(1020)
    await villager.send("/start")
    await villager.click(KHMER)
    for _ in range(nexts):
        await villager.click(NEXT_KM)
    buttons, before = villager.buttons(), await bot.store.personal_data(1020)

    await send_wrong(villager, wrong)

    assert villager.last_text().startswith("សូមឆ្លើយដោយចុចប៊ូតុងណាមួយខាងក្រោម។")
    assert shown in villager.last_text()  # the same consent screen, shown again
    assert villager.buttons() == buttons
    assert await bot.store.personal_data(1020) == before
    assert await bot.store.get_user(1020) is None  # nothing kept before the yes


@pytest.mark.parametrize(("nexts", "shown"), CONSENT_SCREENS)
async def test_a_restart_in_the_middle_of_the_consent_resumes_there(
    bot: Bot, nexts: int, shown: str
) -> None:
    villager = bot.user(1021)
    await villager.send("/start")
    await villager.click(KHMER)
    for _ in range(nexts):
        await villager.click(NEXT_KM)
    await bot.restart()
    villager = bot.user(1021)

    await villager.send("ជំរាបសួរ")  # after the restart: the screen she was on, not the first

    assert shown in villager.last_text()
    for _ in range(2 - nexts):
        await villager.click(NEXT_KM)
    await villager.click(AGREE_KM)
    assert villager.last_text() == "តើអ្នករស់នៅស្រុកណា?"
