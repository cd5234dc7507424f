"""A villager who cannot read does the four journeys: she taps by a button's sign, never by its
words, never types, and listens (every item recorded first, through staff's real /record).

Her chief registers nothing for her here: she does it all on her own phone, from the poster.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.chat import Bot
from tests.support.journeys import STAFF_ID, VILLAGE, make_leader, sweep_at
from tests.support.nonreader import NonReader, record_everything

pytestmark = pytest.mark.staffed

FIRST_PROMPT = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)  # 08:00 in Bangkok, the day after arrival


async def starts_from_the_poster(bot: Bot) -> NonReader:
    """Journey 1: the poster's QR code, «I would rather listen», consent, her village, the menu."""
    she = NonReader(bot.user(5001, "Srey"))
    await she.open_link(f"v_{VILLAGE}")
    await she.tap("🎧")  # Khmer, and rather listen: every screen from now on with its voice
    await she.tap("➡️")
    await she.tap("➡️")
    await she.tap("✅")  # I agree
    await she.tap("✅")  # yes, my village (the poster's)
    await she.tap("👩")
    await she.tap("🧑")  # 18 to 24
    return she


async def tells_the_chief(she: NonReader) -> None:
    """Journey 2: /plan from the menu's ✈️, the name said, numbers tapped, sent."""
    await she.tap("✈️")
    await she.tap("👤")  # for me
    await she.speak(3)  # her name
    await she.tap("👩")
    for key in ("2️⃣", "0️⃣", "✅"):
        await she.tap(key)
    await she.tap("🇹🇭")
    await she.tap("🦐")
    await she.tap("🌙")
    await she.tap("🕴️")  # through a broker
    await she.tap("✅")  # no papers ticked
    await she.tap("⏭️")  # the employer's phone: she does not know it
    await she.tap("⏭️")  # the wage
    await she.tap("🌅")  # leaving tomorrow
    await she.tap("🌅")  # arriving the day after
    await she.tap("🍚")  # poverty or debt
    for key in ("0️⃣", "1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "✅"):
        await she.tap(key)  # her family's phone
    await she.tap("✅")  # send it to the chief


async def test_she_starts_plans_checks_in_and_asks_for_help_without_reading(bot: Bot) -> None:
    chief = bot.user(5100, "Chief")
    await make_leader(bot, chief)
    recorded = await record_everything(bot.user(STAFF_ID, "Dara"))
    assert recorded > 200

    she = await starts_from_the_poster(bot)
    await tells_the_chief(she)
    (departure,) = await bot.store.departures_of(she.id)
    assert departure.name == "🔊" and departure.family_phone == "012345678"
    assert chief.voices(), "the chief hears her name"

    # Journey 3: a check-in answered "fine", then "a problem" with two problems, then help.
    await sweep_at(bot, FIRST_PROMPT)
    await she.tap("🙂")
    await sweep_at(bot, FIRST_PROMPT + timedelta(days=7))
    await she.tap("😟")
    assert "photo" in she.person.media()[-3:]  # the problems as pictures, each with its sign
    await she.tap("🛂")  # they hold my passport
    await she.tap("🕛")  # too long hours
    await she.tap("✅")
    assert await bot.store.open_cases(None), "her problems reached someone"

    # Journey 4: help from the menu, her location, someone sees it, it closes, still need help.
    await she.open_menu()
    await she.tap("🚨")
    await she.share_location()
    await chief.click("ខ្ញុំនឹងជួយ")  # the chief takes it on (he reads)
    she.look()
    assert "👍" in she.newest_text()  # someone has seen her message
    await she.listen()  # news that arrives unasked waits for her tap
    await chief.click("✔️ បិទករណី")
    await chief.click(chief.buttons()[0])  # how it ended
    she.look()
    await she.tap("🙋")  # it is not over for me
    assert [c for c in await bot.store.open_cases(None) if c.user_id == she.id]

    # Coming home: the returnee questions, by their signs (the story is skipped).
    await she.open_menu()
    await she.tap("🏡")
    for sign in ("▶️", "👍", "💵", "✅", "👍", "👍", "⏭️"):
        await she.tap(sign)
    assert (await bot.store.departures_of(she.id))[0].status == "returned"

    voices = [m for m in she.person._messages() if m.from_bot and m.kind == "voice"]
    assert len(voices) >= she.counts.screens * 0.8  # she heard nearly every screen at once
    assert she.counts.typing_needed == []
    assert she.counts.unmarked == set(), she.counts.unmarked
    assert she.counts.silent == [], she.counts.silent
    assert she.counts.screens > 30
