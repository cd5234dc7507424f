"""A restart in the middle of a conversation loses nothing: the person goes on where they were."""

from __future__ import annotations

import pytest

from tests.support.chat import Bot
from tests.support.journeys import read_consent


@pytest.mark.parametrize("crash", [False, True], ids=["clean-stop", "crash"])
async def test_onboarding_resumes_at_the_same_step_after_a_restart(bot: Bot, crash: bool) -> None:
    villager = bot.user(3001)
    await villager.send("/start")
    await villager.click("ភាសាខ្មែរ")
    await read_consent(villager)
    await villager.click("បាទ/ចាស ខ្ញុំយល់ព្រម")
    await villager.click("ស្រែ អំបិល")
    await villager.click("ដងពែង")

    await bot.restart(crash=crash)

    await villager.click("ព្រះអង្គកែវ")  # a button of the message shown before the restart
    assert "ភូមិរបស់អ្នក៖ <b>ព្រះអង្គកែវ</b> ឃុំដងពែង" in villager.last_text()
    profile = await bot.store.get_user(3001)
    assert profile is not None
    assert (profile.language, profile.village_code) == ("km", "09060504")


async def test_typing_after_a_restart_repeats_the_step_in_the_chosen_language(bot: Bot) -> None:
    villager = bot.user(3002)
    await villager.send("/start")
    await villager.click("English")
    await read_consent(villager, "en")
    await villager.click("Yes, I agree")

    await bot.restart(crash=True)

    await villager.send("Srae Ambel")
    assert villager.last_text().startswith("Please answer by tapping one of the buttons.")
    assert "Which district do you live in?" in villager.last_text()


async def test_a_finished_profile_survives_a_restart(bot: Bot) -> None:
    villager = bot.user(3003)
    await villager.send("/start")
    await villager.click("English")
    await read_consent(villager, "en")
    await villager.click("Yes, I agree")
    await villager.click("Botum Sakor")
    await villager.click("Kandaol")
    await villager.click("Kandaol")  # the village of the same name
    await villager.click("Woman")
    await villager.click("Under 18")

    await bot.restart(crash=True)

    await villager.send("/start")
    assert "Welcome back!" in villager.last_text()
    profile = await bot.store.get_user(3003)
    assert profile is not None
    assert (profile.village_code, profile.gender, profile.age_band) == (
        "09010201",
        "female",
        "under_18",
    )
