"""What PTB keeps in memory, kept on disk: conversation states and form drafts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.base import StoreBase

ConversationKey = tuple[str | int, ...]
# In a person's user_data once their unfinished form expired: how many days it waited. Kept,
# alone, until they are told (conversations/drafts.py); it says nothing of what the form held.
EXPIRED_MARK = "draft_expired"


class PersistenceQueries(StoreBase):
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

    async def stale_form_owners(self, before: datetime, limit: int) -> list[int]:
        """People whose draft and conversation states were all last changed before ``before``."""
        return await self._all(
            "SELECT user_id FROM ("
            " SELECT user_id, updated_at FROM drafts"
            " UNION ALL"
            " SELECT user_id, updated_at FROM conversations WHERE user_id IS NOT NULL"
            ") GROUP BY user_id HAVING MAX(updated_at) < ? ORDER BY user_id LIMIT ?",
            (before.isoformat(), limit),
            lambda row: int(row[0]),
        )

    async def forget_stale_forms(self, user_ids: list[int], before: datetime) -> int:
        """Deletes these people's drafts and conversation states older than ``before``."""
        deleted = 0
        async with self._transaction() as db:
            for user_id in user_ids:
                for table in ("drafts", "conversations"):
                    cursor = await db.execute(
                        f"DELETE FROM {table} WHERE user_id = ? AND updated_at < ?",
                        (user_id, before.isoformat()),
                    )
                    deleted += cursor.rowcount
        return deleted
