"""The ways into the bot, read from a ``/start`` payload: a village's poster, a friend's share,
a leader's invite, or none (the person found the bot by its name).

A poster's link is ``t.me/<bot>?start=v_<village code>``: it names a place, never a person, and
choosing the village is still the person's own step (onboarding asks them to confirm it).
"""

from __future__ import annotations

from enum import StrEnum

POSTER_PREFIX = "v_"
START_PARAMETER_MAX = 64  # Telegram's limit for ?start=, letters, digits, _ and - only


class Entry(StrEnum):
    """How a person came to the bot, as counted in the programme report."""

    POSTER = "poster"
    SHARE = "share"
    LEADER = "leader"
    TYPED = "typed"


def poster_payload(village_code: str) -> str:
    return f"{POSTER_PREFIX}{village_code}"


def poster_link(bot_username: str, village_code: str) -> str:
    """The link a village's poster carries (as a QR code and as text)."""
    return f"https://t.me/{bot_username}?start={poster_payload(village_code)}"


def poster_village_of(payload: str) -> str | None:
    """The village code in a ``v_<code>`` payload, if it has the shape of one (8 digits).

    Whether the village is one the bot offers is for the caller to check against the places.
    """
    if not payload.startswith(POSTER_PREFIX):
        return None
    code = payload.removeprefix(POSTER_PREFIX)
    return code if len(code) == 8 and code.isascii() and code.isdigit() else None


def is_start_parameter(payload: str) -> bool:
    """Whether Telegram accepts this as ``?start=``: 1–64 of ``A-Z a-z 0-9 _ -``."""
    return 0 < len(payload) <= START_PARAMETER_MAX and all(
        c.isascii() and (c.isalnum() or c in "_-") for c in payload
    )
