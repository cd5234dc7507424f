"""Check-ins: planned prompts, claimed and sent at most once, answers, and coming home."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.base import StoreBase
from storage.rows import Checkin

_CHECKIN = (
    "SELECT checkin_id, departure_id, user_id, number, catch_up, due_at, status, attempts,"
    " sent_at, message_ids, reminders, next_step_at, answer FROM checkins"
)


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _checkin(row: Any) -> Checkin:
    return Checkin(
        checkin_id=row[0],
        departure_id=row[1],
        user_id=row[2],
        number=row[3],
        catch_up=bool(row[4]),
        due_at=datetime.fromisoformat(row[5]),
        status=row[6],
        attempts=row[7],
        sent_at=_when(row[8]),
        message_ids=tuple(int(m) for m in str(row[9]).split(",") if m),
        reminders=row[10],
        next_step_at=_when(row[11]),
        answer=row[12],
    )


class CheckinQueries(StoreBase):
    async def plan_checkin(
        self, departure_id: int, user_id: int, number: int, catch_up: bool, due_at: datetime
    ) -> int:
        async with self._transaction() as db:
            cursor = await db.execute(
                "INSERT INTO checkins (departure_id, user_id, number, catch_up, due_at, status)"
                " VALUES (?, ?, ?, ?, ?, 'planned')",
                (departure_id, user_id, number, int(catch_up), due_at.isoformat()),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    async def checkin(self, checkin_id: int) -> Checkin | None:
        async with self._db.execute(f"{_CHECKIN} WHERE checkin_id = ?", (checkin_id,)) as cursor:
            row = await cursor.fetchone()
        return _checkin(row) if row else None

    async def checkins_of(self, departure_id: int) -> list[Checkin]:
        async with self._db.execute(
            f"{_CHECKIN} WHERE departure_id = ? ORDER BY checkin_id", (departure_id,)
        ) as cursor:
            return [_checkin(row) async for row in cursor]

    async def due_checkins(self, now: datetime, limit: int = 500) -> list[Checkin]:
        """Planned prompts due by ``now``, oldest first (uses the partial index)."""
        async with self._db.execute(
            f"{_CHECKIN} WHERE status = 'planned' AND due_at <= ? ORDER BY due_at LIMIT ?",
            (now.isoformat(), limit),
        ) as cursor:
            return [_checkin(row) async for row in cursor]

    async def postpone_checkin(
        self, checkin_id: int, due_at: datetime, *, failed_try: bool
    ) -> None:
        """Moves a planned (or released) prompt to a later time; it stays planned."""
        async with self._transaction() as db:
            await db.execute(
                "UPDATE checkins SET status = 'planned', due_at = ?, claimed_at = NULL,"
                " attempts = attempts + ?"
                " WHERE checkin_id = ? AND status IN ('planned', 'sending')",
                (due_at.isoformat(), int(failed_try), checkin_id),
            )

    async def claim_checkin(self, checkin_id: int) -> bool:
        """Takes a due prompt for sending; False if someone (a previous run) already did."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE checkins SET status = 'sending', claimed_at = ?"
                " WHERE checkin_id = ? AND status = 'planned'",
                (self._now(), checkin_id),
            )
            return cursor.rowcount > 0

    async def mark_checkin_sent(
        self, checkin_id: int, message_id: int | None, next_step_at: datetime
    ) -> None:
        async with self._transaction() as db:
            await db.execute(
                "UPDATE checkins SET status = 'sent', sent_at = COALESCE(claimed_at, ?),"
                " message_ids = ?, next_step_at = ? WHERE checkin_id = ?",
                (
                    self._now(),
                    "" if message_id is None else str(message_id),
                    next_step_at.isoformat(),
                    checkin_id,
                ),
            )

    async def mark_checkin_failed(self, checkin_id: int) -> None:
        async with self._transaction() as db:
            await db.execute(
                "UPDATE checkins SET status = 'failed', next_step_at = NULL WHERE checkin_id = ?",
                (checkin_id,),
            )

    async def stale_claims(self, before: datetime) -> list[Checkin]:
        """Prompts claimed before ``before`` and never confirmed (the process died mid-send)."""
        async with self._db.execute(
            f"{_CHECKIN} WHERE status = 'sending' AND claimed_at < ?", (before.isoformat(),)
        ) as cursor:
            return [_checkin(row) async for row in cursor]

    async def waiting_checkins(self, now: datetime, limit: int = 500) -> list[Checkin]:
        """Sent, unanswered prompts whose next silence step (reminder or alert) is due."""
        async with self._db.execute(
            f"{_CHECKIN} WHERE status = 'sent' AND next_step_at <= ? ORDER BY next_step_at LIMIT ?",
            (now.isoformat(), limit),
        ) as cursor:
            return [_checkin(row) async for row in cursor]

    async def record_silence_step(
        self, checkin_id: int, reminders: int, next_step_at: datetime | None, message_id: int | None
    ) -> bool:
        """Counts a reminder (or the alert after them); False if the prompt was answered since."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE checkins SET reminders = ?, next_step_at = ?,"
                " message_ids = message_ids || ? WHERE checkin_id = ? AND status = 'sent'"
                " AND reminders = ? - 1",
                (
                    reminders,
                    next_step_at.isoformat() if next_step_at else None,
                    "" if message_id is None else f",{message_id}",
                    checkin_id,
                    reminders,
                ),
            )
            return cursor.rowcount > 0

    async def answer_checkin(self, checkin_id: int, answer: str) -> bool:
        """Keeps the first answer to a sent prompt; its reminders stop."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE checkins SET status = 'answered', answer = ?, answered_at = ?,"
                " next_step_at = NULL WHERE checkin_id = ? AND status IN ('sent', 'sending')",
                (answer, self._now(), checkin_id),
            )
            return cursor.rowcount > 0

    async def add_message_to_checkin(self, checkin_id: int, message_id: int) -> None:
        async with self._transaction() as db:
            await db.execute(
                "UPDATE checkins SET message_ids = message_ids || ? WHERE checkin_id = ?",
                (f",{message_id}", checkin_id),
            )

    async def silence_pending(self, departure_id: int) -> None:
        """Stops the reminders of every sent prompt of a departure (an answer came another way)."""
        async with self._transaction() as db:
            await db.execute(
                "UPDATE checkins SET status = 'answered', answer = 'other', answered_at = ?,"
                " next_step_at = NULL WHERE departure_id = ? AND status = 'sent'",
                (self._now(), departure_id),
            )

    async def cancel_planned(self, departure_id: int) -> int:
        """Cancels what has not gone out yet (return, cancellation, new dates)."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE checkins SET status = 'cancelled', next_step_at = NULL"
                " WHERE departure_id = ? AND status IN ('planned', 'sent')",
                (departure_id,),
            )
            return cursor.rowcount

    async def add_checkin_problem(self, checkin_id: int, user_id: int, problem_id: str) -> bool:
        async with self._transaction() as db:
            cursor = await db.execute(
                "INSERT OR IGNORE INTO checkin_problems (checkin_id, user_id, problem_id,"
                " answered_at) VALUES (?, ?, ?, ?)",
                (checkin_id, user_id, problem_id, self._now()),
            )
            return cursor.rowcount > 0

    async def checkin_problems(self, checkin_id: int) -> list[str]:
        async with self._db.execute(
            "SELECT problem_id FROM checkin_problems WHERE checkin_id = ? ORDER BY answered_at",
            (checkin_id,),
        ) as cursor:
            return [str(row[0]) async for row in cursor]

    async def record_return(self, values: dict[str, Any]) -> int:
        columns = (
            "departure_id",
            "user_id",
            "returned_on",
            "wage_as_promised",
            "savings",
            "problems",
            "kept_documents",
            "would_advise",
            "story",
            "story_consent",
        )
        async with self._transaction() as db:
            cursor = await db.execute(
                f"INSERT INTO returns ({', '.join(columns)}, created_at)"
                f" VALUES ({', '.join('?' for _ in columns)}, ?)",
                (*(values.get(c) for c in columns), self._now()),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    async def returns_of(self, user_id: int) -> list[dict[str, Any]]:
        async with self._db.execute(
            "SELECT departure_id, wage_as_promised, savings, problems, kept_documents,"
            " would_advise, story, story_consent FROM returns WHERE user_id = ?",
            (user_id,),
        ) as cursor:
            names = (
                "departure_id",
                "wage_as_promised",
                "savings",
                "problems",
                "kept_documents",
                "would_advise",
                "story",
                "story_consent",
            )
            return [dict(zip(names, row, strict=True)) async for row in cursor]
