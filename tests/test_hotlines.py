"""Help and hotlines: by country, each number with its source, date and, if needed, a warning."""

from __future__ import annotations

from tests.support.chat import Bot


async def test_help_offers_the_countries_in_khmer(bot: Bot) -> None:
    villager = bot.user(5001)
    await villager.send("/help")
    assert villager.last_text().startswith("<b>ជំនួយ និងលេខទូរស័ព្ទ</b>")
    assert villager.buttons() == ["កម្ពុជា", "ថៃ", "ម៉ាឡេស៊ី", "កូរ៉េខាងត្បូង", "🏠 ម៉ឺនុយដើម"]


async def test_cambodia_numbers_with_source_and_date(bot: Bot) -> None:
    villager = bot.user(5002)
    await villager.send("/help")
    await villager.click("កម្ពុជា")
    text = villager.last_text()
    assert "<b>កម្ពុជា៖ លេខទូរស័ព្ទជំនួយ</b>" in text
    assert "📞 1280" in text and "📞 117" in text and "📞 1297" in text
    assert "ពិនិត្យចុងក្រោយ៖ ២៥ វិច្ឆិកា ២០២៦" in text
    assert "1288" not in text  # unconfirmed and redundant: left out on purpose


async def test_numbers_not_confirmed_carry_a_check_note(bot: Bot) -> None:
    person = bot.user(5003)
    await person.send("/language")
    await person.click("English")
    await person.send("/help")
    await person.click("South Korea")
    text = person.last_text()
    embassy = text[text.index("Embassy of Cambodia, Seoul") :]
    assert "+82 2 3785 1041" in embassy
    assert "⚠️ Please check this number" in embassy
    await person.click("Another country")
    await person.click("Thailand")
    text = person.last_text()
    assert "dial 001, then 855" in text  # how to call home
    bangkok = text[text.index("Embassy of Cambodia, Bangkok") :].split("\n\n")[0]
    assert "Please check" not in bangkok  # confirmed by three sources
    police = text[text.index("Thai police") :].split("\n\n")[0]
    assert "Please check" not in police  # a national emergency number: no doubt under it
    assert "If a life is in danger, call this number at once." in police
    issara = text[text.index("Issara helpline") :].split("\n\n")[0]
    assert "Please check" in issara  # an undated page, not an emergency number


async def test_every_contact_shows_its_source(bot: Bot) -> None:
    assert bot.services is not None
    directory = bot.services.content.contacts
    person = bot.user(5004)
    await person.send("/help")
    for country in directory.countries:
        await person.click(country.names["km"])
        for contact in directory.for_country(country.code):
            assert contact.phone in person.last_text()
            assert contact.sources["km"] in person.last_text()
        await person.click("ប្រទេសផ្សេង")


async def test_a_forged_country_is_refused(bot: Bot) -> None:
    person = bot.user(5005)
    await person.send("/help")
    await person.press("help:country:XX")
    assert person.last_alert() == "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"


async def test_the_menu_leads_to_help(bot: Bot) -> None:
    person = bot.user(5006)
    await person.send("/menu")
    await person.click("🆘 ជំនួយ និងលេខទូរស័ព្ទ")
    assert person.last_text().startswith("<b>ជំនួយ និងលេខទូរស័ព្ទ</b>")
    await person.click("🏠 ម៉ឺនុយដើម")
    assert "<b>ម៉ឺនុយដើម</b>" in person.last_text()
