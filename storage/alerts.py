"""Alerts: raised once, acknowledged by the first responder, resolved, escalated on time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import aiosqlite

from storage.base import NOW, StoreBase, from_row, when
from storage.case_events import event_in
from storage.outbox import NewMessage, enqueue_in
from storage.rows import Alert

# Writes rows that belong to a new alert inside its transaction; returns messages to queue.
Attach = Callable[[aiosqlite.Connection, int, str], Awaitable[list[NewMessage]]]

_ALERT = (
    "SELECT alert_id, kind, user_id, departure_id, village_code, details, created_at,"
    " staff_due_at, staff_told_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by,"
    " handler_chat_id, outcome, handed_to, note_due_at, erased_at, take_on_due_at,"
    " take_on_reminders FROM alerts"
)

# Moments an alert may not have reached yet: an empty column is None.
_TIMES = (
    "staff_due_at",
    "staff_told_at",
    "acknowledged_at",
    "resolved_at",
    "note_due_at",
    "erased_at",
    "take_on_due_at",
)


def _alert(row: Any) -> Alert:
    return from_row(
        Alert,
        row,
        details=lambda value: tuple(d for d in str(value).split(",") if d),
        created_at=datetime.fromisoformat,
        take_on_reminders=lambda value: int(value or 0),
        **dict.fromkeys(_TIMES, when),
    )


class AlertQueries(StoreBase):
    async def create_alert(
        self,
        kind: str,
        user_id: int,
        *,
        departure_id: int | None,
        checkin_id: int | None,
        village_code: str | None,
        details: tuple[str, ...],
        staff_due_at: datetime | None,
        messages: Callable[[int], list[NewMessage]],
        staff_told: bool,
        claimed: bool,
        attach: Attach | None = None,
        take_on_due_at: datetime | None = None,
    ) -> tuple[int, list[int]]:
        """Stores an alert and queues its copies in one transaction; returns both ids.

        ``attach``: writes what belongs to the alert (a family's report) in the same
        transaction and returns more messages for it, so a crash leaves all or nothing.

        ``claimed``: the caller sends the copies at once (the person is waiting for the answer);
        otherwise the drainer does.
        ``staff_told``: staff copies are among them, so the escalation sweep leaves it alone.
        """
        async with self._transaction() as db:
            cursor = await db.execute(
                "INSERT INTO alerts (kind, user_id, departure_id, checkin_id, village_code,"
                " details, created_at, staff_due_at, staff_told_at, take_on_due_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    kind,
                    user_id,
                    departure_id,
                    checkin_id,
                    village_code,
                    ",".join(details),
                    self._now(),
                    staff_due_at.isoformat() if staff_due_at else None,
                    self._now() if staff_told else None,
                    take_on_due_at.isoformat() if take_on_due_at else None,
                ),
            )
            alert_id = cursor.lastrowid
            assert alert_id is not None
            await event_in(db, alert_id, self._now(), None, "raised", {})
            more = await attach(db, alert_id, self._now()) if attach is not None else []
            ids = await enqueue_in(db, messages(alert_id) + more, self._now(), claimed=claimed)
            return alert_id, ids

    async def alert_for_checkin(self, checkin_id: int, kind: str) -> Alert | None:
        """The alert of this kind already raised about a check-in (one per prompt)."""
        return await self._one(
            f"{_ALERT} WHERE checkin_id = ? AND kind = ? ORDER BY alert_id LIMIT 1",
            (checkin_id, kind),
            _alert,
        )

    async def set_alert_details(self, alert_id: int, details: tuple[str, ...]) -> None:
        """More named problems for the same alert (shown on /alerts and later copies)."""
        await self._write(
            "UPDATE alerts SET details = ? WHERE alert_id = ?", (",".join(details), alert_id)
        )

    async def alert(self, alert_id: int) -> Alert | None:
        return await self._one(f"{_ALERT} WHERE alert_id = ?", (alert_id,), _alert)

    async def recent_open_alert(self, user_id: int, kind: str, since: datetime) -> Alert | None:
        """An unacknowledged alert of this kind raised since ``since`` (to avoid duplicates)."""
        return await self._one(
            f"{_ALERT} WHERE user_id = ? AND kind = ? AND acknowledged_at IS NULL"
            " AND resolved_at IS NULL AND created_at >= ? ORDER BY alert_id DESC LIMIT 1",
            (user_id, kind, since.isoformat()),
            _alert,
        )

    async def alerts_due_for_staff(self, now: datetime) -> list[Alert]:
        return await self._all(
            f"{_ALERT} WHERE staff_told_at IS NULL AND acknowledged_at IS NULL"
            " AND staff_due_at <= ? ORDER BY staff_due_at",
            (now.isoformat(),),
            _alert,
        )

    async def escalate_alert(self, alert_id: int, messages: list[NewMessage]) -> bool:
        """Notes that staff are being told and queues their copies; False if already done."""
        return await self._changed(
            "UPDATE alerts SET staff_told_at = ? WHERE alert_id = ? AND staff_told_at IS NULL",
            (NOW, alert_id),
            lambda db: enqueue_in(db, messages, self._now(), claimed=False),
        )

    async def untaken_due(self, now: datetime) -> list[Alert]:
        """Open cases nobody has taken on whose reminder to everyone has fallen due."""
        return await self._all(
            f"{_ALERT} WHERE acknowledged_at IS NULL AND resolved_at IS NULL"
            " AND take_on_due_at <= ? ORDER BY take_on_due_at",
            (now.isoformat(),),
            _alert,
        )

    async def remind_untaken(
        self,
        alert_id: int,
        due_at: datetime,
        next_due: datetime,
        messages: list[NewMessage],
        *,
        staff_told: bool,
    ) -> bool:
        """Queues the reminders of an untaken case once (however many sweeps race), plans the
        next, and notes staff as told when they are among them; False if already done."""
        return await self._changed(
            "UPDATE alerts SET take_on_due_at = ?, take_on_reminders = take_on_reminders + 1,"
            " staff_told_at = CASE WHEN ? THEN COALESCE(staff_told_at, ?) ELSE staff_told_at"
            " END WHERE alert_id = ? AND take_on_due_at = ? AND acknowledged_at IS NULL"
            " AND resolved_at IS NULL",
            (next_due.isoformat(), staff_told, NOW, alert_id, due_at.isoformat()),
            lambda db: event_in(db, alert_id, self._now(), None, "overdue", {}),
            lambda db: enqueue_in(db, messages, self._now(), claimed=False),
        )

    async def alerts_reaching_nobody(self) -> list[Alert]:
        """Open alerts with no copy sent or on its way (the reconciler's worry)."""
        return await self._all(
            f"{_ALERT} WHERE resolved_at IS NULL AND acknowledged_at IS NULL AND NOT EXISTS ("
            " SELECT 1 FROM outbox WHERE outbox.group_key = 'alert:' || alerts.alert_id"
            " AND outbox.kind = 'alert' AND outbox.status IN ('pending', 'sending', 'sent'))"
            # A delivered copy is also kept here, after the outbox has forgotten its row.
            " AND NOT EXISTS (SELECT 1 FROM alert_messages m WHERE m.alert_id = alerts.alert_id)"
            " ORDER BY alert_id",
            (),
            _alert,
        )

    async def record_alert_message(
        self, alert_id: int, chat_id: int, message_id: int, role: str
    ) -> None:
        """Where a copy went (to edit it later), and a line in the case's history."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "INSERT INTO alert_messages (alert_id, chat_id, message_id)"
                " SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM alerts WHERE alert_id = ?)",
                (alert_id, chat_id, message_id, alert_id),
            )
            if cursor.rowcount:
                await event_in(db, alert_id, self._now(), None, "delivered", {"role": role})

    async def alert_messages(self, alert_id: int) -> list[tuple[int, int]]:
        return await self._all(
            "SELECT chat_id, message_id FROM alert_messages WHERE alert_id = ?",
            (alert_id,),
            lambda row: (int(row[0]), int(row[1])),
        )
