"""A chief writes a departure down with the villager beside him; she confirms it on her phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.chat import Bot, Person
from tests.support.journeys import STAFF_ID, make_leader, onboard, sweep_at

pytestmark = pytest.mark.staffed

CHIEF, VILLAGER = 4100, 4101
YES = "✅ បាទ/ចាស នេះជាខ្ញុំ"
NO = "✖️ ទេ នេះមិនមែនជាខ្ញុំទេ"
FIRST_PROMPT = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)  # 08:00 in Bangkok, the day after arrival


async def chief_writes_down(bot: Bot, chief: Person) -> str:
    """The chief's form, with the villager beside him; returns the ``a_…`` payload he shows."""
    await chief.send("/menu")
    await chief.click("📋 ចុះឈ្មោះអ្នកចេញដំណើរ ដែលនៅជាមួយលោកអ្នក")
    intro = chief.new_texts()[-2]
    assert "បូតមិនសួរថា ហេតុអ្វីគាត់ចេញដំណើរទេ" in intro  # why she leaves is not asked
    await chief.send("Srey Mom")
    await chief.click("ស្ត្រី")
    await chief.send("២០")
    await chief.click("🇹🇭 ថៃ")
    await chief.click("កែច្នៃគ្រឿងសមុទ្រ (បង្គា ក្ដាម)")
    await chief.click("ខ្លី តាមរដូវ (ពីរបីខែ)")
    await chief.click("មេខ្យល់")
    await chief.click("✅ រួចរាល់")  # no papers ticked
    await chief.click("រំលង")  # employer phone
    await chief.send("២៥០")
    await chief.click("ថ្ងៃស្អែក")
    await chief.click("ថ្ងៃបន្ទាប់")
    await chief.send("012 345 678")
    review = chief.last_text()
    assert "<b>ឈ្មោះ៖</b> Srey Mom" in review and "មិនចង់ប្រាប់" in review
    await chief.click("📲 បង្កើតលេខកូដ សម្រាប់ទូរស័ព្ទរបស់គាត់")
    assert chief.media()[-1] == "photo"  # the QR code her camera reads
    shown = chief.last_text()
    assert "Srey Mom" not in shown  # the message under the picture names nobody
    match = re.search(r"start=(a_[\w-]+)", shown)
    assert match, shown
    return match.group(1)


async def a_chief(bot: Bot) -> Person:
    chief = bot.user(CHIEF, "Chief")
    await make_leader(bot, chief)
    return chief


async def new_villager_opens(bot: Bot, payload: str) -> Person:
    """Someone new to the bot opens the code: language, consent, the chief's village offered."""
    villager = bot.user(VILLAGER, "Mom")
    await villager.send(f"/start {payload}")
    await villager.click("ភាសាខ្មែរ")
    await villager.click("➡️ បន្ទាប់")
    await villager.click("➡️ បន្ទាប់")
    await villager.click("បាទ/ចាស ខ្ញុំយល់ព្រម")
    assert "តើអ្នករស់នៅភូមិ <b>នេសាទ</b>" in villager.last_text()  # the chief's village, offered
    await villager.click(villager.buttons()[0])
    await villager.click("រំលង")
    await villager.click("រំលង")
    return villager


async def test_registered_by_the_chief_opened_by_her_and_her_check_in_reaches_her(
    bot: Bot,
) -> None:
    chief = await a_chief(bot)
    payload = await chief_writes_down(bot, chief)
    assert await bot.store.departures_of(CHIEF) == []  # nothing is a departure yet
    assert payload.removeprefix("a_") not in repr(await bot.store.assisted_made_by(CHIEF))

    villager = await new_villager_opens(bot, payload)
    screen = villager.last_text()
    assert screen.startswith("<b>📋 ការចេញដំណើររបស់អ្នក ដែលមេភូមិបានសរសេរជាមួយអ្នក</b>")
    assert "<b>ឈ្មោះ៖</b> Srey Mom" in screen and villager.buttons() == [YES, NO]
    chief.new_texts()
    await villager.click(YES)
    assert villager.last_text().startswith("✅ រួចរាល់។ ការចេញដំណើររបស់អ្នក បានចុះឈ្មោះហើយ។")

    (departure,) = await bot.store.departures_of(VILLAGER)
    assert departure.name == "Srey Mom" and departure.reason == "private"
    assert await bot.store.assisted_made_by(CHIEF) == []  # the answers left the waiting table
    told = chief.new_texts()
    notice = next(text for text in told if text.startswith("<b>ដំណឹងចេញដំណើរ</b>"))
    assert "Srey Mom" in notice  # the chief's usual notice, with the button to acknowledge
    assert any("គណនី Telegram ឈ្មោះ «Mom»" in text for text in told)  # which phone said yes

    villager.new_texts()
    await sweep_at(bot, FIRST_PROMPT)
    assert len(villager.new_texts()) == 1  # the check-in comes to her phone
    assert villager.button_data()[0].startswith("ci:")
    assert all(not d.startswith("ci:") for d in chief.button_data())


