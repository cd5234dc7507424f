"""/report counts onboardings by the way people came: a village's poster (and which), a friend's
link, a leader's invitation, or the bot's name; small numbers masked in a village."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.support.chat import Bot
from tests.support.journeys import STAFF_ID, make_leader, onboard, read_consent
from tests.test_report import staff_report
from tests.test_share import link_of, onboard_with

pytestmark = pytest.mark.staffed


async def seed(bot: Bot) -> None:
    for user_id in (1801, 1802, 1803):  # three scanned Nesat's poster
        person = bot.user(user_id)
        await person.send("/start v_09060405")
        await person.click("English")
        await read_consent(person, "en")
        await person.click("Yes, I agree")
        await person.click("✅ Yes, my village")
    sharer = bot.user(1804)
    await onboard(sharer)  # found the bot by its name
    await onboard_with(bot.user(1805), await link_of(sharer))  # a friend's link (Prolean)
    await make_leader(bot, bot.user(1806, "Chief"))  # a leader's invitation


async def test_the_report_counts_onboardings_by_entry(bot: Bot) -> None:
    await seed(bot)
    text, _, sheet = await staff_report(bot, "/report all all")
    assert (
        "<b>How new people came to the bot</b>\n• A village poster: 3\n• A friend's link: 1\n"
        "• A village chief's invitation: 1\n• Found the bot by its name: 2" in text
    )  # the staff member, onboarded by staff_report, found it by its name too
    assert "<b>Which village's poster</b>\n• Nesat: 3" in text
    rows = list(csv.reader(io.StringIO(sheet.decode("utf-8-sig"))))
    assert ["entries", "poster", "A village poster", "3"] in rows
    assert ["entries_poster", "09060405", "Nesat", "3"] in rows


async def test_in_one_village_small_channels_are_masked(bot: Bot) -> None:
    await seed(bot)
    text, _, _ = await staff_report(bot, "/report 09060405 all")
    assert "• A village poster: 3" in text
    assert "• A village chief's invitation: fewer than 3" in text
    assert "A friend's link" not in text  # the friend lives in Prolean
    assert re.search(r"Found the bot by its name: fewer than 3", text)


async def test_the_report_in_khmer_names_the_channels(bot: Bot) -> None:
    await seed(bot)
    staff = bot.user(STAFF_ID, "Staff", "km")
    await onboard(staff)
    await staff.send("/report all all")
    report = next(t for t in staff.new_texts() if "អ្នកថ្មីចូលបូតតាមផ្លូវណា" in t)
    assert "• ផ្ទាំងរូបភាពនៅភូមិ៖ ៣" in report
    assert "<b>ផ្ទាំងរូបភាពរបស់ភូមិណា</b>\n• នេសាទ៖ ៣" in report
