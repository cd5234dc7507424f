"""One form at a time: a new form or a command leaves the open one; help does not."""

from __future__ import annotations

from tests.support.chat import Bot
from tests.support.journeys import onboard


async def test_a_new_form_leaves_the_calculator(bot: Bot) -> None:
    villager = bot.user(400)
    await onboard(villager)
    await villager.send("/calc")
    await villager.click("🏭 តំបន់សេដ្ឋកិច្ចពិសេស ឬចម្ការអំពៅ")
    await villager.send("/report_broker")
    await villager.send("Mr Big")  # an answer for the new form, not for the calculator
    assert "សូមចុចប៊ូតុង" not in villager.last_text()
    draft = (await bot.store.personal_data(400)).draft
    assert "calculator" not in draft
    assert draft["broker_report"]


async def test_help_in_the_middle_of_a_form_keeps_it(bot: Bot) -> None:
    villager = bot.user(401)
    await onboard(villager)
    await villager.send("/plan")
    await villager.click("ខ្ញុំ")
    await villager.send("/help")
    await villager.send("Sokha")  # still the departure form: the name question
    assert "តើអ្នកដែលចេញទៅ ជាស្ត្រី ឬបុរស?" in villager.last_text()


async def test_a_forms_entry_button_leaves_the_open_form(bot: Bot) -> None:
    villager = bot.user(402)
    await onboard(villager)
    await villager.send("/plan")
    await villager.click("ខ្ញុំ")
    await villager.press("calc:open")
    assert "departure" not in (await bot.store.personal_data(402)).draft
    await villager.click("🏙 ភ្នំពេញ ឬខេត្តផ្សេង")
    assert "🧳 ទៅភ្នំពេញ ឬខេត្តផ្សេង ៦ ខែ៖ សល់ <b>២៤០\u00a0ដុល្លារ</b>" in villager.last_text()


async def test_leaving_survives_a_restart(bot: Bot) -> None:
    villager = bot.user(403)
    await onboard(villager)
    await villager.send("/calc")
    await villager.send("/menu")
    await bot.restart(crash=True)
    await villager.send("៣០០")  # the calculator is not waiting for a number any more
    assert "សូមទោស ខ្ញុំមិនយល់ទេ" in villager.last_text()
