"""The outbox: messages that must reach a person, as rows before they are requests.

A row is written in the same transaction as the change that causes it (``enqueue_in``), claimed
before it is sent, and marked sent only once Telegram has taken it. The drainer
(``delivery/drainer.py``) is the only sender; this module is only the SQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiosqlite

from storage.base import NOW, StoreBase, first_row, from_row

URGENT, NORMAL, BULK = 0, 1, 2  # priorities: a cry for help before a notice before a prompt


@dataclass(frozen=True)
class NewMessage:
    """A message to queue: what it is about (``key``), for whom, and how to render it."""

    key: str
    group_key: str
    kind: str
    role: str  # person, leader, staff
    chat_id: int
    priority: int = NORMAL
    user_id: int | None = None  # the person it is about
    ref_id: int | None = None  # the alert, departure or check-in it belongs to
    payload: dict[str, Any] = field(default_factory=dict)
    # Not before this moment (a bulk message waits for the delivery hours of its reader's zone).
    due_at: datetime | None = None


@dataclass(frozen=True)
class OutboxRow:
    outbox_id: int
    key: str
    group_key: str
    kind: str
    role: str
    priority: int
    chat_id: int
    user_id: int | None
    ref_id: int | None
    payload: dict[str, Any]
    status: str
    attempts: int
    due_at: datetime
    created_at: datetime
    sent_at: datetime | None
    message_id: int | None


_COLUMNS = (
    "outbox_id, key, group_key, kind, role, priority, chat_id, user_id, ref_id, payload, status,"
    " attempts, due_at, created_at, sent_at, message_id"
)
_SELECT = f"SELECT {_COLUMNS} FROM outbox"


def _row(row: Any) -> OutboxRow:
    return from_row(
        OutboxRow,
        row,
        payload=json.loads,
        due_at=datetime.fromisoformat,
        created_at=datetime.fromisoformat,
        sent_at=lambda value: datetime.fromisoformat(value) if value else None,
    )


def _message(m: NewMessage, now: str) -> tuple[object, ...]:
    """A message's own columns, from ``key`` to ``payload``, then when it is due."""
    return (
        m.key,
        m.group_key,
        m.kind,
        m.role,
        m.priority,
        m.chat_id,
        m.user_id,
        m.ref_id,
        json.dumps(m.payload, ensure_ascii=False, sort_keys=True),
        m.due_at.isoformat() if m.due_at is not None else now,
    )


async def enqueue_in(
    db: aiosqlite.Connection, messages: list[NewMessage], now: str, *, claimed: bool
) -> list[int]:
    """Inside an open transaction: queues messages whose key is new; returns their ids.

    ``claimed``: the caller sends them itself right after the commit (the person is waiting for
    the answer), so no other sender takes them meanwhile; after a crash they are released.
    """
    ids = []
    for m in messages:
        *columns, due_at = _message(m, now)
        row = await first_row(
            db,
            "INSERT INTO outbox (key, group_key, kind, role, priority, chat_id, user_id, ref_id,"
            " payload, status, due_at, claimed_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING"
            " RETURNING outbox_id",
            (
                *columns,
                "sending" if claimed else "pending",
                due_at,
                now if claimed else None,
                now,
            ),
        )
        if row is not None:
            ids.append(int(row[0]))
    return ids


async def enqueue_bulk_in(db: aiosqlite.Connection, messages: list[NewMessage], now: str) -> int:
    """Inside an open transaction: queues many unclaimed rows at once; returns how many were new.

    One ``executemany`` instead of a statement per row, so an announcement to thousands holds
    the write lock (and an SOS waiting behind it) for a moment, not for a minute.
    """
    cursor = await db.executemany(
        "INSERT INTO outbox (key, group_key, kind, role, priority, chat_id, user_id, ref_id,"
        " payload, status, due_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (key) DO NOTHING",
        [(*_message(m, now), now) for m in messages],
    )
    return max(cursor.rowcount, 0)


