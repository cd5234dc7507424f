"""Who looked at what: a case's history, a list of people away, a location, a voice (ids only).

Primero keeps an audit of views, not only of changes: a chief related to the one she left, or a
staff member who is leaving, may look more than their work needs. A row says who, what and when,
never what they saw. Staff read them per case (with the lists of the case's village looked at
since it was raised); /delete erases the viewer's rows, /relink moves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.base import StoreBase

VIEWS = ("history", "away", "export", "relink_list", "location", "voice")
LIST_VIEWS = ("away", "export", "relink_list")  # of a village (or all), not of one case


@dataclass(frozen=True)
class CaseView:
    viewer_id: int
    what: str
    at: datetime


class ViewQueries(StoreBase):
    async def record_view(
        self,
        viewer_id: int,
        what: str,
        *,
        alert_id: int | None = None,
        villages: list[str] | None = None,
    ) -> None:
        """Notes a look: of one case, or of a list over these villages (None: every village)."""
        if what not in VIEWS:
            raise ValueError(f"unknown view {what!r}")
        scopes: list[str | None] = list(villages) if villages is not None else [None]
        async with self._transaction() as db:
            await db.executemany(
                "INSERT INTO case_views (viewer_id, what, alert_id, village_code, at)"
                " VALUES (?, ?, ?, ?, ?)",
                [(viewer_id, what, alert_id, village, self._now()) for village in scopes],
            )

    async def views_of_case(
        self, alert_id: int, village_code: str | None, since: datetime
    ) -> list[CaseView]:
        """Looks at this case, and at the lists that could show its person since it was raised
        (of its village, or of every village), oldest first."""
        marks = ", ".join("?" for _ in LIST_VIEWS)
        return await self._all(
            "SELECT viewer_id, what, at FROM case_views WHERE alert_id = ?"
            f" OR (alert_id IS NULL AND what IN ({marks}) AND at >= ?"
            " AND (village_code IS NULL OR village_code = ?))"
            " ORDER BY view_id",
            (alert_id, *LIST_VIEWS, since.isoformat(), village_code),
            lambda row: CaseView(int(row[0]), str(row[1]), datetime.fromisoformat(row[2])),
        )
