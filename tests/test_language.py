"""Switching language at any time; everything after speaks the new one."""

from __future__ import annotations

from tests.support.chat import Bot
from tests.test_onboarding import LANGUAGE_BUTTONS, onboard_in_khmer


async def test_an_onboarded_villager_switches_to_english_and_back(bot: Bot) -> None:
    villager = bot.user(6001)
    await onboard_in_khmer(villager)
    await villager.click("🌐 ភាសា / Language")
    await villager.click("English")
    assert villager.last_text().startswith("Done. I will speak English with you.")
    profile = await bot.store.get_user(6001)
    assert profile is not None and profile.language == "en"
    await villager.send("/language")
    await villager.click("ភាសាខ្មែរ")
    assert villager.last_text().startswith("រួចរាល់។ ខ្ញុំនឹងនិយាយជាមួយអ្នកជាភាសាខ្មែរ។")


async def test_language_in_the_middle_of_onboarding_leaves_it(bot: Bot) -> None:
    villager = bot.user(6002)
    await villager.send("/start")
    await villager.click("ភាសាខ្មែរ")
    await villager.send("/language")
    await villager.click("English")
    assert "Send /start to begin." in villager.last_text()
    await villager.send("/start")
    assert villager.buttons() == LANGUAGE_BUTTONS


async def test_a_forged_language_is_refused(bot: Bot) -> None:
    villager = bot.user(6003)
    await onboard_in_khmer(villager)
    await villager.send("/language")
    await villager.press("lang:set:fr")
    assert villager.last_alert() == "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"
    profile = await bot.store.get_user(6003)
    assert profile is not None and profile.language == "km"
