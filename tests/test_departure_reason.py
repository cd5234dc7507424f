"""The reason for leaving: the chief sees it, unless it is violence at home the person keeps back.

The report lists domestic violence among the reasons people leave; a notice read by the chief's
family, or a follow-up list passed around, could expose a woman to the family she is leaving.
"""

from __future__ import annotations

import csv
import io

import pytest

from tests.support.chat import Bot, Person
from tests.support.journeys import STAFF_ID, make_leader, onboard

pytestmark = pytest.mark.staffed

SEEN_BY_CHIEF = "មេភូមិនឹងឃើញចម្លើយនេះ។ បើមិនចង់ប្រាប់ សូមចុច «មិនចង់ប្រាប់»។"
VIOLENCE = "អំពើហិង្សាក្នុងគ្រួសារ"


async def up_to_the_reason(villager: Person) -> None:
    """Walks /plan in Khmer for oneself, to Phnom Penh on her own, up to the reason question."""
    await villager.send("/plan")
    await villager.click("ខ្ញុំ")
    await villager.send("Srey Pov")
    await villager.click("ស្ត្រី")
    await villager.send("២២")
    await villager.click("🏙 ភ្នំពេញ")
    await villager.click("រោងចក្រ")
    await villager.click("យូរ (មួយឆ្នាំឡើងទៅ)")
    await villager.click("ទៅដោយខ្លួនឯង")
    await villager.click("✅ រួចរាល់")  # no papers needed inside Cambodia
    await villager.click("រំលង")  # employer phone
    await villager.click("រំលង")  # wage
    await villager.click("ថ្ងៃស្អែក")
    await villager.click("ថ្ងៃដដែល")


async def export_rows(bot: Bot, person: Person) -> list[list[str]]:
    await person.send("/export")
    document = [m for m in bot.telegram.chats[person.id] if m.text.startswith("[document")][-1]
    data = bot.telegram.documents[document.message_id].decode("utf-8-sig")
    return list(csv.reader(io.StringIO(data)))


async def test_violence_kept_from_the_chief_stays_out_of_the_notice_and_the_list(
    bot: Bot,
) -> None:
    chief, villager = bot.user(150, "Chief Sokha"), bot.user(250)
    await make_leader(bot, chief)
    await onboard(villager)
    await up_to_the_reason(villager)
    assert SEEN_BY_CHIEF in villager.last_text()  # said on the question itself
    assert "🤐 មិនចង់ប្រាប់" in villager.buttons()

    await villager.click(VIOLENCE)
    # Who may know where and when, said plainly: a chief who gets the notice sees both.
    assert "តើអ្នកចង់ឱ្យអ្នកណាដឹងថា អ្នកទៅណា និងថ្ងៃណា?" in villager.last_text()
    assert "គាត់នឹងឃើញថា អ្នកទៅណា និងថ្ងៃណា" in villager.last_text()
    assert villager.buttons()[0] == "🔒 តែបុគ្គលិកគម្រោងប៉ុណ្ណោះ"  # the safer answer first
    await villager.click("មេភូមិដឹងថាខ្ញុំទៅណា តែមិនដឹងមូលហេតុ")
    await villager.send("012 345 678")  # family phone
    review = villager.last_text()
    assert "<b>ហេតុផល៖</b> 👊 អំពើហិង្សាក្នុងគ្រួសារ (មេភូមិមិនឃើញមូលហេតុទេ)" in review

    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    notice = chief.last_text()
    assert notice.startswith("<b>ដំណឹងចេញដំណើរ</b>")
    assert "<b>ហេតុផល៖</b> 🤐 មិនចង់ប្រាប់" in notice
    assert "ហិង្សា" not in notice
    [departure] = await bot.store.departures_of(250)
    assert departure.reason == "violence_hidden"
    # The family phone may be that of the person she left: not for the chief, nor in an alert.
    assert "012 345 678" not in notice
    await villager.send("/sos")
    assert "012 345 678" not in chief.last_text() and "គ្រួសារ" not in chief.last_text()
    # Whoever holds a shared phone can open /mydata: it says "prefer not to say" there too.
    await villager.send("/mydata")
    assert "ហិង្សា" not in villager.last_text() and "មិនចង់ប្រាប់" in villager.last_text()

    rows = await export_rows(bot, chief)
    reason = rows[0].index("reason")
    assert [row[reason] for row in rows[1:]] == ["private"]
    staff = bot.user(STAFF_ID, "Staff", "en")
    assert [row[reason] for row in (await export_rows(bot, staff))[1:]] == ["private"]

    await staff.send("/report all all")  # the programme's numbers count it as not said
    sheet = [m for m in bot.telegram.chats[STAFF_ID] if m.text.startswith("[document")][-1]
    numbers = bot.telegram.documents[sheet.message_id].decode("utf-8-sig")
    assert "departures_reason,private," in numbers and "violence" not in numbers


async def test_violence_the_person_shares_reaches_the_chief(bot: Bot) -> None:
    chief, villager = bot.user(151, "Chief Sokha"), bot.user(251)
    await make_leader(bot, chief)
    await onboard(villager)
    await up_to_the_reason(villager)
    await villager.click(VIOLENCE)
    await villager.click("មេភូមិដឹងទាំងកន្លែង ទាំងមូលហេតុ")
    await villager.click("រំលង")  # family phone
    assert f"<b>ហេតុផល៖</b> 👊 {VIOLENCE}\n" in villager.last_text()
    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    assert f"<b>ហេតុផល៖</b> 👊 {VIOLENCE}\n" in chief.last_text()
    [departure] = await bot.store.departures_of(251)
    assert departure.reason == "violence"


async def test_prefer_not_to_say_in_english(bot: Bot) -> None:
    chief, villager = bot.user(152, "Chief", "en"), bot.user(252, "Mony", "en")
    await make_leader(bot, chief, lang="en")
    await onboard(villager, "en")
    await villager.send("/plan")
    await villager.click("Me")
    await villager.send("Mony")
    await villager.click("Woman")
    await villager.send("30")
    await villager.click("🇰🇭 Another province")
    await villager.click("Restaurant, shop or other service")
    await villager.click("Short, for a season (a few months)")
    await villager.click("With friends or family")
    await villager.click("✅ Done")
    await villager.click("Skip")
    await villager.click("Skip")
    await villager.click("Tomorrow")
    await villager.click("The next day")
    assert "Your village chief will see this answer." in villager.last_text()
    await villager.click("Prefer not to say")
    await villager.click("Skip")  # family phone: no follow-up question for this reason
    await villager.click("✅ Yes, send it to my village chief")
    assert "<b>Reason:</b> 🤐 Prefer not to say" in chief.last_text()
