"""Departures a chief wrote down with the villager beside him, waiting for her own phone.

The chief's answers wait here, with the hash of a one-time code, until the villager opens the
code on her own phone and says it is her: then, in one transaction, they become her departure
(``storage/departures.register_in``), with its notices and first check-in, and the answers
leave this table. Nothing reaches her before that. Declined or never opened, the answers are
erased (the sweep, at ``leaders.assisted_valid``) and the chief is told, so a registration that
did not happen is not taken for one that did.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

import aiosqlite

from domain.schedule import Next
from storage.base import StoreBase, first_row, from_row
from storage.departures import Documents, register_in
from storage.outbox import NewMessage, enqueue_in
from storage.relinks import leads_a_village


class ClaimResult(Enum):
    READY = "ready"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    SAME_ACCOUNT = "same_account"  # the chief opened his own code
    RESPONDER = "responder"  # a chief's (or staff's) account: a departure is not put on it
    CLAIMED = "claimed"
    DECLINED = "declined"


@dataclass(frozen=True)
class Assisted:
    assisted_id: int
    made_by: int | None  # the chief; None once he erased his data
    village_code: str | None
    answers: dict[str, Any]  # the form's answers (empty once claimed, declined or expired)
    request_key: str
    made_at: datetime
    expires_at: datetime
    outcome: str | None  # None while open; claimed | declined | expired


_SELECT = (
    "SELECT assisted_id, made_by, village_code, answers, request_key, made_at, expires_at,"
    " outcome FROM assisted_departures"
)


def _assisted(row: Any) -> Assisted:
    return from_row(
        Assisted,
        row,
        made_by=lambda value: int(value) if value is not None else None,
        answers=lambda value: json.loads(value) if value else {},
        **dict.fromkeys(("made_at", "expires_at"), datetime.fromisoformat),
    )


@dataclass(frozen=True)
class Registration:
    """What the answers become: the departure's values (all but the villager's id), its first
    check-in and the papers' dates given."""

    values: dict[str, Any]
    first: Next
    documents: Documents


# What Send queues for the villager's departure: given the claim, the villager's id, the new
# departure's id -> the notices (the chief's "she confirmed", staff's copy).
Notices = Callable[[Assisted, int, int], list[NewMessage]]


