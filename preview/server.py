"""The in-memory Bot API (``preview.botapi``) served over HTTP, as Telegram serves its own.

The bot then talks to it exactly as to Telegram: PTB's own ``HTTPXRequest`` with ``base_url``
pointing here. ``bot_api_routes`` are mounted by the preview beside its chat page;
``FakeTelegramServer`` runs them alone in a thread for benchmarks and tests.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, cast

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

    def initialize(self, telegram: FakeTelegram) -> None:
        self.telegram = telegram

    async def post(self, token: str, method: str) -> None:
        values = {
            name: _value(name, raw[-1].decode())
            for name, raw in self.request.body_arguments.items()
        }
        uploads = {
            name: (parts[0].filename, parts[0].body, parts[0].content_type)
            for name, parts in self.request.files.items()
        }
        url = f"https://api.telegram.org/bot{token}/{method}"
        form = _Form(values, uploads)
        code, body = await self.telegram.do_request(url, "POST", cast(RequestData, form))
        self.set_status(code)
        self.set_header("Content-Type", "application/json")
        self.finish(body)

    # PTB asks with GET for nothing it needs; refuse plainly rather than with tornado's page.
    async def get(self, token: str, method: str) -> None:
        self.set_status(405)
        self.finish({"ok": False, "error_code": 405, "description": "Use POST"})


def bot_api_routes(telegram: FakeTelegram) -> list[Any]:
    """The Bot API's URL patterns, for a tornado ``Application``."""
    return [(r"/bot([^/]+)/(\w+)", BotApiHandler, {"telegram": telegram})]


class FakeTelegramServer:
    """``with FakeTelegramServer(fake) as server:`` serves ``fake`` at ``server.base_url``.

    In its own thread with its own event loop, so a benchmark's bot and its simulated users do
    not share a loop with the server.
    """

    def __init__(self, telegram: FakeTelegram) -> None:
        self.telegram = telegram
        self.base_url = ""
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

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        port = sockets[0].getsockname()[1]

        async def listen() -> tornado.httpserver.HTTPServer:
            server = tornado.httpserver.HTTPServer(
                tornado.web.Application(bot_api_routes(self.telegram))
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
