"""Check-ins: one live prompt per departure, queued and sent at most once, answers, coming home.

"Live" is planned (not yet due) or sending (queued in the outbox); a unique index allows one per
departure, so the schedule cannot fork however often planning is repeated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from domain.schedule import Next
from storage.base import NOW, StoreBase, first_row, from_row, when
from storage.outbox import NewMessage, enqueue_in
from storage.rows import Checkin

_CHECKIN = (
    "SELECT checkin_id, departure_id, user_id, number, catch_up, due_at, status, attempts,"
    " sent_at, message_ids, reminders, next_step_at, answer FROM checkins"
)


# What a returnee answered (``returns``), as the form names them.
_RETURN_ANSWERS = (
    "wage_as_promised",
    "savings",
    "problems",
    "kept_documents",
    "would_advise",
    "story",
    "story_consent",
)


def _checkin(row: Any) -> Checkin:
    return from_row(
        Checkin,
        row,
        catch_up=bool,
        due_at=datetime.fromisoformat,
        sent_at=when,
        message_ids=lambda value: tuple(int(m) for m in str(value).split(",") if m),
        next_step_at=when,
    )


class CheckinQueries(StoreBase):
    async def plan_checkin(
        self, departure_id: int, user_id: int, number: int, catch_up: bool, due_at: datetime
    ) -> int | None:
        """Plans the departure's next prompt; None when one is already live (nothing changes)."""
        async with self._transaction() as db:
            return await plan_in(db, departure_id, user_id, Next(due_at, number, catch_up))

    async def checkin(self, checkin_id: int) -> Checkin | None:
        return await self._one(f"{_CHECKIN} WHERE checkin_id = ?", (checkin_id,), _checkin)

    async def checkins_of(self, departure_id: int) -> list[Checkin]:
        return await self._all(
            f"{_CHECKIN} WHERE departure_id = ? ORDER BY checkin_id", (departure_id,), _checkin
        )

    async def due_checkins(self, now: datetime, limit: int = 500) -> list[Checkin]:
        """Planned prompts due by ``now``, oldest first (uses the partial index)."""
        return await self._all(
            f"{_CHECKIN} WHERE status = 'planned' AND due_at <= ? ORDER BY due_at LIMIT ?",
            (now.isoformat(), limit),
            _checkin,
        )

    async def postpone_checkin(
        self, checkin_id: int, due_at: datetime, *, failed_try: bool
    ) -> None:
        """Moves a planned (or released) prompt to a later time; it stays planned."""
        await self._write(
            "UPDATE checkins SET status = 'planned', due_at = ?, claimed_at = NULL,"
            " attempts = attempts + ?"
            " WHERE checkin_id = ? AND status IN ('planned', 'sending')",
            (due_at.isoformat(), int(failed_try), checkin_id),
        )

    async def queue_checkin(self, checkin_id: int, message: NewMessage) -> bool:
        """Moves a due prompt into the outbox (one transaction); False if it was not planned."""
        return await self._changed(
            "UPDATE checkins SET status = 'sending', claimed_at = ?"
            " WHERE checkin_id = ? AND status = 'planned'",
            (NOW, checkin_id),
            lambda db: enqueue_in(db, [message], self._now(), claimed=False),
        )

    async def checkin_went_out(
        self,
        checkin_id: int,
        message_id: int | None,
        next_step_at: datetime,
        following: Next | None,
    ) -> bool:
        """Telegram took the prompt: its silence clock starts and the next one is planned.

        An answer that came while the send was slow is kept (the status moves only from
        ``sending``); the next prompt is planned either way, as this one went out.
        """
        async with self._transaction() as db:
            row = await first_row(
                db,
                "UPDATE checkins SET sent_at = COALESCE(sent_at, ?),"
                " message_ids = CASE WHEN ? IS NULL THEN message_ids"
                " WHEN message_ids = '' THEN ? ELSE message_ids || ',' || ? END"
                " WHERE checkin_id = ? AND status IN ('sending', 'answered')"
                " RETURNING departure_id, user_id",
                (self._now(), message_id, str(message_id), str(message_id), checkin_id),
            )
            if row is None:
                return False  # cancelled meanwhile (new dates, back home): nothing follows
            await db.execute(
                "UPDATE checkins SET status = 'sent', next_step_at = ?"
                " WHERE checkin_id = ? AND status = 'sending'",
                (next_step_at.isoformat(), checkin_id),
            )
            if following is not None:
                await plan_in(db, int(row[0]), int(row[1]), following)
            return True

    async def checkin_unreachable(self, checkin_id: int, following: Next | None) -> bool:
        """The person cannot receive prompts now: this one failed, the next is still planned."""
        async with self._transaction() as db:
            row = await first_row(
                db,
                "UPDATE checkins SET status = 'failed', next_step_at = NULL"
                " WHERE checkin_id = ? AND status IN ('sending', 'sent')"
                " RETURNING departure_id, user_id",
                (checkin_id,),
            )
            if row is None:
                return False
            if following is not None:
                await plan_in(db, int(row[0]), int(row[1]), following)
            return True

    async def departures_without_checkin(self) -> list[int]:
        """Active departures with no live prompt (the reconciler plans one)."""
        return await self._all(
            "SELECT departure_id FROM departures d WHERE status = 'active' AND NOT EXISTS ("
            " SELECT 1 FROM checkins c WHERE c.departure_id = d.departure_id"
            " AND c.status IN ('planned', 'sending')) ORDER BY departure_id",
            (),
            lambda row: int(row[0]),
        )

    async def queued_checkins_without_message(self, before: datetime) -> list[Checkin]:
        """Prompts queued before ``before`` whose outbox row is missing or settled unsent."""
        return await self._all(
            f"{_CHECKIN} WHERE status = 'sending' AND claimed_at < ? AND NOT EXISTS ("
            " SELECT 1 FROM outbox o WHERE o.key = 'checkin:' || checkins.checkin_id"
            " AND o.status IN ('pending', 'sending'))",
            (before.isoformat(),),
            _checkin,
        )

    async def waiting_checkins(self, now: datetime, limit: int = 500) -> list[Checkin]:
        """Sent, unanswered prompts whose next silence step (reminder or alert) is due."""
        return await self._all(
            f"{_CHECKIN} WHERE status = 'sent' AND next_step_at <= ? ORDER BY next_step_at LIMIT ?",
            (now.isoformat(), limit),
            _checkin,
        )

    async def record_silence_step(
        self,
        checkin_id: int,
        reminders: int,
        next_step_at: datetime | None,
        message: NewMessage | None,
    ) -> bool:
        """Counts a reminder (and queues it) or the alert after them; False if answered since."""
        # No message (the alert after the reminders): nothing is queued, as nothing is given.
        queued = [] if message is None else [message]
        return await self._changed(
            "UPDATE checkins SET reminders = ?, next_step_at = ?"
            " WHERE checkin_id = ? AND status = 'sent' AND reminders = ? - 1",
            (reminders, next_step_at.isoformat() if next_step_at else None, checkin_id, reminders),
            lambda db: enqueue_in(db, queued, self._now(), claimed=False),
        )

    async def answer_checkin(
        self, checkin_id: int, answer: str, follow_up_at: datetime | None = None
    ) -> bool:
        """Keeps the first answer to a sent prompt; its reminders stop.

        ``follow_up_at``: "a problem" with none named by then is followed up (an alert).
        """
        follow_up = follow_up_at.isoformat() if follow_up_at else None
        return await self._changed(
            "UPDATE checkins SET status = 'answered', answer = ?, answered_at = ?,"
            " next_step_at = ? WHERE checkin_id = ? AND status IN ('sent', 'sending')",
            (answer, NOW, follow_up, checkin_id),
        )

    async def unnamed_problems(self, now: datetime) -> list[Checkin]:
        """Prompts answered "a problem" whose follow-up is due and that named none."""
        return await self._all(
            f"{_CHECKIN} WHERE status = 'answered' AND answer = 'problem'"
            " AND next_step_at IS NOT NULL AND next_step_at <= ? ORDER BY next_step_at",
            (now.isoformat(),),
            _checkin,
        )

    async def end_follow_up(self, checkin_id: int) -> bool:
        return await self._changed(
            "UPDATE checkins SET next_step_at = NULL WHERE checkin_id = ?"
            " AND status = 'answered' AND next_step_at IS NOT NULL",
            (checkin_id,),
        )

    async def add_message_to_checkin(self, checkin_id: int, message_id: int) -> None:
        await self._write(
            "UPDATE checkins SET message_ids = message_ids || ? WHERE checkin_id = ?",
            (f",{message_id}", checkin_id),
        )

    async def silence_pending(self, departure_id: int) -> None:
        """Stops the reminders of every sent prompt of a departure (an answer came another way)."""
        await self._write(
            "UPDATE checkins SET status = 'answered', answer = 'other', answered_at = ?,"
            " next_step_at = NULL WHERE departure_id = ? AND status = 'sent'",
            (NOW, departure_id),
        )

    async def cancel_planned(self, departure_id: int) -> int:
        """Cancels what has not gone out yet, and the reminders of what has (trip over)."""
        async with self._transaction() as db:
            return await cancel_live_in(db, departure_id)

    async def add_checkin_problem(self, checkin_id: int, user_id: int, problem_id: str) -> bool:
        return await self._changed(
            "INSERT OR IGNORE INTO checkin_problems (checkin_id, user_id, problem_id,"
            " answered_at) VALUES (?, ?, ?, ?)",
            (checkin_id, user_id, problem_id, NOW),
        )

    async def checkin_problems(self, checkin_id: int) -> list[str]:
        return await self._all(
            "SELECT problem_id FROM checkin_problems WHERE checkin_id = ? ORDER BY answered_at",
            (checkin_id,),
            lambda row: str(row[0]),
        )

    async def problem_named_for(self, departure_id: int, problem_id: str) -> bool:
        """Whether the person named this problem in any check-in of the departure."""
        return await self._exists(
            "SELECT 1 FROM checkins c JOIN checkin_problems p USING (checkin_id)"
            " WHERE c.departure_id = ? AND p.problem_id = ? LIMIT 1",
            (departure_id, problem_id),
        )

    async def record_return(self, values: dict[str, Any]) -> int:
        columns = ("departure_id", "user_id", "returned_on", *_RETURN_ANSWERS)
        return await self._insert(
            f"INSERT INTO returns ({', '.join(columns)}, created_at)"
            f" VALUES ({', '.join('?' for _ in columns)}, ?)",
            (*(values.get(c) for c in columns), NOW),
        )

    async def returns_of(self, user_id: int) -> list[dict[str, Any]]:
        names = ("departure_id", *_RETURN_ANSWERS)
        return await self._all(
            "SELECT departure_id, wage_as_promised, savings, problems, kept_documents,"
            " would_advise, story, story_consent FROM returns WHERE user_id = ?",
            (user_id,),
            lambda row: dict(zip(names, row, strict=True)),
        )


