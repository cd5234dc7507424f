"""The migrate-or-stay calculator through Telegram: defaults, typed amounts, bad input.

The result is two screens (review E3): a short one with the two totals, which leaves more and by
how much (W1: «ខុសគ្នា», not «ច្រើនជាង {amount}»), and one risk; "🔎 details" has every figure that
is not 0 (W5). Sentences write «… ដុល្លារ», pictures and buttons «$» (content/SOURCES.md).
"""

from __future__ import annotations

import pytest

from content.budget import length
from tests.support.chat import Bot, Person
from tests.test_onboarding import onboard_in_khmer

NOT_A_NUMBER = "សូមវាយតែលេខគត់ ឧទាហរណ៍ ១៥០ ឬ 150។"
DETAILS, CHANGE = "🔎 មើលលម្អិត", "✏️ ប្ដូរលេខ"


async def abroad_by_broker(villager: Person) -> None:
    await onboard_in_khmer(villager)
    await villager.click("🧮 ទៅ ឬនៅ? គិតលុយមើល")
    await villager.click("🌏 ក្រៅប្រទេស (គិតតាមថៃ)")
    await villager.click("តាមមេខ្យល់")


async def test_abroad_by_broker_shows_the_reports_figures_in_khmer(bot: Bot) -> None:
    villager = bot.user(9101)
    await abroad_by_broker(villager)
    first = villager.last_text()  # the figures of the report, in one breath
    assert first == (
        "🧳 ទៅក្រៅប្រទេស (ថៃ) ២៤ ខែ៖ សល់ <b>៧៩៣\u00a0ដុល្លារ</b>\n"  # 24 x 42 - 215
        "🏡 នៅភូមិ៖ សល់ <b>១២០០\u00a0ដុល្លារ</b>\n"
        "👉 បើនៅភូមិ សល់លុយច្រើនជាង។ ខុសគ្នា ៤០៧\u00a0ដុល្លារ។\n"  # W1: the difference
        "⚠️ បើទៅ ហើយថៅកែមិនបើកប្រាក់ខែ ២ ខែ សល់តែ ២៧៣\u00a0ដុល្លារ។"  # two months unpaid
    )
    assert length(first) <= 175  # the review's 954 characters, now this (with «(ថៃ)»)
    assert "$" not in first  # one money form on the screen
    assert villager.buttons() == [DETAILS, CHANGE, "🏠 ម៉ឺនុយដើម"]

    await villager.click(DETAILS)
    text = villager.last_text()
    assert "🧳 ទៅ៖ រកបាន ២៦០\u00a0ដុល្លារ ចាយ ២១៨\u00a0ដុល្លារ សល់ <b>៤២\u00a0ដុល្លារ</b>" in text
    assert "🏡 នៅភូមិ៖ រកបាន ២០០\u00a0ដុល្លារ ចាយ ១៥០\u00a0ដុល្លារ សល់ <b>៥០\u00a0ដុល្លារ</b>" in text
    # Only the broker's fee is a cost: no «ប៉ាស្ព័រ ០», no travel, no debt, no waiting (W5).
    assert "<b>មុនចេញដំណើរ៖</b> ២១៥\u00a0ដុល្លារ (ថ្លៃសេវា ២១៥\u00a0ដុល្លារ)" in text
    assert "ធ្វើការឆ្ងាយ៖ ២៤ ខែ។" in text
    figures = text.split("<b>រយៈពេលទាំងអស់")[0]  # above the totals and the notes
    for zero in ("ប៉ាស្ព័រ", "ថ្លៃធ្វើដំណើរ", "បំណុល", "រង់ចាំឯកសារ", " ០\u00a0ដុល្លារ", "០%"):
        assert zero not in figures, zero
    assert "<b>រយៈពេលទាំងអស់ ២៤ ខែ</b>" in text
    assert "🧳 ទៅ៖ សល់ <b>៧៩៣\u00a0ដុល្លារ (៣,១៧២,០០០\u00a0រៀល)</b>" in text
    assert "🏡 នៅភូមិ៖ សល់ <b>១២០០\u00a0ដុល្លារ (៤,៨០០,០០០\u00a0រៀល)</b>" in text
    assert "$" not in text and "៛" not in text  # one form for dollars, one for riel
    assert "និយាយឱ្យត្រង់៖ នៅដំបូង ទៅតាមមេខ្យល់ ចំណាយតិចជាងផ្លូវស្របច្បាប់" in text
    await villager.click("⬅️ ត្រឡប់ក្រោយ")
    assert villager.last_text() == first  # back to the short screen, nothing changed


