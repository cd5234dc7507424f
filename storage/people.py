"""People: profiles from onboarding, and everything needed to show or erase what is kept."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.base import StoreBase
from storage.conversation_state import EXPIRED_MARK
from storage.rows import PersonalData, UserProfile

# Every (table, column) that points at a person. /delete erases all of them; a test checks that
# every table with a person column is listed here, so a new table cannot be forgotten.
PERSONAL_ROWS: tuple[tuple[str, str], ...] = (
    ("outbox", "user_id"),
    ("checkin_problems", "user_id"),
    ("checkins", "user_id"),
    ("alerts", "user_id"),
    ("returns", "user_id"),
    ("departures", "user_id"),
    ("leaders", "user_id"),
    ("leader_invites", "used_by_user_id"),
    ("invite_attempts", "user_id"),
    ("broker_reports", "reporter_user_id"),
    ("quiz_answers", "user_id"),
    ("quiz_attempts", "user_id"),
    ("lesson_progress", "user_id"),
    ("statement_answers", "user_id"),
    ("referrals", "referred_user_id"),
    ("referrals", "referrer_user_id"),
    ("referral_codes", "user_id"),
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
)


class PeopleQueries(StoreBase):
    # -- people ---------------------------------------------------------------------------

    async def get_user(self, user_id: int) -> UserProfile | None:
        async with self._db.execute(
            "SELECT user_id, language, district_code, village_code, gender, age_band,"
            " consented_at, created_at, updated_at FROM users WHERE user_id = ?",
            (user_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return UserProfile(
            user_id=row[0],
            language=row[1],
            district_code=row[2],
            village_code=row[3],
            gender=row[4],
            age_band=row[5],
            consented_at=datetime.fromisoformat(row[6]),
            created_at=datetime.fromisoformat(row[7]),
            updated_at=datetime.fromisoformat(row[8]),
        )

    async def complete_onboarding(
        self,
        user_id: int,
        *,
        language: str,
        district_code: str | None,
        village_code: str | None,
        consented_at: datetime,
    ) -> None:
        """Records a person who agreed and chose their village (again, if they re-onboard)."""
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

    async def set_language(self, user_id: int, language: str) -> bool:
        """Changes a known person's language; False when there is no such person."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE users SET language = ?, updated_at = ? WHERE user_id = ?",
                (language, self._now(), user_id),
            )
            return cursor.rowcount > 0

    async def set_about_me(self, user_id: int, *, gender: str | None, age_band: str | None) -> None:
        """Stores the optional gender and age band (None means the person skipped it)."""
        async with self._transaction() as db:
            await db.execute(
                "UPDATE users SET gender = ?, age_band = ?, updated_at = ? WHERE user_id = ?",
                (gender, age_band, self._now(), user_id),
            )

    async def personal_data(self, user_id: int) -> PersonalData:
        """Everything kept about one person."""
        profile = await self.get_user(user_id)
        draft = await self._draft(user_id)
        draft.pop(EXPIRED_MARK, None)  # only that a form was erased, not a form: nothing to show
        async with self._db.execute(
            "SELECT DISTINCT name FROM conversations WHERE user_id = ? ORDER BY name", (user_id,)
        ) as cursor:
            names = tuple([row[0] async for row in cursor])
        return PersonalData(profile=profile, draft=draft, open_conversations=names)

    async def erase_user(self, user_id: int) -> None:
        """Deletes every row about a person, in every table, in one transaction."""
        async with self._transaction() as db:
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

    async def rows_about(self, user_id: int) -> int:
        """How many rows in any table mention this person (for tests and audits)."""
        return sum((await self.rows_by_table(user_id)).values())

    async def rows_by_table(self, user_id: int) -> dict[str, int]:
        """For /mydata: how many rows of each table (``table.column``) mention this person."""
        counts = {}
        for table, column in PERSONAL_ROWS + PERSONAL_MENTIONS:
            async with self._db.execute(
                f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (user_id,)
            ) as cursor:
                row = await cursor.fetchone()
            counts[f"{table}.{column}"] = int(row[0]) if row else 0
        return counts

    async def _draft(self, user_id: int) -> dict[str, Any]:
        async with self._db.execute(
            "SELECT data FROM drafts WHERE user_id = ?", (user_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return dict(json.loads(row[0])) if row else {}
