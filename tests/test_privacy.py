"""/mydata shows everything kept; /delete erases everything; then /start begins afresh."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.support.chat import Bot, Person
from tests.support.journeys import read_consent
from tests.test_onboarding import LANGUAGE_BUTTONS, onboard_in_khmer


async def test_mydata_shows_everything_kept_in_khmer(bot: Bot) -> None:
    villager = bot.user(4001)
    await onboard_in_khmer(villager)
    await villager.send("/mydata")
    text = villager.last_text()
    assert "<b>អ្វីដែលបូតនេះរក្សាទុកអំពីអ្នក</b>" in text
    assert "ភាសា៖ 🇰🇭 ភាសាខ្មែរ" in text
    assert "ភូមិ៖ នេសាទ\nឃុំ៖ ជ្រោយស្វាយ\nស្រុក៖ ស្រែ អំបិល" in text
    assert "ភេទ៖ 👩 ស្ត្រី" in text
    assert "អាយុ៖ 🧑 ១៨ ដល់ ២៤ឆ្នាំ" in text
    assert "ថ្ងៃដែលអ្នកយល់ព្រម៖ ១ មីនា ២០២៦" in text  # Khmer digits, Phnom Penh date
    assert "បុគ្គលិកគម្រោងមើលឃើញព័ត៌មាននេះ" in text


async def test_mydata_of_someone_unknown_says_nothing_is_kept(bot: Bot) -> None:
    stranger = bot.user(4002, language_code="en")
    await stranger.send("/mydata")
    assert stranger.last_text() == "បូតនេះមិនរក្សាទុកអ្វីអំពីអ្នកទេ។"  # Khmer by default
    assert stranger.buttons() == ["🏠 ម៉ឺនុយដើម"]


async def erase_everything(person: Person) -> None:
    await person.send("/delete")
    assert person.last_text().startswith("តើអ្នកចង់លុបអ្វីៗទាំងអស់")
    await person.click("បាទ/ចាស លុបទាំងអស់")


async def test_delete_erases_every_row_and_start_begins_afresh(bot: Bot) -> None:
    villager = bot.user(4003)
    await onboard_in_khmer(villager)
    assert await bot.store.rows_about(4003) > 0

    await erase_everything(villager)

    assert "យើងបានលុបព័ត៌មានទាំងអស់អំពីអ្នកហើយ" in villager.last_text()
    assert await bot.store.rows_about(4003) == 0
    await villager.send("/start")
    assert villager.buttons() == LANGUAGE_BUTTONS


async def test_no_keeps_everything(bot: Bot) -> None:
    villager = bot.user(4004)
    await onboard_in_khmer(villager)
    await villager.send("/delete")
    await villager.click("ទេ កុំលុប")
    assert "មិនបានលុបអ្វីទេ" in villager.last_text()
    assert await bot.store.get_user(4004) is not None


async def test_delete_in_the_middle_of_onboarding_leaves_no_state(bot: Bot) -> None:
    villager = bot.user(4005)
    await villager.send("/start")
    await villager.click("ភាសាខ្មែរ")
    await read_consent(villager)
    await villager.click("បាទ/ចាស ខ្ញុំយល់ព្រម")
    await villager.click("ស្រែ អំបិល")
    await erase_everything(villager)
    assert await bot.store.rows_about(4005) == 0

    await villager.press("onb:commune:090604")  # the old onboarding message is dead
    assert villager.last_alert() == "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"
    assert await bot.store.rows_about(4005) == 0

    await bot.restart()  # and nothing comes back from persistence
    await villager.send("/start")
    assert villager.buttons() == LANGUAGE_BUTTONS


async def test_erase_from_mydata_while_onboarding_is_open_ends_it(bot: Bot) -> None:
    villager = bot.user(4006)
    await villager.send("/start")
    await villager.click("English")
    await villager.send("/mydata")
    assert "An unfinished form" in villager.last_text()
    await villager.click("🗑 Erase my data")
    await villager.click("Yes, erase everything")
    assert await bot.store.rows_about(4006) == 0
    await villager.press("onb:consent:yes")
    assert await bot.store.rows_about(4006) == 0


async def test_delete_when_nothing_is_kept(bot: Bot) -> None:
    stranger = bot.user(4007)
    await stranger.send("/delete")
    assert "គ្មានអ្វីត្រូវលុបទេ" in stranger.last_text()


async def test_erasing_one_person_leaves_the_others(bot: Bot) -> None:
    first, second = bot.user(4008), bot.user(4009)
    await onboard_in_khmer(first)
    await onboard_in_khmer(second)
    await erase_everything(first)
    assert await bot.store.get_user(4009) is not None


async def test_mydata_lists_learning_and_delete_erases_it(bot: Bot) -> None:
    villager = bot.user(4010)
    await onboard_in_khmer(villager)
    await villager.press("learn:done:passport")
    await villager.send("/quiz")
    await villager.click("▶️ ចាប់ផ្ដើម")
    await villager.send("/share")
    await villager.send("/mydata")
    text = villager.last_text()
    assert "មេរៀនដែលរៀនចប់៖ ១ ក្នុងចំណោម ៩" in text
    assert "ចំនួនដងដែលអ្នកឆ្លើយសំណួរ (រួមទាំងចម្លើយនីមួយៗ)៖ ១" in text
    assert "អ្នកដែលចូលតាមតំណនេះ៖ ០" in text
    await erase_everything(villager)
    assert await bot.store.rows_about(4010) == 0


async def test_mydata_lists_departures_and_check_ins_and_delete_erases_them(tmp_path: Path) -> None:
    from tests.support.journeys import sent_departure, staffed_bot, sweep_at

    harness = await staffed_bot(tmp_path)
    try:
        villager = harness.user(4020)
        await sent_departure(harness, villager)
        await sweep_at(harness, datetime(2026, 3, 4, 1, tzinfo=UTC))
        await villager.send("/mydata")
        text = villager.last_text()
        assert "ការចេញដំណើរដែលអ្នកបានចុះឈ្មោះ (បានប្រាប់មេភូមិ)៖ ១" in text
        assert "ការសួរសុខទុក្ខដែលគ្រោងផ្ញើ ឬបានផ្ញើមកអ្នក និងចម្លើយរបស់អ្នក៖ ២" in text
        await villager.send("/delete")
        await villager.click("បាទ/ចាស លុបទាំងអស់")
        assert await harness.store.rows_about(4020) == 0
    finally:
        await harness.stop()


def test_every_kept_table_has_a_mydata_line() -> None:
    from content.bundle import CONTENT_DIR, load_catalogs
    from conversations.privacy import ALSO_KEPT
    from storage.people import PERSONAL_MENTIONS, PERSONAL_ROWS

    shown_in_detail = {
        "users.user_id",
        "drafts.user_id",
        "conversations.user_id",
        "lesson_progress.user_id",
        "statement_answers.user_id",
        "quiz_attempts.user_id",
        "quiz_answers.user_id",
        "referral_codes.user_id",
        "referrals.referrer_user_id",
        "referrals.referred_user_id",
        "entries.user_id",
        "leader_invites.used_by_user_id",
        "alerts.resolved_by",
        "relinks.user_id",  # each move, as its own line (storage/relinks.py)
        "message_choices.user_id",
    }
    every = {f"{t}.{c}" for t, c in PERSONAL_ROWS + PERSONAL_MENTIONS}
    assert every - shown_in_detail == set(ALSO_KEPT)
    keys = load_catalogs(CONTENT_DIR)["km"]
    for table in ALSO_KEPT:
        assert f"mydata.kept.{table.replace('.', '_')}" in keys
