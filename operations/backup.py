"""Backing up the live database, and putting a backup back.

``python bot.py backup DEST`` copies the database with SQLite's online backup API: one read
transaction, so the copy is a consistent snapshot even while the bot runs and writes (in WAL
mode readers and the writer do not block each other). DEST is a folder (the file is then named
``bot-2026-11-25T1530Z.sqlite3``) or a new file name; an existing file is never overwritten.
The copy is a single self-contained file (rollback journal, no -wal beside it), readable only
by its owner, and checked before it is given its name.

``python bot.py restore SOURCE`` puts a backup in place of ``storage.database``, only while the
bot is stopped. The database it replaces is kept beside it as
``<name>.before-restore-<time>``. A backup made by an older version is fine: the migrations
still missing run when the bot starts.

Both refuse a file that is not a backup of this bot: ``PRAGMA integrity_check`` must say ok and
its ``schema_migrations`` must be a prefix of ``storage.migrations.MIGRATIONS``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.config import Config
from domain.clock import Clock, SystemClock
from storage.migrations import MIGRATIONS

EXIT_REFUSED = 2  # as bot.py: the situation needs fixing, retrying alone will not help
BUSY_TIMEOUT = 1.0  # seconds to wait for another connection's lock before calling it "in use"
SIDE_FILES = ("-wal", "-shm", "-journal")  # what SQLite may keep beside a database file
BEFORE_RESTORE = ".before-restore-"


class BackupError(Exception):
    """Why a backup or a restore cannot go ahead, in one line for the operator."""


@dataclass(frozen=True)
class BackupInfo:
    migrations: int  # how many of MIGRATIONS the database has
    size: int  # bytes


def backup_command(config: Config, dest: Path, *, clock: Clock | None = None) -> int:
    """``bot.py backup DEST``: 0 when the copy is written and checked, else 2 and the reason."""
    try:
        path, info = make_backup(config.database, dest, (clock or SystemClock()).now())
    except BackupError as error:
        print(f"Backup failed: {error}", file=sys.stderr)
        return EXIT_REFUSED
    print(
        f"Backup written: {path} ({_megabytes(info.size)}, integrity ok, "
        f"{info.migrations} of {len(MIGRATIONS)} migrations)"
    )
    return 0


def restore_command(
    config: Config, source: Path, *, force: bool, clock: Clock | None = None
) -> int:
    """``bot.py restore SOURCE [--force]``: 0 when restored, else 2 and the reason."""
    try:
        aside, info = restore_backup(
            config.database, source, (clock or SystemClock()).now(), force=force
        )
    except BackupError as error:
        print(f"Restore refused: {error}", file=sys.stderr)
        return EXIT_REFUSED
    missing = len(MIGRATIONS) - info.migrations
    print(
        f"Restored {source} as {config.database} ({_megabytes(info.size)}, integrity ok"
        + (f"; {missing} newer migrations run when the bot starts)" if missing else ")")
    )
    if aside is not None:
        print(f"The database it replaced is kept as {aside}")
    return 0


def backup_name(database: Path, now: datetime) -> str:
    """``bot.sqlite3`` at 15:30 UTC on 25 November 2026 -> ``bot-2026-11-25T1530Z.sqlite3``."""
    suffix = database.suffix or ".sqlite3"
    stem = database.name.removesuffix(database.suffix) if database.suffix else database.name
    return f"{stem}-{now.astimezone(UTC):%Y-%m-%dT%H%MZ}{suffix}"


def make_backup(database: Path, dest: Path, now: datetime) -> tuple[Path, BackupInfo]:
    """Copies ``database`` to ``dest`` (a folder, or a new file); returns where, and what."""
    if not database.is_file():
        raise BackupError(f"there is no database at {database}, so nothing to back up")
    target = dest / backup_name(database, now) if dest.is_dir() else dest
    if target.exists() or target.is_symlink():
        raise BackupError(f"{target} already exists; a backup never overwrites a file")
    if not target.parent.is_dir():
        raise BackupError(f"there is no folder {target.parent}; create it first")
    partial = _new_private_file(target.parent, target.name)
    try:
        with (
            contextlib.closing(_open_read_only(database)) as live,
            contextlib.closing(sqlite3.connect(partial, isolation_level=None)) as copy,
        ):
            try:
                live.backup(copy)  # all pages in one step: one consistent snapshot
            except sqlite3.Error as error:
                raise BackupError(f"cannot copy {database}: {error}") from error
            try:
                info = _single_file_and_checked(copy)
            except BackupError as error:
                raise BackupError(f"the copy of {database} is not sound: {error}") from error
        _publish(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target, info


def restore_backup(
    database: Path, source: Path, now: datetime, *, force: bool
) -> tuple[Path | None, BackupInfo]:
    """Puts the backup ``source`` in place of ``database`` (the bot must be stopped).

    Returns where the replaced database was kept (None when there was none) and what was put.
    """
    if not source.is_file():
        raise BackupError(f"there is no backup file at {source}")
    if database.exists() and os.path.samefile(source, database):
        raise BackupError(f"{source} is the database itself, not a backup of it")
    earlier = _earlier_restores(database)
    if earlier and not force:
        raise BackupError(
            f"an earlier restore left {earlier[-1]}; move it somewhere safe, or run restore "
            "again with --force to keep it and add another"
        )
    database.parent.mkdir(parents=True, exist_ok=True)  # restoring onto a new machine
    staging = _new_private_file(database.parent, database.name)
    try:
        with (
            contextlib.closing(_open_read_only(source)) as backup,
            contextlib.closing(sqlite3.connect(staging, isolation_level=None)) as copy,
        ):
            try:
                backup.backup(copy)
                info = _single_file_and_checked(copy)
            except (sqlite3.Error, BackupError) as error:
                raise BackupError(f"{source} is not a valid backup of this bot: {error}") from error
        _same_owner_and_mode(database, staging)
        aside = _swap(database, staging, now)
    finally:
        staging.unlink(missing_ok=True)
    return aside, info


def _single_file_and_checked(db: sqlite3.Connection) -> BackupInfo:
    """Makes a fresh copy one self-contained file, then checks it is a sound database of ours."""
    try:
        db.execute("PRAGMA journal_mode = DELETE")
        result = [row[0] for row in db.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"not a SQLite database ({error})") from error
    if result != ["ok"]:
        problems = [
            line
            for text in result
            for line in str(text).splitlines()
            if line.strip() and not line.startswith("***")
        ] or ["no details"]
        more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
        raise BackupError(f"the integrity check failed ({problems[0]}{more})")
    found = db.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if found is None:
        raise BackupError("it has no schema_migrations table (a database of another program?)")
    try:
        names = sorted(row[0] for row in db.execute("SELECT name FROM schema_migrations"))
    except sqlite3.Error as error:
        raise BackupError(f"its schema_migrations table is not this bot's ({error})") from error
    known = [name for name, _ in MIGRATIONS]
    if names != known[: len(names)]:
        unknown = [name for name in names if name not in known]
        if unknown and set(known) <= set(names):
            raise BackupError(
                f"it was made by a newer version of the bot (migration {unknown[0]} is unknown "
                "here); upgrade the bot first"
            )
        raise BackupError(
            "its schema_migrations do not match this bot's storage/migrations.py "
            f"(found {', '.join(names[:3]) or 'none'}{' …' if len(names) > 3 else ''})"
        )
    size = (
        db.execute("PRAGMA page_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]
    )
    return BackupInfo(migrations=len(names), size=int(size))


def _swap(database: Path, staging: Path, now: datetime) -> Path | None:
    """Keeps the current database aside and moves the checked copy into its place."""
    if not database.exists():
        for stray in _side_files(database):
            if stray.exists():
                raise BackupError(f"{stray} is there without its database; move it away first")
        _publish(staging, database)
        return None
    aside = database.with_name(
        f"{database.name}{BEFORE_RESTORE}{now.astimezone(UTC):%Y-%m-%dT%H%M%SZ}"
    )
    with _sole_access(database):
        # Leaving WAL mode folded the -wal into the file and removed it: the file is complete.
        try:
            os.link(database, aside)
        except FileExistsError as error:
            raise BackupError(f"{aside} already exists; try again in a second") from error
        except OSError:  # a file system without hard links: rename, with a short gap
            if aside.exists():
                raise BackupError(f"{aside} already exists; try again in a second") from None
            os.rename(database, aside)
        os.replace(staging, database)
    # Nothing beside the restored file may be read as its journal: move leftovers aside too.
    for side in _side_files(database):
        if side.exists():
            os.replace(side, aside.with_name(f"{aside.name}{side.name[len(database.name) :]}"))
    _sync_folder(database.parent)
    return aside


@contextlib.contextmanager
def _sole_access(database: Path) -> Iterator[None]:
    """Holds ``database`` exclusively, or refuses when anything (the bot) has it open.

    ``BEGIN EXCLUSIVE`` alone cannot tell: in WAL mode it does not wait for readers, and an idle
    bot holds no lock at all. Leaving WAL mode does: SQLite allows it only to the sole connection
    (and folds the -wal into the file). Then, in rollback mode, EXCLUSIVE keeps everyone out.
    """
    in_use = (
        f"{database} is in use: stop the bot first (sudo systemctl stop safe-migration-bot, or "
        "docker stop), then run restore again"
    )
    db = sqlite3.connect(
        f"{database.resolve().as_uri()}?mode=rw",
        uri=True,
        timeout=BUSY_TIMEOUT,
        isolation_level=None,
    )
    try:
        try:
            mode = db.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
            if str(mode).lower() != "delete":
                raise BackupError(in_use)
            db.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise BackupError(in_use) from error
            raise BackupError(f"cannot open {database}: {error}") from error
        except sqlite3.DatabaseError as error:
            raise BackupError(
                f"the current {database} cannot be read as a database ({error}); stop the bot, "
                "move it (and any -wal or -shm beside it) somewhere safe, then restore again"
            ) from error
        yield
    finally:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        db.close()


def _open_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot change ``path`` (and never creates it)."""
    try:
        return sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10, isolation_level=None
        )
    except sqlite3.Error as error:
        raise BackupError(f"cannot open {path}: {error}") from error


