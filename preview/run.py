"""``python bot.py preview``: the real bot against a Bot API on this machine, with a chat page.

One tornado server on one port serves both the Bot API (``/bot<token>/…``, which the bot polls
exactly as it polls Telegram) and the page people use. The bot is the same Application that
runs on Telegram; only its settings differ: a preview token, its own database, the staff person
of the page as programme staff, and a clock the page can move forward.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import tornado.httpserver
import tornado.netutil
import tornado.web

from app.config import Config
from app.context import SERVICES_KEY, BotApplication
from app.runner import serve
from delivery import sweep as sweeps
from domain.clock import ShiftedClock
from preview.botapi import FakeTelegram
from preview.page import page_routes
from preview.server import bot_api_routes
from preview.session import STAFF, Preview

log = logging.getLogger(__name__)

# Deliberately not shaped like a BotFather token: it only ever reaches the local Bot API.
PREVIEW_TOKEN = "preview-not-a-telegram-token"
DEFAULT_PORT = 8080
LOOPBACK = "127.0.0.1"


def preview_database(config: Config) -> Path:
    """The preview's own database, beside the real one, never the real one."""
    return config.database.with_name("preview.sqlite3")


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def preview_config(config: Config, api_base: str, database: Path) -> Config:
    """The real settings, with what makes a preview: local Bot API, own database, page staff."""
    return replace(
        config,
        token=PREVIEW_TOKEN,
        base_url=api_base,
        mode="polling",
        database=database,
        staff_user_ids=frozenset({STAFF.user_id}),
        staff_chat_id=0,  # staff are told in their own chat, which the page shows
        # The page's clock jumps; a short tick also catches what a jump made due.
        sweep_interval=min(config.sweep_interval, timedelta(seconds=5)),
    )


def forget(database: Path) -> None:
    """Deletes a previous preview's database (and SQLite's side files) for a fresh start."""
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        path.unlink(missing_ok=True)


async def run_preview(
    config: Config,
    stop: asyncio.Event,
    *,
    host: str = LOOPBACK,
    port: int = DEFAULT_PORT,
    keep: bool = False,
    ready: asyncio.Event | None = None,
    announce: Callable[[str], None] | None = None,
    clock: ShiftedClock | None = None,
) -> None:
    """Serves the preview until ``stop`` is set; ``announce`` gets the page's address.

    ``clock`` is for tests, which start the preview at a fixed time.
    """
    telegram = FakeTelegram()
    clock = clock or ShiftedClock()
    running: list[BotApplication] = []

    def sweep_now() -> None:
        # After "advance 1 day", show what became due at once instead of at the next tick.
        if running and running[0].job_queue is not None:
            running[0].job_queue.run_once(sweeps.sweep, 0)

    preview = Preview(telegram, clock, on_time_moved=sweep_now)

    def started(application: BotApplication) -> None:
        running.append(application)
        services = application.bot_data[SERVICES_KEY]
        preview.attach(services.content, services.config.timezone)

    sockets = tornado.netutil.bind_sockets(port, host)
    port = int(sockets[0].getsockname()[1])
    server = tornado.httpserver.HTTPServer(
        tornado.web.Application([*bot_api_routes(telegram), *page_routes(preview)])
    )
    server.add_sockets(sockets)
    local = host in ("0.0.0.0", "::", "") or is_loopback(host)
    api_host = LOOPBACK if local else host
    database = preview_database(config)
    if not keep:
        forget(database)
    database.parent.mkdir(parents=True, exist_ok=True)
    settings = preview_config(config, f"http://{api_host}:{port}/bot", database)
    if announce is not None:
        announce(f"http://{api_host}:{port}/")
    try:
        await serve(settings, clock, stop, ready=ready, started=started)
    finally:
        telegram.close()  # pages waiting for news get an answer, not a dropped connection
        server.stop()
        await asyncio.sleep(0.05)  # let those answers go out
        await server.close_all_connections()