async def test_someone_already_in_the_bot_sees_it_at_once(bot: Bot) -> None:
    chief = await a_chief(bot)
    villager = bot.user(VILLAGER, "Mom")
    await onboard(villager)
    payload = await chief_writes_down(bot, chief)
    await villager.send(f"/start {payload}")
    assert villager.buttons() == [YES, NO]
    await villager.click(YES)
    assert len(await bot.store.departures_of(VILLAGER)) == 1


async def test_not_me_keeps_nothing_and_the_chief_is_told(bot: Bot) -> None:
    chief = await a_chief(bot)
    payload = await chief_writes_down(bot, chief)
    stranger = await new_villager_opens(bot, payload)
    chief.new_texts()
    await stranger.click(NO)
    assert stranger.last_text().startswith("មិនបានរក្សាទុកអ្វីទេ។")
    assert await bot.store.departures_of(VILLAGER) == []
    assert await bot.store.assisted_made_by(CHIEF) == []
    told = chief.last_text()
    assert "បានឆ្លើយថា នោះមិនមែនជាគាត់ទេ" in told and "Srey Mom" not in told
    await stranger.send(f"/start {payload}")  # the code is spent
    assert stranger.last_text().startswith("លេខកូដនេះ គេបានប្រើរួចហើយ។")


async def test_an_unopened_code_expires_its_answers_go_and_the_chief_is_told(bot: Bot) -> None:
    chief = await a_chief(bot)
    payload = await chief_writes_down(bot, chief)
    chief.new_texts()
    await sweep_at(bot, bot.clock.now() + timedelta(hours=73))
    assert await bot.store.assisted_made_by(CHIEF) == []
    told = chief.last_text()
    assert "មិនបានបញ្ជាក់ នៅលើទូរស័ព្ទរបស់គាត់" in told and "Srey Mom" not in told
    villager = bot.user(VILLAGER, "Mom")
    await villager.send(f"/start {payload}")
    assert villager.last_text().startswith("លេខកូដនេះ ផុតកំណត់ហើយ")
    assert await bot.store.departures_of(VILLAGER) == []


async def test_nothing_reaches_her_phone_before_she_opens_the_code(bot: Bot) -> None:
    chief = await a_chief(bot)
    villager = bot.user(VILLAGER, "Mom")
    await onboard(villager)
    villager.new_texts()
    await chief_writes_down(bot, chief)
    await sweep_at(bot, FIRST_PROMPT)
    assert villager.new_texts() == []


async def test_the_chief_cannot_open_his_own_code_nor_can_staff(bot: Bot) -> None:
    chief = await a_chief(bot)
    payload = await chief_writes_down(bot, chief)
    await chief.send(f"/start {payload}")
    assert chief.last_text().startswith("លេខកូដនេះ សម្រាប់ទូរស័ព្ទរបស់អ្នកដែលចេញដំណើរ")
    staff = bot.user(STAFF_ID, "Staff", "en")
    await staff.send(f"/start {payload}")
    assert staff.last_text().startswith("គណនី Telegram នេះ ជារបស់មេភូមិ ឬបុគ្គលិកគម្រោង")
    assert staff.buttons() == [] and "Srey Mom" not in staff.last_text()
    assert await bot.store.departures_of(STAFF_ID) == []
    assert len(await bot.store.assisted_made_by(CHIEF)) == 1  # still waiting for her


async def test_a_forged_or_unknown_code_and_a_forged_press_change_nothing(bot: Bot) -> None:
    chief = await a_chief(bot)
    await chief_writes_down(bot, chief)
    villager = bot.user(VILLAGER, "Mom")
    await onboard(villager)
    await villager.send("/start a_" + "x" * 22)
    assert villager.last_text().startswith("លេខកូដនេះ មិនត្រឹមត្រូវទេ។")
    await villager.press("asst:yes")  # no code opened on this account
    assert await bot.store.departures_of(VILLAGER) == []
    assert len(await bot.store.assisted_made_by(CHIEF)) == 1


async def test_a_revoked_chief_s_waiting_registrations_go_with_his_role(bot: Bot) -> None:
    chief = await a_chief(bot)
    payload = await chief_writes_down(bot, chief)
    (leader,) = [row for row in await bot.store.leaders_of("09060405") if row.user_id == CHIEF]
    await bot.store.revoke_leader(leader.leader_id)
    assert await bot.store.assisted_made_by(CHIEF) == []
    villager = bot.user(VILLAGER, "Mom")
    await villager.send(f"/start {payload}")
    assert villager.last_text().startswith("លេខកូដនេះ គេបានប្រើរួចហើយ។") or (
        villager.last_text().startswith("លេខកូដនេះ ផុតកំណត់ហើយ")
    )


async def test_delete_by_the_chief_erases_what_waits_and_by_her_erases_her_departure(
    bot: Bot,
) -> None:
    chief = await a_chief(bot)
    payload = await chief_writes_down(bot, chief)
    villager = await new_villager_opens(bot, payload)
    await villager.click(YES)
    await villager.send("/delete")
    await villager.click("បាទ/ចាស លុបទាំងអស់")
    assert await bot.store.departures_of(VILLAGER) == []

    second = await chief_writes_down(bot, chief)
    assert second and len(await bot.store.assisted_made_by(CHIEF)) == 1
    await chief.send("/delete")
    await chief.click("បាទ/ចាស លុបទាំងអស់")
    assert await bot.store.rows_about(CHIEF) == 0
