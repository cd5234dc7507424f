"""Leader invites: a one-time code that expires; only its hash is stored.

Guessing: a code is 16 random bytes from the OS's secure source (``secrets``), 128 bits. With
even a thousand live invites, one guess in 2^118 would hit one: no rate of guessing gets there.
Still, each person may try only a few codes that do not work in a day (``MAX_FAILED_INVITES``
per ``FAILED_INVITE_WINDOW``); after that the bot refuses their invites without looking at the
code, and the tries are kept in the database, so a restart does not reset them.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from domain.clock import Clock
from storage.store import Store

PAYLOAD_PREFIX = "l_"
CODE_BYTES = 16  # 128 bits of entropy; token_urlsafe shows them as 22 characters
MAX_FAILED_INVITES = 5  # unknown, used or expired codes one person may try …
FAILED_INVITE_WINDOW = timedelta(hours=24)  # … within this long; then they wait


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def code_in(payload: str, prefix: str) -> str | None:
    """The code in a ``/start <prefix><code>`` payload, if it has the shape of one (what
    ``secrets.token_urlsafe`` makes, with room to spare)."""
    if not payload.startswith(prefix):
        return None
    code = payload.removeprefix(prefix)
    ok = 16 <= len(code) <= 48 and all(c.isascii() and (c.isalnum() or c in "-_") for c in code)
    return code if ok else None


def invite_code_of(payload: str) -> str | None:
    """The code in a ``/start l_<code>`` payload, if it has the shape of one."""
    return code_in(payload, PAYLOAD_PREFIX)


async def create_invite(store: Store, clock: Clock, village_code: str, valid_seconds: float) -> str:
    """Makes a new invite for a village and returns the code (128 bits, shown once)."""
    code = secrets.token_urlsafe(CODE_BYTES)
    await store.create_invite(
        hash_code(code), village_code, clock.now() + timedelta(seconds=valid_seconds)
    )
    return code


def invite_link(bot_username: str | None, code: str) -> str:
    """The deep link a leader opens; without a username, the command to send instead."""
    if bot_username:
        return f"https://t.me/{bot_username}?start={PAYLOAD_PREFIX}{code}"
    return f"/start {PAYLOAD_PREFIX}{code}"


async def too_many_failed_invites(store: Store, clock: Clock, user_id: int) -> bool:
    """Whether this person already tried ``MAX_FAILED_INVITES`` bad codes in the window."""
    since = clock.now() - FAILED_INVITE_WINDOW
    return await store.failed_invites_since(user_id, since) >= MAX_FAILED_INVITES


async def note_failed_invite(store: Store, clock: Clock, user_id: int) -> None:
    """Counts one bad code against this person (older tries than the window are forgotten)."""
    await store.record_failed_invite(user_id, forget_before=clock.now() - FAILED_INVITE_WINDOW)
