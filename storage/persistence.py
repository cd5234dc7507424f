"""PTB persistence on the bot's own SQLite file: conversation states and form drafts."""

from __future__ import annotations

import hashlib
import json
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

    A draft or conversation state that is the same as the one stored is not written again. PTB
    hands over every person whose update it handled, changed or not, and every step of a form,
    even one that stays in the same state: most updates change no draft (a lesson, a quiz
    answer), and the departure form stays in one state for 15 of its 16 steps. Without this, an
    update cost one to three writes of what was already stored. This process is the only writer
    of both, apart from /delete: it erases the rows, then drops the person's data through
    ``drop_user_data``, which forgets what was stored for them here too.
    """

    def __init__(self, store: Store, update_interval: float) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self._store = store
        # What is stored, as last written or loaded (no entry: no row): a digest of each draft,
        # and each open conversation's state as JSON.
        self._drafts: dict[int, bytes] = {}
        self._states: dict[tuple[str, ConversationKey], str] = {}

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        drafts = await self._store.load_drafts()
        self._drafts = {user_id: _digest(data) for user_id, data in drafts.items() if data}
        return drafts

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        digest = _digest(data) if data else None
        if self._drafts.get(user_id) == digest:
            return  # already stored
        await self._store.save_draft(user_id, deepcopy(data))
        if digest is None:
            self._drafts.pop(user_id, None)
        else:
            self._drafts[user_id] = digest

    async def drop_user_data(self, user_id: int) -> None:
        # After /delete erased the person's rows: nothing of theirs is known to be stored.
        self._drafts.pop(user_id, None)
        for name, key in [stored for stored in self._states if user_id in stored[1]]:
            del self._states[name, key]
        await self._store.save_draft(user_id, {})

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def get_conversations(self, name: str) -> ConversationDict:
        states = await self._store.load_conversations(name)
        for key, state in states.items():
            self._states[name, key] = json.dumps(state)
        return states

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        text = None if new_state is None else json.dumps(new_state)
        if self._states.get((name, key)) == text:
            return  # already stored
        await self._store.save_conversation(name, key, new_state)
        if text is None:
            self._states.pop((name, key), None)
        else:
            self._states[name, key] = text

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


def _digest(data: dict[str, Any]) -> bytes:
    """Tells drafts apart (128 bits) without keeping a second copy of each in memory."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=16).digest()
