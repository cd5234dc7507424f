"""Suspicious recruiters reported by villagers; no reporter is kept for an anonymous report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from storage.base import StoreBase
from storage.rows import BrokerReport

_SELECT = (
    "SELECT report_id, reporter_user_id, village_code, who, place, promised, created_at"
    " FROM broker_reports"
)


def _report(row: aiosqlite.Row | tuple[Any, ...]) -> BrokerReport:
    return BrokerReport(
        report_id=int(row[0]),
        reporter_user_id=int(row[1]) if row[1] is not None else None,
        village_code=str(row[2]) if row[2] is not None else None,
        who=str(row[3]),
        place=str(row[4]),
        promised=str(row[5]),
        created_at=datetime.fromisoformat(str(row[6])),
    )


class BrokerReportQueries(StoreBase):
    async def add_broker_report(
        self,
        reporter_user_id: int | None,
        village_code: str | None,
        who: str,
        place: str,
        promised: str,
    ) -> int:
        """Stores one report and returns its id (reporter None: anonymous)."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "INSERT INTO broker_reports"
                " (reporter_user_id, village_code, who, place, promised, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (reporter_user_id, village_code, who, place, promised, self._now()),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    async def broker_report(self, report_id: int) -> BrokerReport | None:
        async with self._db.execute(f"{_SELECT} WHERE report_id = ?", (report_id,)) as cursor:
            row = await cursor.fetchone()
        return _report(row) if row else None

    async def broker_reports(
        self, village_codes: list[str] | None, *, limit: int | None = None
    ) -> list[BrokerReport]:
        """Reports from some villages (None: all, with those of no village), newest first."""
        if village_codes is not None and not village_codes:
            return []
        query = _SELECT
        params: list[Any] = []
        if village_codes is not None:
            query += f" WHERE village_code IN ({', '.join('?' for _ in village_codes)})"
            params += village_codes
        query += " ORDER BY report_id DESC"
        if limit is not None:
            query += " LIMIT ?"
            params.append(limit)
        async with self._db.execute(query, params) as cursor:
            return [_report(row) async for row in cursor]
