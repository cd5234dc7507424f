"""The one place with SQL: intention-named async methods over a single SQLite file."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

from domain.clock import Clock
from storage.migrations import apply_migrations
from storage.rows import PersonalData, UserProfile

ConversationKey = tuple[str | int, ...]


class Store:
    """Durable state of the bot. Open with ``await Store.open(path, clock)``."""

    def __init__(self, db: aiosqlite.Connection, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        # One connection is shared by concurrent handlers and the persistence writer: a lock keeps
        # their transactions from interleaving ("cannot start a transaction within a transaction").
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, clock: Clock) -> Store:
        """Opens (creating if needed) the database and brings its schema up to date."""
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we say BEGIN ourselves, so a multi-row change is one transaction.
        db = await aiosqlite.connect(path, isolation_level=None)
        try:
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA busy_timeout = 5000")
            await apply_migrations(db, clock.now().isoformat())
        except BaseException:
            await db.close()
            raise
        return cls(db, clock)

    async def close(self) -> None:
        await self._db.close()

    def _now(self) -> str:
        return self._clock.now().isoformat()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

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
        async with self._db.execute(
            "SELECT DISTINCT name FROM conversations WHERE user_id = ? ORDER BY name", (user_id,)
        ) as cursor:
            names = tuple([row[0] async for row in cursor])
        return PersonalData(profile=profile, draft=draft, open_conversations=names)

    async def erase_user(self, user_id: int) -> None:
        """Deletes every row about a person, in one transaction."""
        async with self._transaction() as db:
            await db.execute("DELETE FROM users WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM drafts WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM conversations WHERE user_id = ?", (user_id,))

    async def rows_about(self, user_id: int) -> int:
        """How many rows in any table mention this person (for tests and audits)."""
        total = 0
        for table in ("users", "drafts", "conversations"):
            async with self._db.execute(
                f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (user_id,)
            ) as cursor:
                row = await cursor.fetchone()
            total += row[0] if row else 0
        return total

    # -- conversation states and drafts (used by storage.persistence) -------------------------

    async def load_conversations(self, name: str) -> dict[ConversationKey, object]:
        async with self._db.execute(
            "SELECT key, state FROM conversations WHERE name = ?", (name,)
        ) as cursor:
            return {tuple(json.loads(key)): json.loads(state) async for key, state in cursor}

    async def save_conversation(
        self, name: str, key: ConversationKey, state: object | None
    ) -> None:
        """Stores a conversation's state; None means it ended."""
        key_json = json.dumps(list(key))
        async with self._transaction() as db:
            if state is None:
                await db.execute(
                    "DELETE FROM conversations WHERE name = ? AND key = ?", (name, key_json)
                )
                return
            # In private chats and per-user conversations the last key part is the user id.
            user_id = key[-1] if key and isinstance(key[-1], int) else None
            await db.execute(
                "INSERT INTO conversations (name, key, user_id, state, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (name, key) DO UPDATE"
                " SET state = excluded.state, updated_at = excluded.updated_at",
                (name, key_json, user_id, json.dumps(state), self._now()),
            )

    async def load_drafts(self) -> dict[int, dict[str, Any]]:
        async with self._db.execute("SELECT user_id, data FROM drafts") as cursor:
            return {user_id: json.loads(data) async for user_id, data in cursor}

    async def _draft(self, user_id: int) -> dict[str, Any]:
        async with self._db.execute(
            "SELECT data FROM drafts WHERE user_id = ?", (user_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return dict(json.loads(row[0])) if row else {}

    async def save_draft(self, user_id: int, data: dict[str, Any]) -> None:
        """Stores a half-finished form; an empty one is deleted, so finished forms leave nothing."""
        async with self._transaction() as db:
            if not data:
                await db.execute("DELETE FROM drafts WHERE user_id = ?", (user_id,))
                return
            await db.execute(
                "INSERT INTO drafts (user_id, data, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE"
                " SET data = excluded.data, updated_at = excluded.updated_at",
                (user_id, json.dumps(data, ensure_ascii=False), self._now()),
            )