class AssistedQueries(StoreBase):
    async def create_assisted(
        self,
        code_hash: str,
        made_by: int,
        village_code: str | None,
        answers: dict[str, Any],
        request_key: str,
        expires_at: datetime,
    ) -> tuple[int, bool]:
        """Keeps the chief's answers under a new code's hash; returns (id, whether it is new).

        Send pressed again (the same ``request_key``) on a registration still waiting gives it
        this new code, and the old one stops working: the chief can only show the newest.
        """
        async with self._transaction() as db:
            found = await first_row(
                db,
                "SELECT assisted_id, outcome FROM assisted_departures WHERE request_key = ?",
                (request_key,),
            )
            if found is not None:
                if found[1] is None:
                    await db.execute(
                        "UPDATE assisted_departures SET code_hash = ?, expires_at = ?"
                        " WHERE assisted_id = ?",
                        (code_hash, expires_at.isoformat(), found[0]),
                    )
                return int(found[0]), False
            cursor = await db.execute(
                "INSERT INTO assisted_departures (code_hash, made_by, village_code, answers,"
                " request_key, made_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    code_hash,
                    made_by,
                    village_code,
                    json.dumps(answers, ensure_ascii=False, sort_keys=True),
                    request_key,
                    self._now(),
                    expires_at.isoformat(),
                ),
            )
            assert cursor.lastrowid is not None
            return int(cursor.lastrowid), True

    async def assisted_state(self, code_hash: str) -> tuple[ClaimResult, Assisted | None]:
        """Whether a code can be opened now, and what waits under it (nothing is changed)."""
        return await self._assisted_state(self._db, code_hash)

    async def _assisted_state(
        self, db: aiosqlite.Connection, code_hash: str
    ) -> tuple[ClaimResult, Assisted | None]:
        row = await first_row(db, f"{_SELECT} WHERE code_hash = ?", (code_hash,))
        if row is None:
            return ClaimResult.UNKNOWN, None
        assisted = _assisted(row)
        if assisted.outcome == "expired":  # not opened in time, or its chief was revoked
            return ClaimResult.EXPIRED, None
        if assisted.outcome is not None:
            return ClaimResult.USED, None
        if assisted.expires_at <= self._clock.now():
            return ClaimResult.EXPIRED, None
        return ClaimResult.READY, assisted

    async def claim_assisted(
        self,
        code_hash: str,
        user_id: int,
        registration: Callable[[Assisted], Registration],
        notices: Notices,
    ) -> tuple[ClaimResult, int | None, list[int]]:
        """The villager says it is her: the answers become her departure, all at once.

        Refused (nothing changed) when the code is unknown, used or expired, opened by the chief
        who made it, or by a chief's account. Returns (result, departure id, the notices' outbox
        ids, claimed for the caller to send).
        """
        now = self._now()
        async with self._transaction() as db:
            result, assisted = await self._assisted_state(db, code_hash)
            if result is not ClaimResult.READY or assisted is None:
                return result, None, []
            if assisted.made_by == user_id:
                return ClaimResult.SAME_ACCOUNT, None, []
            if await leads_a_village(db, user_id):
                return ClaimResult.RESPONDER, None, []
            made = registration(assisted)
            departure_id, _, ids = await register_in(
                db,
                made.values | {"user_id": user_id},
                f"assisted:{assisted.request_key}",
                made.first,
                lambda departure: notices(assisted, user_id, departure),
                made.documents,
                now,
            )
            await db.execute(
                "UPDATE assisted_departures SET answers = NULL, outcome = 'claimed',"
                " closed_at = ?, departure_id = ? WHERE assisted_id = ?",
                (now, departure_id, assisted.assisted_id),
            )
            return ClaimResult.CLAIMED, departure_id, ids

    async def decline_assisted(
        self, code_hash: str, user_id: int, messages: Callable[[Assisted], list[NewMessage]]
    ) -> tuple[ClaimResult, list[int]]:
        """ "It is not me": the answers are erased and the chief is told (``messages``)."""
        async with self._transaction() as db:
            result, assisted = await self._assisted_state(db, code_hash)
            if result is not ClaimResult.READY or assisted is None:
                return result, []
            if assisted.made_by == user_id:
                return ClaimResult.SAME_ACCOUNT, []
            await db.execute(
                "UPDATE assisted_departures SET answers = NULL, outcome = 'declined',"
                " closed_at = ? WHERE assisted_id = ?",
                (self._now(), assisted.assisted_id),
            )
            return ClaimResult.DECLINED, await enqueue_in(
                db, messages(assisted), self._now(), claimed=True
            )

    async def expire_assisted(
        self, messages: Callable[[Assisted], list[NewMessage]], limit: int = 200
    ) -> int:
        """The sweep: registrations nobody opened in time lose their answers; the chief is told.

        Returns how many expired now. The messages are queued (the drainer sends them).
        """
        now = self._now()
        async with self._transaction() as db:
            expired = [
                _assisted(row)
                for row in await (
                    await db.execute(
                        f"{_SELECT} WHERE outcome IS NULL AND expires_at <= ? LIMIT ?",
                        (now, limit),
                    )
                ).fetchall()
            ]
            for assisted in expired:
                await db.execute(
                    "UPDATE assisted_departures SET answers = NULL, outcome = 'expired',"
                    " closed_at = ? WHERE assisted_id = ?",
                    (now, assisted.assisted_id),
                )
                await enqueue_in(db, messages(assisted), now, claimed=False)
            return len(expired)

    async def assisted_made_by(self, user_id: int) -> list[Assisted]:
        """The registrations a chief made that still wait for the villager, oldest first."""
        return await self._all(
            f"{_SELECT} WHERE made_by = ? AND outcome IS NULL ORDER BY assisted_id",
            (user_id,),
            _assisted,
        )
