"""When the database is busy, read-only or full: the person is told, the log says what, the bot
goes on, and the same step works once the database is back.

The faults are made on the store's own SQLite connection (a pragma) or by a second connection to
the same file, so the bot's real code meets SQLite's real errors: SQLITE_BUSY, SQLITE_READONLY and
SQLITE_FULL, exactly as a locked, read-only or full database gives them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.clock import ManualClock
from storage.store import Store
from tests.support.chat import START, TEST_TOKEN, Bot
from tests.support.journeys import (
    STAFF_ID,
    VILLAGE,
    onboard,
    read_consent,
    sent_departure,
    sweep_at,
)

BOT_PY = Path(__file__).resolve().parent.parent / "bot.py"
SORRY_KM = "សូមទោស មានបញ្ហាខាងយើង។"
SORRY_EN = "Sorry, something went wrong on our side."
HELP_KM = "<b>ជំនួយ និងលេខទូរស័ព្ទ</b>"
PROMPT_KM = "សួស្ដី! សុខសប្បាយទេ? សូមចុចប៊ូតុងមួយខាងក្រោម៖"


async def pragma(bot: Bot, statement: str) -> None:
    """Runs a pragma on the store's own connection: the one every handler writes through."""
    await bot.store._db.execute(f"PRAGMA {statement}")


def users_rows(database: Path, user_id: int) -> int:
    with sqlite3.connect(database) as db:
        (count,) = db.execute("SELECT COUNT(*) FROM users WHERE user_id = ?", (user_id,)).fetchone()
    return int(count)


def database_lines(caplog: pytest.LogCaptureFixture, kind: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if kind in r.getMessage()]


def apologies(texts: list[str], sorry: str) -> int:
    return sum(1 for text in texts if text.startswith(sorry))


async def up_to_the_village(bot: Bot, user_id: int) -> None:
    """A new villager, in Khmer, up to the list of villages (nothing kept about them yet)."""
    villager = bot.user(user_id)
    await villager.send("/start")
    await villager.click("ភាសាខ្មែរ")
    await read_consent(villager)
    await villager.click("បាទ/ចាស ខ្ញុំយល់ព្រម")
    await villager.click("ស្រែ អំបិល")
    await villager.click("ជ្រោយស្វាយ")
    villager.new_texts()


# -- busy: another program holds the write lock -----------------------------------------------


