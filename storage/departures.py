"""Departures told to the village leader, and the notices that went out about them."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from typing import Any

import aiosqlite

from storage.base import StoreBase
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
)
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
    async def register_departure(self, values: dict[str, Any]) -> int:
        """Stores a complete departure (one row, one transaction) and returns its id."""
        row = dict(values)
        row["documents"] = ",".join(row["documents"])
        row["risk_flags"] = ",".join(row["risk_flags"])
        row["depart_on"] = row["depart_on"].isoformat()
        row["arrive_on"] = row["arrive_on"].isoformat()
        now = self._now()
        columns = (*NEW_COLUMNS, "created_at", "updated_at")
        async with self._transaction() as db:
            cursor = await db.execute(
                f"INSERT INTO departures ({', '.join(columns)})"
                f" VALUES ({', '.join('?' for _ in columns)})",
                (*(row[c] for c in NEW_COLUMNS), now, now),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    async def departure(self, departure_id: int) -> Departure | None:
        async with self._db.execute(f"{_SELECT} WHERE departure_id = ?", (departure_id,)) as c:
            row = await c.fetchone()
        return _row(row) if row else None

    async def departures_of(self, user_id: int) -> list[Departure]:
        """The person's own registrations, newest first."""
        async with self._db.execute(
            f"{_SELECT} WHERE user_id = ? ORDER BY departure_id DESC", (user_id,)
        ) as cursor:
            return [_row(row) async for row in cursor]

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
        async with self._db.execute(query + " ORDER BY depart_on, departure_id", params) as c:
            return [_row(row) async for row in c]

    async def acknowledge_departure(self, departure_id: int, leader_user_id: int) -> bool:
        """The first responder's acknowledgement counts; False when someone was first."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE departures SET acknowledged_at = ?, acknowledged_by = ?, updated_at = ?"
                " WHERE departure_id = ? AND acknowledged_at IS NULL",
                (self._now(), leader_user_id, self._now(), departure_id),
            )
            return cursor.rowcount > 0

    async def set_departure_status(self, departure_id: int, status: str) -> bool:
        """Cancels or closes an active departure; False if it was not active."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE departures SET status = ?, updated_at = ?"
                " WHERE departure_id = ? AND status = 'active'",
                (status, self._now(), departure_id),
            )
            return cursor.rowcount > 0

    async def change_departure_dates(
        self, departure_id: int, depart_on: date, arrive_on: date
    ) -> bool:
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE departures SET depart_on = ?, arrive_on = ?, updated_at = ?"
                " WHERE departure_id = ? AND status = 'active'",
                (depart_on.isoformat(), arrive_on.isoformat(), self._now(), departure_id),
            )
            return cursor.rowcount > 0

    async def record_notice(self, departure_id: int, chat_id: int, message_id: int) -> None:
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO notices (departure_id, chat_id, message_id, sent_at)"
                " VALUES (?, ?, ?, ?)",
                (departure_id, chat_id, message_id, self._now()),
            )

    async def notices_of(self, departure_id: int) -> list[tuple[int, int]]:
        """(chat_id, message_id) of every notice sent about a departure."""
        async with self._db.execute(
            "SELECT chat_id, message_id FROM notices WHERE departure_id = ?", (departure_id,)
        ) as cursor:
            return [(int(chat), int(message)) async for chat, message in cursor]

    async def unacknowledged_since(self, cutoff: datetime) -> list[Departure]:
        """Active departures registered before ``cutoff`` that no leader acknowledged."""
        async with self._db.execute(
            f"{_SELECT} WHERE acknowledged_at IS NULL AND escalated_at IS NULL"
            " AND status = 'active' AND created_at < ? ORDER BY created_at",
            (cutoff.isoformat(),),
        ) as cursor:
            return [_row(row) async for row in cursor]

    async def mark_escalated(self, departure_id: int) -> bool:
        """Notes that staff were told; False if that already happened (no double alert)."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE departures SET escalated_at = ? WHERE departure_id = ?"
                " AND escalated_at IS NULL",
                (self._now(), departure_id),
            )
            return cursor.rowcount > 0
