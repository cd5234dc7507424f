"""When something breaks: the person is told what to do, and the logs hold ids, not words."""

from __future__ import annotations

import logging

import pytest

from tests.support.chat import TEST_TOKEN, Bot
from tests.test_onboarding import onboard_in_khmer


async def test_a_failing_database_gets_an_apology_not_silence(bot: Bot) -> None:
    villager = bot.user(7001)
    await onboard_in_khmer(villager)
    await bot.store.close()  # the disk went away

    await villager.send("/mydata")

    assert villager.last_text().startswith("សូមទោស មានបញ្ហាខាងយើង។")
    assert "/help" in villager.last_text()
    apologies = [t for t in villager.new_texts() if t.startswith("សូមទោស មានបញ្ហាខាងយើង")]
    assert len(apologies) == 1


async def test_logs_carry_ids_and_events_never_what_people_wrote(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    villager = bot.user(7002, first_name="Srey Pov")
    await onboard_in_khmer(villager)
    await villager.send("my secret debt is 500 dollars")
    await villager.send("/mydata")
    await villager.send("/delete")
    await villager.click("បាទ/ចាស លុបទាំងអស់")

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "user_erased user=7002" in logged
    assert "unknown_message user=7002" in logged
    for private in ("secret debt", "Srey Pov", "នេសាទ", TEST_TOKEN):
        assert private not in logged
