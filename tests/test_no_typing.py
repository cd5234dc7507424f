"""/plan without typing: the name said as a voice message, the age and phones tapped on a keypad."""

from __future__ import annotations

import pytest

from tests.support.chat import Bot, Person
from tests.support.journeys import make_leader, onboard

pytestmark = pytest.mark.staffed

KEYPAD = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "⌫", "0️⃣", "✅"]


async def to_the_name(bot: Bot) -> tuple[Person, Person]:
    chief = bot.user(4200, "Chief")
    await make_leader(bot, chief)
    villager = bot.user(4201, "Mom")
    await onboard(villager)
    await villager.send("/plan")
    await villager.click("ខ្ញុំ")
    assert "ឬនិយាយឈ្មោះ ជាសារសំឡេង 🎤" in villager.last_text()
    return villager, chief


async def tap(person: Person, digits: str) -> None:
    for digit in digits:
        await person.click(f"{digit}\ufe0f\u20e3")


async def test_a_name_said_and_numbers_tapped_reach_the_chief_with_the_voice(bot: Bot) -> None:
    villager, chief = await to_the_name(bot)
    said = await villager.send_voice(duration=3)
    await villager.click("ស្ត្រី")
    assert [b for b in villager.buttons() if b in KEYPAD] == KEYPAD  # a phone's keypad
    await tap(villager, "21")
    assert "<b>២១</b>" in villager.last_text()  # the digits so far, large, in Khmer
    await villager.click("⌫")
    await tap(villager, "0")
    assert "<b>២០</b>" in villager.last_text()
    await villager.click("✅")
    await villager.click("🇹🇭 ថៃ")
    await villager.click("កែច្នៃគ្រឿងសមុទ្រ (បង្គា ក្ដាម)")
    await villager.click("ខ្លី តាមរដូវ (ពីរបីខែ)")
    await villager.click("មេខ្យល់")
    await villager.click("✅ រួចរាល់")
    await villager.click("រំលង")  # employer phone
    await tap(villager, "250")
    await villager.click("✅")
    # Leaving: a day up to a month ahead without typing one.
    assert {"🗓️ ពីរអាទិត្យទៀត", "🌕 មួយខែទៀត"} <= set(villager.buttons())
    await villager.click("ថ្ងៃស្អែក")
    await villager.click("ថ្ងៃបន្ទាប់")
    await villager.click("ក្រីក្រ ឬជំពាក់បំណុល")
    await tap(villager, "012345678")
    assert "<b>012345678</b>" in villager.last_text()  # a number to dial: as dialled
    await villager.click("✅")
    review = villager.last_text()
    assert "🔊 បាននិយាយ ជាសារសំឡេង" in review and "012345678" in review
    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")

    (departure,) = await bot.store.departures_of(villager.id)
    assert (departure.name, departure.name_voice) == ("🔊", said)
    assert (departure.age, departure.wage, departure.family_phone) == (20, 250, "012345678")
    notice = next(t for t in chief.new_texts() if t.startswith("<b>ដំណឹងចេញដំណើរ</b>"))
    assert "🔊 បាននិយាយ ជាសារសំឡេង" in notice
    voice = chief.voices()[-1]
    assert voice.file_id == said and "ឈ្មោះអ្នកចេញដំណើរ ដូចដែលបាននិយាយ" in (voice.caption or "")


async def test_a_voice_too_short_or_too_long_is_refused_and_changes_nothing(bot: Bot) -> None:
    villager, _ = await to_the_name(bot)
    await villager.send_voice(duration=0)
    assert villager.last_text().startswith("សារសំឡេងខ្លីពេក")
    await villager.send_voice(duration=600)
    assert villager.last_text().startswith("សារសំឡេងវែងពេក")
    assert "ឈ្មោះអ្វី" in villager.last_text()  # still the name's question
    await villager.send_voice(duration=2)
    assert "👩 ស្ត្រី" in villager.buttons()  # said: the next question


async def test_a_voice_where_a_button_is_wanted_and_forged_keypad_presses(bot: Bot) -> None:
    villager, _ = await to_the_name(bot)
    await villager.send("Srey Mom")  # typing stays possible everywhere
    await villager.send_voice(duration=3)  # at the gender question: not an answer
    assert "👩 ស្ត្រី" in villager.buttons()
    await villager.press("plan:k:5")  # a keypad press at a step without one
    assert villager.last_alert() is not None
    await villager.click("ស្ត្រី")
    await villager.press("plan:k:x")  # not a digit: nothing added
    await villager.press("plan:k:" + "9" * 50)
    assert "<b>…</b>" in villager.last_text()
    await villager.click("✅")  # nothing tapped: said why, the question again
    assert "អាយុ" in villager.last_text()
    await tap(villager, "1" * 20)  # no more than a phone number's digits
    assert "<b>" + "១" * 15 + "</b>" in villager.last_text()
    await villager.click("✅")  # 111… is no age
    assert "⌫" in villager.buttons()
    assert (await bot.store.departures_of(villager.id)) == []


async def test_a_keypad_half_tapped_survives_a_restart(bot: Bot) -> None:
    villager, _ = await to_the_name(bot)
    await villager.send("Srey Mom")
    await villager.click("ស្ត្រី")
    await tap(villager, "1")
    await bot.restart()
    await tap(villager, "9")
    assert "<b>១៩</b>" in villager.last_text()
    await villager.click("✅")
    assert "🇹🇭 ថៃ" in villager.buttons()


def test_the_literacy_check_reads_the_real_forms_and_buttons() -> None:
    """`bot.py check --literacy`: counted from the forms' steps and the catalog, not by hand."""
    from app.config import load_config
    from content.bundle import load_content
    from conversations.forms import Step
    from conversations.literacy import literacy, typing_needed
    from screens.buttons import leading_sign

    content = load_content(districts=load_config(None, environ={}).districts)
    found = literacy(content, None)
    assert found.typing == []  # every step of the villager's forms has a way without typing
    assert found.items == len(found.silent) > 100  # no database: no recording yet
    assert typing_needed(Step("x", "q", read=str))  # a words-only step would be counted
    assert not typing_needed(Step("x", "q", read=str, keypad="km"))
    assert [leading_sign(x) for x in ("✅ បាទ", "1️⃣", "ℹ️ អំពី", "ស្ត្រី", "១៨ ដល់")] == [
        "✅",
        "1️⃣",
        "ℹ️",
        None,
        None,
    ]


async def test_a_contact_shared_is_a_phone_answer_and_nothing_elsewhere(bot: Bot) -> None:
    villager, _ = await to_the_name(bot)
    await villager.send_contact("+855 12 345 678", user_id=villager.id)  # at the name: no
    assert "ឈ្មោះអ្វី" in villager.last_text() and bot.app is not None
    draft = bot.app.user_data[villager.id]["departure"]["answers"]
    assert "name" not in draft
    await villager.send("Srey Mom")
    await villager.click("ស្ត្រី")
    await tap(villager, "20")
    await villager.click("✅")
    for label in ("🇹🇭 ថៃ", "🦐", "🌙", "🕴️"):
        await villager.click(next(b for b in villager.buttons() if b.startswith(label)))
    await villager.click("✅ រួចរាល់")
    await villager.send_contact("+66 81 234 5678")  # the employer's, from her address book
    assert draft["employer_phone"] == "+66 81 234 5678"
