"""bot.py backup and restore: a consistent copy while the bot writes, put back only when stopped."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.config import Config, load_config
from domain.clock import ManualClock
from operations.backup import backup_command, restore_command
from storage.migrations import MIGRATIONS
from storage.store import Store
from tests.support.chat import START

NAMES = [name for name, _ in MIGRATIONS]


# -- helpers -----------------------------------------------------------------------------------


def config_for(database: Path) -> Config:
    return replace(load_config(None, environ={}), database=database)


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    assert path.exists(), path
    with closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


def dump(path: Path) -> list[str]:
    """Every statement that rebuilds the database: equal dumps, equal databases."""
    assert path.exists(), path
    with closing(sqlite3.connect(path)) as db:
        return list(db.iterdump())


def side_files(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.glob(f"{path.name}-*"))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


async def onboard(store: Store, first: int, count: int) -> None:
    for user_id in range(first, first + count):
        await store.complete_onboarding(
            user_id,
            language="km",
            district_code="0906",
            village_code="09060405",
            consented_at=START,
        )
        await store.finish_lesson(user_id, "what_is_migration")


def agencies(batch: int) -> list[dict[str, Any]]:
    return [
        {
            "name": f"Agency {batch}-{i}",
            "licence": f"L{batch}-{i}",
            "destinations": ["TH"],
            "last_verified": "2026-11-25",
        }
        for i in range(3)
    ]


def the_backup(folder: Path) -> Path:
    [copy] = folder.iterdir()
    return copy


def names_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def live(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder / "bot.sqlite3"


@pytest.fixture
def backups(tmp_path: Path) -> Path:
    folder = tmp_path / "backups"
    folder.mkdir()
    return folder


# -- backup ------------------------------------------------------------------------------------


async def test_a_backup_while_the_bot_writes_is_a_consistent_snapshot(
    live: Path, backups: Path, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    store = await Store.open(live, clock)
    await store.close()
    with closing(sqlite3.connect(live)) as db, db:  # one transaction
        # Enough earlier villagers that copying takes a moment (ids far above the writer's).
        db.executemany(
            "INSERT INTO users (user_id, language, consented_at, created_at, updated_at)"
            " VALUES (?, 'km', ?, ?, ?)",
            [
                (10**6 + i, START.isoformat(), START.isoformat(), START.isoformat())
                for i in range(60_000)
            ],
        )
    store = await Store.open(live, clock)
    written, busy, stop = 0, asyncio.Event(), asyncio.Event()

    async def the_bot_writing() -> None:
        nonlocal written
        while not stop.is_set():
            written += 1
            await onboard(store, written, 1)
            await store.replace_agencies(agencies(written))  # three rows, one transaction
            if written == 20:
                busy.set()

    writer = asyncio.create_task(the_bot_writing())
    await busy.wait()
    before = written
    code = await asyncio.to_thread(backup_command, config_for(live), backups, clock=clock)
    during = written - before
    stop.set()
    await writer
    await store.close()

    assert code == 0
    assert during > 0, "the bot was not writing while the copy was made"
    copy = the_backup(backups)
    assert f"Backup written: {copy}" in capsys.readouterr().out
    users = [row[0] for row in query(copy, "SELECT user_id FROM users WHERE user_id < 1000000")]
    assert users == list(range(1, len(users) + 1))  # everyone up to a moment, nobody missing
    assert before - 1 <= len(users) < written
    batches = {
        name.split()[1].split("-")[0] for (name,) in query(copy, "SELECT name FROM agencies")
    }
    assert len(query(copy, "SELECT * FROM agencies")) == 3 and len(batches) == 1  # never half
    assert query(copy, "SELECT COUNT(*) FROM users") == [(len(users) + 60_000,)]
    # What the copy holds is what the live database held: the same rows, byte for byte.
    same = "SELECT * FROM users WHERE user_id <= {} ORDER BY user_id"
    assert query(copy, same.format(len(users))) == query(live, same.format(len(users)))

    # Restored, the database is the copy exactly; the one it replaced is kept as it was.
    source_now = dump(live)
    assert restore_command(config_for(live), copy, force=False, clock=clock) == 0
    assert dump(live) == dump(copy)
    [aside] = live.parent.glob("bot.sqlite3.before-restore-*")
    assert dump(aside) == source_now


async def test_backup_then_restore_gives_back_the_same_database(
    live: Path, backups: Path, clock: ManualClock
) -> None:
    store = await Store.open(live, clock)
    await onboard(store, 1, 5)
    await store.replace_agencies(agencies(1))
    code = backup_command(config_for(live), backups / "before-upgrade.sqlite3", clock=clock)
    assert code == 0
    at_backup = dump(live)
    await onboard(store, 100, 3)  # life goes on after the backup ...
    await store.close()
    assert dump(live) != at_backup

    assert restore_command(config_for(live), backups / "before-upgrade.sqlite3", force=False) == 0
    assert dump(live) == at_backup  # ... and the restore brings back the moment of the backup
    store = await Store.open(live, clock)  # the bot starts on it as usual
    assert await store.get_user(3) is not None and await store.get_user(100) is None
    await store.close()


async def test_backup_names_permissions_and_no_overwriting(
    live: Path, backups: Path, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    await (await Store.open(live, clock)).close()
    config = config_for(live)
    assert backup_command(config, backups, clock=clock) == 0
    copy = backups / "bot-2026-03-01T0200Z.sqlite3"
    assert names_in(backups) == [copy.name]  # one file, no -wal beside
    assert copy.stat().st_mode & 0o777 == 0o600  # it holds personal data
    assert query(copy, "PRAGMA journal_mode") == [("delete",)]
    assert [row[0] for row in query(copy, "SELECT name FROM schema_migrations")] == NAMES
    first = copy.read_bytes()
    capsys.readouterr()

    assert backup_command(config, backups, clock=clock) == 2  # the same minute: same name
    assert "already exists; a backup never overwrites a file" in one_line(capsys.readouterr().err)
    assert copy.read_bytes() == first
    assert backup_command(config, copy, clock=clock) == 2  # named explicitly: still not
    assert backup_command(config, backups / "no" / "x.sqlite3", clock=clock) == 2
    assert "there is no folder" in one_line(capsys.readouterr().err.splitlines()[-1])
    clock.advance(timedelta(minutes=1))
    assert backup_command(config, backups, clock=clock) == 0
    assert (backups / "bot-2026-03-01T0201Z.sqlite3").exists()
    assert leftovers(backups) == []


def test_backup_refuses_a_missing_or_broken_database(
    live: Path, backups: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert backup_command(config_for(live), backups) == 2
    assert "there is no database at" in one_line(capsys.readouterr().err)
    assert not live.exists()  # and it did not create one
    live.write_text("not a database at all " * 100, encoding="utf-8")
    assert backup_command(config_for(live), backups) == 2
    assert "file is not a database" in one_line(capsys.readouterr().err)
    assert list(backups.iterdir()) == []


# -- restore -----------------------------------------------------------------------------------


def another_program(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        db.execute("INSERT INTO notes (text) VALUES ('hello')")
        db.commit()


def rails_program(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE schema_migrations (version TEXT PRIMARY KEY)")
        db.execute("INSERT INTO schema_migrations VALUES ('20260101000000')")
        db.commit()


def older_bot(path: Path, count: int = 2) -> None:
    """A database as an earlier version of the bot left it: only the first migrations."""
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        for name, statements in MIGRATIONS[:count]:
            for statement in statements:
                db.execute(statement)
            db.execute("INSERT INTO schema_migrations VALUES (?, ?)", (name, START.isoformat()))
        db.execute(
            "INSERT INTO users (user_id, language, village_code, consented_at, created_at,"
            " updated_at) VALUES (42, 'km', '09060405', ?, ?, ?)",
            (START.isoformat(),) * 3,
        )


def newer_bot(path: Path) -> None:
    older_bot(path, len(MIGRATIONS))
    with closing(sqlite3.connect(path)) as db:
        db.execute("INSERT INTO schema_migrations VALUES ('m999_from_the_future', '')")
        db.commit()


def gap(path: Path) -> None:
    older_bot(path, len(MIGRATIONS))
    with closing(sqlite3.connect(path)) as db:
        db.execute("DELETE FROM schema_migrations WHERE name = ?", (NAMES[1],))
        db.commit()


def damaged(path: Path) -> None:
    older_bot(path, len(MIGRATIONS))
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page + 8 : page + 40] = b"\xff" * 32  # scribble over the second page's b-tree
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.write_text("id,name\n1,Sokha\n", encoding="utf-8"), "not a database"),
        (another_program, "no schema_migrations table (a database of another program?)"),
        (rails_program, "schema_migrations table is not this bot's"),
        (newer_bot, "made by a newer version of the bot (migration m999_from_the_future"),
        (gap, "schema_migrations do not match this bot's storage/migrations.py"),
        (damaged, ""),
    ],
    ids=["text", "other-program", "rails", "newer-bot", "gap", "damaged"],
)
async def test_restore_refuses_what_is_not_a_backup_of_this_bot(
    live: Path,
    tmp_path: Path,
    clock: ManualClock,
    capsys: pytest.CaptureFixture[str],
    make: Any,
    reason: str,
) -> None:
    store = await Store.open(live, clock)
    await onboard(store, 1, 2)
    await store.close()
    before = dump(live)
    source = tmp_path / "suspicious.sqlite3"
    make(source)

    assert restore_command(config_for(live), source, force=False) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"Restore refused: {source} is not a valid backup of this bot: ")
    assert reason in line
    assert dump(live) == before  # nothing changed, nothing kept aside, nothing left over
    assert sorted(p.name for p in live.parent.iterdir()) == ["bot.sqlite3"]


async def test_restore_refuses_a_database_the_bot_has_open(
    live: Path, backups: Path, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    store = await Store.open(live, clock)
    await onboard(store, 1, 2)
    assert backup_command(config_for(live), backups, clock=clock) == 0
    copy = the_backup(backups)
    await onboard(store, 3, 1)
    capsys.readouterr()

    # Idle: the bot holds no lock at all, and still the restore sees it.
    assert restore_command(config_for(live), copy, force=True) == 2
    assert one_line(capsys.readouterr().err) == (
        f"Restore refused: {live} is in use: stop the bot first (sudo systemctl stop "
        "safe-migration-bot, or docker stop), then run restore again"
    )
    # Busy writing: the same.
    writing = asyncio.create_task(onboard(store, 10, 50))
    await asyncio.sleep(0.005)
    assert await asyncio.to_thread(restore_command, config_for(live), copy, force=True) == 2
    await writing
    assert await store.get_user(3) is not None  # the live data is untouched
    await store.close()
    assert sorted(p.name for p in live.parent.iterdir()) == ["bot.sqlite3"]

    assert restore_command(config_for(live), copy, force=False) == 0  # stopped: fine
    assert dump(live) == dump(copy)


def test_restore_sees_a_bot_in_another_process(live: Path, backups: Path) -> None:
    older_bot(live, len(MIGRATIONS))
    assert backup_command(config_for(live), backups) == 0
    copy = the_backup(backups)
    script = (
        "import sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1])\n"
        "db.execute('PRAGMA journal_mode = WAL')\n"
        "db.execute('SELECT COUNT(*) FROM users').fetchall()\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script, str(live)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as bot:  # another process has the database open, idle
        assert bot.stdout is not None and bot.stdout.readline() == "ready\n"
        assert restore_command(config_for(live), copy, force=False) == 2
        assert bot.stdin is not None
        bot.stdin.close()
    assert restore_command(config_for(live), copy, force=False) == 0


async def test_an_earlier_restore_is_kept_unless_forced(
    live: Path, backups: Path, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    store = await Store.open(live, clock)
    await onboard(store, 1, 1)
    await store.close()
    assert backup_command(config_for(live), backups, clock=clock) == 0
    copy = the_backup(backups)
    assert restore_command(config_for(live), copy, force=False, clock=clock) == 0
    out = capsys.readouterr().out
    assert f"Restored {copy} as {live} (" in out
    aside = live.with_name("bot.sqlite3.before-restore-2026-03-01T020000Z")
    assert f"The database it replaced is kept as {aside}" in out

    clock.advance(timedelta(seconds=5))
    assert restore_command(config_for(live), copy, force=False, clock=clock) == 2
    assert f"an earlier restore left {aside}; move it somewhere safe" in capsys.readouterr().err
    assert restore_command(config_for(live), copy, force=True, clock=clock) == 0
    assert sorted(p.name for p in live.parent.iterdir()) == [
        "bot.sqlite3",
        "bot.sqlite3.before-restore-2026-03-01T020000Z",
        "bot.sqlite3.before-restore-2026-03-01T020005Z",
    ]


async def test_migrations_run_on_a_restored_older_backup(
    live: Path,
    tmp_path: Path,
    backups: Path,
    clock: ManualClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old = tmp_path / "old" / "bot.sqlite3"
    old.parent.mkdir()
    older_bot(old, 2)
    assert backup_command(config_for(old), backups, clock=clock) == 0
    copy = the_backup(backups)
    capsys.readouterr()

    # A new machine: no database yet, so nothing to keep aside.
    assert restore_command(config_for(live), copy, force=False) == 0
    out = capsys.readouterr().out
    assert f"{len(MIGRATIONS) - 2} newer migrations run when the bot starts" in out
    assert "kept as" not in out
    assert [row[0] for row in query(live, "SELECT name FROM schema_migrations")] == NAMES[:2]

    store = await Store.open(live, clock)
    profile = await store.get_user(42)
    assert profile is not None and profile.village_code == "09060405"
    assert await store.departures_of(42) == []  # a table from a later migration is there
    await store.close()
    assert [row[0] for row in query(live, "SELECT name FROM schema_migrations")] == NAMES


def crash_after_one_more_change(live: Path) -> None:
    """The bot commits one more change and dies before SQLite folds its -wal into the file."""
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sqlite3, sys\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "db.execute('PRAGMA journal_mode = WAL')\n"
            'db.execute("INSERT INTO agencies (name, licence, destinations, last_verified)'
            " VALUES ('Crash Co', 'C-1', 'TH', '2026-11-25')\")\n"
            "os._exit(0)\n",
            str(live),
        ],
        check=True,
    )


async def test_a_crashed_bots_wal_stays_with_the_old_database(
    live: Path, backups: Path, clock: ManualClock
) -> None:
    store = await Store.open(live, clock)
    await onboard(store, 1, 1)
    assert backup_command(config_for(live), backups, clock=clock) == 0
    copy = the_backup(backups)
    await store.close()
    crash_after_one_more_change(live)
    assert side_files(live) == ["bot.sqlite3-shm", "bot.sqlite3-wal"]

    assert restore_command(config_for(live), copy, force=False, clock=clock) == 0
    assert side_files(live) == []  # nothing stale beside the restored file to be read as its log
    assert dump(live) == dump(copy)
    [aside] = live.parent.glob("bot.sqlite3.before-restore-*")
    assert query(aside, "SELECT name FROM agencies") == [("Crash Co",)]  # the change was kept


def test_restore_refuses_a_missing_backup_and_the_database_itself(
    live: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert restore_command(config_for(live), live.parent / "nope.sqlite3", force=False) == 2
    assert "there is no backup file at" in one_line(capsys.readouterr().err)
    older_bot(live)
    assert restore_command(config_for(live), live, force=False) == 2
    assert "is the database itself" in one_line(capsys.readouterr().err)
