"""Codes that hand a departure a chief wrote down to the villager's own phone (``a_<code>``).

Made like re-link codes (16 random bytes, only the hash kept, one use, an expiry); codes that do
not work count against the same daily allowance as leader invites.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from access.invites import CODE_BYTES, code_in, deep_link, hash_code
from domain.clock import Clock
from storage.store import Store

PAYLOAD_PREFIX = "a_"  # "assisted": /start a_<code>


def assisted_code_of(payload: str) -> str | None:
    """The code in a ``/start a_<code>`` payload, if it has the shape of one."""
    return code_in(payload, PAYLOAD_PREFIX)


async def create_assisted(
    store: Store,
    clock: Clock,
    made_by: int,
    village_code: str | None,
    answers: dict[str, Any],
    request_key: str,
    valid: timedelta,
) -> tuple[str, bool]:
    """Keeps the chief's answers under a new one-time code; returns (code, whether new)."""
    code = secrets.token_urlsafe(CODE_BYTES)
    _, new = await store.create_assisted(
        hash_code(code), made_by, village_code, answers, request_key, clock.now() + valid
    )
    return code, new


def assisted_link(bot_username: str | None, code: str) -> str:
    """The deep link the villager opens; without a username, what they would send."""
    return deep_link(bot_username, f"{PAYLOAD_PREFIX}{code}")
