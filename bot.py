#!/usr/bin/env python3
"""Safe-migration bot: command line (every command takes ``--config FILE``, default config.yaml).

python bot.py run                      run the bot (long polling, or webhook by config)
python bot.py preview [--port 8080]    try the bot without Telegram: a chat page on this machine
python bot.py check                    check the settings and all content, then exit
python bot.py invite-leader --village CODE [--pdf FILE --username BOT]
                                       print a one-time invite link for a village leader
                                       (--pdf: also as a printable sheet with a QR code)
python bot.py posters --village CODE|--district CODE|--all --out DIR [--username BOT]
                                       one printable A4 poster per village, with a QR code
python bot.py import-agencies FILE.csv replace the verified agency list
python bot.py report [--scope CODE] [--days N|all] [--lang km|en] [--out DIR]
                                       the programme report: text, a CSV and a PNG chart
python bot.py strings export FILE.csv | strings import FILE.csv | strings sync
                                       translators: UI strings to a spreadsheet and back
python bot.py backup DEST              copy the database, safe while the bot runs
python bot.py restore FILE [--force]   put a backup back (only while the bot is stopped)
python bot.py pictures                 draw the pictures again from the content
python bot.py media export DIR | media import DIR
                                       Khmer recordings out as audio files named by item, and in
python bot.py media script --out FILE.pdf
                                       every text to record, with its item id, to print
"""

from __future__ import annotations

import argparse
import asyncio
import html
import logging
import os
import re
import signal
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from telegram import Bot
from telegram.error import InvalidToken, NetworkError

from access.invites import create_invite, invite_link
from app.config import Config, ConfigError, load_config, no_staff_warning
from app.logsafety import setup_logging
from app.runner import serve
from content.bundle import CONTENT_DIR, Content, load_content
from content.errors import ContentError, ContentErrors
from content.formatting import format_day
from conversations.literacy import literacy as literacy_of
from domain.clock import SystemClock
from domain.report import Report
from operations.agency_import import import_agencies_command
from operations.backup import backup_command, restore_command
from operations.media import coverage_lines, item_problems, media_command, recorded_hashes
from operations.reporting import (
    gather,
    render_chart,
    render_csv,
    render_text,
    resolve_scope,
    scope_name,
)
from operations.strings import export_csv, import_csv, sync_comments
from preview.run import DEFAULT_PORT, LOOPBACK, is_loopback, run_preview
from printables.invite_sheet import InviteSheet, invite_sheet_pdf
from printables.pictures import draw_pictures, picture_states
from printables.posters import poster_pdf, poster_problems, villages_for, with_links, write_posters
from storage.base import DatabaseUnavailable
from storage.store import Store

