"""Departures told to the village leader, and the notices that went out about them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import date, datetime
from typing import Any

import aiosqlite

from domain.documents import NextReminder
from domain.schedule import Next
from storage.base import NOW, StoreBase, first_row
from storage.checkins import cancel_live_in, plan_in
from storage.documents import cancel_document_reminders_in, set_document_in
from storage.outbox import NewMessage, enqueue_in
from storage.rows import Departure

# Columns written when a departure is registered (the rest are set by what happens to it).
NEW_COLUMNS = (
    "user_id",
    "for_self",
    "name",
    "gender",
    "age",
    "village_code",
    "destination",
    "work",
    "duration",
    "channel",
    "agency",
    "documents",
    "employer_phone",
    "wage",
    "depart_on",
    "arrive_on",
    "reason",
    "family_phone",
    "risk_flags",
    "name_voice",
)
Documents = tuple[tuple[str, date | None, NextReminder | None], ...]


async def register_in(
    db: aiosqlite.Connection,
    values: dict[str, Any],
    request_key: str,
    first: Next,
    messages: Callable[[int], list[NewMessage]],
    documents: Documents,
    now: str,
) -> tuple[int, bool, list[int]]:
    """``register_departure``'s work inside a caller's transaction (a chief's registration is
    claimed by the villager in the same transaction as it becomes a departure)."""
    existing = await first_row(
        db, "SELECT departure_id FROM departures WHERE request_key = ?", (request_key,)
    )
    if existing is not None:
        return int(existing[0]), False, []
    row = {"name_voice": None, **values}  # a name typed has no voice
    row["documents"] = ",".join(row["documents"])
    row["risk_flags"] = ",".join(row["risk_flags"])
    row["depart_on"] = row["depart_on"].isoformat()
    row["arrive_on"] = row["arrive_on"].isoformat()
    columns = (*NEW_COLUMNS, "request_key", "created_at", "updated_at")
    cursor = await db.execute(
        f"INSERT INTO departures ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
        (*(row[c] for c in NEW_COLUMNS), request_key, now, now),
    )
    departure_id = cursor.lastrowid
    assert departure_id is not None
    ids = await enqueue_in(db, messages(departure_id), now, claimed=True)
    await plan_in(db, departure_id, int(row["user_id"]), first)
    for kind, expires_on, reminder in documents:
        await set_document_in(
            db, departure_id, int(row["user_id"]), kind, expires_on, reminder, now
        )
    return departure_id, True, ids


_SELECT = "SELECT " + ", ".join(f.name for f in fields(Departure)) + " FROM departures"


def _row(row: aiosqlite.Row | tuple[Any, ...]) -> Departure:
    values = dict(zip((f.name for f in fields(Departure)), row, strict=True))
    for name in ("documents", "risk_flags"):
        values[name] = tuple(v for v in str(values[name]).split(",") if v)
    for name in ("depart_on", "arrive_on"):
        values[name] = date.fromisoformat(values[name])
    for name in ("created_at", "acknowledged_at", "escalated_at"):
        values[name] = datetime.fromisoformat(values[name]) if values[name] else None
    values["for_self"] = bool(values["for_self"])
    return Departure(**values)


class DepartureQueries(StoreBase):
    async def register_departure(
        self,
        values: dict[str, Any],
        *,
        request_key: str,
        first: Next,
        messages: Callable[[int], list[NewMessage]],
        documents: Documents = (),
    ) -> tuple[int, bool, list[int]]:
        """Registers a departure, queues its notices and plans its first check-in, all at once.

        Returns (departure id, whether it is new, the notices' outbox ids, claimed for the
        caller). Send pressed twice, or again after a crash, finds the first registration by its
        ``request_key`` and changes nothing. ``documents``: dates given in the form (kind, date
        or None for "I don't know", its first reminder), kept in the same transaction.
        """
        async with self._transaction() as db:
            return await register_in(
                db, values, request_key, first, messages, documents, self._now()
            )

    async def departure(self, departure_id: int) -> Departure | None:
        return await self._one(f"{_SELECT} WHERE departure_id = ?", (departure_id,), _row)

    async def departures_of(self, user_id: int) -> list[Departure]:
        """The person's own registrations, newest first."""
        return await self._all(
            f"{_SELECT} WHERE user_id = ? ORDER BY departure_id DESC", (user_id,), _row
        )

    async def departures_in(
        self, village_codes: list[str] | None, statuses: tuple[str, ...] = ("active",)
    ) -> list[Departure]:
        """Departures of some villages (None: every village), oldest departure date first."""
        marks = ", ".join("?" for _ in statuses)
        query = f"{_SELECT} WHERE status IN ({marks})"
        params: list[Any] = list(statuses)
        if village_codes is not None:
            query += f" AND village_code IN ({', '.join('?' for _ in village_codes)})"
            params += village_codes
        return await self._all(query + " ORDER BY depart_on, departure_id", params, _row)

    async def acknowledge_departure(
        self, departure_id: int, leader_user_id: int, messages: list[NewMessage]
    ) -> bool:
        """The first responder's acknowledgement counts (and the villager's word is queued)."""
        return await self._changed(
            "UPDATE departures SET acknowledged_at = ?, acknowledged_by = ?, updated_at = ?"
            " WHERE departure_id = ? AND acknowledged_at IS NULL",
            (NOW, leader_user_id, NOW, departure_id),
            lambda db: enqueue_in(db, messages, self._now(), claimed=False),
        )

    async def set_departure_status(
        self, departure_id: int, status: str, messages: list[NewMessage]
    ) -> bool:
        """Cancels or closes an active departure, stops its check-ins, tells its leaders."""
        return await self._changed(
            "UPDATE departures SET status = ?, updated_at = ?"
            " WHERE departure_id = ? AND status = 'active'",
            (status, NOW, departure_id),
            lambda db: cancel_live_in(db, departure_id),
            lambda db: cancel_document_reminders_in(db, departure_id),
            lambda db: enqueue_in(db, messages, self._now(), claimed=False),
        )

    async def change_departure_dates(
        self,
        departure_id: int,
        depart_on: date,
        arrive_on: date,
        first: Next,
        messages: list[NewMessage],
    ) -> bool:
        """New dates, re-planned in one transaction: what had not been answered is replaced."""
        async with self._transaction() as db:
            row = await first_row(
                db,
                "UPDATE departures SET depart_on = ?, arrive_on = ?, updated_at = ?"
                " WHERE departure_id = ? AND status = 'active' RETURNING user_id",
                (depart_on.isoformat(), arrive_on.isoformat(), self._now(), departure_id),
            )
            if row is None:
                return False
            await cancel_live_in(db, departure_id)
            await plan_in(db, departure_id, int(row[0]), first)
            await enqueue_in(db, messages, self._now(), claimed=False)
            return True

    async def record_notice(self, departure_id: int, chat_id: int, message_id: int) -> None:
        await self._write(
            "INSERT INTO notices (departure_id, chat_id, message_id, sent_at)"
            " SELECT ?, ?, ?, ? WHERE EXISTS"
            " (SELECT 1 FROM departures WHERE departure_id = ?)",
            (departure_id, chat_id, message_id, NOW, departure_id),
        )

    async def notices_of(self, departure_id: int) -> list[tuple[int, int]]:
        """(chat_id, message_id) of every notice sent about a departure."""
        return await self._all(
            "SELECT chat_id, message_id FROM notices WHERE departure_id = ?",
            (departure_id,),
            lambda row: (int(row[0]), int(row[1])),
        )

    async def unacknowledged_since(self, cutoff: datetime) -> list[Departure]:
        """Active departures registered before ``cutoff`` that no leader acknowledged."""
        return await self._all(
            f"{_SELECT} WHERE acknowledged_at IS NULL AND escalated_at IS NULL"
            " AND status = 'active' AND created_at < ? ORDER BY created_at",
            (cutoff.isoformat(),),
            _row,
        )

    async def departures_unnoticed(self) -> list[Departure]:
        """Active, unacknowledged departures whose notice reached nobody and is not queued."""
        return await self._all(
            f"{_SELECT} WHERE status = 'active' AND acknowledged_at IS NULL AND NOT EXISTS ("
            " SELECT 1 FROM outbox o WHERE o.group_key = 'notice:' || departures.departure_id"
            " AND o.status IN ('pending', 'sending', 'sent'))"
            # A delivered notice is also kept here, after the outbox has forgotten its row.
            " AND NOT EXISTS (SELECT 1 FROM notices n"
            " WHERE n.departure_id = departures.departure_id)"
            " ORDER BY departure_id",
            (),
            _row,
        )

    async def escalate_departure(self, departure_id: int, messages: list[NewMessage]) -> bool:
        """Notes that staff are told and queues their copies; False if that already happened."""
        return await self._changed(
            "UPDATE departures SET escalated_at = ? WHERE departure_id = ?"
            " AND escalated_at IS NULL",
            (NOW, departure_id),
            lambda db: enqueue_in(db, messages, self._now(), claimed=False),
        )

    async def relink_page(
        self, village_codes: list[str] | None, page: int, per_page: int, *, chief_view: bool = False
    ) -> tuple[int, int, list[tuple[str, int]]]:
        """A page of the people a new-phone code can be made for: (how many, page, its people).

        Each person once: by their first active or returned departure (oldest departure date
        first), then those with only open alerts, by their first such alert. People are
        ``("d", departure_id)`` or ``("a", alert_id)``; a page past either end is the nearest
        one. The SQL reads only the rows shown, not every departure of every village.
        """
        statuses = "('active', 'returned')"
        scope, params = "", []
        if village_codes is not None:
            scope = f" AND {{t}}.village_code IN ({', '.join('?' for _ in village_codes)})"
            params = list(village_codes)

        def within(table: str) -> str:
            return scope.format(t=table)

        def listed(table: str) -> str:
            """A departure of the list: in scope, and for a chief not one only staff may know
            of (a reason stored with ``_private``, domain/departure.py)."""
            hidden = f" AND {table}.reason NOT LIKE '%\\_private' ESCAPE '\\'" if chief_view else ""
            return within(table) + hidden

        # A departure is listed when no other listed departure of the same person comes first.
        # The person's trips are read from their own index (m016), which holds every column
        # asked: without it the planner reads each trip's row, 1 s for a page deep in 100,000.
        first_departure = (
            f"d.status IN {statuses}{listed('d')} AND NOT EXISTS (SELECT 1 FROM departures e"
            " INDEXED BY departures_user_listed WHERE e.user_id = d.user_id"
            f" AND e.status IN {statuses}{listed('e')}"
            " AND (e.depart_on < d.depart_on"
            " OR (e.depart_on = d.depart_on AND e.departure_id < d.departure_id)))"
        )
        # An open alert without a departure, for someone not listed by a departure, first of
        # their own such alerts.
        first_alert = (
            f"a.resolved_at IS NULL AND a.user_id IS NOT NULL AND a.departure_id IS NULL"
            f"{within('a')} AND NOT EXISTS (SELECT 1 FROM departures d"
            f" WHERE d.user_id = a.user_id AND d.status IN {statuses}{within('d')})"
            " AND NOT EXISTS (SELECT 1 FROM alerts b WHERE b.user_id = a.user_id"
            f" AND b.resolved_at IS NULL AND b.departure_id IS NULL{within('b')}"
            " AND b.alert_id < a.alert_id)"
        )
        departure_params = params * 2
        alert_params = params * 3
        row = await first_row(
            self._db,
            "SELECT (SELECT count(DISTINCT user_id) FROM departures d"
            f" WHERE d.status IN {statuses}{listed('d')}),"
            f" (SELECT count(*) FROM alerts a WHERE {first_alert})",
            [*params, *alert_params],
        )
        departures, alerts = (int(row[0]), int(row[1])) if row else (0, 0)
        pages = max(1, (departures + alerts + per_page - 1) // per_page)
        page = min(max(page, 0), pages - 1)
        offset, limit = page * per_page, per_page
        shown: list[tuple[str, int]] = []
        if offset < departures:
            shown += await self._all(
                f"SELECT d.departure_id FROM departures d WHERE {first_departure}"
                " ORDER BY d.depart_on, d.departure_id LIMIT ? OFFSET ?",
                [*departure_params, limit, offset],
                lambda row: ("d", int(row[0])),
            )
        if len(shown) < limit and offset + len(shown) < departures + alerts:
            shown += await self._all(
                f"SELECT a.alert_id FROM alerts a WHERE {first_alert}"
                " ORDER BY a.alert_id LIMIT ? OFFSET ?",
                [*alert_params, limit - len(shown), max(0, offset - departures)],
                lambda row: ("a", int(row[0])),
            )
        return departures + alerts, page, shown
