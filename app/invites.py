"""Leader invites: a one-time code that expires; only its hash is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from domain.clock import Clock
from storage.store import Store

PAYLOAD_PREFIX = "l_"


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def invite_code_of(payload: str) -> str | None:
    """The code in a ``/start l_<code>`` payload, if it has the shape of one."""
    if not payload.startswith(PAYLOAD_PREFIX):
        return None
    code = payload.removeprefix(PAYLOAD_PREFIX)
    ok = 16 <= len(code) <= 48 and all(c.isascii() and (c.isalnum() or c in "-_") for c in code)
    return code if ok else None


async def create_invite(store: Store, clock: Clock, village_code: str, valid_seconds: float) -> str:
    """Makes a new invite for a village and returns the code (128 bits, shown once)."""
    code = secrets.token_urlsafe(16)
    await store.create_invite(
        hash_code(code), village_code, clock.now() + timedelta(seconds=valid_seconds)
    )
    return code


def invite_link(bot_username: str | None, code: str) -> str:
    """The deep link a leader opens; without a username, the command to send instead."""
    if bot_username:
        return f"https://t.me/{bot_username}?start={PAYLOAD_PREFIX}{code}"
    return f"/start {PAYLOAD_PREFIX}{code}"
