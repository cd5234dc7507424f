"""TEMPORARY until the chief's form lands: writes the registration through the store."""

from __future__ import annotations

import secrets
from datetime import timedelta

from access.assisted import assisted_link, create_assisted
from tests.support.chat import Person

ANSWERS = {
    "who": "self",
    "name": "Srey Mom",
    "gender": "female",
    "age": 20,
    "destination": "TH",
    "work": "seafood",
    "duration": "short",
    "channel": "broker",
    "documents": [],
    "employer_phone": None,
    "wage": 250,
    "depart_on": "2026-03-02",
    "arrive_on": "2026-03-03",
    "reason": "private",
    "family_phone": "012345678",
}


async def write_down(chief: Person) -> str:
    bot = chief.bot
    code, _ = await create_assisted(
        bot.store,
        bot.clock,
        chief.id,
        "09060405",
        ANSWERS,
        secrets.token_hex(8),
        timedelta(hours=72),
    )
    return assisted_link("test_bot", code)
