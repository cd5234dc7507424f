"""Broker reports through Telegram: the villager's three answers, the leader's and staff's notice,
anonymity, bad input, a restart, forged presses, and who may see the list."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.chat import Bot, Person
from tests.support.journeys import read_consent
from tests.test_onboarding import onboard_in_khmer

STAFF = 9900
NESAT = "09060405"  # Nesat, Chrouy Svay, Srae Ambel: where onboard_in_khmer lives
OTHER_VILLAGE = "09060402"
EXPIRED = "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"
ASK_WHO = "<b>១/៣ តើគាត់ជានរណា?</b>"
ASK_PLACE = "<b>២/៣ តើអ្នកជួបគាត់នៅឯណា ហើយតាមរបៀបណា?</b>"
ASK_PROMISED = "<b>៣/៣ តើគាត់បានសន្យាអ្វីខ្លះ?</b>"
ASK_NAMED = "<b>តើអ្នកចង់ប្រាប់ឈ្មោះរបស់អ្នកទេ?</b>"
WHO = "លោក សុខ <មេខ្យល់> & បងប្អូន"
PLACE = "នៅផ្សារ តាមទូរស័ព្ទ"
PROMISED = "ការងារនៅថៃ ប្រាក់ខែ ៤០០$ ត្រូវបង់ ២០០$ មុន"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    """A bot with one staff member (no profile: told in the default language, Khmer)."""
    harness = await Bot(tmp_path / "bot.sqlite3").start(staff_user_ids=frozenset({STAFF}))
    yield harness
    await harness.stop()
    assert harness.telegram.refusals == [], harness.telegram.refusals


async def onboard_in_english(person: Person) -> None:
    await person.send("/start")
    await person.click("English")
    await read_consent(person, "en")
    await person.click("Yes, I agree")
    await person.click("Srae Ambel")
    await person.click("Chrouy Svay")
    await person.click("Nesat")
    await person.click("Skip")
    await person.click("Skip")


async def make_leader(bot: Bot, person: Person, village: str = NESAT) -> None:
    """Makes the person a leader as an accepted staff invite does."""
    code_hash = f"test-invite-{person.id}"
    await bot.store.create_invite(code_hash, village, bot.clock.now() + timedelta(days=1))
    await bot.store.accept_invite(code_hash, person.id, "Leader")


async def answer_three(villager: Person) -> None:
    await villager.send("/report_broker")
    await villager.send(WHO)
    await villager.send(PLACE)
    await villager.send(PROMISED)


# -- the whole flow ----------------------------------------------------------------------------


async def test_a_report_in_khmer_reaches_the_leader_and_staff(bot: Bot) -> None:
    villager, leader, staff = bot.user(5101), bot.user(5102, "Dara", "en"), bot.user(STAFF)
    await onboard_in_khmer(villager)
    await onboard_in_english(leader)
    await make_leader(bot, leader)

    await villager.send("/report_broker")
    text = villager.last_text()
    assert text.startswith("<b>ប្រាប់ពីមេខ្យល់ ឬក្រុមហ៊ុនជ្រើសរើសពលករ គួរឱ្យសង្ស័យ</b>")
    assert "/help" in text  # in danger now: the hotlines
    assert text.endswith("ឬរៀបរាប់ពីគាត់ (ឧទាហរណ៍៖ ស្រី ឬប្រុស អាយុប្រហែលប៉ុន្មាន មកពីណា)។")
    assert ASK_WHO in text
    assert villager.buttons() == ["✖️ បោះបង់"]

    await villager.send(WHO)
    assert villager.last_text().startswith(ASK_PLACE)
    await villager.send(PLACE)
    assert villager.last_text().startswith(ASK_PROMISED)
    await villager.send(f"  {PROMISED}\n")
    assert villager.last_text().startswith(ASK_NAMED)
    assert villager.buttons() == ["🙋 ប្រាប់ឈ្មោះខ្ញុំ", "🕶 កុំប្រាប់ឈ្មោះខ្ញុំ", "✖️ បោះបង់"]

    await villager.click("🙋 ប្រាប់ឈ្មោះខ្ញុំ")
    assert villager.last_text() == (
        "<b>សូមពិនិត្យអ្វីដែលអ្នកនឹងផ្ញើ</b>\n"
        "នរណា៖ លោក សុខ &lt;មេខ្យល់&gt; &amp; បងប្អូន\n"
        f"ជួបនៅឯណា និងរបៀបណា៖ {PLACE}\n"
        f"គាត់សន្យាអ្វី៖ {PROMISED}\n"
        "ឈ្មោះរបស់អ្នក៖ នឹងបង្ហាញឱ្យមេភូមិ និងបុគ្គលិកគម្រោងឃើញ\n"
        "\n"
        "ផ្ញើឥឡូវនេះឬ?"
    )
    assert await bot.store.broker_reports(None) == []  # nothing is kept before "Send"
    await villager.click("✅ ផ្ញើ")
    assert villager.last_text().startswith("អរគុណ។ យើងបានផ្ញើអ្វីដែលអ្នកប្រាប់")

    (report,) = await bot.store.broker_reports(None)
    assert (report.reporter_user_id, report.village_code) == (5101, NESAT)
    assert (report.who, report.place, report.promised) == (WHO, PLACE, PROMISED)

    notice = leader.last_text()  # in the leader's language, the typed text escaped
    assert notice.startswith("🚩 <b>Report about a suspicious broker</b> (no. 1)\n")
    assert "Village: Nesat, Chrouy Svay commune\n" in notice
    assert "Who: លោក សុខ &lt;មេខ្យល់&gt; &amp; បងប្អូន\n" in notice
    assert f"What they promised: {PROMISED}\n" in notice
    assert 'From: <a href="tg://user?id=5101">Sokha</a> (tap the name to write to them)' in notice
    staff_notice = staff.last_text()  # staff has no profile: the default language
    assert staff_notice.startswith("🚩 <b>របាយការណ៍អំពីមេខ្យល់គួរឱ្យសង្ស័យ</b> (លេខ ១)")
    assert "ភូមិ៖ នេសាទ ឃុំជ្រោយស្វាយ" in staff_notice

    # the conversation is over: nothing of the draft is left
    data = await bot.store.personal_data(5101)
    assert "broker_report" not in data.draft
    assert "broker_report" not in data.open_conversations


async def test_an_anonymous_report_keeps_no_reporter_and_names_no_one(bot: Bot) -> None:
    villager, leader, staff = bot.user(5201, "Srey Pov"), bot.user(5202), bot.user(STAFF)
    await onboard_in_khmer(villager)
    await onboard_in_khmer(leader)
    await make_leader(bot, leader)
    rows_before = await bot.store.rows_about(5201)

    await answer_three(villager)
    await villager.click("🕶 កុំប្រាប់ឈ្មោះខ្ញុំ")
    assert "ឈ្មោះរបស់អ្នក៖ មិនប្រាប់" in villager.last_text()
    await villager.click("✅ ផ្ញើ")
    assert "យើងមិនបានប្រាប់ឈ្មោះរបស់អ្នកទេ" in villager.last_text()

    (report,) = await bot.store.broker_reports(None)
    assert (report.reporter_user_id, report.village_code) == (None, NESAT)
    assert await bot.store.rows_about(5201) == rows_before  # nothing ties it to the villager
    for notice in (leader.last_text(), staff.last_text()):
        assert "ពី៖ អ្នកម្នាក់ដែលមិនចង់ប្រាប់ឈ្មោះ។ សូមកុំព្យាយាមរកថា ជានរណា។" in notice
        assert "Srey Pov" not in notice and "5201" not in notice


async def test_without_onboarding_only_staff_are_told(bot: Bot) -> None:
    stranger, leader, staff = bot.user(5301), bot.user(5302), bot.user(STAFF)
    await onboard_in_khmer(leader)
    await make_leader(bot, leader)
    leader.new_texts()

    await answer_three(stranger)
    await stranger.click("🕶 កុំប្រាប់ឈ្មោះខ្ញុំ")
    await stranger.click("✅ ផ្ញើ")
    (report,) = await bot.store.broker_reports(None)
    assert report.village_code is None
    assert "ភូមិ៖ មិនដឹង (អ្នកប្រាប់មិនបានជ្រើសភូមិ)" in staff.last_text()
    assert leader.new_texts() == []  # no village: no leader to tell
    assert len([t for t in staff.new_texts() if t.startswith("🚩")]) == 1


async def test_a_village_without_a_leader_tells_staff_once(bot: Bot) -> None:
    villager, staff = bot.user(5401), bot.user(STAFF)
    await onboard_in_khmer(villager)
    await answer_three(villager)
    await villager.click("🙋 ប្រាប់ឈ្មោះខ្ញុំ")
    await villager.click("✅ ផ្ញើ")
    assert len([t for t in staff.new_texts() if t.startswith("🚩")]) == 1


async def test_the_log_has_the_id_and_village_never_what_was_typed(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    villager = bot.user(5501, "Srey Pov")
    await onboard_in_khmer(villager)
    await answer_three(villager)
    await villager.click("🙋 ប្រាប់ឈ្មោះខ្ញុំ")
    await villager.click("✅ ផ្ញើ")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"broker_report id=1 village={NESAT}" in logged
    for private in ("សុខ", "ផ្សារ", "ថៃ", "Srey Pov"):
        assert private not in logged


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("step", [0, 1, 2])
@pytest.mark.parametrize("nonsense", ["sticker", "photo", "voice", "long", "short", "blank"])
async def test_bad_input_at_a_typed_step_changes_nothing(
    bot: Bot, step: int, nonsense: str
) -> None:
    villager = bot.user(5601)
    await onboard_in_khmer(villager)
    await villager.send("/report_broker")
    for answer in (WHO, PLACE)[:step]:
        await villager.send(answer)
    question = (ASK_WHO, ASK_PLACE, ASK_PROMISED)[step]
    before = (await bot.store.personal_data(5601)).draft
    if nonsense == "sticker":
        await villager.send_sticker()
    elif nonsense == "photo":
        await villager.send_photo()
    elif nonsense == "voice":
        await villager.send_voice()
    else:
        await villager.send({"long": "ខ" * 5000, "short": "ក", "blank": " \u200b "}[nonsense])
    expected = {
        "long": "វែងពេក។ សូមសរសេរឱ្យខ្លីជាងនេះ៖ យ៉ាងច្រើន ៣០០ តួអក្សរ។",
        "short": "ខ្លីពេក។ សូមសរសេរយ៉ាងតិច ២ តួអក្សរ។",
        "blank": "ខ្លីពេក។ សូមសរសេរយ៉ាងតិច ២ តួអក្សរ។",
    }.get(nonsense, "សូមវាយជាអក្សរ។ នៅទីនេះ មិនអាចផ្ញើស្ទីគ័រ រូបថត ឬសារសំឡេងបានទេ។")
    assert villager.last_text().startswith(f"{expected}\n\n{question}")
    assert (await bot.store.personal_data(5601)).draft == before
    await villager.send("ត្រឹមត្រូវ")  # the right kind of answer still works
    assert (ASK_PLACE, ASK_PROMISED, ASK_NAMED)[step] in villager.last_text()


async def test_exactly_the_limits_are_accepted(bot: Bot) -> None:
    villager = bot.user(5602)
    await villager.send("/report_broker")
    await villager.send("កខ")  # two characters
    await villager.send("ក" * 300)
    await villager.send("ខ" * 301)
    assert villager.last_text().startswith("វែងពេក។")
    await villager.send("ខ" * 300)
    assert ASK_NAMED in villager.last_text()


async def test_typing_where_a_button_is_expected_shows_the_buttons_again(bot: Bot) -> None:
    villager = bot.user(5603)
    await answer_three(villager)
    await villager.send("anonymous please")
    assert villager.last_text().startswith("សូមឆ្លើយដោយចុចប៊ូតុងណាមួយខាងក្រោម។")
    assert ASK_NAMED in villager.last_text()
    await villager.click("🕶 កុំប្រាប់ឈ្មោះខ្ញុំ")
    await villager.send_sticker()
    assert "ផ្ញើឥឡូវនេះឬ?" in villager.last_text()
    assert await bot.store.broker_reports(None) == []


# -- forged and stale presses ------------------------------------------------------------------


@pytest.mark.parametrize("forged", ["broker:send", "broker:anon", "broker:named", "broker:x"])
async def test_a_forged_press_while_typing_is_refused(bot: Bot, forged: str) -> None:
    villager = bot.user(5701)
    await villager.send("/report_broker")
    await villager.send(WHO)
    before = (await bot.store.personal_data(5701)).draft
    await villager.press(forged)
    assert villager.last_alert() == EXPIRED
    assert ASK_PLACE in villager.last_text()
    assert (await bot.store.personal_data(5701)).draft == before
    assert await bot.store.broker_reports(None) == []


async def test_send_pressed_outside_a_report_is_refused(bot: Bot) -> None:
    villager = bot.user(5702)
    await onboard_in_khmer(villager)
    await villager.press("broker:send")
    assert villager.last_alert() == EXPIRED
    assert await bot.store.broker_reports(None) == []


async def test_an_old_send_button_cannot_send_twice(bot: Bot) -> None:
    villager = bot.user(5703)
    await answer_three(villager)
    await villager.click("🙋 ប្រាប់ឈ្មោះខ្ញុំ")
    review = villager.bot.telegram.chats[5703][-1]
    await villager.click("✅ ផ្ញើ")
    await villager.press("broker:send", review)
    assert villager.last_alert() == EXPIRED
    assert len(await bot.store.broker_reports(None)) == 1


async def test_cancel_keeps_nothing(bot: Bot) -> None:
    villager = bot.user(5704)
    await answer_three(villager)
    await villager.click("✖️ បោះបង់")
    assert villager.last_text() == "បានបោះបង់។ យើងមិនបានផ្ញើ ឬរក្សាទុកអ្វីទេ។"
    assert await bot.store.broker_reports(None) == []
    assert "broker_report" not in (await bot.store.personal_data(5704)).draft
    await villager.send(WHO)  # no longer inside the report
    assert "សូមទោស ខ្ញុំមិនយល់ទេ" in villager.last_text()


async def test_menu_leaves_the_report_and_forgets_it(bot: Bot) -> None:
    villager = bot.user(5705)
    await onboard_in_khmer(villager)
    await villager.send("/report_broker")
    await villager.send(WHO)
    await villager.send("/menu")
    assert "broker_report" not in (await bot.store.personal_data(5705)).draft
    await villager.send("/report_broker")  # a new report starts empty
    await villager.send(PLACE)
    assert ASK_PLACE in villager.last_text()


# -- restart -----------------------------------------------------------------------------------


@pytest.mark.parametrize("crash", [False, True])
async def test_a_restart_in_the_middle_resumes_at_the_same_step(bot: Bot, crash: bool) -> None:
    villager = bot.user(5801)
    await onboard_in_khmer(villager)
    await villager.send("/report_broker")
    await villager.send(WHO)
    await villager.send(PLACE)
    await bot.restart(crash=crash)
    await villager.send(PROMISED)
    assert ASK_NAMED in villager.last_text()
    await villager.click("🕶 កុំប្រាប់ឈ្មោះខ្ញុំ")
    await bot.restart(crash=crash)
    await villager.click("✅ ផ្ញើ")
    (report,) = await bot.store.broker_reports(None)
    assert (report.who, report.place, report.promised) == (WHO, PLACE, PROMISED)
    assert report.reporter_user_id is None


# -- /broker_reports ---------------------------------------------------------------------------


async def send_report(bot: Bot, villager: Person, who: str, *, named: bool = False) -> None:
    await villager.send("/report_broker")
    await villager.send(who)
    await villager.send(PLACE)
    await villager.send(PROMISED)
    await villager.click("🙋 ប្រាប់ឈ្មោះខ្ញុំ" if named else "🕶 កុំប្រាប់ឈ្មោះខ្ញុំ")
    await villager.click("✅ ផ្ញើ")


async def test_each_sees_the_reports_of_their_scope(bot: Bot) -> None:
    villager, stranger = bot.user(5901), bot.user(5902)
    leader, other_leader, staff = bot.user(5903, "Dara", "en"), bot.user(5904), bot.user(STAFF)
    await onboard_in_khmer(villager)
    await onboard_in_english(leader)
    await make_leader(bot, leader)
    await onboard_in_khmer(other_leader)
    await make_leader(bot, other_leader, OTHER_VILLAGE)
    await send_report(bot, villager, "Broker Nesat", named=True)
    await send_report(bot, stranger, "Broker Nowhere")

    await villager.send("/broker_reports")
    assert villager.last_text() == (
        "មានតែមេភូមិ និងបុគ្គលិកគម្រោងប៉ុណ្ណោះ ដែលអាចមើលអ្វីដែលអ្នកភូមិប្រាប់ពីមេខ្យល់បាន។ "
        "បើអ្នកចង់ប្រាប់ពីមេខ្យល់ម្នាក់ សូមផ្ញើ /report_broker ។"
    )
    await other_leader.send("/broker_reports")
    assert other_leader.last_text() == "មិនទាន់មានរបាយការណ៍នៅឡើយទេ។"

    await leader.send("/broker_reports")
    text = leader.last_text()
    assert text.startswith("<b>Reports about suspicious brokers</b>\nThe newest 1:\n\n")
    assert "<b>No. 1</b> · March 1, 2026 · Nesat, Chrouy Svay commune\nWho: Broker Nesat\n" in text
    assert '<a href="tg://user?id=5901">the person who reported</a>' in text
    assert "Broker Nowhere" not in text

    await staff.send("/broker_reports")
    text = staff.last_text()
    assert "ថ្មីបំផុត ២៖" in text
    assert text.index("Broker Nowhere") < text.index("Broker Nesat")  # newest first
    assert "ពី៖ អ្នកមិនប្រាប់ឈ្មោះ" in text


async def test_a_revoked_leader_sees_nothing_any_more(bot: Bot) -> None:
    leader = bot.user(5905)
    await onboard_in_khmer(leader)
    await make_leader(bot, leader)
    (role,) = await bot.store.leaders_of(NESAT)
    await bot.store.revoke_leader(role.leader_id)
    await leader.send("/broker_reports")
    assert leader.last_text().startswith("មានតែមេភូមិ និងបុគ្គលិកគម្រោងប៉ុណ្ណោះ")


async def test_staff_see_the_newest_twenty_over_several_messages(bot: Bot) -> None:
    staff = bot.user(STAFF)
    for n in range(1, 26):
        await bot.store.add_broker_report(
            None, NESAT, f"Broker {n:02} " + "ខ" * 280, "x" * 300, "&" * 300
        )
    await staff.send("/broker_reports")
    pages = staff.new_texts()
    assert len(pages) > 1  # 20 long reports do not fit one message
    everything = "\n".join(pages)
    assert pages[0].startswith("<b>របាយការណ៍អំពីមេខ្យល់គួរឱ្យសង្ស័យ</b>\nថ្មីបំផុត ២០៖")
    assert "Broker 25" in everything and "Broker 06" in everything
    assert "Broker 05" not in everything
    assert everything.index("Broker 25") < everything.index("Broker 06")


# -- reports that travel: the commune's other chiefs, and patterns across a district ----------

WEST = "09060402"  # Chrouy Svay Khang Lech: the same commune as Nesat
PHLAONG = "09060104"  # Boeng Preav commune: the same district, another commune
NEIGHBOUR_HEADER = "🚩 <b>ការព្រមានសម្រាប់ភូមិរបស់អ្នក</b> (របាយការណ៍លេខ ១)"
PATTERN = "⚠️ <b>មេខ្យល់ដដែលម្ដងទៀត?</b>"


async def report(villager: Person, who: str, place: str = PLACE, *, named: bool = True) -> None:
    await villager.send("/report_broker")
    await villager.send(who)
    await villager.send(place)
    await villager.send(PROMISED)
    await villager.click("🙋 ប្រាប់ឈ្មោះខ្ញុំ" if named else "🕶 កុំប្រាប់ឈ្មោះខ្ញុំ")
    await villager.click("✅ ផ្ញើ")


async def test_the_communes_other_chiefs_are_warned_without_the_reporters_name(bot: Bot) -> None:
    villager = bot.user(5901, "Srey Pov")
    own, west, farther = bot.user(5902), bot.user(5903), bot.user(5904)
    await onboard_in_khmer(villager)
    await make_leader(bot, own)
    await make_leader(bot, west, WEST)
    await make_leader(bot, farther, PHLAONG)
    await report(villager, WHO)

    assert 'href="tg://user?id=5901"' in own.last_text()  # their own chief may write to them
    (warning,) = west.new_texts()
    assert warning == (  # who and what only, the typed text escaped
        f"{NEIGHBOUR_HEADER}\n"
        "មនុស្សម្នាក់ក្នុងឃុំរបស់អ្នក បានប្រាប់ពីមេខ្យល់នេះ។ សូមប្រាប់អ្នកភូមិរបស់អ្នកឱ្យប្រយ័ត្ន។\n"
        "នរណា៖ លោក សុខ &lt;មេខ្យល់&gt; &amp; បងប្អូន\n"
        f"គាត់សន្យាអ្វី៖ {PROMISED}\n"
        "យើងមិនប្រាប់ភូមិផ្សេងទេ ថាអ្នកណាបានប្រាប់ អ្នកនោះនៅភូមិណា ឬគេជួបមេខ្យល់នៅឯណា។"
    )
    # Where they met, and the reporter's village (a broker approaches a handful of people in
    # one village), may point to her: both are left out (review N4).
    assert PLACE not in warning and "នេសាទ" not in warning
    assert "Srey Pov" not in warning and "5901" not in warning and "tg://" not in warning
    assert farther.new_texts() == []  # another commune: not told
    near = [r for r in await bot.store.outbox_group("broker:1") if r.chat_id == west.id]
    assert [(r.user_id, r.payload) for r in near] == [(None, {"neighbour": True})]


async def test_the_reporter_is_told_what_the_neighbouring_chiefs_will_see(bot: Bot) -> None:
    villager, own, west = bot.user(5931, "Srey Pov", "en"), bot.user(5932), bot.user(5933)
    await onboard_in_english(villager)
    await onboard_in_english(west)
    await make_leader(bot, own)
    await make_leader(bot, west, WEST)

    await villager.send("/report_broker")
    assert (
        "The chiefs of the other villages in your commune see what you type about that broker "
        "too, but not your name. So do not type your own name or village.\n"
    ) in villager.last_text()
    await villager.send("Mr Sok from the market")
    await villager.send("At Sok's shop in Nesat, by the well")
    await villager.send("Work in Thailand, pay $200 first")
    assert villager.last_text().endswith(
        "<b>Without my name:</b> we do not give your name, and the bot does not keep who sent "
        "it. But if you write details, people may guess it is you."
    )
    await villager.click("🙋 With my name")
    await villager.click("✅ Send")

    assert west.last_text() == (  # just as the reporter was told
        "🚩 <b>A warning for your village</b> (report no. 1)\n"
        "Someone in your commune told us about this broker. Please tell the people of your "
        "village to be careful.\n"
        "Who: Mr Sok from the market\n"
        "What they promised: Work in Thailand, pay $200 first\n"
        "We do not tell other villages who told us, which village that person lives in, or "
        "where they met the broker."
    )
    assert "At Sok's shop in Nesat" in own.last_text()  # their own chief gets all of it


async def test_a_chief_of_two_villages_of_the_commune_gets_it_once(bot: Bot) -> None:
    villager, chief = bot.user(5911), bot.user(5912)
    await onboard_in_khmer(villager)
    await make_leader(bot, chief)
    code_hash = "test-invite-second-village"  # leads Nesat and its neighbour
    await bot.store.create_invite(code_hash, WEST, bot.clock.now() + timedelta(days=1))
    await bot.store.accept_invite(code_hash, chief.id, "Leader")
    await report(villager, WHO)
    notices = [t for t in chief.new_texts() if "(លេខ ១)" in t]
    assert len(notices) == 1 and not notices[0].startswith(NEIGHBOUR_HEADER)


async def test_the_same_phone_from_two_people_in_a_district_alerts_staff(bot: Bot) -> None:
    first, second, staff = bot.user(5921), bot.user(5922), bot.user(STAFF)
    await onboard_in_khmer(first)
    await onboard_in_khmer(second)
    await report(first, "បុរសម្នាក់ អាយុប្រហែល ៤០", "តាមទូរស័ព្ទ ០១២ ៣៤៥ ៦៧៨")
    assert not any(t.startswith(PATTERN) for t in staff.new_texts())  # one report: no pattern
    await report(second, "ស្ត្រីម្នាក់", "គាត់ខលមក +855 12-345-678", named=False)
    (alert,) = [t for t in staff.new_texts() if t.startswith(PATTERN)]
    assert "របាយការណ៍ ២ ពីមនុស្សផ្សេងគ្នា នៅស្រុក ស្រែ អំបិល" in alert
    assert "មានលេខទូរស័ព្ទដូចគ្នា៖ 012345678" in alert
    assert "របាយការណ៍លេខ៖ 1, 2" in alert
    assert "/announce" in alert


async def test_the_same_person_reporting_twice_is_no_pattern(bot: Bot) -> None:
    villager, staff = bot.user(5931), bot.user(STAFF)
    await onboard_in_khmer(villager)
    await report(villager, "លោក សុខា 012345678")
    await report(villager, "សុខា លេខ ០១២៣៤៥៦៧៨")
    assert not any(t.startswith(PATTERN) for t in staff.new_texts())


async def test_the_same_name_from_two_people_alerts_staff_with_the_name_escaped(bot: Bot) -> None:
    first, second, staff = bot.user(5941), bot.user(5942), bot.user(STAFF)
    await onboard_in_khmer(first)
    await onboard_in_khmer(second)
    await report(first, "លោក <ដារ៉ា>")
    await report(second, "ដារ៉ា")
    (alert,) = [t for t in staff.new_texts() if t.startswith(PATTERN)]
    assert "មានឈ្មោះដូចគ្នា៖ ដារ៉ា" in alert


def test_phone_numbers_and_names_are_normalised() -> None:
    from domain.broker_marks import marks, name_of, phone_numbers

    assert phone_numbers("០១២ ៣៤៥ ៦៧៨") == {"012345678"}
    assert phone_numbers("+855 12-345-678, or 097.123.4567") == {"012345678", "0971234567"}
    assert phone_numbers("+66 81 234 5678") == {"+66812345678"}
    assert phone_numbers("pay $200 on 12 May") == set()  # too few digits for a phone
    assert name_of("លោក  សុខ\u200b") == name_of("សុខ") == "សុខ"
    assert name_of("Mr. DARA!") == "dara"
    assert name_of("?") is None
    assert marks("សុខ ០១២៣៤៥៦៧៨", "", "") == {"phone:012345678", "name:សុខ"}
