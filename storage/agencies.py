"""The staff's verified list of licensed recruitment agencies, replaced as a whole on import."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

import aiosqlite

from storage.base import StoreBase, from_row
from storage.rows import Agency

_SELECT = "SELECT agency_id, name, licence, phone, destinations, last_verified FROM agencies"
# Khmer keyboards put zero-width spaces between words; people cannot see them, so neither do we.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def _agency(row: aiosqlite.Row | tuple[Any, ...]) -> Agency:
    return from_row(
        Agency,
        row,
        agency_id=int,
        name=str,
        licence=str,
        phone=lambda value: str(value) if value else None,
        destinations=lambda value: tuple(code for code in str(value).split(",") if code),
        last_verified=lambda value: date.fromisoformat(str(value)),
    )


def searchable(text: str) -> str:
    """Text as searching compares it: NFC, no invisible spaces, single spaces, casefolded."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return " ".join(text.split()).casefold()


class AgencyQueries(StoreBase):
    async def replace_agencies(self, rows: list[dict[str, Any]]) -> int:
        """Replaces the whole list in one transaction (a failed import leaves the old list)."""
        async with self._transaction() as db:
            await db.execute("DELETE FROM agencies")
            await db.executemany(
                "INSERT INTO agencies (name, licence, phone, destinations, last_verified)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        row["name"],
                        row["licence"],
                        row.get("phone") or None,
                        ",".join(row["destinations"]),
                        date.fromisoformat(str(row["last_verified"])).isoformat(),
                    )
                    for row in rows
                ],
            )
        return len(rows)

    async def agencies(self) -> list[Agency]:
        """The whole list, by name."""
        return await self._all(f"{_SELECT} ORDER BY name, agency_id", (), _agency)

    async def agency(self, agency_id: int) -> Agency | None:
        return await self._one(f"{_SELECT} WHERE agency_id = ?", (agency_id,), _agency)

    async def find_agencies(self, query: str) -> list[Agency]:
        """Agencies whose name contains the query, or whose licence is exactly it, by name.

        Compared in Python, not SQL: SQLite's LOWER() knows only ASCII, and the list is small
        (the licensed agencies of one country).
        """
        wanted = searchable(query)
        if not wanted:
            return []
        return [
            agency
            for agency in await self.agencies()
            if wanted in searchable(agency.name) or wanted == searchable(agency.licence)
        ]
