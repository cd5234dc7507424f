"""Re-link codes: one use, an expiry, only the hash at rest (exactly as leader invites).

A code is 16 random bytes from ``secrets`` (128 bits), shown once to the leader or staff member
who made it. Codes that do not work count against the same daily allowance as leader invites
(``access/invites.py``, the ``invite_attempts`` table): guessing either kind of code is one budget.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from access.invites import CODE_BYTES, code_in, hash_code
from domain.clock import Clock
from storage.store import Store

PAYLOAD_PREFIX = "m_"  # "move": /start m_<code>


def relink_code_of(payload: str) -> str | None:
    """The code in a ``/start m_<code>`` payload, if it has the shape of one."""
    return code_in(payload, PAYLOAD_PREFIX)


async def create_relink(
    store: Store, clock: Clock, user_id: int, made_by: int, valid: timedelta
) -> str:
    """Makes a one-time code that moves this person's record, and returns it (shown once)."""
    code = secrets.token_urlsafe(CODE_BYTES)
    await store.create_relink(hash_code(code), user_id, made_by, clock.now() + valid)
    return code


def relink_link(bot_username: str | None, code: str) -> str:
    """The deep link the person opens on the new phone; without a username, what to send."""
    if bot_username:
        return f"https://t.me/{bot_username}?start={PAYLOAD_PREFIX}{code}"
    return f"/start {PAYLOAD_PREFIX}{code}"
