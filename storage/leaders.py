"""Village leaders: one-time invites (stored hashed), who leads which village, revoking."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import aiosqlite

from storage.base import NOW, StoreBase, first_row, from_row
from storage.case_events import event_in
from storage.rows import Leader


class InviteResult(Enum):
    ACCEPTED = "accepted"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


_LEADER = (
    "SELECT leader_id, user_id, village_code, display_name, created_at, revoked_at FROM leaders"
)


def _leader(row: tuple[object, ...]) -> Leader:
    return from_row(
        Leader,
        row,
        created_at=lambda value: datetime.fromisoformat(str(value)),
        revoked_at=lambda value: datetime.fromisoformat(str(value)) if value else None,
        **dict.fromkeys(("leader_id", "user_id"), lambda value: int(str(value))),
        **dict.fromkeys(("village_code", "display_name"), str),
    )


class LeaderQueries(StoreBase):
    async def create_invite(self, code_hash: str, village_code: str, expires_at: datetime) -> None:
        await self._write(
            "INSERT INTO leader_invites (code_hash, village_code, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (code_hash, village_code, NOW, expires_at.isoformat()),
        )

    async def invite_village(self, code_hash: str) -> tuple[InviteResult, str | None]:
        """Whether an invite can be used now, and for which village (nothing is changed)."""
        return await self._invite_state(self._db, code_hash)

    async def _invite_state(
        self, db: aiosqlite.Connection, code_hash: str
    ) -> tuple[InviteResult, str | None]:
        row = await first_row(
            db,
            "SELECT village_code, expires_at, used_at FROM leader_invites WHERE code_hash = ?",
            (code_hash,),
        )
        if row is None:
            return InviteResult.UNKNOWN, None
        if row[2] is not None:
            return InviteResult.USED, None
        if datetime.fromisoformat(row[1]) <= self._clock.now():
            return InviteResult.EXPIRED, None
        return InviteResult.ACCEPTED, str(row[0])

    async def accept_invite(
        self, code_hash: str, user_id: int, display_name: str
    ) -> tuple[InviteResult, str | None]:
        """Uses an invite once, atomically, making the person a leader of its village."""
        async with self._transaction() as db:
            result, village = await self._invite_state(db, code_hash)
            if result is not InviteResult.ACCEPTED or village is None:
                return result, None
            await db.execute(
                "UPDATE leader_invites SET used_at = ?, used_by_user_id = ? WHERE code_hash = ?",
                (self._now(), user_id, code_hash),
            )
            await db.execute(
                "INSERT INTO leaders (user_id, village_code, display_name, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (user_id, village_code) DO UPDATE"
                " SET revoked_at = NULL, display_name = excluded.display_name",
                (user_id, village, display_name, self._now()),
            )
            return InviteResult.ACCEPTED, village

    async def leaders_of(self, village_code: str) -> list[Leader]:
        """The village's active leaders."""
        return await self._all(
            f"{_LEADER} WHERE village_code = ? AND revoked_at IS NULL ORDER BY leader_id",
            (village_code,),
            _leader,
        )

    async def revoked_from(self, user_id: int, village_code: str) -> bool:
        """Whether this person led the village once and no longer does."""
        return await self._exists(
            "SELECT 1 FROM leaders WHERE user_id = ? AND village_code = ?"
            " AND revoked_at IS NOT NULL",
            (user_id, village_code),
        )

    async def led_villages(self, user_id: int) -> list[str]:
        """The villages this person leads now (usually one)."""
        return await self._all(
            "SELECT village_code FROM leaders WHERE user_id = ? AND revoked_at IS NULL",
            (user_id,),
            lambda row: str(row[0]),
        )

    async def all_leaders(self) -> list[Leader]:
        return await self._all(
            f"{_LEADER} WHERE revoked_at IS NULL ORDER BY village_code, leader_id", (), _leader
        )

    async def revoke_leader(self, leader_id: int) -> Leader | None:
        """Ends a leader's role; returns who it was, or None if not active."""
        async with self._transaction() as db:
            row = await first_row(
                db, f"{_LEADER} WHERE leader_id = ? AND revoked_at IS NULL", (leader_id,)
            )
            if row is None:
                return None
            await db.execute(
                "UPDATE leaders SET revoked_at = ? WHERE leader_id = ?", (self._now(), leader_id)
            )
            # Cases they were handling wait to be taken on again, at once: at the next sweep
            # every chief of the village and staff are reminded (delivery/cases.py).
            released = await self._all(
                "SELECT alert_id FROM alerts WHERE handler_chat_id = ? AND village_code = ?"
                " AND resolved_at IS NULL",
                (row[1], row[2]),
                lambda r: int(r[0]),
            )
            for alert_id in released:
                await db.execute(
                    "UPDATE alerts SET acknowledged_at = NULL, acknowledged_by = NULL,"
                    " handler_chat_id = NULL, note_due_at = NULL, take_on_due_at = ?,"
                    " take_on_reminders = 0 WHERE alert_id = ?",
                    (self._now(), alert_id),
                )
                await event_in(db, alert_id, self._now(), None, "released", {})
            # The new-phone codes they made and nobody used stop working with their role.
            await db.execute(
                "UPDATE relinks SET expires_at = ? WHERE made_by = ? AND used_at IS NULL"
                " AND expires_at > ?",
                (self._now(), row[1], self._now()),
            )
            # So do the registrations they wrote down that nobody confirmed: their answers go
            # (what a revoked chief typed is not made anyone's departure).
            await db.execute(
                "UPDATE assisted_departures SET answers = NULL, outcome = 'expired',"
                " closed_at = ? WHERE made_by = ? AND outcome IS NULL",
                (self._now(), row[1]),
            )
            return _leader(tuple(row))

    # -- failed invite tries (kept per person, so guessing stays slow across restarts) ---------

    async def record_failed_invite(self, user_id: int, *, forget_before: datetime) -> None:
        """Notes one unknown, used or expired code; forgets everyone's tries before the cutoff."""
        async with self._transaction() as db:
            await db.execute(
                "DELETE FROM invite_attempts WHERE attempted_at < ?", (forget_before.isoformat(),)
            )
            await db.execute(
                "INSERT INTO invite_attempts (user_id, attempted_at) VALUES (?, ?)",
                (user_id, self._now()),
            )

    async def forget_failed_invites(self, before: datetime) -> int:
        """Deletes everyone's tries older than ``before``; returns how many went."""
        return await self._write(
            "DELETE FROM invite_attempts WHERE attempted_at < ?", (before.isoformat(),)
        )

    async def failed_invites_since(self, user_id: int, since: datetime) -> int:
        """How many bad codes this person tried since then."""
        return await self._count(
            "SELECT COUNT(*) FROM invite_attempts WHERE user_id = ? AND attempted_at >= ?",
            (user_id, since.isoformat()),
        )
