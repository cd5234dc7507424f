"""What the bot says about itself is true: what it keeps, how long the form is, where to go next."""

from __future__ import annotations

import pytest

from tests.support.chat import Bot
from tests.support.journeys import NEXT, make_leader, onboard, register_departure

pytestmark = pytest.mark.staffed


async def test_the_consent_says_a_trip_keeps_a_name_an_age_and_phone_numbers(bot: Bot) -> None:
    villager = bot.user(260)
    await villager.send("/start")
    await villager.click("ភាសាខ្មែរ")
    await villager.click(NEXT["km"])
    kept = villager.last_text()  # the second consent screen: what is kept, who sees it
    assert "យើងមិនរក្សាទុកឈ្មោះ" not in kept  # it used to say no name was kept
    assert "បើប្រើ /plan៖ ឈ្មោះ អាយុ លេខទូរស័ព្ទ" in kept
    await villager.click(NEXT["km"])
    erase = villager.last_text()  # the third: what /delete does and cannot do
    assert "បូតលុបឈ្មោះ និងលេខទូរស័ព្ទរបស់អ្នក ចេញពីសារដែលវាបានផ្ញើទៅគេ" in erase
    # What cannot be taken back, after what the bot does (reader 2 row 12: no contradiction)
    assert "តែសារជាសំឡេង ឬច្បាប់ចម្លងដែលគេរក្សាទុក នៅតែជាមួយគេ។" in erase

    english = bot.user(261, "Dara", "en")
    await english.send("/start")
    await english.click("English")
    await english.click(NEXT["en"])
    assert "With /plan: a name, an age and phone numbers" in english.last_text()
    await english.click(NEXT["en"])
    assert "takes your name and phone numbers out of the messages it sent" in english.last_text()


async def test_mydata_shows_every_field_of_each_departure(bot: Bot) -> None:
    villager = bot.user(262)
    await onboard(villager)
    await register_departure(villager, name="Srey Mom", age="២០")
    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    await villager.send("/mydata")
    text = villager.last_text()
    assert "<b>ការចេញដំណើរ៖ Srey Mom</b> (គ្រោងទៅ ឬនៅឆ្ងាយ)" in text
    for line in (
        "<b>ឈ្មោះ៖</b> Srey Mom",
        "<b>ភេទ៖</b> 👩 ស្ត្រី",
        "<b>អាយុ៖</b> ២០",
        "<b>ទៅ៖</b> 🇹🇭 ថៃ",
        "<b>ការងារ៖</b> 🦐 កែច្នៃគ្រឿងសមុទ្រ (បង្គា ក្ដាម)",
        "<b>ទៅតាម៖</b> 🕴️ មេខ្យល់",
        "<b>ឯកសារ៖</b> 🚫 គ្មានឯកសារ",
        "<b>ទូរស័ព្ទថៅកែ ឬក្រុមហ៊ុនជ្រើសរើសពលករ៖</b> មិនបានប្រាប់",
        "<b>ប្រាក់ខែ៖</b> ២៥០$ ក្នុងមួយខែ",
        "<b>ហេតុផល៖</b> 🍚 ក្រីក្រ ឬជំពាក់បំណុល",
        "<b>ទូរស័ព្ទគ្រួសារ៖</b> 012 345 678",
    ):
        assert line in text, line
    assert "<b>ចេញដំណើរ៖</b>" in text and "<b>ទៅដល់៖</b>" in text
    assert "មិនអាចលុបសារ ដែលមេភូមិបានទទួលរួចហើយទេ" in text


async def test_the_form_says_how_long_it_is_and_counts_the_path_taken(bot: Bot) -> None:
    villager = bot.user(263)
    await onboard(villager)
    await villager.send("/plan")
    intro, first = villager.new_texts()[-2:]
    assert "មានសំណួរខ្លីៗប្រហែល ១៥ ចំណាយពេលប្រហែល ៥ នាទី" in intro
    assert first.startswith("<i>សំណួរទី ១ ក្នុងចំណោម ១៥</i>\n")
    await villager.click("ខ្ញុំ")
    await villager.send("Srey Pov")
    await villager.click("ស្ត្រី")
    await villager.send("២២")
    await villager.click("🇲🇾 ម៉ាឡេស៊ី")
    await villager.click("រោងចក្រ")
    await villager.click("យូរ (មួយឆ្នាំឡើងទៅ)")
    assert villager.last_text().startswith("<i>សំណួរទី ៨ ក្នុងចំណោម ១៥</i>")
    await villager.click("ក្រុមហ៊ុនជ្រើសរើសពលករមានអាជ្ញាប័ណ្ណ")  # one more question: which one
    assert villager.last_text().startswith("<i>សំណួរទី ៩ ក្នុងចំណោម ១៦</i>")
    await villager.click("មិនមានក្នុងបញ្ជីនេះ៖ វាយឈ្មោះ")  # and one more: its name
    assert villager.last_text().startswith("<i>សំណួរទី ១០ ក្នុងចំណោម ១៧</i>")


async def test_after_sending_the_way_on_is_the_menu(bot: Bot) -> None:
    chief, villager = bot.user(164, "Chief"), bot.user(264)
    await make_leader(bot, chief)
    await onboard(villager)
    await register_departure(villager)
    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    assert villager.last_text().startswith("✅ បានផ្ញើហើយ។")
    assert villager.buttons() == ["🏠 ម៉ឺនុយដើម"]
    await villager.click("🏠 ម៉ឺនុយដើម")
    assert villager.last_text().startswith("<b>ម៉ឺនុយដើម</b>")


async def test_the_english_review_names_the_agency_once(bot: Bot) -> None:
    villager = bot.user(265, "Mony", "en")
    await onboard(villager, "en")
    await villager.send("/plan")
    await villager.click("Me")
    await villager.send("Mony")
    await villager.click("Woman")
    await villager.send("30")
    await villager.click("🇲🇾 Malaysia")
    await villager.click("Factory")
    await villager.click("Long (a year or more)")
    assert villager.last_text().startswith("<i>Question 8 of 15</i>\n")
    await villager.click("A licensed recruitment agency")
    await villager.click("Not in this list: type the name")
    await villager.send("Example Agency")
    await villager.click("⬜ Passport")
    await villager.click("⬜ Visa or work permit")
    await villager.click("✅ Done")
    await villager.click("🤷 I don't know")  # when the passport ends (issue 15)
    for label in ("Skip", "Skip", "Tomorrow", "The next day", "Poverty or debt", "Skip"):
        await villager.click(label)
    assert "<b>How:</b> recruitment agency “Example Agency”\n" in villager.last_text()
    assert "<b>Passport ends:</b> not known\n" in villager.last_text()
