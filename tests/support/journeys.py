"""Common journeys, so tests can start where their story starts."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from app.context import BotContext
from delivery.sweep import sweep
from tests.support.chat import Bot, Person

STAFF_ID = 7777
VILLAGE = "09060405"  # Nesat, Chrouy Svay, Srae Ambel
ABROAD_KM = ("🇹🇭 ថៃ", "🇲🇾 ម៉ាឡេស៊ី", "🇰🇷 កូរ៉េខាងត្បូង", "🌏 ប្រទេសផ្សេង")


NEXT = {"km": "➡️ បន្ទាប់", "en": "➡️ Next"}


class Clicker(Protocol):
    """Anyone who taps buttons: a Person of the fake Telegram, a Chatter of the bot process."""

    async def click(self, label: str) -> None: ...


async def read_consent(person: Clicker, lang: str = "km") -> None:
    """Reads the first two consent screens (welcome; what is kept and who sees it)."""
    for _ in range(2):
        await person.click(NEXT[lang])


async def onboard(person: Person, lang: str = "km") -> None:
    """Onboards into Nesat village, skipping the optional questions."""
    await person.send("/start")
    if lang == "km":
        await person.click("ភាសាខ្មែរ")
        await read_consent(person)
        await person.click("បាទ/ចាស ខ្ញុំយល់ព្រម")
        await person.click("ស្រែ អំបិល")
        await person.click("ជ្រោយស្វាយ")
        await person.click("នេសាទ")
        await person.click("រំលង")
        await person.click("រំលង")
    else:
        await person.click("English")
        await read_consent(person, "en")
        await person.click("Yes, I agree")
        await person.click("Srae Ambel")
        await person.click("Chrouy Svay")
        await person.click("Nesat")
        await person.click("Skip")
        await person.click("Skip")


async def staffed_bot(tmp_path: Path) -> Bot:
    return await Bot(tmp_path / "bot.sqlite3").start(staff_user_ids=frozenset({STAFF_ID}))


async def make_leader(bot: Bot, leader: Person, village: str = VILLAGE, lang: str = "km") -> None:
    """Staff invite a leader; the leader opens the link and agrees (the real flow)."""
    staff = bot.user(STAFF_ID, "Staff", "en")
    await staff.send(f"/invite {village}")
    match = re.search(r"start=(l_[\w-]+)", staff.last_text())
    assert match, staff.last_text()
    await leader.send(f"/start {match.group(1)}")
    await leader.click("ភាសាខ្មែរ" if lang == "km" else "English")
    await read_consent(leader, lang)
    await leader.click("បាទ/ចាស ខ្ញុំយល់ព្រម" if lang == "km" else "Yes, I agree")
    await leader.click("រំលង" if lang == "km" else "Skip")
    await leader.click("រំលង" if lang == "km" else "Skip")


async def register_departure(
    villager: Person,
    *,
    name: str = "Srey Mom",
    age: str = "២០",
    destination: str = "🇹🇭 ថៃ",
    channel: str = "មេខ្យល់",
    papers: tuple[str, ...] = (),
    agency: str | None = None,
    who: str = "សមាជិកគ្រួសារខ្ញុំ",
    passport_until: str | None = None,
    reason: str = "ក្រីក្រ ឬជំពាក់បំណុល",
    reason_shared: str | None = None,
) -> None:
    """Walks the departure form in Khmer up to the review screen (for a relative, or "ខ្ញុំ").

    With a passport ticked for a trip abroad, ``passport_until`` is typed when it ends (else
    "I don't know").
    """
    await villager.send("/plan")
    await villager.click(who)
    await villager.send(name)
    await villager.click("ស្ត្រី")
    await villager.send(age)
    await villager.click(destination)
    await villager.click("កែច្នៃគ្រឿងសមុទ្រ (បង្គា ក្ដាម)")
    await villager.click("ខ្លី តាមរដូវ (ពីរបីខែ)")
    await villager.click(channel)
    if agency is not None:  # the agency question comes when the channel is an agency
        if agency in villager.buttons():
            await villager.click(agency)
        else:
            await villager.click("មិនមានក្នុងបញ្ជីនេះ៖ វាយឈ្មោះ")
            await villager.send(agency)
    for paper in papers:
        await villager.click("⬜ " + paper)
    await villager.click("✅ រួចរាល់")
    if "ប៉ាស្ព័រ" in papers and destination in ABROAD_KM:
        if passport_until is None:
            await villager.click("🤷 ខ្ញុំមិនដឹង")
        else:
            await villager.send(passport_until)
    await villager.click("រំលង")  # employer phone
    await villager.send("២៥០")  # wage
    await villager.click("ថ្ងៃស្អែក")
    await villager.click("ថ្ងៃបន្ទាប់")
    await villager.click(reason)
    if reason_shared is not None:  # who may know, after a reason kept from the chief
        await villager.click(reason_shared)
    await villager.send("012 345 678")  # family phone


async def sweep_at(bot: Bot, moment: datetime) -> None:
    """Moves the clock to ``moment`` and runs the sweep once, as the repeating job would."""
    assert bot.app is not None
    if moment > bot.clock.now():
        bot.clock.advance(moment - bot.clock.now())
    await sweep(BotContext(bot.app))


async def sent_departure(bot: Bot, villager: Person, **kwargs: Any) -> int:
    """Onboards, registers a departure (leaves tomorrow, arrives the day after) and sends it."""
    await onboard(villager)
    await register_departure(villager, **kwargs)
    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    return (await bot.store.departures_of(villager.id))[0].departure_id
