"""Refreshers: who said yes to a reminder now and then, and each one sent (item, stage, press).

The choice and the announcements opt-out live in one row per person (``message_choices``); a
person without a row said nothing, so gets no refresher and has not stopped announcements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.base import NOW, StoreBase, from_row, within
from storage.outbox import NewMessage, enqueue_in


@dataclass(frozen=True)
class MessageChoice:
    user_id: int
    said_yes_at: datetime | None
    refreshers: bool
    announcements: bool
    next_refresher_at: datetime | None


@dataclass(frozen=True)
class Refresher:
    refresher_id: int
    user_id: int
    item: str
    stage: str
    created_at: datetime
    sent_at: datetime | None
    acted_at: datetime | None


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


_CHOICE = (
    "SELECT user_id, said_yes_at, refreshers, announcements, next_refresher_at FROM message_choices"
)
_REFRESHER = (
    "SELECT refresher_id, user_id, item, stage, created_at, sent_at, acted_at FROM refreshers"
)


def _choice(row: Any) -> MessageChoice:
    flags = dict.fromkeys(("refreshers", "announcements"), bool)
    times = dict.fromkeys(("said_yes_at", "next_refresher_at"), _time)
    return from_row(MessageChoice, row, user_id=int, **flags, **times)


def _refresher(row: Any) -> Refresher:
    ids = dict.fromkeys(("refresher_id", "user_id"), int)
    times = dict.fromkeys(("sent_at", "acted_at"), _time)
    return from_row(Refresher, row, item=str, stage=str, created_at=_created, **ids, **times)


def _created(value: Any) -> datetime:
    created = _time(value)
    assert created is not None
    return created


class RefresherQueries(StoreBase):
    async def message_choice(self, user_id: int) -> MessageChoice | None:
        return await self._one(f"{_CHOICE} WHERE user_id = ?", (user_id,), _choice)

    async def start_refreshers(self, user_id: int, first_at: datetime) -> bool:
        """The person said yes: the first refresher falls due at ``first_at``.

        False when they had said yes already (a second press changes nothing, so it cannot
        bring the next one nearer).
        """
        now = self._now()
        return await self._changed(
            "INSERT INTO message_choices"
            " (user_id, said_yes_at, refreshers, next_refresher_at, updated_at)"
            " VALUES (?, ?, 1, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
            " said_yes_at = COALESCE(said_yes_at, excluded.said_yes_at), refreshers = 1,"
            " next_refresher_at = excluded.next_refresher_at, updated_at = excluded.updated_at"
            " WHERE refreshers = 0",
            (user_id, now, first_at.isoformat(), now),
        )

    async def stop_refreshers(self, user_id: int) -> bool:
        """No more refreshers; False when none were coming."""
        return await self._changed(
            "UPDATE message_choices SET refreshers = 0, next_refresher_at = NULL,"
            " updated_at = ? WHERE user_id = ? AND refreshers = 1",
            (NOW, user_id),
        )

    async def set_announcements(self, user_id: int, wanted: bool) -> bool:
        """Stops (or starts again) announcements for this person; False when nothing changed."""
        return await self._changed(
            "INSERT INTO message_choices (user_id, announcements, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET announcements = excluded.announcements,"
            " updated_at = excluded.updated_at WHERE announcements != excluded.announcements",
            (user_id, int(wanted), self._now()),
        )

    async def due_refreshers(self, now: datetime, limit: int) -> list[int]:
        """People whose next refresher is due (they said yes and did not stop)."""
        return await self._all(
            "SELECT user_id FROM message_choices WHERE refreshers = 1 AND next_refresher_at <= ?"
            " ORDER BY next_refresher_at LIMIT ?",
            (now.isoformat(), limit),
            lambda row: int(row[0]),
        )

    async def refresher_items_sent(self, user_id: int) -> set[str]:
        items = await self._all(
            "SELECT item FROM refreshers WHERE user_id = ?", (user_id,), lambda row: str(row[0])
        )
        return set(items)

    async def queue_refresher(
        self,
        user_id: int,
        item: str | None,
        stage: str,
        message: Callable[[int], NewMessage],
        next_at: datetime,
    ) -> int | None:
        """One transaction: the refresher, its outbox row and the date of the next one.

        Nothing happens unless the person's refresher is still due (they may have stopped, or
        another sweep got here first). ``item`` None: nothing left to send, only the next date.
        """
        now = self._now()
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE message_choices SET next_refresher_at = ?"
                " WHERE user_id = ? AND refreshers = 1 AND next_refresher_at <= ?",
                (next_at.isoformat(), user_id, now),
            )
            if cursor.rowcount == 0 or item is None:
                return None
            cursor = await db.execute(
                "INSERT INTO refreshers (user_id, item, stage, created_at) VALUES (?, ?, ?, ?)",
                (user_id, item, stage, now),
            )
            assert cursor.lastrowid is not None
            refresher_id = int(cursor.lastrowid)
            await enqueue_in(db, [message(refresher_id)], now, claimed=False)
            return refresher_id

    async def refresher(self, refresher_id: int) -> Refresher | None:
        return await self._one(f"{_REFRESHER} WHERE refresher_id = ?", (refresher_id,), _refresher)

    async def refresher_sent(self, refresher_id: int) -> None:
        await self._write(
            "UPDATE refreshers SET sent_at = ? WHERE refresher_id = ? AND sent_at IS NULL",
            (NOW, refresher_id),
        )

    async def refresher_acted(self, refresher_id: int) -> bool:
        """A button in it was pressed (counted once); False when it was counted already."""
        return await self._changed(
            "UPDATE refreshers SET acted_at = ? WHERE refresher_id = ? AND acted_at IS NULL",
            (NOW, refresher_id),
        )

    async def refresher_counts(
        self, villages: list[str] | None, start: datetime, end: datetime
    ) -> dict[str, int]:
        """For /report: refreshers sent, and those in which a button was pressed."""
        where, params = within("u.village_code", villages)
        counts = {}
        for name, column in (("refreshers_sent", "sent_at"), ("refreshers_acted", "acted_at")):
            counts[name] = await self._count(
                f"SELECT COUNT(*) FROM refreshers r JOIN users u USING (user_id)"
                f" WHERE r.{column} >= ? AND r.{column} < ?" + where,
                [start.isoformat(), end.isoformat(), *params],
            )
        return counts
