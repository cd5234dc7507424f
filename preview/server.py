"""The in-memory Bot API (``preview.botapi``) served over HTTP, as Telegram serves its own.

The bot then talks to it exactly as to Telegram: PTB's own ``HTTPXRequest`` with ``base_url``
pointing here. ``bot_api_routes`` are mounted by the preview beside its chat page;
``FakeTelegramServer`` runs them alone in a thread for benchmarks and tests.

Faults, for tests (off unless asked for): ``server.faults.plan("sendMessage", "502", "timeout")``
makes the next calls of that method fail, one action per call, in order; the key
``"sendMessage:<chat_id>"`` aims at one chat and is used before the method's own plan. Actions:

- ``"502"``: answered "502 Bad Gateway" at once; the call is not done.
- ``"429"``: answered "429 Too Many Requests" with ``retry_after`` 1; the call is not done.
- ``"timeout"``: the call is done (the person sees the message) but the answer is held
  ``late_answer`` seconds, longer than the bot waits: Telegram did it, the bot cannot know.
- ``"drop"``: the connection is closed without an answer; the call is not done.

Each fault used is appended to ``server.faults.injected`` as (key, action).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar, cast

import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram.request import RequestData

from preview.botapi import FakeTelegram

# PTB sends strings as they are and everything else JSON-encoded (form fields, as Telegram
# accepts them). These parameters are strings that may look like JSON ("250", "true").
_PLAIN = frozenset(
    {"text", "caption", "callback_query_id", "parse_mode", "secret_token", "url", "title"}
)
FAULTS = ("502", "429", "timeout", "drop")
T = TypeVar("T")


@dataclass
class Faults:
    """Failures to inject, per method or per method and chat (see the module's docstring)."""

    planned: dict[str, list[str]] = field(default_factory=dict)
    injected: list[tuple[str, str]] = field(default_factory=list)
    late_answer: float = 3.0  # seconds a "timeout" holds the answer

    def plan(self, key: str, *actions: str) -> None:
        """Adds failures for the next calls of ``key`` ("method" or "method:chat_id")."""
        for action in actions:
            if action not in FAULTS:
                raise ValueError(f"unknown fault {action!r}; use one of {FAULTS}")
        self.planned.setdefault(key, []).extend(actions)

    def take(self, method: str, chat_id: Any) -> str | None:
        """The action for this call, if one is planned (used up)."""
        for key in (f"{method}:{chat_id}", method):
            actions = self.planned.get(key)
            if actions:
                action = actions.pop(0)
                self.injected.append((key, action))
                return action
        return None


def _value(name: str, raw: str) -> Any:
    if name in _PLAIN:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


@dataclass
class _Form:
    """What the Bot API reads of a ``RequestData`` (final in PTB), from an HTTP request."""

    parameters: dict[str, Any]
    multipart_data: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)

    @property
    def contains_files(self) -> bool:
        return bool(self.multipart_data)


class BotApiHandler(tornado.web.RequestHandler):
    """``POST /bot<token>/<method>``: one Bot API call, form-encoded or multipart."""

    def initialize(self, telegram: FakeTelegram, faults: Faults | None = None) -> None:
        self.telegram = telegram
        self.faults = faults

    async def post(self, token: str, method: str) -> None:
        values = {
            name: _value(name, raw[-1].decode())
            for name, raw in self.request.body_arguments.items()
        }
        uploads = {
            name: (parts[0].filename, parts[0].body, parts[0].content_type)
            for name, parts in self.request.files.items()
        }
        faults = self.faults
        fault = faults.take(method, values.get("chat_id")) if faults is not None else None
        if fault == "drop":
            self.detach().close()  # no status line, no body: the connection just ends
            return
        if fault in ("502", "429"):
            self._refuse(int(fault))
            return
        url = f"https://api.telegram.org/bot{token}/{method}"
        form = _Form(values, uploads)
        code, body = await self.telegram.do_request(url, "POST", cast(RequestData, form))
        if fault == "timeout" and faults is not None:
            await asyncio.sleep(faults.late_answer)
        self.set_status(code)
        self.set_header("Content-Type", "application/json")
        self.finish(body)  # after a "timeout" nobody reads it: tornado drops it quietly

    def _refuse(self, code: int) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": "Bad Gateway"}
        if code == 429:
            body["description"] = "Too Many Requests: retry after 1"
            body["parameters"] = {"retry_after": 1}
        self.set_status(code)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body).encode())

    # PTB asks with GET for nothing it needs; refuse plainly rather than with tornado's page.
    async def get(self, token: str, method: str) -> None:
        self.set_status(405)
        self.finish({"ok": False, "error_code": 405, "description": "Use POST"})


class FileDownloadHandler(tornado.web.RequestHandler):
    """``GET /file/bot<token>/<path>``: a file's bytes, as the bot fetches a voice message."""

    def initialize(self, telegram: FakeTelegram) -> None:
        self.telegram = telegram

    def get(self, token: str, path: str) -> None:
        code, body = self.telegram.download(f"https://api.telegram.org/file/bot{token}/{path}")
        self.set_status(code)
        self.finish(body)


def bot_api_routes(telegram: FakeTelegram, faults: Faults | None = None) -> list[Any]:
    """The Bot API's URL patterns, for a tornado ``Application``."""
    return [
        (r"/bot([^/]+)/(\w+)", BotApiHandler, {"telegram": telegram, "faults": faults}),
        (r"/file/bot([^/]+)/([\w./-]+)", FileDownloadHandler, {"telegram": telegram}),
    ]


class FakeTelegramServer:
    """``with FakeTelegramServer(fake) as server:`` serves ``fake`` at ``server.base_url``.

    In its own thread with its own event loop, so a benchmark's bot and its simulated users do
    not share a loop with the server.
    """

    def __init__(self, telegram: FakeTelegram) -> None:
        self.telegram = telegram
        self.base_url = ""
        self.faults = Faults()  # none planned: a faithful Telegram
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-telegram", daemon=True)

    def __enter__(self) -> FakeTelegramServer:
        self._thread.start()
        self._ready.wait(10)
        if not self.base_url:
            raise RuntimeError("the fake Bot API server did not start")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def call(self, action: Callable[[], T], seconds: float = 10.0) -> T:
        """Runs ``action`` in the server's thread and returns what it returns.

        For a test that changes the fake while it serves (a person's message): done in the
        thread that answers the bot's calls, the change cannot interleave with one of them.
        """
        assert self._loop is not None, "the server is not running"
        done: Future[T] = Future()

        def run() -> None:
            try:
                done.set_result(action())
            except BaseException as error:
                done.set_exception(error)

        self._loop.call_soon_threadsafe(run)
        return done.result(seconds)

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        port = sockets[0].getsockname()[1]

        async def listen() -> tornado.httpserver.HTTPServer:
            server = tornado.httpserver.HTTPServer(
                tornado.web.Application(bot_api_routes(self.telegram, self.faults))
            )
            server.add_sockets(sockets)
            return server

        server = loop.run_until_complete(listen())
        self._loop = loop
        self.base_url = f"http://127.0.0.1:{port}/bot"
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            server.stop()
            loop.run_until_complete(server.close_all_connections())
            loop.close()