async def test_a_short_lock_is_waited_for_and_the_step_is_written_once(bot: Bot) -> None:
    villager = bot.user(7101)
    await up_to_the_village(bot, villager.id)
    other = sqlite3.connect(bot.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program writes, for less than busy_timeout (5 s)

    async def release_once_the_bot_waits() -> None:
        # The store takes its own lock before it asks SQLite for the write lock; once it holds
        # it, the villager's write is queued behind ours.
        for _ in range(1000):
            if bot.store._write_lock.locked():
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # the write is now in SQLite's busy wait, not yet refused
        other.execute("COMMIT")

    release = asyncio.create_task(release_once_the_bot_waits())
    await villager.click("នេសាទ")
    await release
    other.close()

    assert "ភូមិរបស់អ្នក៖ <b>នេសាទ</b> ឃុំជ្រោយស្វាយ" in villager.last_text()
    assert apologies(villager.new_texts(), SORRY_KM) == 0
    assert users_rows(bot.database, villager.id) == 1


async def test_a_lock_held_too_long_gets_an_apology_and_the_step_works_after(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    villager = bot.user(7102)
    await up_to_the_village(bot, villager.id)
    await pragma(bot, "busy_timeout = 50")  # 5 s in production; the test need not wait that long
    other = sqlite3.connect(bot.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        await villager.click("នេសាទ")
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert apologies(villager.new_texts(), SORRY_KM) == 1  # in Khmer, once
    assert await bot.store.get_user(villager.id) is None  # nothing half-written
    [line, *_] = database_lines(caplog, "database_locked")
    assert line.getMessage().startswith("database_locked update=")
    assert f"user={villager.id} code=SQLITE_BUSY" in line.getMessage()
    assert line.exc_info is None  # a known database problem: one line, no traceback

    # The lock is gone: the same button works, and the villager is kept once.
    await pragma(bot, "busy_timeout = 5000")
    await villager.click("នេសាទ")
    assert "ភូមិរបស់អ្នក៖ <b>នេសាទ</b> ឃុំជ្រោយស្វាយ" in villager.last_text()
    assert users_rows(bot.database, villager.id) == 1


# -- read-only --------------------------------------------------------------------------------


async def test_a_read_only_database_gets_an_apology_in_the_persons_language(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    villager = bot.user(7103, first_name="Srey Pov", language_code="en")
    await onboard(villager, "en")
    # A read-only file or disk, as SQLite reports it: every write fails with SQLITE_READONLY
    # ("attempt to write a readonly database"). chmod cannot make it here: root (which these
    # tests may run as) writes through any file mode, and a running bot keeps the write access
    # it opened the file with. query_only makes SQLite itself refuse each write the same way.
    await pragma(bot, "query_only = ON")
    villager.new_texts()

    await villager.send("/language")
    await villager.click("ភាសាខ្មែរ")

    assert apologies(villager.new_texts(), SORRY_EN) == 1  # in English, the person's language
    profile = await bot.store.get_user(villager.id)
    assert profile is not None and profile.language == "en"
    lines = database_lines(caplog, "database_read_only")
    assert lines, [r.getMessage() for r in caplog.records]
    # Saving the conversation state may fail first (update=None); the person's own line is there.
    assert any(f"user={villager.id} code=SQLITE_READONLY" in r.getMessage() for r in lines)
    assert all(r.exc_info is None for r in lines)

    # Reading still works: the hotlines are there, without an apology.
    await villager.send("/help")
    texts = villager.new_texts()
    assert texts and texts[-1].startswith("<b>Help and hotlines</b>")
    assert apologies(texts, SORRY_EN) == 0

    # Writable again: the same button works.
    await pragma(bot, "query_only = OFF")
    await villager.click("ភាសាខ្មែរ")
    assert "រួចរាល់។ ខ្ញុំនឹងនិយាយជាមួយអ្នកជាភាសាខ្មែរ។" in villager.last_text()
    profile = await bot.store.get_user(villager.id)
    assert profile is not None and profile.language == "km"

    logged = "\n".join(record.getMessage() for record in caplog.records)
    for private in ("Srey Pov", TEST_TOKEN):
        assert private not in logged


# -- full disk --------------------------------------------------------------------------------


async def fill_the_disk(bot: Bot) -> None:
    """Makes the database full, for the store's connection, for a new villager's first row.

    SQLite's page limit (max_page_count) is a full disk as SQLite reports it (SQLITE_FULL,
    "database or disk is full"), but it bites only when a write needs a new page. So the limit
    is set to the pages there are, and then the very write a new villager makes is repeated for
    made-up people until SQLite refuses it: the villager's own row (a larger id, the same
    village) needs a new page too.
    """
    store = bot.store
    async with store._db.execute("PRAGMA page_count") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    await pragma(bot, f"max_page_count = {int(row[0])}")
    for filler in range(8_000_000, 8_010_000):
        try:
            await store.complete_onboarding(
                filler,
                language="km",
                district_code=VILLAGE[:4],
                village_code=VILLAGE,
                consented_at=bot.clock.now(),
            )
        except sqlite3.OperationalError as error:
            assert error.sqlite_errorname == "SQLITE_FULL", error
            return
    raise AssertionError("the database never became full")


async def test_a_full_disk_gets_an_apology_and_reading_goes_on(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    reader = bot.user(7104)
    await onboard(reader)
    villager = bot.user(9_000_001)
    await up_to_the_village(bot, villager.id)
    await fill_the_disk(bot)

    await villager.click("នេសាទ")

    assert apologies(villager.new_texts(), SORRY_KM) == 1
    assert users_rows(bot.database, villager.id) == 0  # nothing half-written
    lines = database_lines(caplog, "database_full")
    assert lines, [r.getMessage() for r in caplog.records]
    # Saving the conversation state may fail first (update=None); the person's own line is there.
    assert any(f"user={villager.id} code=SQLITE_FULL" in r.getMessage() for r in lines)
    assert all(r.exc_info is None for r in lines)

    # Commands that only read go on working, for anyone.
    reader.new_texts()
    await reader.send("/help")
    texts = reader.new_texts()
    assert texts and texts[-1].startswith(HELP_KM)
    assert apologies(texts, SORRY_KM) == 0

    # Space is freed: the same button works, nothing is kept twice.
    await pragma(bot, "max_page_count = 1073741823")
    await villager.click("នេសាទ")
    assert "ភូមិរបស់អ្នក៖ <b>នេសាទ</b> ឃុំជ្រោយស្វាយ" in villager.last_text()
    assert users_rows(bot.database, villager.id) == 1
    assert bot.app is not None and bot.app.running


# -- the sweep --------------------------------------------------------------------------------


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


async def test_the_sweep_survives_a_read_only_database_and_catches_up_after(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    villager = bot.user(7105)
    await sent_departure(bot, villager)  # arrives 3 March; the first check-in is due 4 March
    villager.new_texts()
    await pragma(bot, "query_only = ON")

    await sweep_at(bot, utc(3, 4, 1, 0))  # 08:00 in Bangkok: due, but nothing can be recorded

    assert PROMPT_KM not in villager.new_texts()  # claimed first, sent after: nothing went out
    lines = database_lines(caplog, "sweep_task_failed")
    assert lines and all("database_read_only" in r.getMessage() for r in lines)
    assert all(r.exc_info is None for r in lines)

    await pragma(bot, "query_only = OFF")
    await sweep_at(bot, utc(3, 4, 1, 1))  # the next tick
    assert villager.new_texts().count(PROMPT_KM) == 1
    await sweep_at(bot, utc(3, 4, 1, 2))
    assert PROMPT_KM not in villager.new_texts()  # and only once


# -- at start ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_bot(tmp_path: Path, database: Path) -> subprocess.CompletedProcess[str]:
    """``python bot.py run`` on ``database``, with Telegram pointed at a closed local port."""
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  database: {json.dumps(str(database))}\n", encoding="utf-8")
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{free_port()}/bot",
    }
    return subprocess.run(
        [sys.executable, str(BOT_PY), "--config", str(config), "run"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


def make_database(path: Path) -> None:
    async def make() -> None:
        store = await Store.open(path, ManualClock(START))
        await store.close()

    asyncio.run(make())


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture
def read_only_database(tmp_path: Path) -> Iterator[Path]:
    """A database file the bot may not write (its folder stays writable)."""
    path = tmp_path / "data" / "bot.sqlite3"
    make_database(path)
    if os.geteuid() != 0:
        path.chmod(0o444)
        yield path
        path.chmod(0o644)
        return
    # Root writes through any file mode; the immutable attribute stops root too.
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)], check=False).returncode:
        pytest.skip("as root, a file can be made read-only only with chattr +i, not here")
    try:
        yield path
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


def test_a_read_only_database_stops_the_start_with_one_line(
    tmp_path: Path, read_only_database: Path
) -> None:
    result = run_bot(tmp_path, read_only_database)
    line = one_error_line(result)
    assert line.startswith(f"Database error (database_read_only): {read_only_database}: ")
    assert result.returncode == 2  # a person must fix it: the service does not restart


@pytest.mark.parametrize("kind", ["folder_is_a_file", "path_is_a_folder", "not_a_database"])
def test_a_database_that_cannot_be_opened_stops_the_start_with_one_line(
    tmp_path: Path, kind: str
) -> None:
    if kind == "folder_is_a_file":
        (tmp_path / "data").write_text("not a folder")
        database, expected = tmp_path / "data" / "bot.sqlite3", "database_cannot_open"
    elif kind == "path_is_a_folder":
        database, expected = tmp_path, "database_cannot_open"
    else:
        database, expected = tmp_path / "notes.txt", "database_corrupt"
        database.write_text("these are not the droids " * 200)

    result = run_bot(tmp_path, database)

    assert one_error_line(result).startswith(f"Database error ({expected}): {database}: ")
    assert result.returncode == 2


def test_a_database_locked_by_another_program_stops_the_start_for_a_retry(
    tmp_path: Path,
) -> None:
    database = tmp_path / "bot.sqlite3"
    make_database(database)
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # held for longer than the 5 s the bot waits
    try:
        result = run_bot(tmp_path, database)
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert one_error_line(result).startswith(f"Database error (database_locked): {database}: ")
    assert result.returncode == 1  # it may pass: the service tries again


@pytest.mark.parametrize(
    "command", [["invite-leader", "--village", "09060405"], ["report", "--days", "all"]]
)
def test_operator_commands_on_a_damaged_database_say_so_in_one_line(
    tmp_path: Path, command: list[str]
) -> None:
    database = tmp_path / "notes.txt"
    database.write_text("these are not the droids " * 200)
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  database: {json.dumps(str(database))}\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(BOT_PY), "--config", str(config), *command, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert one_error_line(result).startswith(f"Database error (database_corrupt): {database}: ")
    assert result.returncode == 2


async def test_sos_still_reaches_staff_when_the_database_cannot_be_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A cry for help must not die with the database: staff are told directly, unsaved."""
    bot = await Bot(tmp_path / "bot.sqlite3").start(staff_user_ids=frozenset({STAFF_ID}))
    try:
        staff, villager = bot.user(STAFF_ID, "Dara"), bot.user(7120)
        await onboard(staff)
        await sent_departure(bot, villager)
        villager.new_texts(), staff.new_texts()
        await pragma(bot, "query_only = ON")

        await villager.send("/sos")

        told = villager.new_texts()
        assert len(told) == 1 and told[0].startswith(
            "🚨 <b>យើងបានប្រាប់បុគ្គលិកគម្រោងហើយ។</b> បើមានគ្រោះថ្នាក់"
        )
        assert "<b>ថៃ៖ លេខទូរស័ព្ទជំនួយ</b>" in told[0]  # reading works: where she went
        (alert,) = staff.new_texts()
        assert alert.startswith("🚨 <b>សុំជំនួយបន្ទាន់ (SOS)</b>")
        assert f"tg://user?id={villager.id}" in alert
        assert "មូលដ្ឋានទិន្នន័យរបស់បូតមិនដំណើរការទេ" in alert
        assert any("sos_without_database" in r.getMessage() for r in caplog.records)
        await pragma(bot, "query_only = OFF")
        assert await bot.store.open_cases(None) == []  # nothing was saved, as staff were told
    finally:
        await bot.stop()