def _new_private_file(folder: Path, name: str) -> Path:
    """An empty file beside the final one (an empty file is an empty database), mode 0600."""
    try:
        handle, path = tempfile.mkstemp(prefix=f".{name}.", suffix=".partial", dir=folder)
    except OSError as error:
        raise BackupError(f"cannot write in {folder} ({error.strerror})") from error
    os.close(handle)
    return Path(path)


def _publish(partial: Path, target: Path) -> None:
    """Gives the finished file its name, never replacing a file that appeared meanwhile."""
    try:
        os.link(partial, target)
    except FileExistsError as error:
        raise BackupError(f"{target} already exists; a backup never overwrites a file") from error
    except OSError:  # a file system without hard links (some USB drives, network shares)
        if target.exists():
            raise BackupError(
                f"{target} already exists; a backup never overwrites a file"
            ) from None
        os.rename(partial, target)
    _sync_folder(target.parent)


def _same_owner_and_mode(database: Path, copy: Path) -> None:
    """The restored file keeps the permissions (and, run as root, the owner) of the old one."""
    if not database.exists():
        return
    status = database.stat()
    os.chmod(copy, status.st_mode & 0o777)
    with contextlib.suppress(PermissionError):  # only root may give a file away
        if (status.st_uid, status.st_gid) != (os.getuid(), os.getgid()):
            os.chown(copy, status.st_uid, status.st_gid)


def _earlier_restores(database: Path) -> list[Path]:
    if not database.parent.is_dir():
        return []
    prefix = f"{database.name}{BEFORE_RESTORE}"
    return sorted(p for p in database.parent.iterdir() if p.name.startswith(prefix))


def _side_files(database: Path) -> list[Path]:
    return [database.with_name(f"{database.name}{suffix}") for suffix in SIDE_FILES]


def _sync_folder(folder: Path) -> None:
    """Makes a new or renamed file name survive a power cut (best effort)."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
