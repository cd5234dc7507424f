"""The migrate-or-stay calculator through Telegram: defaults, typed amounts, bad input."""

from __future__ import annotations

import pytest

from tests.support.chat import Bot, Person
from tests.test_onboarding import onboard_in_khmer

NOT_A_NUMBER = "សូមវាយតែលេខគត់ ឧទាហរណ៍ ១៥០ ឬ 150។"


async def abroad_by_broker(villager: Person) -> None:
    await onboard_in_khmer(villager)
    await villager.click("🧮 ទៅ ឬនៅ? គិតលុយមើល")
    await villager.click("🌏 ក្រៅប្រទេស (គិតតាមថៃ)")
    await villager.click("តាមមេខ្យល់")


async def test_abroad_by_broker_shows_the_reports_figures_in_khmer(bot: Bot) -> None:
    villager = bot.user(9101)
    await abroad_by_broker(villager)
    text = villager.last_text()
    assert "🧳 ទៅ៖ រកបាន ២៦០$ ចាយ ២១៨$ សល់ <b>៤២$</b>" in text
    assert "🏡 នៅភូមិ៖ រកបាន ២០០$ ចាយ ១៥០$ សល់ <b>៥០$</b>" in text
    assert "<b>មុនចេញដំណើរ៖</b> ២១៥$" in text
    assert "<b>រយៈពេលទាំងអស់ ២៤ ខែ</b>" in text
    assert "🧳 ទៅ៖ សល់ <b>៧៩៣$ (៣,១៧២,០០០\u00a0៛)</b>" in text  # 24 x 42 - 215
    assert "🏡 នៅភូមិ៖ សល់ <b>១,២០០$ (៤,៨០០,០០០\u00a0៛)</b>" in text
    assert "នៅភូមិ សល់លុយច្រើនជាង ៤០៧$" in text
    assert "ការទៅ សល់លុយតែ ២៧៣$" in text  # if two months' wages are never paid
    assert "និយាយឱ្យត្រង់៖ នៅដំបូង ទៅតាមមេខ្យល់ ចំណាយតិចជាងផ្លូវស្របច្បាប់" in text


async def test_typing_an_amount_in_khmer_digits_changes_the_sums(bot: Bot) -> None:
    villager = bot.user(9102)
    await abroad_by_broker(villager)
    await villager.click("✏️ ប្ដូរលេខ")
    assert "ទៅ៖ ប្រាក់ខែ៖ ២៦០$" in villager.buttons()
    await villager.click("ទៅ៖ ប្រាក់ខែ៖ ២៦០$")
    assert "ឥឡូវ៖ ២៦០$" in villager.last_text()
    await villager.send("៣០០")
    assert "🧳 ទៅ៖ រកបាន ៣០០$ ចាយ ២១៨$ សល់ <b>៨២$</b>" in villager.last_text()

    await villager.click("✏️ ប្ដូរលេខ")
    await villager.click("លុយដែលខ្ចី៖ ០$")
    await villager.send("2\u200b15")  # a zero-width space from the keyboard
    await villager.click("✏️ ប្ដូរលេខ")
    await villager.click("ការប្រាក់ក្នុងមួយខែ (%)៖ ០%")
    await villager.send(" ៥ ")
    assert "បំណុល ២១៥$ ការប្រាក់ ៥% ក្នុងមួយខែ៖ ការប្រាក់សរុប ២៥៨$" in villager.last_text()


@pytest.mark.parametrize("nonsense", ["abc", "-5", "1.5", "๑๒", "x" * 5000, "", "sticker"])
async def test_nonsense_is_explained_and_changes_nothing(bot: Bot, nonsense: str) -> None:
    villager = bot.user(9103)
    await abroad_by_broker(villager)
    await villager.click("✏️ ប្ដូរលេខ")
    await villager.click("ចំនួនខែធ្វើការឆ្ងាយ៖ ២៤ ខែ")
    draft_before = (await bot.store.personal_data(9103)).draft
    if nonsense == "sticker":
        await villager.send_sticker()
    elif nonsense:
        await villager.send(nonsense)
    else:
        await villager.send_photo()
    assert villager.last_text().startswith(NOT_A_NUMBER)
    assert "<b>ចំនួនខែធ្វើការឆ្ងាយ</b>" in villager.last_text()
    assert (await bot.store.personal_data(9103)).draft == draft_before
    await villager.send("១២")  # and the right answer still works
    assert "<b>រយៈពេលទាំងអស់ ១២ ខែ</b>" in villager.last_text()


async def test_a_number_beyond_reason_is_refused(bot: Bot) -> None:
    villager = bot.user(9104)
    await abroad_by_broker(villager)
    await villager.click("✏️ ប្ដូរលេខ")
    await villager.click("ចំនួនខែធ្វើការឆ្ងាយ៖ ២៤ ខែ")
    await villager.send("500")
    assert "លេខនេះធំពេក (យ៉ាងច្រើន ១២០ ខែ)" in villager.last_text()
    await villager.send("0")
    assert "លេខនេះធំពេក" in villager.last_text()  # 0 months is refused too


async def test_the_legal_route_in_english(bot: Bot) -> None:
    person = bot.user(9105)
    await person.send("/language")
    await person.click("English")
    await person.send("/calc")
    await person.click("🌏 Abroad (figures for Thailand)")
    await person.click("With a licensed agency (legal)")
    text = person.last_text()
    assert "<b>Before you leave:</b> $600 (passport $100, fees $500, travel $0)" in text
    assert "Waiting for papers: 3 months. Away: 24 months." in text
    assert "🧳 Going leaves: <b>$558 (2,232,000 riel)</b>" in text
    assert "Staying leaves $792 more." in text
    assert "The legal way to Thailand costs more" in text
    assert "Riel at 4,000 riel to the dollar." in text


async def test_the_sez_needs_no_route_question(bot: Bot) -> None:
    person = bot.user(9106)
    await person.send("/calc")
    await person.click("🏭 តំបន់សេដ្ឋកិច្ចពិសេស ឬចម្ការអំពៅ")
    assert "សល់ <b>៥០$</b>" in person.last_text()
    assert "ទៅ ឬនៅភូមិ សល់លុយប្រហែលៗគ្នា។" in person.last_text()


@pytest.mark.parametrize("crash", [False, True])
async def test_typed_values_survive_a_restart(bot: Bot, crash: bool) -> None:
    villager = bot.user(9107)
    await abroad_by_broker(villager)
    await villager.click("✏️ ប្ដូរលេខ")
    await villager.click("ថ្លៃធ្វើដំណើរ៖ ០$")
    await bot.restart(crash=crash)
    await villager.send("៥០")
    assert "ថ្លៃធ្វើដំណើរ ៥០$" in villager.last_text()


@pytest.mark.parametrize(
    "forged", ["calc:dest:moon", "calc:route:tunnel", "calc:field:salary", "calc:field:"]
)
async def test_forged_calculator_presses_are_refused(bot: Bot, forged: str) -> None:
    villager = bot.user(9108)
    await abroad_by_broker(villager)
    before = (await bot.store.personal_data(9108)).draft
    await villager.press(forged)
    assert villager.last_alert() == "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"
    assert (await bot.store.personal_data(9108)).draft == before


async def test_menu_leaves_the_calculator_and_forgets_its_numbers(bot: Bot) -> None:
    villager = bot.user(9109)
    await abroad_by_broker(villager)
    await villager.send("/menu")
    assert "calculator" not in (await bot.store.personal_data(9109)).draft
    await villager.send("៣០០")  # no longer inside the calculator
    assert "សូមទោស ខ្ញុំមិនយល់ទេ" in villager.last_text()