class OutboxQueries(StoreBase):
    async def enqueue(self, messages: list[NewMessage], *, claimed: bool = False) -> list[int]:
        """Queues messages on their own (nothing else changes with them)."""
        async with self._transaction() as db:
            return await enqueue_in(db, messages, self._now(), claimed=claimed)

    async def claim_outbox(self, now: datetime, limit: int) -> list[OutboxRow]:
        """Takes up to ``limit`` due rows for sending, urgent first, oldest first."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE outbox SET status = 'sending', claimed_at = ? WHERE outbox_id IN ("
                " SELECT outbox_id FROM outbox WHERE status = 'pending' AND due_at <= ?"
                f" ORDER BY priority, due_at, outbox_id LIMIT ?) RETURNING {_COLUMNS}",
                (now.isoformat(), now.isoformat(), limit),
            )
            rows = [_row(r) for r in await cursor.fetchall()]
            await cursor.close()
        return sorted(rows, key=lambda r: (r.priority, r.due_at, r.outbox_id))

    async def claim_outbox_row(self, outbox_id: int) -> bool:
        """Takes one queued row for a caller who sends it now."""
        return await self._changed(
            "UPDATE outbox SET status = 'sending', claimed_at = ?"
            " WHERE outbox_id = ? AND status = 'pending'",
            (NOW, outbox_id),
        )

    async def outbox_rows(self, ids: list[int]) -> list[OutboxRow]:
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        return await self._all(
            f"{_SELECT} WHERE outbox_id IN ({marks}) ORDER BY priority, outbox_id", ids, _row
        )

    async def outbox_group(self, group_key: str) -> list[OutboxRow]:
        return await self._all(
            f"{_SELECT} WHERE group_key = ? ORDER BY outbox_id", (group_key,), _row
        )

    async def outbox_by_key(self, key: str) -> OutboxRow | None:
        return await self._one(f"{_SELECT} WHERE key = ?", (key,), _row)

    async def outbox_sent(self, outbox_id: int, message_id: int | None) -> bool:
        """Telegram took it; False when the row was not being sent (nothing changes then)."""
        return await self._changed(
            "UPDATE outbox SET status = 'sent', sent_at = ?, message_id = ?, claimed_at = NULL"
            " WHERE outbox_id = ? AND status = 'sending'",
            (NOW, message_id, outbox_id),
        )

    async def outbox_retry(self, outbox_id: int, due_at: datetime, error: str) -> None:
        """A passing failure: the row waits until ``due_at``, one try more counted."""
        await self._write(
            "UPDATE outbox SET status = 'pending', due_at = ?, attempts = attempts + 1,"
            " claimed_at = NULL, last_error = ? WHERE outbox_id = ? AND status = 'sending'",
            (due_at.isoformat(), error, outbox_id),
        )

    async def outbox_settle(self, outbox_id: int, status: str, reason: str) -> bool:
        """Ends a row that will not be sent: ``failed`` (it cannot be: ``reason`` is the error)
        or ``cancelled`` (it no longer matters: answered, cancelled, the trip over)."""
        return await self._changed(
            "UPDATE outbox SET status = ?, last_error = ?,"
            " claimed_at = NULL, attempts = attempts + ? WHERE outbox_id = ?"
            " AND status IN ('pending', 'sending')",
            (status, reason, int(status == "failed"), outbox_id),
        )

    async def move_outbox_chat(self, outbox_id: int, chat_id: int) -> None:
        """The staff group became a supergroup: the row follows it to its new id."""
        await self._write("UPDATE outbox SET chat_id = ? WHERE outbox_id = ?", (chat_id, outbox_id))

    async def stale_outbox_claims(self, before: datetime) -> list[OutboxRow]:
        """Rows claimed before ``before`` and never settled: the process died while sending."""
        return await self._all(
            f"{_SELECT} WHERE status = 'sending' AND claimed_at < ? ORDER BY outbox_id",
            (before.isoformat(),),
            _row,
        )

    async def release_outbox_claim(self, outbox_id: int) -> bool:
        """Puts a cut-off send back in the queue, due now."""
        return await self._changed(
            "UPDATE outbox SET status = 'pending', claimed_at = NULL, due_at = ?"
            " WHERE outbox_id = ? AND status = 'sending'",
            (NOW, outbox_id),
        )

    async def cancel_outbox(self, group_key: str, kinds: tuple[str, ...]) -> int:
        """Drops queued rows of a group that no longer matter (a prompt whose trip ended)."""
        marks = ", ".join("?" for _ in kinds)
        return await self._write(
            f"UPDATE outbox SET status = 'cancelled' WHERE group_key = ? AND kind IN ({marks})"
            " AND status = 'pending'",
            (group_key, *kinds),
        )

    async def forget_old_outbox(self, before: datetime) -> int:
        """Settled rows are kept a while (what reached whom), then forgotten (collect little)."""
        return await self._write(
            "DELETE FROM outbox WHERE status IN ('sent', 'failed', 'cancelled') AND created_at < ?",
            (before.isoformat(),),
        )

    async def outbox_counts(self, since: datetime) -> dict[str, int]:
        """For /status: queued now, given up on since ``since``."""
        row = await first_row(
            self._db,
            "SELECT"
            " (SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')),"
            " (SELECT COUNT(*) FROM outbox WHERE status = 'failed' AND created_at >= ?)",
            (since.isoformat(),),
        )
        assert row is not None
        return {"outbox_queued": int(row[0]), "outbox_failed": int(row[1])}
