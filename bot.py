#!/usr/bin/env python3
"""Safe-migration bot: command line.

python bot.py [--config FILE] run      run the bot (long polling, or webhook by config)
python bot.py [--config FILE] check    check the settings and all content, then exit
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from telegram import Bot
from telegram.error import InvalidToken, NetworkError

from app.agency_import import import_agencies_command
from app.config import Config, ConfigError, load_config
from app.invites import create_invite, invite_link
from app.runner import serve
from content.bundle import load_content
from content.errors import ContentError, ContentErrors
from domain.clock import SystemClock
from storage.store import Store

log = logging.getLogger("bot")
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
EXIT_USAGE = 2  # wrong settings or content: fixing them, not retrying, helps
NO_TOKEN = (
    "No bot token. Create a bot with @BotFather in Telegram, then put its token in config.yaml "
    "(telegram.token) or set TELEGRAM_BOT_TOKEN."
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bot.py", description="Safe-migration Telegram bot")
    parser.add_argument("--config", type=Path, help="settings file (default: config.yaml)")
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=("run", "check", "invite-leader", "import-agencies"),
    )
    parser.add_argument("file", nargs="?", help="the CSV file for import-agencies")
    parser.add_argument("--village", help="village code for invite-leader, e.g. 09060405")
    args = parser.parse_args(argv)
    try:
        config = _config(args.config)
    except ConfigError as error:
        print(f"Config error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "check":
        return check(config)
    if args.command == "invite-leader":
        return invite_leader(config, args.village or "")
    if args.command == "import-agencies":
        if not args.file:
            print("Name the CSV file: python bot.py import-agencies agencies.csv", file=sys.stderr)
            return EXIT_USAGE
        return import_agencies_command(config, Path(args.file))
    return run(config)


def _config(path: Path | None) -> Config:
    if path is not None:
        return load_config(path, must_exist=True)
    # config.yaml in the working directory, else beside bot.py; neither is fine (defaults).
    for candidate in (Path.cwd() / "config.yaml", Path(__file__).resolve().parent / "config.yaml"):
        if candidate.exists():
            return load_config(candidate)
    return load_config(None)


def check(config: Config) -> int:
    """Checks settings and content; prints what is wrong, or a summary."""
    try:
        content = load_content(
            districts=config.districts,
            places_scope=config.places_scope,
            default_language=config.default_language,
        )
    except ContentErrors as errors:
        for problem in errors.problems:
            print(f"Content error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except ContentError as error:
        print(f"Content error: {error}", file=sys.stderr)
        return EXIT_USAGE
    texts = content.texts
    print(f"Settings: {config.source} (OK)")
    print(f"UI strings: {len(texts.keys('km'))} in each of {', '.join(texts.languages)} (OK)")
    print(
        f"Hotlines: {len(content.contacts.contacts)} in {len(content.contacts.countries)} countries"
    )
    print(f"Villages: {content.places.village_count()} in districts {', '.join(config.districts)}")
    if not config.token:
        print(f"Note: {NO_TOKEN}")
    return 0


def invite_leader(config: Config, village: str) -> int:
    """Prints a one-time, expiring invite for a leader of ``village``."""
    content = load_content(
        districts=config.districts,
        places_scope=config.places_scope,
        default_language=config.default_language,
    )
    path = content.places.village_path(village)
    if path is None:
        print(
            f"Unknown village code {village!r}: use an 8-digit code from content/places.yaml.",
            file=sys.stderr,
        )
        return EXIT_USAGE

    async def make() -> tuple[str, str | None]:
        clock = SystemClock()
        store = await Store.open(config.database, clock)
        try:
            code = await create_invite(store, clock, village, config.invite_valid.total_seconds())
        finally:
            await store.close()
        return code, await _bot_username(config)

    code, username = asyncio.run(make())
    district, commune, place = path
    print(f"Leader invite for {place.name_en}, {commune.name_en}, {district.name_en} ({village}).")
    until = (SystemClock().now() + config.invite_valid).strftime("%Y-%m-%d %H:%M UTC")
    print(f"It works once, until {until}. Send it to that person only:")
    print(invite_link(username, code))
    return 0


async def _bot_username(config: Config) -> str | None:
    """The bot's @username for a t.me link; None when Telegram cannot be asked."""
    if not config.token:
        return None
    try:
        async with Bot(config.token, base_url=config.base_url or DEFAULT_BASE_URL) as bot:
            return bot.username
    except (InvalidToken, NetworkError):
        return None


def run(config: Config) -> int:
    """Runs the bot until Ctrl+C or SIGTERM."""
    if not config.token:
        print(NO_TOKEN, file=sys.stderr)
        return EXIT_USAGE
    _setup_logging(config.log_level)
    try:
        asyncio.run(_serve(config))
    except ContentError as error:
        print(f"Content error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except InvalidToken:
        print("Telegram refused the bot token. Check it with @BotFather.", file=sys.stderr)
        return EXIT_USAGE
    except NetworkError as error:
        print(f"Cannot reach Telegram: {type(error).__name__}", file=sys.stderr)
        return 1
    return 0


def _setup_logging(level: str) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s %(message)s", level=level)
    # httpx logs every request URL, and Bot API URLs contain the token: never let it through.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


async def _serve(config: Config) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(config, SystemClock(), stop)


if __name__ == "__main__":
    sys.exit(main())