async def plan_in(
    db: aiosqlite.Connection, departure_id: int, user_id: int, upcoming: Next
) -> int | None:
    """Inside a transaction: plans a prompt unless one is live (the unique index decides)."""
    cursor = await db.execute(
        "INSERT OR IGNORE INTO checkins (departure_id, user_id, number, catch_up, due_at, status)"
        " SELECT ?, ?, ?, ?, ?, 'planned' WHERE EXISTS ("
        " SELECT 1 FROM departures WHERE departure_id = ? AND status = 'active')",
        (
            departure_id,
            user_id,
            upcoming.number,
            int(upcoming.catch_up),
            upcoming.due.isoformat(),
            departure_id,
        ),
    )
    return cursor.lastrowid if cursor.rowcount > 0 else None


async def cancel_live_in(db: aiosqlite.Connection, departure_id: int) -> int:
    """Inside a transaction: cancels planned, queued and unanswered prompts of a departure.

    A prompt already on its way is cancelled too: the drainer renders nothing for it, and if
    Telegram took it meanwhile, ``checkin_went_out`` plans nothing after it.
    """
    cursor = await db.execute(
        "UPDATE checkins SET status = 'cancelled', next_step_at = NULL"
        " WHERE departure_id = ? AND status IN ('planned', 'sending', 'sent')",
        (departure_id,),
    )
    return cursor.rowcount
