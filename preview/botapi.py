"""A Telegram Bot API kept in memory: the tests' fake Telegram, the preview's and the benchmarks'.

One implementation for all three. It is a ``BaseRequest`` (the lowest layer PTB offers), so tests
plug it straight into the Application; ``preview.server`` serves the same object over HTTP on
127.0.0.1 for the preview and the benchmarks. It answers the methods the bot uses the way
Telegram does (including its refusals: messages over 4,096 characters, broken HTML, callback data
over 64 bytes, "message is not modified", blocked chats), records everything the bot showed so
tests can read it like a chat, and makes the updates a person's taps and messages would cause.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {
    "id": 7000001,
    "is_bot": True,
    "first_name": "Safe Migration",
    "username": "safe_migration_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
# Reads that change nothing a chat page shows.
_QUIET = frozenset({"getUpdates", "getMe", "sendChatAction", "getMyCommands", "deleteWebhook"})
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre"}
MAX_TEXT = 4096
DELETE_WITHIN = 48 * 3600  # seconds: Telegram refuses to delete an older message


def chat_json(chat_id: int) -> dict[str, Any]:
    """A Telegram ``Chat``: a person's private chat (a positive id) or a group (negative)."""
    if chat_id < 0:
        # Supergroup ids are "-100" followed by the group's number; basic groups' are shorter.
        kind = "supergroup" if chat_id < -1_000_000_000_000 else "group"
        return {"id": chat_id, "type": kind, "title": f"Group {-chat_id}"}
    return {"id": chat_id, "type": "private", "first_name": "Chat"}


def user_json(user_id: int, first_name: str, language_code: str) -> dict[str, Any]:
    """A Telegram ``User`` as the Bot API sends it: the person behind a message or a press."""
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "language_code": language_code,
    }


