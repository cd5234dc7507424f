"""People: profiles from onboarding, and everything needed to show or erase what is kept."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from storage.base import NOW, StoreBase, from_row
from storage.case_events import event_in
from storage.conversation_state import EXPIRED_MARK
from storage.outbox import NewMessage, enqueue_in
from storage.rows import PersonalData, UserProfile

# Every (table, column) that points at a person. /delete erases all of them; a test checks that
# every table with a person column is listed here, so a new table cannot be forgotten.
PERSONAL_ROWS: tuple[tuple[str, str], ...] = (
    ("outbox", "user_id"),
    ("relinks", "user_id"),
    # A chief's registrations still waiting hold a villager's answers: they go with him.
    ("assisted_departures", "made_by"),
    ("voice_answers", "user_id"),
    ("recording_takes", "user_id"),
    ("listening", "user_id"),
    ("checkin_problems", "user_id"),
    ("checkins", "user_id"),
    ("alerts", "user_id"),
    ("returns", "user_id"),
    ("document_reminders", "user_id"),
    ("documents", "user_id"),
    ("departures", "user_id"),
    ("leaders", "user_id"),
    ("leader_invites", "used_by_user_id"),
    ("invite_attempts", "user_id"),
    ("broker_reports", "reporter_user_id"),
    ("refreshers", "user_id"),
    ("message_choices", "user_id"),
    ("quiz_answers", "user_id"),
    ("quiz_attempts", "user_id"),
    ("lesson_progress", "user_id"),
    ("statement_answers", "user_id"),
    ("referrals", "referred_user_id"),
    ("referrals", "referrer_user_id"),
    ("referral_codes", "user_id"),
    ("case_prompts", "actor_user_id"),
    ("family_reports", "reporter_user_id"),
    ("case_views", "viewer_id"),
    ("entries", "user_id"),
    ("conversations", "user_id"),
    ("drafts", "user_id"),
    ("users", "user_id"),
)
# Columns that mention a person inside someone else's row: emptied, the row is kept (a leader
# who erases their data must not erase the departure they acknowledged).
PERSONAL_MENTIONS: tuple[tuple[str, str], ...] = (
    ("departures", "acknowledged_by"),
    ("alerts", "acknowledged_by"),
    ("alerts", "resolved_by"),
    ("alerts", "handler_chat_id"),
    ("case_events", "actor_id"),
    ("family_reports", "relative_id"),
    ("relinks", "made_by"),
    ("announcements", "sent_by"),
    # A staff member's recordings are the programme's voice, kept for everyone: only the name
    # of who recorded them goes.
    ("recordings", "recorded_by"),
)


# Chats the person's id names as where a message about someone else went (a chief's copy of an
# alert, a notice, a pin, a "reply with your note"): those rows go too, so an erased chief leaves
# no id behind; a copy still on its way to them fails first, so the reconciler gives it to staff.
PERSONAL_CHATS: tuple[tuple[str, str], ...] = (
    ("notices", "chat_id"),
    ("alert_messages", "chat_id"),
    ("location_copies", "chat_id"),
    ("case_prompts", "chat_id"),
    ("outbox", "chat_id"),
)
# Columns that name the person in a row erased through another of its columns (a move's history
# is the person's own: its row goes with ``relinks.user_id``).
ERASED_WITH_THEIR_ROW: tuple[tuple[str, str], ...] = (
    ("relinks", "old_account_id"),
    ("relinks", "new_account_id"),
)


_USER = (
    "SELECT user_id, language, district_code, village_code, gender, age_band,"
    " consented_at, created_at, updated_at FROM users"
)


def _profile(row: Any) -> UserProfile:
    times = ("consented_at", "created_at", "updated_at")
    return from_row(UserProfile, row, **dict.fromkeys(times, datetime.fromisoformat))


class PeopleQueries(StoreBase):
    # -- people ---------------------------------------------------------------------------

    async def get_user(self, user_id: int) -> UserProfile | None:
        return await self._one(f"{_USER} WHERE user_id = ?", (user_id,), _profile)

    async def complete_onboarding(
        self,
        user_id: int,
        *,
        language: str,
        district_code: str | None,
        village_code: str | None,
        consented_at: datetime,
        entry: tuple[str, str | None] | None = None,
    ) -> None:
        """Records a person who agreed and chose their village (again, if they re-onboard).

        ``entry`` is how they came (channel, and the poster's village): kept the first time only.
        """
        now = self._now()
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO users (user_id, language, district_code, village_code,"
                " consented_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET language = excluded.language,"
                " district_code = excluded.district_code, village_code = excluded.village_code,"
                " consented_at = excluded.consented_at, updated_at = excluded.updated_at",
                (
                    user_id,
                    language,
                    district_code,
                    village_code,
                    consented_at.isoformat(),
                    now,
                    now,
                ),
            )
            if entry is not None:
                await db.execute(
                    "INSERT OR IGNORE INTO entries (user_id, channel, poster_village, entered_at)"
                    " VALUES (?, ?, ?, ?)",
                    (user_id, entry[0], entry[1], now),
                )

    async def entry_of(self, user_id: int) -> tuple[str, str | None] | None:
        """How the person first came to the bot: (channel, poster village), for /mydata."""
        return await self._one(
            "SELECT channel, poster_village FROM entries WHERE user_id = ?",
            (user_id,),
            lambda row: (str(row[0]), row[1]),
        )

    async def set_language(self, user_id: int, language: str) -> bool:
        """Changes a known person's language; False when there is no such person."""
        return await self._changed(
            "UPDATE users SET language = ?, updated_at = ? WHERE user_id = ?",
            (language, NOW, user_id),
        )

    async def set_about_me(self, user_id: int, *, gender: str | None, age_band: str | None) -> None:
        """Stores the optional gender and age band (None means the person skipped it)."""
        await self._write(
            "UPDATE users SET gender = ?, age_band = ?, updated_at = ? WHERE user_id = ?",
            (gender, age_band, NOW, user_id),
        )

    async def personal_data(self, user_id: int) -> PersonalData:
        """Everything kept about one person."""
        profile = await self.get_user(user_id)
        draft = await self._draft(user_id)
        draft.pop(EXPIRED_MARK, None)  # only that a form was erased, not a form: nothing to show
        names = await self._all(
            "SELECT DISTINCT name FROM conversations WHERE user_id = ? ORDER BY name",
            (user_id,),
            lambda row: row[0],
        )
        return PersonalData(profile=profile, draft=draft, open_conversations=tuple(names))

    async def erase_user(self, user_id: int) -> None:
        """Deletes every row about a person, in every table, in one transaction.

        An open case stays open without them (someone may be made to delete by the person
        standing beside them): it keeps what its handler needs, and every copy of it, of their
        closed cases and of their departure notices in leaders' and staff chats is rewritten.
        """
        async with self._transaction() as db:
            await _redact_copies_in(db, user_id, self._now())
            await _keep_open_cases_in(db, user_id, self._now())
            # Words a relative sent their family (/missing) are theirs: gone from the report and
            # from the message that carried them (sent or still on its way).
            await db.execute(
                "DELETE FROM outbox WHERE kind = 'text' AND key IN (SELECT o.key FROM outbox o"
                " JOIN family_reports f ON o.key LIKE 'family:' || f.report_id || ':told:%'"
                " WHERE f.relative_id = ?)",
                (user_id,),
            )
            await db.execute(
                "UPDATE family_reports SET relative_message = NULL WHERE relative_id = ?",
                (user_id,),
            )
            # Their name in a case they handled is theirs too; the case's history keeps the step.
            await db.execute(
                "UPDATE case_events SET detail = json_remove(detail, '$.name') WHERE actor_id = ?",
                (user_id,),
            )
            for table, column in PERSONAL_ROWS:
                await db.execute(f"DELETE FROM {table} WHERE {column} = ?", (user_id,))
            for table, column in PERSONAL_MENTIONS:
                await db.execute(
                    f"UPDATE {table} SET {column} = NULL WHERE {column} = ?", (user_id,)
                )
            # Messages still on their way to this person's chat about others (a leader's alert
            # copy): not sent to someone who left; failed, so the reconciler finds who else
            # should have them (an alert or notice that then reached nobody goes to staff).
            await db.execute(
                "UPDATE outbox SET status = 'failed', last_error = 'erased', claimed_at = NULL"
                " WHERE chat_id = ? AND status IN ('pending', 'sending')",
                (user_id,),
            )
            for table, column in PERSONAL_CHATS:
                await db.execute(f"DELETE FROM {table} WHERE {column} = ?", (user_id,))

    async def rows_about(self, user_id: int) -> int:
        """How many rows in any table mention this person (for tests and audits)."""
        return sum((await self.rows_by_table(user_id)).values())

    async def rows_by_table(self, user_id: int) -> dict[str, int]:
        """For /mydata: how many rows of each table (``table.column``) mention this person."""
        counts = {}
        for table, column in PERSONAL_ROWS + PERSONAL_MENTIONS:
            counts[f"{table}.{column}"] = await self._count(
                f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (user_id,)
            )
        return counts

    async def _draft(self, user_id: int) -> dict[str, Any]:
        draft = await self._one(
            "SELECT data FROM drafts WHERE user_id = ?",
            (user_id,),
            lambda row: dict(json.loads(row[0])),
        )
        return draft if draft is not None else {}


async def _redact_copies_in(db: aiosqlite.Connection, user_id: int, now: str) -> None:
    """Queues an edit of every copy the bot sent about the person (open cases keep theirs)."""
    async with db.execute(
        "SELECT m.chat_id, m.message_id, a.alert_id, a.resolved_at IS NULL FROM alert_messages m"
        " JOIN alerts a ON a.alert_id = m.alert_id WHERE a.user_id = ?",
        (user_id,),
    ) as cursor:
        copies = [(int(c), int(m), int(a) if keep else None) async for c, m, a, keep in cursor]
    async with db.execute(
        "SELECT n.chat_id, n.message_id FROM notices n"
        " JOIN departures d ON d.departure_id = n.departure_id WHERE d.user_id = ?",
        (user_id,),
    ) as cursor:
        copies += [(int(c), int(m), None) async for c, m in cursor]
    async with db.execute(
        "SELECT l.chat_id, l.message_id FROM location_copies l"
        " JOIN alerts a ON a.alert_id = l.alert_id WHERE a.user_id = ?",
        (user_id,),
    ) as cursor:
        pins = [(int(c), int(m)) async for c, m in cursor]
    await db.execute(
        "DELETE FROM location_copies WHERE alert_id IN"
        " (SELECT alert_id FROM alerts WHERE user_id = ?)",
        (user_id,),
    )
    unpins = [_erased(f"unpin:{chat}:{message}", "unpin", chat, message) for chat, message in pins]
    cards = [
        _erased(f"card:erased:{chat}:{message}", "card", chat, message, alert_id)
        for chat, message, alert_id in copies
    ]
    await enqueue_in(db, unpins + cards, now, claimed=False)


def _erased(
    key: str, kind: str, chat: int, message: int, alert_id: int | None = None
) -> NewMessage:
    """What is done to a message about the erased person in a chief's or staff chat."""
    return NewMessage(
        key=key,
        group_key=f"erased:{chat}",
        kind=kind,
        role="staff" if chat < 0 else "leader",
        chat_id=chat,
        ref_id=alert_id,
        payload={"message_id": message},
    )


async def _keep_open_cases_in(db: aiosqlite.Connection, user_id: int, now: str) -> None:
    """Open cases lose the person (and where they were) but stay open, marked as erased."""
    async with db.execute(
        "SELECT alert_id FROM alerts WHERE user_id = ? AND resolved_at IS NULL", (user_id,)
    ) as cursor:
        open_ids = [int(row[0]) async for row in cursor]
    for alert_id in open_ids:
        await db.execute(
            "UPDATE alerts SET user_id = NULL, erased_at = ? WHERE alert_id = ?", (now, alert_id)
        )
        await db.execute(
            "DELETE FROM case_events WHERE alert_id = ? AND kind = 'location'", (alert_id,)
        )
        await event_in(db, alert_id, now, None, "erased", {})
        # Copies still on their way to leaders and staff go on (not deleted with the person).
        await db.execute(
            "UPDATE outbox SET user_id = NULL WHERE ref_id = ? AND kind = 'alert'"
            " AND role != 'person'",
            (alert_id,),
        )
