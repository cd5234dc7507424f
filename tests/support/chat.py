"""The bot under test and the people talking to it, written so tests read like a chat.

villager = bot.user(1001)
await villager.send("/start")
await villager.click("ភាសាខ្មែរ")
assert "យល់ព្រម" in villager.last_text()
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Update

from app.config import load_config
from app.context import BotApplication, Services
from app.factory import build_application, open_services
from content.bundle import CONTENT_DIR
from conversations.commands import register_commands
from domain.clock import ManualClock
from preview.botapi import BOT_USER, ChatMessage, FakeTelegram, user_json
from screens.buttons import leading_sign
from storage.store import Store

TEST_TOKEN = "test-token-never-valid"
START = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 09:00 in Phnom Penh


class Bot:
    """The real Application (built as bot.py builds it), a temporary database, a fake Telegram."""

    def __init__(
        self, database: Path, clock: ManualClock | None = None, content_dir: Path = CONTENT_DIR
    ) -> None:
        self.database = database
        self.content_dir = content_dir
        self.clock = clock or ManualClock(START)
        self.telegram = FakeTelegram()
        self.app: BotApplication | None = None
        self.services: Services | None = None
        self._overrides: dict[str, Any] = {}

    async def start(self, **config_overrides: Any) -> Bot:
        """Starts the bot; a restart keeps the settings the first start was given."""
        self._overrides = config_overrides = {**self._overrides, **config_overrides}
        config = load_config(None, environ={"TELEGRAM_BOT_TOKEN": TEST_TOKEN})
        # No sending cap: the tests' fake Telegram never refuses a rate, so they stay fast.
        config = replace(config, database=self.database, max_messages_per_second=0)
        # The outbox's own tick runs on real time; tests send through the handlers and the sweep
        # (sweep_at) on the injected clock, so they stay deterministic.
        config = replace(config, outbox_interval=timedelta(0))
        config = replace(config, **config_overrides)
        self.services = await open_services(config, self.clock, self.content_dir)
        self.app = build_application(self.services, request=self.telegram)
        await self.app.initialize()
        await register_commands(self.app, self.services)
        await self.app.start()
        return self

    async def stop(self) -> None:
        """A clean shutdown, as on SIGTERM."""
        if self.app is not None:
            await self.app.stop()
            await self.app.shutdown()
        if self.services is not None:
            await self.services.store.close()
        self.app, self.services = None, None

    async def crash(self) -> None:
        """The process dies: the database connection goes first, nothing more is written."""
        assert self.app is not None and self.services is not None
        await self.services.store.close()
        app = self.app
        self.app, self.services = None, None
        # The final persistence write fails on the closed database: that is the crash.
        with contextlib.suppress(Exception):
            await app.stop()
        with contextlib.suppress(Exception):
            await app.shutdown()

    async def restart(self, crash: bool = False) -> None:
        """A new Application on the same database file, as after a restart."""
        await (self.crash() if crash else self.stop())
        await self.start()

    @property
    def store(self) -> Store:
        assert self.services is not None
        return self.services.store

    def user(self, user_id: int, first_name: str = "Sokha", language_code: str = "km") -> Person:
        return Person(self, user_id, first_name, language_code)

    def next_update_id(self) -> int:
        return self.telegram.next_update_id()

    async def feed(self, data: dict[str, Any]) -> None:
        assert self.app is not None, "the bot is not running"
        await self.app.process_update(Update.de_json(data, self.app.bot))


class Person:
    """Someone in a private chat with the bot."""

    def __init__(self, bot: Bot, user_id: int, first_name: str, language_code: str) -> None:
        self.bot = bot
        self.id = user_id
        self.json = user_json(user_id, first_name, language_code)
        self._seen = 0  # how much of the shown list this person has read

    # -- doing -------------------------------------------------------------------------------

    async def send(self, text: str) -> None:
        """Types and sends a text (a leading /command is marked as one, as Telegram does)."""
        await self._deliver(self.bot.telegram.user_message(self.json, text))

    async def send_sticker(self) -> None:
        message = self._own_message(None)
        message["sticker"] = {
            "file_id": "sticker-1",
            "file_unique_id": "s1",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
        await self._deliver(message)

    async def send_photo(self) -> None:
        message = self._own_message(None)
        message["photo"] = [
            {"file_id": "photo-1", "file_unique_id": "p1", "width": 90, "height": 90}
        ]
        await self._deliver(message)

    async def send_voice(
        self, content: bytes | None = None, *, mime_type: str = "audio/ogg", duration: int = 3
    ) -> str:
        """Sends a voice message (by default a few bytes that are not sound); its file_id.

        Telegram keeps every file a person sends, so the bot can fetch it or send it on.
        """
        message = self._own_message(None)
        content = b"OggS" if content is None else content
        file_id = self.bot.telegram.user_file("voice", content, mime_type)
        message["voice"] = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "duration": duration,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        await self._deliver(message)
        return file_id

    async def send_audio(self, content: bytes, *, mime_type: str, name: str) -> str:
        """Sends an audio file (as a staff member would send an offline recording)."""
        message = self._own_message(None)
        file_id = self.bot.telegram.user_file("audio", content, mime_type, name)
        message["audio"] = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "duration": 4,
            "mime_type": mime_type,
            "file_name": name,
            "file_size": len(content),
        }
        await self._deliver(message)
        return file_id

    async def send_location(self, latitude: float, longitude: float, live: bool = False) -> None:
        """Shares where they are (Telegram's location button), once or as a live location."""
        message = self._own_message(None)
        message["location"] = {"latitude": latitude, "longitude": longitude}
        if live:
            message["location"]["live_period"] = 3600
        await self._deliver(message)

    async def send_contact(self, phone: str, *, user_id: int | None = None) -> None:
        """Shares a contact (Telegram's "share my number" button gives one's own: ``user_id``
        is then the sender's; a contact picked from the address book may name anyone)."""
        message = self._own_message(None)
        message["contact"] = {"phone_number": phone, "first_name": "Contact"}
        if user_id is not None:
            message["contact"]["user_id"] = user_id
        await self._deliver(message)

    def reply_buttons(self) -> list[str]:
        """The labels of the reply keyboard under the newest message that set one."""
        for message in reversed(self._messages()):
            if message.from_bot and (message.reply_markup or {}).get("remove_keyboard"):
                return []
            if message.from_bot and message.reply_markup and "keyboard" in message.reply_markup:
                rows = message.reply_markup["keyboard"]
                return [b["text"] if isinstance(b, dict) else str(b) for row in rows for b in row]
        return []

    async def reply(self, text: str | None = None, *, voice: bool = False) -> None:
        """Replies to the bot's newest message, as the app does after a "reply to this" question."""
        asked = [m for m in self._messages() if m.from_bot][-1]
        message = self._own_message(text)
        message["reply_to_message"] = self.bot.telegram.message_json(asked)
        if voice:  # a real file behind it, as Telegram keeps every file a person sends
            file_id = self.bot.telegram.user_file("voice", b"OggS", "audio/ogg")
            message["voice"] = {"file_id": file_id, "file_unique_id": file_id, "duration": 4}
        await self._deliver(message)

    async def click(self, label: str) -> None:
        """Taps the button with this label on the newest message that has it."""
        for message in reversed(self._messages()):
            for text, data in message.buttons():
                # A reader may name a button by its words alone, without its leading symbol
                # («ស្ត្រី» for «👩 ស្ត្រី»); a villager who cannot read taps by the symbol
                # (tests/support/nonreader.py).
                if text == label or _words_of(text) == label:
                    return await self.press(data, message)
        raise AssertionError(f"no button {label!r}; the last buttons are {self.buttons()}")

    async def press(self, data: str, message: ChatMessage | None = None) -> None:
        """Sends a button press with any data, as a forged or stale client could."""
        message = message or self._last_with_buttons() or self._messages()[-1]
        await self.bot.feed(self.bot.telegram.user_press(self.json, message, data))

    # -- reading -------------------------------------------------------------------------------

    def last_text(self) -> str:
        """What the bot showed last in this chat: a new message or an edit (not a pop-up)."""
        texts = [
            s.text
            for s in self.bot.telegram.shown
            if s.chat_id == self.id and s.kind in ("message", "edit")
        ]
        assert texts, "the bot has shown nothing"
        return texts[-1]

    def last_alert(self) -> str | None:
        alerts = [
            s.text
            for s in self.bot.telegram.shown
            if s.chat_id == self.id and s.kind in ("alert", "toast")
        ]
        return alerts[-1] if alerts else None

    def new_texts(self) -> list[str]:
        """Everything the bot showed since the last call (messages and edits)."""
        shown = [s for s in self.bot.telegram.shown if s.chat_id == self.id]
        fresh, self._seen = shown[self._seen :], len(shown)
        return [s.text for s in fresh if s.kind in ("message", "edit")]

    def media(self) -> list[str]:
        """The kinds of media ("photo", "audio", "voice") the bot sent this person, in order."""
        return [
            s.kind
            for s in self.bot.telegram.shown
            if s.chat_id == self.id and s.kind in ("photo", "audio", "voice")
        ]

    def voices(self) -> list[ChatMessage]:
        """The voice messages the bot sent this person, oldest first."""
        return [m for m in self._messages() if m.from_bot and m.kind == "voice"]

    def buttons(self) -> list[str]:
        """Labels of the newest message with buttons."""
        message = self._last_with_buttons()
        return [label for label, _ in message.buttons()] if message else []

    def button_data(self) -> list[str]:
        message = self._last_with_buttons()
        return [data for _, data in message.buttons()] if message else []

    # -- plumbing ------------------------------------------------------------------------------

    def _messages(self) -> list[ChatMessage]:
        return [m for m in self.bot.telegram.chats.get(self.id, []) if not m.deleted]

    def _last_with_buttons(self) -> ChatMessage | None:
        bot_messages = [m for m in self._messages() if m.from_bot and m.reply_markup]
        return bot_messages[-1] if bot_messages else None

    def _own_message(self, text: str | None) -> dict[str, Any]:
        return self.bot.telegram.user_message(self.json, text)

    async def _deliver(self, message: dict[str, Any]) -> None:
        await self.bot.feed({"update_id": self.bot.next_update_id(), "message": message})


def _words_of(label: str) -> str | None:
    """A button's label without its leading symbol (emoji, flag, ✅), if it has one."""
    _, _, rest = label.partition(" ")
    return rest if rest and leading_sign(label) is not None else None


__all__ = ["BOT_USER", "Bot", "Person"]