log = logging.getLogger("bot")
CHECK_USERNAME = "example_bot"  # check builds every poster with some username, keeps none
NO_USERNAME = (
    "The bot's @username is needed for the QR code: give --username YOUR_BOT "
    "(5-32 letters, digits or _), or set the bot token so it can be asked of Telegram."
)
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
EXIT_USAGE = 2  # wrong settings or content: fixing them, not retrying, helps
NO_TOKEN = (
    "No bot token. Create a bot with @BotFather in Telegram, then put its token in config.yaml "
    "(telegram.token) or set TELEGRAM_BOT_TOKEN."
)
NO_TOKEN_PREVIEW = (
    "No bot token is set, so this starts the local PREVIEW instead of the real bot.\n"
    "For the real thing on Telegram: create a bot with @BotFather, put its token in "
    "config.yaml (telegram.token) or TELEGRAM_BOT_TOKEN, and run `make run` again."
)
PREVIEW_BANNER = (
    "\n  Preview ready: open {page} in a browser.\n"
    "  A villager, a village leader and a staff member chat with the real bot here; nothing\n"
    "  goes to Telegram. Each start begins afresh (--keep keeps the last one). Ctrl+C stops.\n"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bot.py", description="Safe-migration Telegram bot")
    parser.add_argument("--config", type=Path, help="settings file (default: config.yaml)")
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=(
            "run",
            "preview",
            "check",
            "invite-leader",
            "posters",
            "import-agencies",
            "report",
            "strings",
            "backup",
            "restore",
            "pictures",
            "media",
        ),
    )
    parser.add_argument("--scope", default="all", help="report: all, or a place code")
    parser.add_argument("--days", default="30", help="report: the last N days, or all")
    parser.add_argument("--lang", default=None, choices=("km", "en"), help="report language")
    parser.add_argument(
        "--out", type=Path, default=Path.cwd(), help="report: folder; media script: the PDF"
    )
    parser.add_argument(
        "file", nargs="?", help="import-agencies: the CSV; strings, media: the action"
    )
    parser.add_argument(
        "more", nargs="?", help="strings export/import: the CSV file; media: the folder"
    )
    parser.add_argument(
        "--literacy",
        action="store_true",
        help="check: what a villager who cannot read meets (typing, unmarked buttons, silence)",
    )
    parser.add_argument("--content", type=Path, default=CONTENT_DIR, help=argparse.SUPPRESS)
    parser.add_argument(
        "--village", help="village code for invite-leader or posters, e.g. 09060405"
    )
    parser.add_argument("--district", help="posters: every village of this district code")
    parser.add_argument("--all", action="store_true", help="posters: every village the bot offers")
    parser.add_argument(
        "--username",
        help="posters, invite-leader --pdf: the bot's @username (asked of Telegram if unset)",
    )
    parser.add_argument("--pdf", type=Path, help="invite-leader: also write the sheet to print")
    parser.add_argument(
        "--force", action="store_true", help="restore: even if an earlier restore left a file"
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="preview: the page's port")
    parser.add_argument(
        "--host",
        default=LOOPBACK,
        help="preview: the address to listen on (default 127.0.0.1, this machine only)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="preview: keep the last preview's database"
    )
    parser.add_argument(
        "--preview-if-no-token",
        action="store_true",
        help="run: start the preview instead of failing when no token is set (make run)",
    )
    args = parser.parse_args(argv)
    try:
        config = _config(args.config)
    except ConfigError as error:
        print(f"Config error: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return _dispatch(args, config)
    except DatabaseUnavailable as error:
        # One line, no traceback, for every command: a locked or full database may come right
        # by itself (exit 1, the service restarts); a read-only, unopenable or damaged one
        # needs a person (exit 2).
        print(f"Database error ({error.kind}): {error}", file=sys.stderr)
        return 1 if error.retry_may_help else EXIT_USAGE


def _dispatch(args: argparse.Namespace, config: Config) -> int:
    if args.command == "check":
        return check(config, args.content, literacy=args.literacy)
    if args.command == "strings":
        return strings(args.file or "", args.more, args.content)
    if args.command == "media":
        return media_command(config, args.file or "", args.more, args.content, out=args.out)
    if args.command == "invite-leader":
        return invite_leader(config, args.village or "", args.pdf, args.username, args.lang)
    if args.command == "posters":
        return posters(config, args, args.content)
    if args.command == "report":
        return report(config, args.scope, args.days, args.lang or config.default_language, args.out)
    if args.command == "import-agencies":
        if not args.file:
            print("Name the CSV file: python bot.py import-agencies agencies.csv", file=sys.stderr)
            return EXIT_USAGE
        return import_agencies_command(config, Path(args.file))
    if args.command == "backup":
        if not args.file:
            print("Name a folder: python bot.py backup /var/backups/bot/", file=sys.stderr)
            return EXIT_USAGE
        return backup_command(config, Path(args.file))
    if args.command == "restore":
        if not args.file:
            print("Name the backup: python bot.py restore FILE", file=sys.stderr)
            return EXIT_USAGE
        return restore_command(config, Path(args.file), force=args.force)
    if args.command == "pictures":
        return pictures(config, args.content)
    if args.command == "preview" or (args.preview_if_no_token and not config.token):
        return preview(config, args.host, args.port, keep=args.keep)
    return run(config)


def _config(path: Path | None) -> Config:
    if path is not None:
        return load_config(path, must_exist=True)
    # config.yaml in the working directory, else beside bot.py; neither is fine (defaults).
    for candidate in (Path.cwd() / "config.yaml", Path(__file__).resolve().parent / "config.yaml"):
        if candidate.exists():
            return load_config(candidate)
    return load_config(None)


def check(config: Config, content_dir: Path = CONTENT_DIR, *, literacy: bool = False) -> int:
    """Checks settings and content; prints what is wrong, or a summary (``literacy``: also
    what a villager who cannot read meets on the four journeys)."""
    try:
        content = load_content(
            districts=config.districts,
            places_scope=config.places_scope,
            default_language=config.default_language,
            content_dir=content_dir,
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
    _check_pictures(content, content_dir)
    if item_errors := item_problems(content):
        for item_error in item_errors:
            print(f"Content error: {item_error}", file=sys.stderr)
        return EXIT_USAGE
    for line in coverage_lines(content, config.database):
        print(line)
    if literacy:
        for line in literacy_of(content, recorded_hashes(config.database)).lines():
            print(line)
    poster_errors = _poster_check(content)
    for poster_error in poster_errors:
        print(f"Poster error: {poster_error}", file=sys.stderr)
    if poster_errors:
        return EXIT_USAGE
    print(f"Posters: one for each of the {content.places.village_count()} villages (OK)")
    if (warning := no_staff_warning(config)) is not None:
        print(f"Warning: {warning}")
    if not config.token:
        print(f"Note: {NO_TOKEN}")
    return 0


def _load(config: Config, content_dir: Path) -> Content | None:
    try:
        return load_content(
            districts=config.districts,
            places_scope=config.places_scope,
            default_language=config.default_language,
            content_dir=content_dir,
        )
    except ContentErrors as errors:
        for problem in errors.problems:
            print(f"Content error: {problem}", file=sys.stderr)
    except ContentError as error:
        print(f"Content error: {error}", file=sys.stderr)
    return None


def _check_pictures(content: Content, content_dir: Path) -> None:
    """A picture that no longer matches its lesson is a warning: the words still teach."""
    states = picture_states(content, content_dir)
    wrong = [state for state in states if state.problem is not None]
    print(f"Pictures: {len(states) - len(wrong)} of {len(states)} up to date")
    for state in wrong:
        print(
            f"Warning: picture {state.picture} ({state.lang}) of {state.shown_in} is "
            f"{state.problem}: run `python bot.py pictures`, then look at it"
        )


def pictures(config: Config, content_dir: Path) -> int:
    """Draws every picture again (the lessons', the check-in problems', the posters' strip), in
    every language, from the content as it is now."""
    content = _load(config, content_dir)
    if content is None:
        return EXIT_USAGE
    for path, size in draw_pictures(content, content_dir):
        print(f"{path} ({size // 1024} KiB)")
    print("Look at each picture before you commit it (small text, words cut off).")
    return 0


def _poster_check(content: Content) -> list[str]:
    """Every village in scope gets a poster: a valid link, both names, Khmer that shapes.

    The villages' posters differ only in those names, so one PDF is built, the one with the
    longest names (a second each for all 28 would make check slow for nothing).
    """
    every = villages_for(content)
    problems = [problem for poster in every for problem in poster_problems(content, poster)]
    if not every:
        return ["no village in scope, so no poster"]
    longest = max(
        with_links(every, CHECK_USERNAME),
        key=lambda p: len(p.village.name_km) + len(p.commune.name_km),
    )
    try:
        poster_pdf(content, longest, CHECK_USERNAME)
    except (ValueError, RuntimeError) as error:  # fpdf2's errors derive from these
        problems.append(f"village {longest.village.code}: the PDF fails: {error}")
    return problems


def posters(config: Config, args: argparse.Namespace, content_dir: Path) -> int:
    """Writes one A4 poster (PDF) per village asked for into ``--out``."""
    chosen = [bool(args.village), bool(args.district), bool(args.all)]
    if sum(chosen) != 1 or not args.out.is_dir():
        print(
            "Use one of --village CODE, --district CODE or --all, and --out an existing folder.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    content = load_content(
        districts=config.districts,
        places_scope=config.places_scope,
        default_language=config.default_language,
        content_dir=content_dir,
    )
    chosen_posters = villages_for(content, village=args.village or "", district=args.district or "")
    if not chosen_posters:
        code = args.village or args.district
        print(f"Unknown code {code!r}: use a code from content/places.yaml.", file=sys.stderr)
        return EXIT_USAGE
    username = _username(config, args.username)
    if username is None:
        print(NO_USERNAME, file=sys.stderr)
        return EXIT_USAGE
    written = write_posters(content, chosen_posters, username, args.out)
    print(f"Posters written: {len(written)} in {args.out} (links to @{username})")
    return 0


def _username(config: Config, given: str | None) -> str | None:
    """The bot's @username: as given, else asked of Telegram; None when neither works."""
    if given:
        name = given.removeprefix("@")
        ok = 5 <= len(name) <= 32 and all(c.isascii() and (c.isalnum() or c == "_") for c in name)
        return name if ok else None
    return asyncio.run(_bot_username(config))


def strings(action: str, file: str | None, content_dir: Path) -> int:
    """The translators' workflow (see docs/TRANSLATING.md)."""
    if action == "sync":
        print(f"English comments updated: {sync_comments(content_dir)}")
        return 0
    if action in ("export", "import") and file:
        if action == "export":
            print(f"Strings written: {export_csv(content_dir, Path(file))} to {file}")
            return 0
        changed, problems = import_csv(content_dir, Path(file))
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"Khmer strings changed: {changed}. Now run: python bot.py check")
        return EXIT_USAGE if problems else 0
    print("Use: strings export FILE.csv | strings import FILE.csv | strings sync", file=sys.stderr)
    return EXIT_USAGE


def invite_leader(
    config: Config,
    village: str,
    pdf: Path | None = None,
    given_username: str | None = None,
    lang: str | None = None,
) -> int:
    """Prints a one-time, expiring invite for a leader of ``village`` (and writes its sheet)."""
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
    # A sheet needs a t.me link to scan: know the username before an invite is made.
    username = _username(config, given_username) if pdf is not None else None
    if pdf is not None and (username is None or not pdf.parent.is_dir()):
        print(NO_USERNAME if username is None else f"No such folder: {pdf.parent}", file=sys.stderr)
        return EXIT_USAGE

    async def make() -> tuple[str, str | None]:
        clock = SystemClock()
        store = await Store.open(config.database, clock)
        try:
            code = await create_invite(store, clock, village, config.invite_valid.total_seconds())
        finally:
            await store.close()
        return code, username or await _bot_username(config)

    code, username = asyncio.run(make())
    district, commune, place = path
    print(f"Leader invite for {place.name_en}, {commune.name_en}, {district.name_en} ({village}).")
    expires = SystemClock().now() + config.invite_valid
    until = expires.strftime("%Y-%m-%d %H:%M UTC")
    print(f"It works once, until {until}. Send it to that person only:")
    link = invite_link(username, code)
    print(link)
    if pdf is not None:
        sheet_lang = lang or "km"
        day = format_day(expires.astimezone(config.timezone).date(), sheet_lang)
        sheet = InviteSheet(place, commune, link, day)
        _write_private(pdf, invite_sheet_pdf(content, sheet_lang, sheet))
        print(f"Sheet to print: {pdf} (the same invite: once, until {until}; keep it private)")
    return 0


def _write_private(path: Path, data: bytes) -> None:
    """Writes a file only its owner can read: until it is used, the sheet is a way in."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    path.chmod(0o600)  # a file that existed before keeps its mode through O_CREAT


async def _bot_username(config: Config) -> str | None:
    """The bot's @username for a t.me link; None when Telegram cannot be asked."""
    if not config.token:
        return None
    try:
        async with Bot(config.token, base_url=config.base_url or DEFAULT_BASE_URL) as bot:
            return bot.username
    except (InvalidToken, NetworkError):
        return None


def report(config: Config, scope_code: str, days_text: str, lang: str, out: Path) -> int:
    """Writes the programme report's CSV and chart to ``out`` and prints its text."""
    content = load_content(
        districts=config.districts,
        places_scope=config.places_scope,
        default_language=config.default_language,
    )
    scope = resolve_scope(content, scope_code)
    all_time = days_text == "all"
    days = None if all_time else (int(days_text) if days_text.isdigit() else 0)
    if scope is None or days == 0 or not out.is_dir():
        print(
            "Use --scope all or a district/commune/village code, --days N or all, "
            "and --out an existing folder.",
            file=sys.stderr,
        )
        return EXIT_USAGE

    async def make() -> tuple[Report, date, date]:
        clock = SystemClock()
        store = await Store.open(config.database, clock)
        try:
            return await gather(
                store,
                clock,
                content,
                scope,
                days,
                config.timezone,
                take_on=(config.take_on_high, config.take_on),
                silence_days=config.silence_days,
            )
        finally:
            await store.close()

    data, first, last = asyncio.run(make())
    name = f"report-{scope.code or 'all'}-{last.isoformat()}"
    (out / f"{name}.csv").write_bytes(render_csv(content, lang, data))
    title = content.texts.plain(lang, "report.chart_title", scope=scope_name(content, lang, scope))
    (out / f"{name}.png").write_bytes(render_chart(content, lang, data, title))
    text = render_text(content, lang, data, scope, first, last, all_time)
    print(html.unescape(re.sub(r"<[^>]+>", "", text)))
    print(f"\nWritten: {out / (name + '.csv')} and {out / (name + '.png')}")
    return 0


def run(config: Config) -> int:
    """Runs the bot until Ctrl+C or SIGTERM."""
    if not config.token:
        print(NO_TOKEN, file=sys.stderr)
        return EXIT_USAGE
    _setup_logging(config)
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


def preview(config: Config, host: str, port: int, *, keep: bool = False) -> int:
    """Runs the real bot against a Bot API on this machine, with a chat page, until Ctrl+C."""
    if not is_loopback(host):
        print(
            f"Warning: the preview listens on {host}, so other machines can reach it. "
            "It has no passwords; use it only on a network you trust.",
            file=sys.stderr,
        )
    _setup_logging(config)
    # Every page poll and every scheduler tick would be a line; keep the bot's own lines.
    logging.getLogger("tornado.access").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if not config.token:
        print(NO_TOKEN_PREVIEW)

    def announce(page: str) -> None:
        print(PREVIEW_BANNER.format(page=page), flush=True)

    try:
        asyncio.run(_serve_preview(config, host, port, keep, announce))
    except OSError as error:
        print(
            f"Cannot start the preview on {host}:{port}: {error.strerror}. "
            "Try another port: python bot.py preview --port 8081",
            file=sys.stderr,
        )
        return 1
    except ContentError as error:
        print(f"Content error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return 0


async def _serve_preview(
    config: Config, host: str, port: int, keep: bool, announce: Callable[[str], None]
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await run_preview(config, stop, host=host, port=port, keep=keep, announce=announce)


def _setup_logging(config: Config) -> None:
    # Even at DEBUG: no token, no webhook secret, nothing people typed (app/logsafety.py).
    setup_logging(config.log_level, secrets=(config.token, config.webhook.secret_token))


async def _serve(config: Config) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(config, SystemClock(), stop)


if __name__ == "__main__":
    sys.exit(main())
