"""The people in a preview and what they can do: type, tap, open a link, move time on.

A preview has three people, so the whole story can be shown on one screen: a villager who
plans to leave, a village leader (made through the real invite flow) and a programme staff
member. Their taps become the same updates Telegram would deliver, queued for the bot's
getUpdates; what the bot sent them is read back from the same in-memory Bot API.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta, tzinfo
from typing import Any

from content.bundle import Content
from content.formatting import format_moment
from domain.clock import ShiftedClock
from preview.botapi import BOT_USER, FakeTelegram, user_json


@dataclass(frozen=True)
class Persona:
    """One person talking to the bot in the preview."""

    key: str
    user_id: int
    first_name: str
    language_code: str = "km"

    def json(self) -> dict[str, Any]:
        return user_json(self.user_id, self.first_name, self.language_code)


VILLAGER = Persona("villager", 5_000_001, "Sokha")
LEADER = Persona("leader", 5_000_002, "Chanthy")
STAFF = Persona("staff", 5_000_003, "Dara")
PERSONAS = (VILLAGER, LEADER, STAFF)

# The only moves the page offers: forward, by these steps.
STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7)}
MAX_TEXT = 4096  # what a Telegram app lets a person type
MAX_VOICE = 10 * 1024 * 1024  # as the bot takes from staff (conversations/recording.py)
VOICE_TYPES = ("audio/ogg", "audio/mpeg", "audio/mp4", "audio/x-m4a")
WORDS_PREFIX = "preview."


PREVIEW_LOCATION = {"latitude": 13.7563, "longitude": 100.5018}  # a place to share, in Bangkok


class PreviewError(ValueError):
    """A request the page should not have made (unknown person, message or step)."""


class Preview:
    """Turns what people do on the page into updates, and the chats back into JSON."""

    def __init__(
        self,
        telegram: FakeTelegram,
        clock: ShiftedClock,
        on_time_moved: Callable[[], None] | None = None,
    ) -> None:
        self.telegram = telegram
        self.clock = clock
        self.on_time_moved = on_time_moved
        self.content: Content | None = None  # the bot's content, once it has loaded it
        self.zone: tzinfo = UTC
        telegram.time_source = lambda: clock.now().timestamp()

    def attach(self, content: Content, zone: tzinfo) -> None:
        """The bot's content and home time zone: the page's words and clock come from them."""
        self.content, self.zone = content, zone

    def words(self) -> dict[str, dict[str, str]]:
        """The page's own words (``preview.*`` in content/<lang>/preview.po), per language."""
        if self.content is None:
            return {}
        texts = self.content.texts
        return {
            lang: {
                key.removeprefix(WORDS_PREFIX): texts.raw(lang, key)
                for key in sorted(texts.keys(lang))
                if key.startswith(WORDS_PREFIX)
            }
            for lang in texts.languages
        }

    def persona(self, key: Any) -> Persona:
        for persona in PERSONAS:
            if persona.key == key:
                return persona
        raise PreviewError("unknown person")

    # -- doing -------------------------------------------------------------------------------

    def send(self, key: Any, text: Any) -> None:
        """The person types ``text`` and sends it."""
        persona = self.persona(key)
        if not isinstance(text, str) or not text.strip():
            raise PreviewError("empty message")
        newest = self._newest_from_bot(persona.user_id)
        markup = (newest.reply_markup or {}) if newest else {}
        wants_location = any(
            isinstance(b, dict) and b.get("request_location") and b.get("text") == text
            for row in self._reply_keyboard(persona.user_id)
            for b in row
        )
        message = self.telegram.user_message(
            persona.json(), None if wants_location else text[:MAX_TEXT]
        )
        if wants_location:  # Telegram's location button: a place, here a fixed one in Bangkok
            message["location"] = dict(PREVIEW_LOCATION)
            self.telegram.chats[persona.user_id][-1].text = "📍"
        elif newest is not None and markup.get("force_reply"):
            # Telegram's apps open a reply to a "reply to this" question: the answer is one.
            message["reply_to_message"] = self.telegram.message_json(newest)
        self.telegram.push({"update_id": self.telegram.next_update_id(), "message": message})

    def _reply_keyboard(self, chat_id: int) -> list[list[Any]]:
        """The reply keyboard under the text box now: the newest one shown, until removed."""
        rows: list[list[Any]] = []
        for message in self.telegram.chats.get(chat_id, []):
            markup = message.reply_markup or {} if message.from_bot else {}
            if markup.get("keyboard"):
                rows = markup["keyboard"]
            elif markup.get("remove_keyboard"):
                rows = []
        return rows

    def _newest_from_bot(self, chat_id: int) -> Any:
        shown = [m for m in self.telegram.chats.get(chat_id, []) if m.from_bot and not m.deleted]
        return shown[-1] if shown else None

    def send_voice(self, key: Any, data: Any, mime_type: Any) -> None:
        """The person sends a recording (a file picked on the page) as a voice message."""
        persona = self.persona(key)
        if mime_type not in VOICE_TYPES:
            raise PreviewError("not an OGG, MP3 or M4A recording")
        try:
            content = base64.b64decode(data if isinstance(data, str) else "", validate=True)
        except ValueError as error:
            raise PreviewError("not base64") from error
        if not content or len(content) > MAX_VOICE:
            raise PreviewError("empty, or over 10 MB")
        newest = self._newest_from_bot(persona.user_id)
        message = self.telegram.user_voice(persona.json(), content, mime_type)
        if newest is not None and (newest.reply_markup or {}).get("force_reply"):
            # A spoken answer to a "reply to this" question (a case note) is a reply too.
            message["reply_to_message"] = self.telegram.message_json(newest)
        self.telegram.push({"update_id": self.telegram.next_update_id(), "message": message})

    def press(self, key: Any, message_id: Any, data: Any) -> None:
        """The person taps an inline button of one of the bot's messages in their chat."""
        persona = self.persona(key)
        if not isinstance(message_id, int) or not isinstance(data, str):
            raise PreviewError("bad button")
        try:
            message = self.telegram.message(persona.user_id, message_id)
        except Exception as error:
            raise PreviewError("no such message") from error
        if data not in {d for _, d in message.buttons()}:
            raise PreviewError("no such button")  # the page only offers real buttons
        self.telegram.push(self.telegram.user_press(persona.json(), message, data))

    def advance(self, step: Any) -> None:
        """Moves the bot's clock forward by one of the page's steps and runs the sweep now."""
        if step not in STEPS:
            raise PreviewError("unknown step")
        self.clock.advance(STEPS[step])
        self.telegram.changed()
        if self.on_time_moved is not None:
            self.on_time_moved()

    # -- showing -------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Everything the page draws: people, their chats, command menus, pop-ups, the time."""
        telegram = self.telegram
        alerts = [
            {"seq": index, "chat": s.chat_id, "kind": s.kind, "text": s.text}
            for index, s in enumerate(telegram.shown)
            if s.kind in ("alert", "toast")
        ]
        return {
            "version": telegram.version,
            "now": self.clock.now().isoformat(),
            "clock": {
                lang: format_moment(self.clock.now(), self.zone, lang)
                for lang in (self.content.texts.languages if self.content else ())
            },
            "offset_hours": self.clock.offset / timedelta(hours=1),
            "bot": {"username": BOT_USER["username"], "name": BOT_USER["first_name"]},
            "personas": [{"key": p.key, "id": p.user_id, "name": p.first_name} for p in PERSONAS],
            "chats": {p.key: self._chat(p) for p in PERSONAS},
            "commands": telegram.commands,
            "alerts": alerts[-20:],
        }

    def _chat(self, persona: Persona) -> list[dict[str, Any]]:
        chat = []
        for message in self.telegram.chats.get(persona.user_id, []):
            if message.deleted:
                continue
            markup = message.reply_markup or {}
            stored = self.telegram.files.get(message.file_id or "")
            chat.append(
                {
                    "id": message.message_id,
                    "from_bot": message.from_bot,
                    "kind": message.kind,
                    "text": _shown_text(message),
                    "html": message.parse_mode == "HTML",
                    "caption": message.caption,
                    "file": f"/files/{message.file_id}" if stored else None,
                    "file_name": stored.name if stored else None,
                    "edited": message.edits > 0,
                    "date": message.date,
                    "inline": [
                        [
                            {"text": b["text"], "data": b.get("callback_data"), "url": b.get("url")}
                            for b in row
                        ]
                        for row in markup.get("inline_keyboard", [])
                    ],
                    "keyboard": [
                        [b["text"] if isinstance(b, dict) else str(b) for b in row]
                        for row in markup.get("keyboard", [])
                    ],
                    "remove_keyboard": bool(markup.get("remove_keyboard")),
                }
            )
        return chat


def _shown_text(message: Any) -> str:
    """A text as it is; a map pin as its title, line and place (the page draws no map)."""
    if message.kind == "venue" and message.location is not None:
        title, _, address = message.text.removeprefix("[venue] ").partition(" | ")
        latitude, longitude = message.location
        return f"{title}\n{address}\n{latitude:.4f}, {longitude:.4f}"
    return str(message.text) if message.kind == "text" else ""
