"""The tests' fake Bot API served over HTTP on 127.0.0.1 (tornado, in its own thread).

The bot then talks to it exactly as to Telegram: PTB's own ``HTTPXRequest`` with ``base_url``
pointing here. The fake object stays shared with the benchmark, so the tests' chat harness
can still read what the bot showed.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Any, cast

import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram.request import RequestData

from tests.support.fake_telegram import FakeTelegram

# PTB sends strings as they are and everything else JSON-encoded (form fields, as Telegram
# accepts them). These parameters are strings that may look like JSON ("250", "true").
_PLAIN = frozenset({"text", "caption", "callback_query_id", "parse_mode", "secret_token", "url"})


def _value(name: str, raw: str) -> Any:
    if name in _PLAIN:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


@dataclass
class _Form:
    """What the fake reads of a ``RequestData`` (final in PTB), from an HTTP request's form."""

    parameters: dict[str, Any]
    contains_files: bool = False
    multipart_data: None = None


class _BotApi(tornado.web.RequestHandler):
    def initialize(self, telegram: FakeTelegram) -> None:
        self.telegram = telegram

    async def post(self, token: str, method: str) -> None:
        values = {
            name: _value(name, raw[-1].decode())
            for name, raw in self.request.body_arguments.items()
        }
        url = f"https://api.telegram.org/bot{token}/{method}"
        code, body = await self.telegram.do_request(url, "POST", cast(RequestData, _Form(values)))
        self.set_status(code)
        self.set_header("Content-Type", "application/json")
        self.finish(body)


class FakeTelegramServer:
    """``with FakeTelegramServer(fake) as server:`` serves ``fake`` at ``server.base_url``."""

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
            application = tornado.web.Application(
                [(r"/bot([^/]+)/(\w+)", _BotApi, {"telegram": self.telegram})]
            )
            server = tornado.httpserver.HTTPServer(application)
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