class ApiRefusal(Exception):
    """What Telegram answers with ``ok: false``."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass
class ChatMessage:
    """One message in a chat, as Telegram would keep it."""

    chat_id: int
    message_id: int
    text: str
    from_bot: bool
    reply_markup: dict[str, Any] | None = None
    deleted: bool = False
    edits: int = 0
    kind: str = "text"  # text | photo | audio | document | sticker | voice
    parse_mode: str | None = None
    file_id: str | None = None  # of the photo, audio or document
    caption: str | None = None
    date: int = 0
    location: tuple[float, float] | None = None  # of a venue (a map pin with a title)

    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


@dataclass
class Shown:
    """One thing the bot did that a person sees: a new message, an edit, or a pop-up."""

    kind: str  # "message" | "edit" | "alert" | "toast" | "photo" | "audio" | "document"
    chat_id: int
    text: str
    message_id: int | None = None


@dataclass(frozen=True)
class StoredFile:
    """A file the bot uploaded, kept so a chat page can show it and a file_id can resend it."""

    name: str
    mime_type: str
    content: bytes


@dataclass
class FakeTelegram(BaseRequest):
    """An in-memory Telegram for one bot."""

    chats: dict[int, list[ChatMessage]] = field(default_factory=dict)
    shown: list[Shown] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    refusals: list[tuple[str, str]] = field(default_factory=list)
    callback_owner: dict[str, int] = field(default_factory=dict)
    pending_updates: list[dict[str, Any]] = field(default_factory=list)  # for getUpdates
    webhook: dict[str, Any] = field(default_factory=dict)
    documents: dict[int, bytes] = field(default_factory=dict)  # message id -> file content
    blocked: set[int] = field(default_factory=set)  # chats that blocked or removed the bot
    migrated: dict[int, int] = field(default_factory=dict)  # group id -> its supergroup id
    failing: dict[int, int] = field(default_factory=dict)  # chat -> sends that fail (HTTP 502)
    left: list[int] = field(default_factory=list)  # groups and channels the bot left
    files: dict[str, StoredFile] = field(default_factory=dict)  # file_id -> what was uploaded
    # method -> seconds its answer is held after the call is done (a slow Telegram); none by default
    delays: dict[str, float] = field(default_factory=dict)
    version: int = 0  # grows with every change a chat page would show
    _files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)  # this request's
    _next_id: dict[int, int] = field(default_factory=dict)
    _next_update: int = 0
    _changed: asyncio.Event | None = None
    closing: bool = False  # set when the server stops: long polls return at once
    now: int = 1_772_330_400  # seconds; tests may move it
    time_source: Callable[[], float] | None = None  # the preview's clock, when there is one

    def __post_init__(self) -> None:
        super().__init__()

    def timestamp(self) -> int:
        """Telegram's "date" of what happens now: the preview's clock, else ``now``."""
        return int(self.time_source()) if self.time_source is not None else self.now

    # -- BaseRequest -------------------------------------------------------------------------

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if method == "GET":  # a file download (File.download_*), not a Bot API method
            return self.download(url)
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        self._files = {}
        if request_data is not None and request_data.contains_files:
            multipart = request_data.multipart_data or {}
            self._files = {
                k: (
                    str(v[0]),
                    v[1] if isinstance(v[1], bytes) else v[1].read(),
                    str(v[2]) if len(v) > 2 and v[2] else "",
                )
                for k, v in multipart.items()
            }
        self.calls.append((name, params))
        if name == "getUpdates":
            self._forget_confirmed(params)  # at once, as Telegram does: not after the long poll
            await self._long_poll(params)
        api = getattr(self, f"_api_{name}", None)
        try:
            if api is None:
                raise ApiRefusal(404, f"Not Found: method {name} is not in the fake")
            result = api(params)
        except ApiRefusal as refusal:
            self.refusals.append((name, refusal.description))
            body = {"ok": False, "error_code": refusal.code, "description": refusal.description}
            if refusal.parameters:
                body["parameters"] = refusal.parameters
            return refusal.code, json.dumps(body).encode()
        if name not in _QUIET:
            self.changed()
        if self.delays.get(name):
            await asyncio.sleep(self.delays[name])
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def download(self, url: str) -> tuple[int, bytes]:
        """The bytes behind a ``getFile`` path, as Telegram's file server gives them."""
        file_id = url.rsplit("/", 1)[-1]
        stored = self.files.get(file_id)
        if "/file/bot" not in url or stored is None:
            return 404, b"Not Found"
        return 200, stored.content

    async def _long_poll(self, params: dict[str, Any]) -> None:
        """Holds getUpdates until an update is pending or the poll's timeout (Telegram's way).

        Checked every 20 ms rather than woken by an event: the object may be shared with a
        server thread, and the cost of a short sleep is nothing next to a person's typing.
        """
        timeout = min(float(params.get("timeout") or 0), 10.0)
        waited = 0.0
        while not self._updates_from(params) and not self.closing:
            await asyncio.sleep(0.02)
            waited += 0.02
            if waited >= timeout:
                return

    # -- watching ------------------------------------------------------------------------------

    def changed(self) -> None:
        """Marks that something a chat page shows has changed, and wakes whoever waits."""
        self.version += 1
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    async def wait_for_change(self, after: int, seconds: float) -> None:
        """Returns when ``version`` has passed ``after``, or after ``seconds``."""
        if self.version > after or self.closing:
            return
        if self._changed is None:
            self._changed = asyncio.Event()
        event = self._changed
        try:
            await asyncio.wait_for(event.wait(), seconds)
        except TimeoutError:
            return

    def close(self) -> None:
        """Ends every long poll now (getUpdates and a page's), so a server can stop cleanly."""
        self.closing = True
        self.changed()

    # -- people (the updates their taps and messages cause) -------------------------------------

    def next_update_id(self) -> int:
        self._next_update += 1
        return self._next_update

    def user_message(self, user: dict[str, Any], text: str | None) -> dict[str, Any]:
        """Puts a person's message in their chat and returns it as Telegram would deliver it.

        A leading /command is marked as one, as Telegram's apps do.
        """
        chat_id = int(user["id"])
        message = self.new_message(chat_id, text or "", from_bot=False)
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": self.timestamp(),
            "chat": {"id": chat_id, "type": "private", "first_name": user.get("first_name", "")},
            "from": user,
        }
        if text is not None:
            data["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                data["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        self.changed()
        return data

    def user_press(self, user: dict[str, Any], message: ChatMessage, data: str) -> dict[str, Any]:
        """A press on a button of ``message`` (or forged data) as a callback-query update."""
        query_id = f"q{secrets.token_hex(6)}"
        self.callback_owner[query_id] = int(user["id"])
        return {
            "update_id": self.next_update_id(),
            "callback_query": {
                "id": query_id,
                "from": user,
                "chat_instance": f"ci{user['id']}",
                "data": data,
                "message": self.message_json(message, user),
            },
        }

    def push(self, update: dict[str, Any]) -> None:
        """Queues an update for the bot's next getUpdates."""
        self.pending_updates.append(update)

    # -- chats ---------------------------------------------------------------------------------

    def new_message_id(self, chat_id: int) -> int:
        self._next_id[chat_id] = self._next_id.get(chat_id, 0) + 1
        return self._next_id[chat_id]

    def add(self, message: ChatMessage) -> ChatMessage:
        self.chats.setdefault(message.chat_id, []).append(message)
        return message

    def new_message(
        self, chat_id: int, text: str, *, from_bot: bool = True, **fields: Any
    ) -> ChatMessage:
        """A new message in the chat (the bot's, unless ``from_bot`` is False): the chat's next
        message id, dated now."""
        return self.add(
            ChatMessage(
                chat_id,
                self.new_message_id(chat_id),
                text,
                from_bot,
                date=self.timestamp(),
                **fields,
            )
        )

    def message(self, chat_id: int, message_id: int) -> ChatMessage:
        for message in self.chats.get(chat_id, []):
            if message.message_id == message_id and not message.deleted:
                return message
        raise ApiRefusal(400, "Bad Request: message to edit not found")

    def message_json(
        self, message: ChatMessage, user: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date or self.timestamp(),
            "chat": chat_json(message.chat_id),
            "from": BOT_USER if message.from_bot else user,
        }
        file_id = message.file_id or "none"
        if message.kind == "photo":
            data["photo"] = [
                {"file_id": file_id, "file_unique_id": file_id, "width": 1, "height": 1}
            ]
        elif message.kind == "audio":
            data["audio"] = {"file_id": file_id, "file_unique_id": file_id, "duration": 1}
        elif message.kind == "voice":
            size = len(self.files[file_id].content) if file_id in self.files else 0
            data["voice"] = {
                "file_id": file_id,
                "file_unique_id": file_id,
                "duration": 1,
                "mime_type": "audio/ogg",
                "file_size": size,
            }
        elif message.kind == "document":
            name = self.files[file_id].name if file_id in self.files else "document"
            data["document"] = {"file_id": file_id, "file_unique_id": file_id, "file_name": name}
        elif message.kind == "venue" and message.location is not None:
            where = {"latitude": message.location[0], "longitude": message.location[1]}
            title, _, address = message.text.removeprefix("[venue] ").partition(" | ")
            data["location"] = where
            data["venue"] = {"location": where, "title": title, "address": address}
        else:
            data["text"] = message.text
        if message.caption:
            data["caption"] = message.caption
        # Telegram returns only an inline keyboard with a message (not a reply keyboard or a
        # "force reply"), and PTB reads it as one.
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        return data

    # -- Bot API methods -----------------------------------------------------------------------

    def _api_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    def _check_chat(self, chat_id: int) -> None:
        """Refuses as Telegram does for a blocked bot or a group that became a supergroup."""
        if chat_id in self.blocked:
            raise ApiRefusal(403, "Forbidden: bot was blocked by the user")
        if self.failing.get(chat_id, 0) > 0:
            self.failing[chat_id] -= 1
            raise ApiRefusal(502, "Bad Gateway")
        if chat_id in self.migrated:
            raise ApiRefusal(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self.migrated[chat_id]},
            )

    def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        self._check_chat(chat_id)
        text = _checked_text(params.get("text"), params.get("parse_mode"))
        markup = _checked_markup(params.get("reply_markup"))
        message = self.new_message(
            chat_id, text, reply_markup=markup, parse_mode=params.get("parse_mode")
        )
        self.shown.append(Shown("message", chat_id, text, message.message_id))
        return self.message_json(message)

    def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        message = self.message(int(params["chat_id"]), int(params["message_id"]))
        text = _checked_text(params.get("text"), params.get("parse_mode"))
        markup = _checked_markup(params.get("reply_markup"))
        if text == message.text and markup == message.reply_markup:
            raise ApiRefusal(400, "Bad Request: message is not modified")
        message.text, message.reply_markup = text, markup
        message.parse_mode = params.get("parse_mode")
        message.edits += 1
        self.shown.append(Shown("edit", message.chat_id, text, message.message_id))
        return self.message_json(message)

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        message = self.message(int(params["chat_id"]), int(params["message_id"]))
        message.reply_markup = _checked_markup(params.get("reply_markup"))
        return self.message_json(message)

    def _api_deleteMessage(self, params: dict[str, Any]) -> Any:
        try:
            message = self.message(int(params["chat_id"]), int(params["message_id"]))
        except ApiRefusal:
            raise ApiRefusal(400, "Bad Request: message to delete not found") from None
        # Telegram: "a message can only be deleted if it was sent less than 48 hours ago".
        if message.date and self.timestamp() - message.date >= DELETE_WITHIN:
            raise ApiRefusal(400, "Bad Request: message can't be deleted")
        message.deleted = True
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        query_id = str(params["callback_query_id"])
        if query_id not in self.callback_owner:
            raise ApiRefusal(400, "Bad Request: query is too old or query ID is invalid")
        chat_id = self.callback_owner.pop(query_id)  # a query can be answered once
        if params.get("text"):
            kind = "alert" if params.get("show_alert") else "toast"
            self.shown.append(Shown(kind, chat_id, str(params["text"])))
        return True

    def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = params["commands"]
        if isinstance(commands, str):
            commands = json.loads(commands)
        self.commands[str(params.get("language_code") or "")] = list(commands)
        return True

    def _api_sendVenue(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        self._check_chat(chat_id)
        where = (float(params["latitude"]), float(params["longitude"]))
        text = f"[venue] {params['title']} | {params['address']}"
        message = self.new_message(chat_id, text, kind="venue", location=where)
        self.shown.append(Shown("venue", chat_id, text, message.message_id))
        return self.message_json(message)

    def _api_sendPhoto(self, params: dict[str, Any]) -> Any:
        return self._media("photo", params)

    def _api_sendAudio(self, params: dict[str, Any]) -> Any:
        return self._media("audio", params)

    def _api_sendDocument(self, params: dict[str, Any]) -> Any:
        return self._media("document", params)

    def _api_sendVoice(self, params: dict[str, Any]) -> Any:
        return self._media("voice", params)

    def _api_getFile(self, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise ApiRefusal(400, "Bad Request: invalid file_id")
        stored = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_size": len(stored.content),
            "file_path": f"{file_id.split('-')[0]}/{file_id}",
        }

    def user_voice(self, user: dict[str, Any], content: bytes, mime_type: str) -> dict[str, Any]:
        """A person's voice message: shown in their chat, and as Telegram would deliver it."""
        chat_id = int(user["id"])
        file_id = self.user_file("voice", content, mime_type)
        message = self.new_message(
            chat_id, "[voice]", from_bot=False, kind="voice", file_id=file_id
        )
        self.changed()
        return {
            "message_id": message.message_id,
            "date": self.timestamp(),
            "chat": {"id": chat_id, "type": "private", "first_name": user.get("first_name", "")},
            "from": user,
            "voice": {
                "file_id": file_id,
                "file_unique_id": file_id,
                "duration": 1,
                "mime_type": mime_type,
                "file_size": len(content),
            },
        }

    def user_file(self, kind: str, content: bytes, mime_type: str, name: str = "") -> str:
        """A file a person sends (a voice message): kept so the bot can fetch or resend it."""
        file_id = f"{kind}-{secrets.token_hex(8)}"
        self.files[file_id] = StoredFile(name or f"{kind}.ogg", mime_type, content)
        return file_id

    def _media(self, kind: str, params: dict[str, Any]) -> Any:
        """A photo, audio or document: uploaded now, or resent by the file_id Telegram gave."""
        chat_id = int(params["chat_id"])
        self._check_chat(chat_id)
        file_id = self._file_of(kind, params.get(kind))
        stored = self.files[file_id]
        caption = params.get("caption")
        if caption is not None:
            caption = _checked_text(caption, params.get("parse_mode"), limit=1024)
        text = f"[document {stored.name}]" if kind == "document" else f"[{kind}]"
        message = self.new_message(
            chat_id,
            text,
            reply_markup=_checked_markup(params.get("reply_markup")),
            kind=kind,
            parse_mode=params.get("parse_mode"),
            file_id=file_id,
            caption=caption,
        )
        if kind == "document":
            self.documents[message.message_id] = stored.content
        self.shown.append(Shown(kind, chat_id, text, message.message_id))
        return self.message_json(message)

    def _file_of(self, kind: str, value: Any) -> str:
        """The file_id of what was sent: a new upload gets one, a known file_id is reused."""
        if isinstance(value, str) and value in self.files:
            return value
        upload = self._files.get(kind)
        if upload is None:
            if isinstance(value, str) and value.startswith("attach://"):
                upload = self._files.get(value.removeprefix("attach://"))
            if upload is None:
                raise ApiRefusal(400, "Bad Request: wrong file identifier/HTTP URL specified")
        name, content, mime = upload
        # The uploader's type when it gave one (PTB reads it from the bytes), else the name's.
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        file_id = f"{kind}-{secrets.token_hex(8)}"
        self.files[file_id] = StoredFile(name, mime, content)
        return file_id

    def _api_getChat(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        if chat_id in self.migrated:
            self._check_chat(chat_id)  # refused as Telegram does, with the new id
        if chat_id in self.blocked or chat_id in self.left:
            raise ApiRefusal(400, "Bad Request: chat not found")
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        return {
            **chat_json(chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys((*gifts, "gifts_from_channels"), False),
        }

    def _api_leaveChat(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        if chat_id > 0:
            raise ApiRefusal(400, "Bad Request: can't leave a private chat")
        self.left.append(chat_id)
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        return True

    def _updates_from(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        return [u for u in self.pending_updates if u["update_id"] >= offset]

    def _forget_confirmed(self, params: dict[str, Any]) -> None:
        """Telegram forgets updates below the offset the bot confirms, as soon as it asks.

        So a bot killed during its next long poll does not get them again when it restarts.
        """
        offset = int(params.get("offset") or 0)
        self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]

    def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        self._forget_confirmed(params)
        return self._updates_from(params)

    def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = dict(params)
        return True

    def _api_sendChatAction(self, params: dict[str, Any]) -> Any:
        return True


def _checked_text(text: Any, parse_mode: Any, limit: int = MAX_TEXT) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ApiRefusal(400, "Bad Request: message text is empty")
    if len(text) > limit:
        raise ApiRefusal(400, "Bad Request: message is too long")
    if parse_mode == "HTML":
        _HtmlCheck().check(text)
    return text


def _checked_markup(markup: Any) -> dict[str, Any] | None:
    if markup is None:
        return None
    if isinstance(markup, str):
        markup = json.loads(markup)
    for row in markup.get("keyboard", []):
        for button in row:
            if not (button.get("text") if isinstance(button, dict) else button):
                raise ApiRefusal(400, "Bad Request: keyboard button text is empty")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiRefusal(400, "Bad Request: BUTTON_DATA_INVALID")
            if not button.get("text"):
                raise ApiRefusal(400, "Bad Request: button text is empty")
    return dict(markup)


class _HtmlCheck(HTMLParser):
    """Refuses what Telegram refuses: unknown tags, unclosed tags, a stray ``<`` or ``&``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []

    def check(self, text: str) -> None:
        for index, char in enumerate(text):
            if char == "&" and not _is_entity(text, index):
                raise ApiRefusal(400, "Bad Request: can't parse entities: unescaped &")
        self.feed(text)
        self.close()
        if self.open:
            raise ApiRefusal(400, f"Bad Request: can't parse entities: unclosed <{self.open[-1]}>")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise ApiRefusal(400, f"Bad Request: can't parse entities: unsupported tag <{tag}>")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            raise ApiRefusal(400, f"Bad Request: can't parse entities: unexpected </{tag}>")

    def handle_data(self, data: str) -> None:
        if "<" in data:
            raise ApiRefusal(400, "Bad Request: can't parse entities: stray <")

    def unknown_decl(self, data: str) -> None:
        raise ApiRefusal(400, "Bad Request: can't parse entities")


def _is_entity(text: str, index: int) -> bool:
    end = text.find(";", index)
    name = text[index + 1 : end] if end != -1 else ""
    return 0 < len(name) <= 8 and (name.isalnum() or (name[0] == "#" and name[1:].isalnum()))
