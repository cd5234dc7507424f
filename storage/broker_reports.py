"""Suspicious recruiters reported by villagers; no reporter is kept for an anonymous report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from storage.base import NOW, StoreBase, from_row
from storage.outbox import NewMessage, enqueue_in
from storage.rows import BrokerReport


@dataclass(frozen=True)
class Pattern:
    """A mark (phone number or name) that reports from different people in a district share."""

    mark: str
    report_ids: tuple[int, ...]  # oldest first, the new report last


_SELECT = (
    "SELECT report_id, reporter_user_id, village_code, who, place, promised, created_at"
    " FROM broker_reports"
)


_INSERT = (
    "INSERT INTO broker_reports"
    " (reporter_user_id, village_code, who, place, promised, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)


def _report(row: aiosqlite.Row | tuple[Any, ...]) -> BrokerReport:
    return from_row(
        BrokerReport,
        row,
        report_id=int,
        reporter_user_id=lambda value: int(value) if value is not None else None,
        village_code=lambda value: str(value) if value is not None else None,
        created_at=lambda value: datetime.fromisoformat(str(value)),
        **dict.fromkeys(("who", "place", "promised"), str),
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
        return await self._insert(
            _INSERT, (reporter_user_id, village_code, who, place, promised, NOW)
        )

    async def broker_report(self, report_id: int) -> BrokerReport | None:
        return await self._one(f"{_SELECT} WHERE report_id = ?", (report_id,), _report)

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
        return await self._all(query, params, _report)

    async def file_broker_report(
        self,
        *,
        reporter_user_id: int | None,
        village_code: str | None,
        who: str,
        place: str,
        promised: str,
        district_code: str | None,
        marks: set[str],
        messages: Callable[[int, list[Pattern]], list[NewMessage]],
    ) -> tuple[int, list[int]]:
        """Stores a report, its marks and the messages about it in one transaction.

        ``messages`` is given the new id and the patterns it completes (other reports of the
        district with one of its marks, from someone else: an anonymous report may be anyone).
        The messages are queued claimed (the handler sends them at once); returns their ids.
        """
        now = self._now()
        async with self._transaction() as db:
            cursor = await db.execute(
                _INSERT, (reporter_user_id, village_code, who, place, promised, now)
            )
            assert cursor.lastrowid is not None
            report_id = int(cursor.lastrowid)
            patterns = []
            if district_code is not None:
                for mark in sorted(marks):
                    await db.execute(
                        "INSERT INTO broker_marks (report_id, district_code, mark)"
                        " VALUES (?, ?, ?)",
                        (report_id, district_code, mark),
                    )
                    others = await self._reports_with(district_code, mark, report_id)
                    if any(r is None or r != reporter_user_id for _, r in others):
                        patterns.append(Pattern(mark, (*(i for i, _ in others), report_id)))
            ids = await enqueue_in(db, messages(report_id, patterns), now, claimed=True)
            return report_id, ids

    async def _reports_with(
        self, district_code: str, mark: str, report_id: int
    ) -> list[tuple[int, int | None]]:
        """Other reports of the district with this mark (read on the connection whose
        transaction holds the new report's marks)."""
        return await self._all(
            "SELECT r.report_id, r.reporter_user_id FROM broker_marks m"
            " JOIN broker_reports r USING (report_id)"
            " WHERE m.district_code = ? AND m.mark = ? AND m.report_id != ? ORDER BY r.report_id",
            (district_code, mark, report_id),
            lambda row: (int(row[0]), int(row[1]) if row[1] is not None else None),
        )
