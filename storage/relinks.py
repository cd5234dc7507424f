"""A new phone: one-time re-link codes (stored hashed) and moving a whole record to a new account.

A person's record is spread over many tables by their Telegram id. ``RELINK_MOVES`` lists every
column that holds it and what a re-link does with it; a test reads the schema and fails when a
table gains a person or chat column that is not listed here, so a future table cannot be left
behind on the old account.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Any

import aiosqlite

from storage.base import StoreBase, first_row, from_row
from storage.case_events import event_in
from storage.outbox import NewMessage, enqueue_in

# (table, column) -> what a re-link does with it.
#   "move": every row of the old account now names the new one.
#   "live": only messages still to be sent (pending, sending) go to the new chat; one already
#           sent stays where it went (its message is in that chat).
#   "key":  conversations: the user id inside the JSON key moves too (done separately).
#   "stay": where a message about someone else was sent, or this move's own history.
RELINK_MOVES: dict[tuple[str, str], str] = {
    ("users", "user_id"): "move",
    ("drafts", "user_id"): "move",
    ("conversations", "user_id"): "key",
    ("lesson_progress", "user_id"): "move",
    ("statement_answers", "user_id"): "move",
    ("quiz_attempts", "user_id"): "move",
    ("quiz_answers", "user_id"): "move",
    ("referral_codes", "user_id"): "move",
    ("referrals", "referred_user_id"): "move",
    ("referrals", "referrer_user_id"): "move",
    ("entries", "user_id"): "move",
    ("departures", "user_id"): "move",
    ("departures", "acknowledged_by"): "move",
    ("leaders", "user_id"): "move",
    ("leader_invites", "used_by_user_id"): "move",
    ("invite_attempts", "user_id"): "move",
    ("broker_reports", "reporter_user_id"): "move",
    ("checkins", "user_id"): "move",
    ("checkin_problems", "user_id"): "move",
    ("alerts", "user_id"): "move",
    ("alerts", "acknowledged_by"): "move",
    ("alerts", "resolved_by"): "move",
    ("alerts", "handler_chat_id"): "move",  # a leader who took a case on keeps it
    ("case_events", "actor_id"): "move",
    ("case_prompts", "actor_user_id"): "move",
    ("case_views", "viewer_id"): "move",  # what a chief or staff member looked at
    ("family_reports", "reporter_user_id"): "move",
    ("family_reports", "relative_id"): "move",  # the relative asked privately is this person
    ("returns", "user_id"): "move",
    ("documents", "user_id"): "move",  # the dates of papers (#15) and their reminders
    ("document_reminders", "user_id"): "move",
    ("outbox", "user_id"): "move",
    ("outbox", "chat_id"): "live",
    # Issue 18: a voice answer, the choice to listen, a take or a recording go with the person.
    ("voice_answers", "user_id"): "move",
    ("listening", "user_id"): "move",
    ("recording_takes", "user_id"): "move",
    ("recordings", "recorded_by"): "move",
    ("relinks", "user_id"): "move",
    ("relinks", "made_by"): "move",
    ("assisted_departures", "made_by"): "move",  # a chief's registrations still waiting
    ("message_choices", "user_id"): "move",  # reminders and announcements as they chose
    ("refreshers", "user_id"): "move",
    ("announcements", "sent_by"): "move",
    # A notice or alert copy a responder got stays in the chat it went to; the ids say where.
    ("notices", "chat_id"): "stay",
    ("alert_messages", "chat_id"): "stay",
    ("location_copies", "chat_id"): "stay",
    # "Reply to this with your note" is in the chat it was sent to; its actor moves above.
    ("case_prompts", "chat_id"): "stay",
    # The history of each move keeps the two accounts it joined.
    ("relinks", "old_account_id"): "stay",
    ("relinks", "new_account_id"): "stay",
}
# What a new account may already hold and still take a record. Replaced by the record's own:
# an unfinished form, the re-link draft itself, the profile and choices of an onboarding done on
# the new phone. Kept beside the record: codes it tried, and a cry for help sent from the new
# phone before the code came (its case, its messages, its voice) -- erasing that first would
# turn an open SOS into an "erased their data" case.
STRAY_ROWS = frozenset(
    {
        ("drafts", "user_id"),
        ("conversations", "user_id"),
        ("users", "user_id"),
        ("entries", "user_id"),
        ("message_choices", "user_id"),
        ("listening", "user_id"),
        ("referrals", "referred_user_id"),
    }
)
KEPT_ON_NEW = frozenset(
    {
        ("invite_attempts", "user_id"),
        ("alerts", "user_id"),
        ("outbox", "user_id"),
        ("outbox", "chat_id"),
        ("case_events", "actor_id"),
        ("case_prompts", "actor_user_id"),
        ("voice_answers", "user_id"),
    }
)
ALLOWED_ON_NEW = STRAY_ROWS | KEPT_ON_NEW


def names_a_person(column: str) -> bool:
    """Whether a column name says it holds a Telegram user or chat id."""
    return column in ("user_id", "chat_id", "actor_id", "relative_id", "viewer_id") or (
        column.endswith(("_user_id", "_by", "_chat_id", "_account_id"))
    )


class RelinkResult(Enum):
    READY = "ready"  # the code can be used now
    MOVED = "moved"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    HAS_DATA = "has_data"  # the new account already holds a record of its own
    SAME_ACCOUNT = "same_account"  # opened from the account it would move away from
    RESPONDER = "responder"  # the new account is a village chief's or a staff member's


@dataclass(frozen=True)
class Relink:
    """One re-link code and, once used, the move it made."""

    relink_id: int
    user_id: int  # the person's account now
    old_account_id: int
    new_account_id: int | None
    made_by: int | None
    made_at: datetime
    expires_at: datetime
    used_at: datetime | None


_SELECT = (
    "SELECT relink_id, user_id, old_account_id, new_account_id, made_by, made_at, expires_at,"
    " used_at FROM relinks"
)


def _relink(row: Any) -> Relink:
    return from_row(
        Relink,
        row,
        used_at=lambda value: datetime.fromisoformat(value) if value else None,
        **dict.fromkeys(("relink_id", "user_id", "old_account_id"), int),
        **dict.fromkeys(("new_account_id", "made_by"), _id_or_none),
        **dict.fromkeys(("made_at", "expires_at"), datetime.fromisoformat),
    )


def _id_or_none(value: Any) -> int | None:
    return int(value) if value is not None else None


class RelinkQueries(StoreBase):
    async def create_relink(
        self, code_hash: str, user_id: int, made_by: int, expires_at: datetime
    ) -> int:
        """Keeps a new code's hash for this person's record; returns the relink id.

        Earlier unused codes for the same record stop working: one key at a time can be lost.
        """
        async with self._transaction() as db:
            await db.execute(
                "UPDATE relinks SET expires_at = ? WHERE user_id = ? AND used_at IS NULL"
                " AND expires_at > ?",
                (self._now(), user_id, self._now()),
            )
            cursor = await db.execute(
                "INSERT INTO relinks (code_hash, user_id, old_account_id, made_by, made_at,"
                " expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (code_hash, user_id, user_id, made_by, self._now(), expires_at.isoformat()),
            )
            assert cursor.lastrowid is not None
            return int(cursor.lastrowid)

    async def relink_state(self, code_hash: str) -> tuple[RelinkResult, Relink | None]:
        """Whether a code can be used now, and the code (nothing is changed)."""
        return await self._state(self._db, code_hash)

    async def _state(
        self, db: aiosqlite.Connection, code_hash: str
    ) -> tuple[RelinkResult, Relink | None]:
        row = await first_row(db, f"{_SELECT} WHERE code_hash = ?", (code_hash,))
        if row is None:
            return RelinkResult.UNKNOWN, None
        relink = _relink(row)
        if relink.used_at is not None:
            return RelinkResult.USED, None
        if relink.expires_at <= self._clock.now():
            return RelinkResult.EXPIRED, None
        return RelinkResult.READY, relink

    async def is_chief(self, user_id: int) -> bool:
        """Whether this account leads a village now (a record may not move onto it)."""
        return await leads_a_village(self._db, user_id)

    async def account_has_data(self, user_id: int) -> bool:
        """Whether this account holds a record of its own (more than an unfinished start)."""
        return await self._has_data(self._db, user_id)

    async def _has_data(self, db: aiosqlite.Connection, user_id: int) -> bool:
        for (table, column), action in RELINK_MOVES.items():
            if action == "stay" or (table, column) in ALLOWED_ON_NEW:
                continue
            extra = " AND status IN ('pending', 'sending')" if action == "live" else ""
            sql = f"SELECT 1 FROM {table} WHERE {column} = ?{extra} LIMIT 1"
            if await first_row(db, sql, (user_id,)) is not None:
                return True
        return False

    async def use_relink(
        self,
        code_hash: str,
        new_account_id: int,
        messages: Callable[[Relink, str | None], list[NewMessage]],
    ) -> tuple[RelinkResult, Relink | None, list[int]]:
        """Moves the whole record of the code's person to ``new_account_id``, in one transaction.

        Refused (nothing changed) when the code is unknown, used or expired, when it is opened
        from the account it would move away from, or when the new account has a record of its
        own. ``messages`` (given the code and the name on the person's newest registration, if
        any) are queued in the same transaction, claimed for the caller to send (their outbox
        ids are returned): the one who made the code is told it was used. Other codes still open
        for the person stop working: one talk, one move. Each open case of the person gets a
        "relinked" line in its history.
        """
        now = self._now()
        async with self._transaction() as db:
            result, relink = await self._state(db, code_hash)
            if result is not RelinkResult.READY or relink is None:
                return result, None, []
            old = relink.user_id
            if old == new_account_id:
                return RelinkResult.SAME_ACCOUNT, None, []
            if await leads_a_village(db, new_account_id):  # a chief's own (second) account
                return RelinkResult.RESPONDER, None, []
            if await self._has_data(db, new_account_id):
                return RelinkResult.HAS_DATA, None, []
            for table, column in STRAY_ROWS:
                await db.execute(f"DELETE FROM {table} WHERE {column} = ?", (new_account_id,))
            await _move_conversation_keys(db, old, new_account_id)
            for (table, column), action in RELINK_MOVES.items():
                if action == "move":
                    await db.execute(
                        f"UPDATE {table} SET {column} = ? WHERE {column} = ?",
                        (new_account_id, old),
                    )
                elif action == "live":
                    await db.execute(
                        f"UPDATE {table} SET {column} = ? WHERE {column} = ?"
                        " AND status IN ('pending', 'sending')",
                        (new_account_id, old),
                    )
            await db.execute(
                "UPDATE relinks SET used_at = ?, new_account_id = ? WHERE relink_id = ?",
                (now, new_account_id, relink.relink_id),
            )
            await db.execute(
                "UPDATE relinks SET expires_at = ? WHERE user_id = ? AND used_at IS NULL",
                (now, new_account_id),
            )
            # Every open case of the person says so in its history (who made the code).
            cases = await self._all(
                "SELECT alert_id FROM alerts WHERE user_id = ? AND resolved_at IS NULL",
                (new_account_id,),
                lambda row: int(row[0]),
            )
            for alert_id in cases:
                detail = {"relink_id": relink.relink_id}
                await event_in(db, alert_id, now, relink.made_by, "relinked", detail)
            row = await first_row(
                db,
                "SELECT name FROM departures WHERE user_id = ?"
                " ORDER BY for_self DESC, departure_id DESC LIMIT 1",
                (new_account_id,),
            )
            used = replace(relink, new_account_id=new_account_id, used_at=self._clock.now())
            queued = messages(used, str(row[0]) if row else None)
            ids = await enqueue_in(db, queued, now, claimed=True)
            return RelinkResult.MOVED, used, ids

    async def relinks_for_user(self, user_id: int) -> list[Relink]:
        """Every re-link code made for this person and every move, oldest first (case history)."""
        return await self._all(
            f"{_SELECT} WHERE user_id = ? ORDER BY relink_id", (user_id,), _relink
        )


async def leads_a_village(db: aiosqlite.Connection, user_id: int) -> bool:
    sql = "SELECT 1 FROM leaders WHERE user_id = ? AND revoked_at IS NULL LIMIT 1"
    return await first_row(db, sql, (user_id,)) is not None


async def _move_conversation_keys(db: aiosqlite.Connection, old: int, new: int) -> None:
    """Conversation states are keyed by (chat id, user id) as JSON: both ids move."""
    async with db.execute(
        "SELECT name, key FROM conversations WHERE user_id = ?", (old,)
    ) as cursor:
        rows = [(str(name), str(key)) async for name, key in cursor]
    for name, key in rows:
        moved = [new if part == old else part for part in json.loads(key)]
        await db.execute(
            "UPDATE conversations SET key = ?, user_id = ? WHERE name = ? AND key = ?",
            (json.dumps(moved), new, name, key),
        )