async def test_typing_an_amount_in_khmer_digits_changes_the_sums(bot: Bot) -> None:
    villager = bot.user(9102)
    await abroad_by_broker(villager)
    await villager.click("✏️ ប្ដូរលេខ")
    assert "ទៅ៖ ប្រាក់ខែ៖ ២៦០$" in villager.buttons()
    await villager.click("ទៅ៖ ប្រាក់ខែ៖ ២៦០$")
    assert "ឥឡូវ៖ ២៦០$" in villager.last_text()
    await villager.send("៣០០")  # Khmer digits
    assert (
        "🧳 ទៅក្រៅប្រទេស (ថៃ) ២៤ ខែ៖ សល់ <b>១៧៥៣\u00a0ដុល្លារ</b>" in villager.last_text()
    )  # 24 x 82 - 215
    assert "👉 បើទៅ សល់លុយច្រើនជាង។ ខុសគ្នា ៥៥៣\u00a0ដុល្លារ (បើគ្មានបញ្ហា)។" in villager.last_text()
    await villager.click(DETAILS)
    assert "🧳 ទៅ៖ រកបាន ៣០០\u00a0ដុល្លារ ចាយ ២១៨\u00a0ដុល្លារ សល់ <b>៨២\u00a0ដុល្លារ</b>" in (
        villager.last_text()
    )

    await villager.click("✏️ ប្ដូរលេខ")
    await villager.click("លុយដែលខ្ចី៖ ០$")
    await villager.send("2\u200b15")  # a zero-width space from the keyboard
    await villager.click("✏️ ប្ដូរលេខ")
    await villager.click("ការប្រាក់ក្នុងមួយខែ (%)៖ ០%")
    await villager.send(" ៥ ")
    await villager.click(DETAILS)
    assert "បំណុល ២១៥\u00a0ដុល្លារ ការប្រាក់ ៥% ក្នុងមួយខែ៖ ការប្រាក់សរុប ២៥៨\u00a0ដុល្លារ" in (
        villager.last_text()
    )


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
    assert "🧳 ទៅក្រៅប្រទេស (ថៃ) ១២ ខែ៖" in villager.last_text()


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
    assert person.last_text() == (
        "🧳 Going abroad (Thailand), 27 months: left <b>$558</b>\n"
        "🏡 Staying in the village: left <b>$1,350</b>\n"
        "👉 Staying leaves more. The difference: $792.\n"
        "⚠️ If you go and 2 months' wages are not paid: only $38 left."
    )
    await person.click("🔎 Details")
    text = person.last_text()
    assert "<b>Before you leave:</b> $600 (passport $100 fees $500)" in text  # no "travel $0"
    assert "Waiting for papers: 3 months. Away: 24 months." in text
    assert "🧳 Going leaves: <b>$558 (2,232,000 riel)</b>" in text
    assert "The legal way to Thailand costs more" in text
    assert "1 dollar = 4,000 riel and the number of months are only examples." in text


async def test_the_sez_needs_no_route_question(bot: Bot) -> None:
    person = bot.user(9106)
    await person.send("/calc")
    await person.click("🏭 តំបន់សេដ្ឋកិច្ចពិសេស ឬចម្ការអំពៅ")
    assert "🧳 ទៅតំបន់សេដ្ឋកិច្ចពិសេស ឬចម្ការអំពៅ" in person.last_text()
    assert "👉 ទៅ ឬនៅភូមិ សល់លុយប្រហែលៗគ្នា។" in person.last_text()
    # Two months unpaid leave less than nothing: said as a loss, not «សល់តែ -១០០» (reader 2).
    assert person.last_text().endswith("⚠️ បើទៅ ហើយថៅកែមិនបើកប្រាក់ខែ ២ ខែ អ្នកខាត ១០០\u00a0ដុល្លារ។")
    await person.click(DETAILS)
    assert "សល់ <b>៥០\u00a0ដុល្លារ</b>" in person.last_text()
    assert "មុនចេញដំណើរ" not in person.last_text()  # nothing to pay before leaving: no line


@pytest.mark.parametrize("crash", [False, True])
async def test_typed_values_survive_a_restart(bot: Bot, crash: bool) -> None:
    villager = bot.user(9107)
    await abroad_by_broker(villager)
    await villager.click("✏️ ប្ដូរលេខ")
    await villager.click("ថ្លៃធ្វើដំណើរ៖ ០$")
    await bot.restart(crash=crash)
    await villager.send("៥០")
    await villager.click(DETAILS)
    assert "ថ្លៃធ្វើដំណើរ ៥០\u00a0ដុល្លារ" in villager.last_text()


@pytest.mark.parametrize(
    "forged",
    ["calc:dest:moon", "calc:route:tunnel", "calc:field:salary", "calc:field:", "calc:details:x"],
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


async def test_details_while_typing_a_number_is_an_old_button_and_changes_nothing(
    bot: Bot,
) -> None:
    villager = bot.user(9110)
    await abroad_by_broker(villager)
    await villager.click(CHANGE)
    await villager.click("ថ្លៃធ្វើដំណើរ៖ ០$")
    before = (await bot.store.personal_data(9110)).draft
    await villager.press("calc:details")  # the result's button, pressed on the old message
    assert villager.last_alert() == "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"
    assert "<b>ថ្លៃធ្វើដំណើរ</b>" in villager.last_text()  # still asking for the amount
    assert (await bot.store.personal_data(9110)).draft == before
    await villager.send("៥០")  # Khmer digits still work after it
    assert "🧳 ទៅក្រៅប្រទេស (ថៃ) ២៤ ខែ៖ សល់ <b>៧៤៣\u00a0ដុល្លារ</b>" in villager.last_text()


async def test_details_after_a_restart_shows_the_persons_own_numbers(bot: Bot) -> None:
    villager = bot.user(9111)
    await abroad_by_broker(villager)
    await villager.click(CHANGE)
    await villager.click("លុយដែលខ្ចី៖ ០$")
    await villager.send("៣០០")
    await bot.restart()
    await villager.click(DETAILS)  # the button of the screen shown before the restart
    assert "បំណុល ៣០០\u00a0ដុល្លារ" in villager.last_text()
    assert "ការប្រាក់" not in villager.last_text()  # 0 % a month: no interest row


async def test_someone_who_reads_english_gets_one_money_form_too(bot: Bot) -> None:
    person = bot.user(9112, language_code="en")
    await person.send("/language")
    await person.click("English")
    await person.send("/calc")
    await person.click("🏙 Phnom Penh or another province")
    assert "ដុល្លារ" not in person.last_text() and "$" in person.last_text()
    await person.click("🔎 Details")
    assert "ដុល្លារ" not in person.last_text() and "៛" not in person.last_text()
