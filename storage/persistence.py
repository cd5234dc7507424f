"""PTB persistence on the bot's own SQLite file: conversation states and form drafts."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from storage.store import ConversationKey, Store

# The shapes PTB passes (spelled out here rather than imported from PTB's private modules).
ConversationDict = dict[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]


class SqlitePersistence(BasePersistence[dict[str, Any], dict[str, Any], dict[str, Any]]):
    """Keeps what PTB holds in memory across restarts.

    Only conversation states and ``user_data`` (half-finished forms) are stored; domain data lives
    in ``Store`` tables. Chat data, bot data and callback data are not used by this bot.
    """

    def __init__(self, store: Store, update_interval: float) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self._store = store

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        return await self._store.load_drafts()

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        await self._store.save_draft(user_id, deepcopy(data))

    async def drop_user_data(self, user_id: int) -> None:
        await self._store.save_draft(user_id, {})

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def get_conversations(self, name: str) -> ConversationDict:
        return await self._store.load_conversations(name)

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        await self._store.save_conversation(name, key, new_state)

    # Unused kinds of data: PTB requires the methods, so they say there is nothing.

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return {}

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        """Chat data is not stored."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not stored."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        """Chat data is not stored."""

    async def get_bot_data(self) -> dict[str, Any]:
        return {}

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        """Bot data is not stored: services live there, and they are rebuilt at start."""

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        """Bot data is not stored."""

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        """Callback data is plain strings in this bot; nothing to store."""

    async def flush(self) -> None:
        """Every write already went to SQLite; the store is closed by the bot's shutdown."""
