"""Document dates and their reminders: a date per paper, reminders queued and sent at most once.

A reminder is "live" while planned or queued; a unique index allows one live reminder per step of
a document, so planning again, a replay or a restart cannot make a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import aiosqlite

from domain.documents import NextReminder
from storage.base import NOW, Params, StoreBase, first_row, from_row
from storage.outbox import NewMessage, enqueue_in

LIVE = ("planned", "sending")


@dataclass(frozen=True)
class Document:
    """One date a legal stay hangs on (``expires_on`` None: the person does not know it)."""

    document_id: int
    departure_id: int
    user_id: int
    kind: str
    expires_on: date | None
    renewals: int


@dataclass(frozen=True)
class DocumentReminder:
    reminder_id: int
    document_id: int
    departure_id: int
    user_id: int
    number: int
    catch_up: bool
    expires_on: date
    due_at: datetime
    status: str
    answer: str | None


_DOCUMENT = "SELECT document_id, departure_id, user_id, kind, expires_on, renewals FROM documents"
_REMINDER = (
    "SELECT reminder_id, document_id, departure_id, user_id, number, catch_up, expires_on,"
    " due_at, status, answer FROM document_reminders"
)


def _document(row: Any) -> Document:
    return from_row(
        Document, row, expires_on=lambda value: date.fromisoformat(value) if value else None
    )


def _reminder(row: Any) -> DocumentReminder:
    return from_row(
        DocumentReminder,
        row,
        catch_up=bool,
        expires_on=date.fromisoformat,
        due_at=datetime.fromisoformat,
    )


class DocumentQueries(StoreBase):
    async def set_document_date(
        self,
        departure_id: int,
        user_id: int,
        kind: str,
        expires_on: date | None,
        first: NextReminder | None,
    ) -> int:
        """Keeps a date (or "I don't know") and re-plans its reminders, all at once."""
        async with self._transaction() as db:
            return await set_document_in(
                db, departure_id, user_id, kind, expires_on, first, self._now()
            )

    async def documents_of(self, departure_id: int) -> list[Document]:
        return await self._all(
            f"{_DOCUMENT} WHERE departure_id = ? ORDER BY document_id", (departure_id,), _document
        )

    async def documents_of_user(self, user_id: int) -> list[Document]:
        return await self._all(
            f"{_DOCUMENT} WHERE user_id = ? ORDER BY departure_id DESC, document_id",
            (user_id,),
            _document,
        )

    async def documents_ending(
        self, departure_ids: list[int], first: date, last: date
    ) -> dict[int, list[Document]]:
        """Dates from ``first`` to ``last`` of these departures (for leaders' /away)."""
        if not departure_ids:
            return {}
        marks = ", ".join("?" for _ in departure_ids)
        found: dict[int, list[Document]] = {}
        for document in await self._all(
            f"{_DOCUMENT} WHERE departure_id IN ({marks}) AND expires_on BETWEEN ? AND ?"
            " ORDER BY expires_on",
            (*departure_ids, first.isoformat(), last.isoformat()),
            _document,
        ):
            found.setdefault(document.departure_id, []).append(document)
        return found

    async def document_reminder(self, reminder_id: int) -> DocumentReminder | None:
        return await self._one(f"{_REMINDER} WHERE reminder_id = ?", (reminder_id,), _reminder)

    async def document_reminders_of(self, document_id: int) -> list[DocumentReminder]:
        return await self._all(
            f"{_REMINDER} WHERE document_id = ? ORDER BY reminder_id", (document_id,), _reminder
        )

    async def document(self, document_id: int) -> Document | None:
        return await self._one(f"{_DOCUMENT} WHERE document_id = ?", (document_id,), _document)

    async def due_document_reminders(
        self, now: datetime, limit: int = 500
    ) -> list[DocumentReminder]:
        """Planned reminders due by ``now``, oldest first (uses the partial index)."""
        return await self._all(
            f"{_REMINDER} WHERE status = 'planned' AND due_at <= ? ORDER BY due_at LIMIT ?",
            (now.isoformat(), limit),
            _reminder,
        )

    async def postpone_document_reminder(self, reminder_id: int, due_at: datetime) -> None:
        """Night where the person is: the reminder waits for the morning."""
        await self._write(
            "UPDATE document_reminders SET due_at = ? WHERE reminder_id = ? AND status = 'planned'",
            (due_at.isoformat(), reminder_id),
        )

    async def queue_document_reminder(self, reminder_id: int, message: NewMessage) -> bool:
        """Moves a due reminder into the outbox (one transaction); False if it was not planned."""
        return await self._changed(
            "UPDATE document_reminders SET status = 'sending', claimed_at = ?"
            " WHERE reminder_id = ? AND status = 'planned'",
            (NOW, reminder_id),
            lambda db: enqueue_in(db, [message], self._now(), claimed=False),
        )

    async def document_reminder_went_out(
        self, reminder_id: int, message_id: int | None, status: str, following: NextReminder | None
    ) -> bool:
        """Telegram took it (``sent``) or never will (``failed``): the next step is planned."""
        return await self._step(
            "UPDATE document_reminders SET status = ?, sent_at = ?, message_id = ?"
            " WHERE reminder_id = ? AND status = 'sending'"
            " RETURNING document_id, departure_id, user_id, expires_on",
            (status, NOW if status == "sent" else None, message_id, reminder_id),
            following,
        )

    async def answer_document_reminder(
        self, reminder_id: int, answer: str, again: NextReminder | None = None
    ) -> bool:
        """Keeps the first answer to a sent reminder; ``again``: "remind me later" plans it."""
        return await self._step(
            "UPDATE document_reminders SET status = 'answered', answer = ?, answered_at = ?"
            " WHERE reminder_id = ? AND status = 'sent'"
            " RETURNING document_id, departure_id, user_id, expires_on",
            (answer, NOW, reminder_id),
            again,
            repeat=True,
        )

    async def _step(
        self, sql: str, params: Params, upcoming: NextReminder | None, *, repeat: bool = False
    ) -> bool:
        """One transaction: a reminder's step, whose write returns (document_id, departure_id,
        user_id, expires_on), then the one after it if given; False when the write found
        nothing to move on (cancelled meanwhile: a new date, the trip over): nothing follows."""
        async with self._transaction() as db:
            row = await first_row(db, sql, self._bound(params))
            if row is None:
                return False
            if upcoming is not None:
                await _plan_after(db, row, upcoming, repeat=repeat)
            return True

    async def cancel_document_reminders(self, departure_id: int) -> int:
        async with self._transaction() as db:
            return await cancel_document_reminders_in(db, departure_id)

    async def mark_document_help(self, reminder_id: int) -> bool:
        """ "I need help" on a reminder that went out: True the first time."""
        async with self._transaction() as db:
            return await mark_document_help_in(db, reminder_id, self._now())

    async def document_counts(
        self, villages: list[str] | None, start: datetime, end: datetime, today: date
    ) -> dict[str, int]:
        """For /report: reminders sent and dates renewed in the period; people past a date now."""
        where, params = "", []
        if villages is not None:
            where = f" AND d.village_code IN ({', '.join('?' for _ in villages)})"
            params = list(villages)
        counts: dict[str, int] = {}
        for key, query, values in (
            (
                "reminders_sent",
                "SELECT COUNT(*) FROM document_reminders r JOIN departures d USING (departure_id)"
                " WHERE r.sent_at >= ? AND r.sent_at < ?",
                [start.isoformat(), end.isoformat()],
            ),
            (
                "dates_renewed",
                "SELECT COUNT(*) FROM documents x JOIN departures d USING (departure_id)"
                " WHERE x.renewed_at >= ? AND x.renewed_at < ?",
                [start.isoformat(), end.isoformat()],
            ),
            (
                "people_past_a_date",
                "SELECT COUNT(DISTINCT x.user_id) FROM documents x JOIN departures d"
                " USING (departure_id) WHERE d.status = 'active' AND x.expires_on < ?",
                [today.isoformat()],
            ),
        ):
            counts[key] = await self._count(query + where, [*values, *params])
        return counts


async def set_document_in(
    db: aiosqlite.Connection,
    departure_id: int,
    user_id: int,
    kind: str,
    expires_on: date | None,
    first: NextReminder | None,
    now: str,
) -> int:
    """Inside a transaction: keeps the date, cancels the old reminders, plans the first new one.

    A later date than the one kept is a renewal (counted for the report).
    """
    value = expires_on.isoformat() if expires_on else None
    found = await first_row(
        db,
        "SELECT document_id, expires_on FROM documents WHERE departure_id = ? AND kind = ?",
        (departure_id, kind),
    )
    if found is None:
        row = await first_row(
            db,
            "INSERT INTO documents (departure_id, user_id, kind, expires_on, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING document_id",
            (departure_id, user_id, kind, value, now, now),
        )
        assert row is not None
        document_id = int(row[0])
    else:
        document_id, old = int(found[0]), found[1]
        renewed = bool(old and value and value > old)
        await db.execute(
            "UPDATE documents SET expires_on = ?, updated_at = ?,"
            " renewals = renewals + ?, renewed_at = CASE WHEN ? THEN ? ELSE renewed_at END"
            " WHERE document_id = ?",
            (value, now, int(renewed), int(renewed), now, document_id),
        )
        if old == value:
            return document_id  # the same date again: the plan already in place stays
        await db.execute(
            "UPDATE document_reminders SET status = 'cancelled' WHERE document_id = ?"
            " AND status IN ('planned', 'sending', 'sent')",
            (document_id,),
        )
    if expires_on is not None and first is not None:
        await plan_in(db, document_id, departure_id, user_id, expires_on, first)
    return document_id


async def plan_in(
    db: aiosqlite.Connection,
    document_id: int,
    departure_id: int,
    user_id: int,
    expires_on: date,
    upcoming: NextReminder,
    *,
    repeat: bool = False,
) -> int | None:
    """Inside a transaction: plans a reminder for a date still kept on an active trip.

    Nothing when this step (or a later one) of this date was already planned or sent, unless
    ``repeat``
    ("remind me later" brings back a step already sent); the unique index decides races.
    """
    later_step = (
        ""
        if repeat
        else " AND NOT EXISTS (SELECT 1 FROM document_reminders WHERE document_id = ?"
        " AND expires_on = ? AND number >= ? AND status != 'cancelled')"
    )
    params: list[Any] = [
        document_id,
        departure_id,
        user_id,
        upcoming.number,
        int(upcoming.catch_up),
        expires_on.isoformat(),
        upcoming.due.isoformat(),
        document_id,
        expires_on.isoformat(),
        departure_id,
    ]
    if not repeat:
        params += [document_id, expires_on.isoformat(), upcoming.number]
    cursor = await db.execute(
        "INSERT OR IGNORE INTO document_reminders (document_id, departure_id, user_id, number,"
        " catch_up, expires_on, due_at, status) SELECT ?, ?, ?, ?, ?, ?, ?, 'planned'"
        " WHERE EXISTS (SELECT 1 FROM documents WHERE document_id = ? AND expires_on = ?)"
        " AND EXISTS (SELECT 1 FROM departures WHERE departure_id = ? AND status = 'active')"
        + later_step,
        params,
    )
    return cursor.lastrowid if cursor.rowcount > 0 else None


async def _plan_after(
    db: aiosqlite.Connection, row: Any, upcoming: NextReminder, *, repeat: bool = False
) -> int | None:
    """Plans the step after a reminder, from what its write returned: (document_id,
    departure_id, user_id, expires_on)."""
    document_id, departure_id, user_id = int(row[0]), int(row[1]), int(row[2])
    expires_on = date.fromisoformat(str(row[3]))
    return await plan_in(
        db, document_id, departure_id, user_id, expires_on, upcoming, repeat=repeat
    )


async def cancel_document_reminders_in(db: aiosqlite.Connection, departure_id: int) -> int:
    """Inside a transaction: the trip is over (cancelled, home): no reminder follows."""
    cursor = await db.execute(
        "UPDATE document_reminders SET status = 'cancelled'"
        " WHERE departure_id = ? AND status IN ('planned', 'sending', 'sent')",
        (departure_id,),
    )
    return cursor.rowcount


class AlreadyAnswered(Exception):
    """ "I need help" was pressed on this reminder before: nothing is raised twice."""


async def mark_document_help_in(db: aiosqlite.Connection, reminder_id: int, now: str) -> bool:
    """Inside a transaction: the first "I need help" on a reminder that went out (help never
    waits for another answer, a "remind me later" before it or a date renewed since)."""
    cursor = await db.execute(
        "UPDATE document_reminders SET answer = 'help', answered_at = ?,"
        " status = CASE WHEN status = 'sent' THEN 'answered' ELSE status END"
        " WHERE reminder_id = ? AND COALESCE(answer, '') != 'help'"
        " AND status NOT IN ('planned', 'sending')",
        (now, reminder_id),
    )
    return cursor.rowcount > 0
