"""Announcements: a warning to an area, who it may reach, and how many it reached.

An area is ``all`` or an official code (district 4 digits, commune 6, village 8); village codes
begin with their commune's and district's, so an area is a prefix of the villages it covers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from storage.base import StoreBase, first_row, from_row
from storage.outbox import NewMessage, enqueue_bulk_in, enqueue_in

AUDIENCES = ("yes", "away", "leaders")
# Rows queued per transaction: a few milliseconds of the write lock and of the event loop each
# (500 kept an SOS under 0.25 s during a 100,000-person announcement; 2,000 let it wait 0.7 s).
QUEUE_CHUNK = 500


@dataclass(frozen=True)
class Recipient:
    user_id: int
    role: str  # person or leader
    destination: str | None  # where they are away, for their time zone; None: at home


@dataclass(frozen=True)
class Announcement:
    announcement_id: int
    sent_by: int | None
    sender_role: str
    area: str
    audience: str
    text_km: str
    text_en: str | None
    planned: int
    reached: int
    unreached: int
    created_at: datetime


_SELECT = (
    "SELECT announcement_id, sent_by, sender_role, area, audience, text_km, text_en, planned,"
    " reached, unreached, created_at FROM announcements"
)


def _announcement(row: Any) -> Announcement:
    return from_row(
        Announcement,
        row,
        sent_by=lambda value: int(value) if value is not None else None,
        text_en=lambda value: str(value) if value is not None else None,
        created_at=lambda value: datetime.fromisoformat(str(value)),
        **dict.fromkeys(("announcement_id", "planned", "reached", "unreached"), int),
        **dict.fromkeys(("sender_role", "area", "audience", "text_km"), str),
    )


def _prefix(area: str) -> str:
    # Codes are digits only (checked by the caller against places), so LIKE has nothing to escape.
    return "%" if area == "all" else f"{area}%"


def _not_stopped(column: str) -> str:
    """Someone who stopped announcements is left out of every later one."""
    return (
        " AND NOT EXISTS (SELECT 1 FROM message_choices m"
        f" WHERE m.user_id = {column} AND m.announcements = 0)"
    )


def _away_in(column: str) -> str:
    """Where the person is away now (their newest trip under way), for their time zone."""
    return (
        f"(SELECT d2.destination FROM departures d2 WHERE d2.user_id = {column}"
        " AND d2.status = 'active' AND d2.depart_on <= ? ORDER BY d2.depart_on DESC LIMIT 1)"
    )


class AnnouncementQueries(StoreBase):
    async def audience(self, area: str, audience: str, today: date) -> list[Recipient]:
        """Everyone an announcement to ``area`` for ``audience`` would reach now."""
        like, day = _prefix(area), today.isoformat()
        if audience == "yes":
            query = (
                f"SELECT u.user_id, 'person', {_away_in('u.user_id')}"
                " FROM users u JOIN message_choices c USING (user_id)"
                # Said yes to messages and did not stop them since (a "Stop these" under a
                # refresher takes someone out of this audience too).
                " WHERE c.refreshers = 1 AND u.village_code LIKE ?"
                + _not_stopped("u.user_id")
                + " ORDER BY u.user_id"
            )
            params: list[Any] = [day, like]
        elif audience == "away":
            query = (
                f"SELECT DISTINCT d.user_id, 'person', {_away_in('d.user_id')}"
                " FROM departures d WHERE d.status = 'active' AND d.depart_on <= ?"
                " AND d.village_code LIKE ?" + _not_stopped("d.user_id") + " ORDER BY d.user_id"
            )
            params = [day, day, like]
        elif audience == "leaders":
            query = (
                "SELECT DISTINCT l.user_id, 'leader', NULL FROM leaders l"
                " WHERE l.revoked_at IS NULL AND l.village_code LIKE ?"
                + _not_stopped("l.user_id")
                + " ORDER BY l.user_id"
            )
            params = [like]
        else:
            raise ValueError(f"unknown audience {audience!r}")
        return await self._all(
            query,
            params,
            lambda row: Recipient(int(row[0]), str(row[1]), str(row[2]) if row[2] else None),
        )

    async def add_announcement(
        self,
        *,
        sent_by: int,
        sender_role: str,
        area: str,
        audience: str,
        text_km: str,
        text_en: str | None,
        recipients: Sequence[Recipient],
        messages: Callable[[int, Sequence[Recipient]], list[NewMessage]],
    ) -> tuple[int, int]:
        """Keeps the announcement and queues one message per recipient: (id, queued).

        In chunks of QUEUE_CHUNK rows, each its own short transaction, so an SOS raised
        meanwhile waits for one chunk, not for 100,000 rows (nor does the event loop). The
        first chunk is written with the announcement, so it exists with its first rows or not
        at all; after a crash in between, ``resume_announcement`` queues the rest. Each row's
        key names the announcement and the person: nobody can get it twice.
        """
        now = self._now()
        first, rest = recipients[:QUEUE_CHUNK], recipients[QUEUE_CHUNK:]
        async with self._transaction() as db:
            cursor = await db.execute(
                "INSERT INTO announcements (sent_by, sender_role, area, audience, text_km,"
                " text_en, planned, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                (sent_by, sender_role, area, audience, text_km, text_en, now),
            )
            assert cursor.lastrowid is not None
            announcement_id = int(cursor.lastrowid)
            await enqueue_bulk_in(db, messages(announcement_id, first), now)
        queued = await self.resume_announcement(announcement_id, rest, messages)
        return announcement_id, queued

    async def resume_announcement(
        self,
        announcement_id: int,
        recipients: Sequence[Recipient],
        messages: Callable[[int, Sequence[Recipient]], list[NewMessage]],
    ) -> int:
        """Queues the rest of an announcement chunk by chunk, then marks it queued: the count.

        Rows already queued are left as they are (ON CONFLICT on the key), so running it again
        after a crash sends nobody a second copy.
        """
        for start in range(0, len(recipients), QUEUE_CHUNK):
            await asyncio.sleep(0)  # the updates waiting meanwhile go first
            chunk = messages(announcement_id, recipients[start : start + QUEUE_CHUNK])
            async with self._transaction() as db:
                await enqueue_bulk_in(db, chunk, self._now())
        async with self._transaction() as db:
            await db.execute(
                "UPDATE announcements SET queued_at = ?, planned = (SELECT count(*) FROM outbox"
                " WHERE group_key = 'announcement:' || ?) WHERE announcement_id = ?",
                (self._now(), announcement_id, announcement_id),
            )
            row = await first_row(
                db,
                "SELECT planned FROM announcements WHERE announcement_id = ?",
                (announcement_id,),
            )
        return int(row[0]) if row else 0

    async def unqueued_announcements(self, created_before: datetime) -> list[Announcement]:
        """Announcements whose queuing a crash cut short (older than any queuing takes)."""
        found = await self._all(
            f"{_SELECT} WHERE queued_at IS NULL AND created_at < ?",
            (created_before.isoformat(),),
            _announcement,
        )
        return sorted(found, key=lambda a: a.announcement_id)

    async def announcement(self, announcement_id: int) -> Announcement | None:
        return await self._one(
            f"{_SELECT} WHERE announcement_id = ?", (announcement_id,), _announcement
        )

    async def count_announcement(self, announcement_id: int, *, reached: bool) -> None:
        column = "reached" if reached else "unreached"
        await self._write(
            f"UPDATE announcements SET {column} = {column} + 1 WHERE announcement_id = ?",
            (announcement_id,),
        )

    async def finished_announcements(self) -> list[Announcement]:
        """Announcements not reported to their sender, with nothing left on its way."""
        return await self._all(
            f"{_SELECT} WHERE reported_at IS NULL AND queued_at IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM outbox o"
            " WHERE o.group_key = 'announcement:' || announcement_id"
            " AND o.status IN ('pending', 'sending')) ORDER BY announcement_id",
            (),
            _announcement,
        )

    async def report_announcement(self, announcement_id: int, message: NewMessage | None) -> bool:
        """Marks it reported and queues the sender's summary, once."""
        now = self._now()
        # No summary: nothing is queued, as nothing is given.
        queued = [] if message is None else [message]
        return await self._changed(
            "UPDATE announcements SET reported_at = ?"
            " WHERE announcement_id = ? AND reported_at IS NULL",
            (now, announcement_id),
            lambda db: enqueue_in(db, queued, now, claimed=False),
        )

    async def announcement_counts(
        self, villages: list[str] | None, start: datetime, end: datetime
    ) -> dict[str, int]:
        """For /report: announcements that covered any of these villages, and their reach."""
        rows = await self._all(
            "SELECT area, planned, reached, unreached FROM announcements"
            " WHERE created_at >= ? AND created_at < ?",
            (start.isoformat(), end.isoformat()),
            tuple,
        )
        counts = {"announcements": 0, "announcement_reached": 0, "announcement_unreached": 0}
        for area, _planned, reached, unreached in rows:
            covers = villages is None or area == "all" or any(v.startswith(area) for v in villages)
            if covers:
                counts["announcements"] += 1
                counts["announcement_reached"] += int(reached)
                counts["announcement_unreached"] += int(unreached)
        return counts
