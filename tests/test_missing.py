"""/missing: a family who cannot reach a relative, and a relative who decides what they hear.

Someone may have left to escape a husband, a family or a creditor: the family learns only that
we are trying, unless the relative, asked privately, says otherwise (issue #14).
"""

from __future__ import annotations

import pytest

from tests.support.chat import Bot, Person
from tests.support.journeys import STAFF_ID, make_leader, onboard, register_departure

pytestmark = pytest.mark.staffed

# What a lock screen shows of the question: only that there is a message (an employer or a
# partner may hold the phone); the question itself comes after "Read".
ASK = "👋 សួស្ដី។ មានសារខ្លីមួយសម្រាប់អ្នក។ សូមចុច «📖 អាន»។"
QUESTION = "មាននរណាម្នាក់ពីផ្ទះ សួររកអ្នក។ តើអ្នកសុខសប្បាយទេ?"
SENT = "👪 អរគុណ។ យើងបានប្រាប់មេភូមិរបស់អ្នក និងបុគ្គលិកគម្រោងហើយ"


async def registered_daughter(bot: Bot) -> tuple[Person, int]:
    """A young woman who registered her own trip to Thailand; her registration number."""
    daughter = bot.user(901, "Dara")
    await onboard(daughter)
    await register_departure(daughter, who="ខ្ញុំ", name="Dara")
    await daughter.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    [trip] = await bot.store.departures_of(daughter.id)
    await daughter.send("/mydepartures")
    assert f"លេខចុះឈ្មោះរបស់អ្នក៖ <b>{trip.departure_id}" in daughter.last_text().translate(
        str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
    )
    return daughter, trip.departure_id


async def report_missing(mother: Person, number: str | None) -> None:
    await mother.send("/missing")
    assert mother.last_text().startswith("👪 <b>ទាក់ទងនរណាម្នាក់មិនបាន?</b>")
    await mother.send_sticker()  # not a name: the question again
    assert mother.last_text().endswith("តើគាត់ឈ្មោះអ្វី?")
    await mother.send("x" * 200)
    assert mother.last_text().startswith("សូមវាយឈ្មោះរបស់គាត់")
    await mother.send("Dara")
    await mother.click("កូនស្រី ឬកូនប្រុសរបស់ខ្ញុំ")
    await mother.click("🇹🇭 ថៃ")
    await mother.click("ពី ១ ទៅ ៣ ខែ")
    await mother.send("hello")
    assert mother.last_text().startswith("នេះមិនដូចជាលេខទូរស័ព្ទទេ")
    await mother.send("០៩៧ ១២៣ ៤៥៦៧")  # Khmer digits
    if number is None:
        await mother.click("រំលង")
    else:
        await mother.send(number)
    assert "097 123 4567" in mother.last_text()
    await mother.click("✅ ផ្ញើទៅមេភូមិ និងបុគ្គលិកគម្រោង")


