"""Cases: an alert taken on, noted, handed on, closed with an outcome, reopened.

Each change is one transaction with its line of history and the messages it causes (the person
told, a handler reminded), so none of them can happen without the others.
"""

from __future__ import annotations

from datetime import datetime

from domain.report import OUTCOMES
from storage.alerts import _ALERT, _alert
from storage.base import NOW, StoreBase
from storage.case_events import EVENT_SELECT, event_in, event_of
from storage.outbox import NewMessage, enqueue_in
from storage.rows import Alert, CaseEvent


class CaseQueries(StoreBase):
    async def take_case(
        self,
        alert_id: int,
        actor_id: int,
        *,
        chat_id: int,
        name: str,
        note_due_at: datetime,
        messages: list[NewMessage],
    ) -> bool:
        """The first to take an open case on has it; the person's word is queued with it."""
        return await self._changed(
            "UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?,"
            " handler_chat_id = ?, note_due_at = ?"
            " WHERE alert_id = ? AND acknowledged_at IS NULL AND resolved_at IS NULL",
            (NOW, actor_id, chat_id, note_due_at.isoformat(), alert_id),
            lambda db: event_in(db, alert_id, self._now(), actor_id, "taken", {"name": name}),
            lambda db: enqueue_in(db, messages, self._now(), claimed=False),
        )

    async def add_case_note(
        self, alert_id: int, actor_id: int, *, name: str, note: dict[str, str], next_due: datetime
    ) -> bool:
        """A note (``{"text": …}`` or ``{"voice": file_id}``) on an open case."""
        return await self._changed(
            "UPDATE alerts SET note_due_at = CASE WHEN acknowledged_at IS NULL THEN NULL"
            " ELSE ? END WHERE alert_id = ? AND resolved_at IS NULL",
            (next_due.isoformat(), alert_id),
            lambda db: event_in(
                db, alert_id, self._now(), actor_id, "note", {"name": name, **note}
            ),
        )

    async def hand_case(self, alert_id: int, actor_id: int, *, name: str, to: str) -> bool:
        """Handed to an organisation (its id in contacts.yaml, or ``other``)."""
        detail = {"name": name, "to": to}
        return await self._changed(
            "UPDATE alerts SET handed_to = ? WHERE alert_id = ? AND resolved_at IS NULL",
            (to, alert_id),
            lambda db: event_in(db, alert_id, self._now(), actor_id, "handed", detail),
        )

    async def close_case(
        self,
        alert_id: int,
        actor_id: int,
        *,
        name: str,
        outcome: str,
        messages: list[NewMessage],
    ) -> bool:
        """Closes an open case with its outcome; whoever closes it took it on, if nobody had."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        now = self._now()
        detail = {"name": name, "outcome": outcome}
        return await self._changed(
            # Who raised a family's case is kept only while it is open.
            "UPDATE alerts SET resolved_at = ?, resolved_by = ?, outcome = ?,"
            " note_due_at = NULL, raiser_mark = NULL,"
            " acknowledged_at = COALESCE(acknowledged_at, ?),"
            " acknowledged_by = COALESCE(acknowledged_by, ?)"
            " WHERE alert_id = ? AND resolved_at IS NULL",
            (now, actor_id, outcome, now, actor_id, alert_id),
            lambda db: event_in(db, alert_id, now, actor_id, "closed", detail),
            lambda db: enqueue_in(db, messages, now, claimed=False),
        )

    async def reopen_case(
        self, alert_id: int, user_id: int, *, take_on_due_at: datetime, messages: list[NewMessage]
    ) -> bool:
        """The person still needs help: the case is open again like a new one, waiting to be
        taken on (the one who closed it may be gone, or revoked); staff are among its copies."""
        return await self._changed(
            "UPDATE alerts SET resolved_at = NULL, resolved_by = NULL, outcome = NULL,"
            " acknowledged_at = NULL, acknowledged_by = NULL, handler_chat_id = NULL,"
            " note_due_at = NULL, take_on_due_at = ?, take_on_reminders = 0,"
            " staff_told_at = ? WHERE alert_id = ? AND user_id = ? AND resolved_at IS NOT NULL",
            (take_on_due_at.isoformat(), NOW, alert_id, user_id),
            lambda db: event_in(db, alert_id, self._now(), None, "reopened", {}),
            lambda db: enqueue_in(db, messages, self._now(), claimed=False),
        )

    async def notes_due(self, now: datetime) -> list[Alert]:
        """Open cases taken on whose handler has written nothing for a while."""
        return await self._all(
            f"{_ALERT} WHERE resolved_at IS NULL AND note_due_at IS NOT NULL"
            " AND note_due_at <= ? ORDER BY note_due_at",
            (now.isoformat(),),
            _alert,
        )

    async def nudge_handler(
        self, alert_id: int, due_was: datetime, next_due: datetime, messages: list[NewMessage]
    ) -> bool:
        """Queues the reminder and moves the next one on (once, however many sweeps race)."""
        return await self._changed(
            "UPDATE alerts SET note_due_at = ? WHERE alert_id = ? AND note_due_at = ?"
            " AND resolved_at IS NULL",
            (next_due.isoformat(), alert_id, due_was.isoformat()),
            lambda db: event_in(db, alert_id, self._now(), None, "nudged", {}),
            lambda db: enqueue_in(db, messages, self._now(), claimed=False),
        )

    async def open_cases(self, village_codes: list[str] | None) -> list[Alert]:
        """Open cases, oldest first: of these villages, or every one (staff)."""
        query, params = f"{_ALERT} WHERE resolved_at IS NULL", []
        if village_codes is not None:
            query += f" AND village_code IN ({', '.join('?' for _ in village_codes)})"
            params = list(village_codes)
        return await self._all(query + " ORDER BY alert_id", params, _alert)

    async def case_events(self, alert_id: int) -> list[CaseEvent]:
        return await self._all(
            f"{EVENT_SELECT} WHERE alert_id = ? ORDER BY event_id", (alert_id,), event_of
        )

    async def add_case_event(
        self, alert_id: int, actor_id: int | None, kind: str, detail: dict[str, object]
    ) -> None:
        async with self._transaction() as db:
            await event_in(db, alert_id, self._now(), actor_id, kind, dict(detail))

    # -- "reply with your note" ------------------------------------------------------------

    async def add_case_prompt(
        self, chat_id: int, message_id: int, alert_id: int, actor_id: int, action: str
    ) -> None:
        await self._write(
            "INSERT OR REPLACE INTO case_prompts (chat_id, message_id, alert_id, actor_user_id,"
            " action, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (chat_id, message_id, alert_id, actor_id, action, NOW),
        )

    async def case_prompt(self, chat_id: int, message_id: int) -> tuple[int, int, str] | None:
        """(alert_id, actor_id, action) of the bot's question this message replies to."""
        return await self._one(
            "SELECT alert_id, actor_user_id, action FROM case_prompts"
            " WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
            lambda row: (int(row[0]), int(row[1]), str(row[2])),
        )

    async def drop_case_prompt(self, chat_id: int, message_id: int) -> None:
        await self._write(
            "DELETE FROM case_prompts WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        )

    # -- location in an emergency ------------------------------------------------------------

    async def open_cases_of(self, user_id: int) -> list[Alert]:
        """The person's own open cases (a family's report counts as the reporter's)."""
        return await self._all(
            f"{_ALERT} WHERE user_id = ? AND resolved_at IS NULL ORDER BY alert_id",
            (user_id,),
            _alert,
        )

    async def latest_open_case(self, user_id: int, kinds: tuple[str, ...]) -> Alert | None:
        """The person's newest open case of these kinds (a location sent goes with it)."""
        marks = ", ".join("?" for _ in kinds)
        return await self._one(
            f"{_ALERT} WHERE user_id = ? AND resolved_at IS NULL AND kind IN ({marks})"
            " ORDER BY alert_id DESC LIMIT 1",
            (user_id, *kinds),
            _alert,
        )

    async def add_location(
        self, alert_id: int, user_id: int, where: dict[str, object], messages: list[NewMessage]
    ) -> list[int]:
        """The location with the case's history, and its pins queued (claimed: sent now)."""
        async with self._transaction() as db:
            await event_in(db, alert_id, self._now(), user_id, "location", dict(where))
            return await enqueue_in(db, messages, self._now(), claimed=True)

    async def shared_location(self, alert_id: int, user_id: int, message_id: int) -> bool:
        """Whether this message in the person's own chat is a location they sent with this
        case of theirs (so a forged button cannot have the bot delete any other message)."""
        return await self._exists(
            "SELECT 1 FROM case_events e JOIN alerts a ON a.alert_id = e.alert_id"
            " WHERE e.alert_id = ? AND e.kind = 'location' AND e.actor_id = ? AND a.user_id = ?"
            " AND json_extract(e.detail, '$.message') = ?",
            (alert_id, user_id, user_id, message_id),
        )

    async def record_location_copy(self, alert_id: int, chat_id: int, message_id: int) -> None:
        await self._write(
            "INSERT INTO location_copies (alert_id, chat_id, message_id)"
            " SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM alerts WHERE alert_id = ?)",
            (alert_id, chat_id, message_id, alert_id),
        )
