"""A case's history, written inside the transaction of the change it records."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from storage.base import from_row
from storage.rows import CaseEvent

EVENT_KINDS = (
    "raised",
    "delivered",
    "taken",
    "note",
    "handed",
    "closed",
    "reopened",
    "erased",
    "location",
    "relinked",
    "nudged",
    "relative",
    "overdue",  # nobody had taken it on in time: every chief and staff were reminded
    "feedback",  # the person said whether they got the help they needed
    "released",  # its handler stopped being a chief: it waits to be taken on again
)


async def event_in(
    db: aiosqlite.Connection,
    alert_id: int,
    now: str,
    actor_id: int | None,
    kind: str,
    detail: dict[str, Any],
) -> None:
    """Inside an open transaction: one line of history."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown case event {kind!r}")
    await db.execute(
        "INSERT INTO case_events (alert_id, at, actor_id, kind, detail) VALUES (?, ?, ?, ?, ?)",
        (alert_id, now, actor_id, kind, json.dumps(detail, ensure_ascii=False, sort_keys=True)),
    )


def event_of(row: Any) -> CaseEvent:
    return from_row(
        CaseEvent,
        row,
        at=datetime.fromisoformat,
        detail=lambda value: dict(json.loads(value)),
    )


EVENT_SELECT = "SELECT event_id, alert_id, at, actor_id, kind, detail FROM case_events"