async def test_a_family_report_becomes_a_case_and_the_relative_chooses_what_they_hear(
    bot: Bot,
) -> None:
    leader, staff = bot.user(902, "Chief"), bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    await make_leader(bot, leader)
    daughter, number = await registered_daughter(bot)
    mother = bot.user(903, "Mother")
    await onboard(mother)
    await report_missing(mother, str(number).translate(str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")))
    assert mother.last_text().startswith(SENT)
    # The chief and staff have a case with what the family typed and how to reach the family;
    # the relative's phone is for staff, who try it first (she may have left for a reason).
    for person, title in ((leader, "👪 <b>គ្រួសារមួយ"), (staff, "👪 <b>A family cannot reach")):
        case = person.last_text()
        assert case.startswith(title) and "Dara" in case
        assert "tg://user?id=903" in case
    assert "097 123 4567" in staff.last_text() and "097 123 4567" not in leader.last_text()
    # The daughter is asked privately; nothing says who asked.
    assert daughter.last_text() == ASK and daughter.buttons() == ["📖 អាន"]
    await daughter.click("📖 អាន")
    assert daughter.last_text().startswith(QUESTION) and "Mother" not in daughter.last_text()
    assert "«🚨 ខ្ញុំត្រូវការជំនួយឥឡូវនេះ» ប្រាប់តែបុគ្គលិកគម្រោង មិនប្រាប់មេភូមិទេ" in daughter.last_text()
    assert daughter.buttons() == [
        "✅ ខ្ញុំមានសុវត្ថិភាព៖ ប្រាប់គេត្រឹមតែប៉ុណ្ណឹង",
        "💬 ខ្ញុំចង់ផ្ញើសារទៅគេ",
        "🔒 កុំប្រាប់គេអ្វីទាំងអស់",
        "🙅 នេះមិនមែននិយាយពីខ្ញុំទេ",
        "🚨 ខ្ញុំត្រូវការជំនួយឥឡូវនេះ",
    ]
    mother.new_texts()
    await mother.press(daughter.button_data()[0])  # a forged press by the family
    assert mother.last_alert() == "នេះសម្រាប់តែមេភូមិនៃភូមិនេះ និងបុគ្គលិកគម្រោងប៉ុណ្ណោះ។"

    await daughter.click("🔒 កុំប្រាប់គេអ្វីទាំងអស់")
    assert daughter.last_text().startswith("មិនអីទេ។ យើងនឹងមិនប្រាប់នរណាអ្វីទាំងអស់ទេ")
    assert mother.new_texts() == []  # the family hears nothing more
    await staff.send("/cases")
    assert "🔒 The relative answered the bot privately" in staff.last_text()
    await leader.send("/cases")
    assert "🔒" not in leader.last_text() and "សាច់ញាតិនោះបានឆ្លើយ" not in leader.last_text()

    await daughter.click("💬 ខ្ញុំចង់ផ្ញើសារទៅគេ")  # she changes her mind
    await daughter.reply("x" * 400)  # too long: asked again, nothing passed on
    assert daughter.last_text().startswith("សូមឆ្លើយតបសារនេះ")
    assert mother.new_texts() == []
    await daughter.reply("ខ្ញុំសុខសប្បាយ កុំបារម្ភ")
    assert daughter.last_text() == "អរគុណ។ យើងបានបញ្ជូនតែសាររបស់អ្នកប៉ុណ្ណោះ គ្មានអ្វីផ្សេងទៀតទេ។"
    assert mother.last_text() == "👪 Dara បានផ្ញើសារមកអ្នក៖ «ខ្ញុំសុខសប្បាយ កុំបារម្ភ»"


async def test_without_a_matching_registration_the_family_hears_the_same(bot: Bot) -> None:
    leader = bot.user(912, "Chief")
    await make_leader(bot, leader)
    mother = bot.user(913, "Mother")
    await onboard(mother)
    await report_missing(mother, "999")  # no such registration
    assert mother.last_text().startswith(SENT)  # the same words: nothing to learn from it
    asked = [m for chat in bot.telegram.chats.values() for m in chat if m.text.startswith(ASK)]
    assert asked == []


async def test_the_relative_can_say_they_are_safe_and_only_that(bot: Bot) -> None:
    daughter, number = await registered_daughter(bot)
    mother = bot.user(923, "Mother")
    await onboard(mother)
    await report_missing(mother, str(number))
    await daughter.click("📖 អាន")
    await daughter.click("✅ ខ្ញុំមានសុវត្ថិភាព៖ ប្រាប់គេត្រឹមតែប៉ុណ្ណឹង")
    assert mother.last_text() == "👪 Dara បានផ្ញើដំណឹងមក៖ គាត់មានសុវត្ថិភាព។"
    mother.new_texts()
    await daughter.click("✅ ខ្ញុំមានសុវត្ថិភាព៖ ប្រាប់គេត្រឹមតែប៉ុណ្ណឹង")  # twice: told once
    assert mother.new_texts() == []
    assert daughter.last_alert() == "អរគុណ។ យើងនឹងប្រាប់គេ ត្រឹមតែថា អ្នកមានសុវត្ថិភាព។"


async def test_a_family_that_deletes_leaves_an_open_case_without_them(bot: Bot) -> None:
    mother = bot.user(933, "Mother")
    await onboard(mother)
    await report_missing(mother, None)
    [case] = await bot.store.open_cases(None)
    await mother.send("/delete")
    await mother.click("បាទ/ចាស លុបទាំងអស់")
    assert await bot.store.rows_about(mother.id) == 0
    after = await bot.store.alert(case.alert_id)
    assert after is not None and after.resolved_at is None and after.user_id is None
    assert await bot.store.family_report_of_case(case.alert_id) is None


async def test_a_location_and_no_thanks_are_not_taken_by_a_form_left_open(bot: Bot) -> None:
    """/sos leaves an open form open; its catch-all must not swallow the emergency's answers."""
    villager = bot.user(941, "Dara")
    await onboard(villager)
    await villager.send("/missing")  # a form left open
    await villager.send("/sos")
    await villager.send("✖️ ទេ អរគុណ")  # "No thanks" under the location button: not a name
    assert villager.last_text().startswith("មិនអីទេ។ សារសុំជំនួយរបស់អ្នកនៅដដែល")
    villager.new_texts()
    await villager.send_location(13.7, 100.5)
    thanks, remove = villager.new_texts()  # the thanks, then the offer to remove her own pin
    assert thanks.startswith("📍 អរគុណ។") and remove.startswith("🗑 ")
    [case] = await bot.store.open_cases(None)
    assert [e.kind for e in await bot.store.case_events(case.alert_id)].count("location") == 1
    await villager.send_location(13.7, 100.5)  # a second share: a second pin, nothing lost
    assert [e.kind for e in await bot.store.case_events(case.alert_id)].count("location") == 2


async def test_a_voice_after_sos_is_not_taken_by_a_form_left_open(bot: Bot) -> None:
    from tests.support.audio import silent_opus

    villager = bot.user(942, "Dara")
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    await onboard(villager)
    await villager.send("/missing")  # a form left open
    await villager.send("/sos")
    await villager.send_voice(silent_opus())
    assert [m for m in bot.telegram.chats[STAFF_ID] if m.kind == "voice"]
