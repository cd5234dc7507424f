"""The connection every query shares: opening, migrating, transactions, and the few shapes
nearly every query has (one row, all rows, a count, a guarded write and what follows it)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import fields
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Self, TypeVar

import aiosqlite

from domain.clock import Clock
from storage.migrations import apply_migrations

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")
Frozen = TypeVar("Frozen", bound="DataclassInstance")
# What a statement's ``?`` are bound to.
Params = Iterable[object]
# A step that runs in a write's transaction once the write changed a row (a line of the case's
# history, the messages the change causes).
Then = Callable[[aiosqlite.Connection], Awaitable[object]]


class _Now:
    """The store's time, read only once the write's transaction holds the write lock."""

    def __repr__(self) -> str:
        return "NOW"


# In the parameters of ``_write``, ``_changed`` or ``_insert``: ``self._now()``, read inside the
# transaction (after waiting for the lock), as a statement written out in full reads it.
NOW: Final = _Now()

# What an operator can do about each way SQLite fails, by SQLite's primary result code. The kind
# is what the log and the start-up message name (docs/OPERATIONS.md, "Database problems"); the
# advice is the start-up message. Neither carries SQL or data.
_PROBLEMS: dict[int, tuple[str, str]] = {
    sqlite3.SQLITE_BUSY: (
        "database_locked",
        "another program kept the database locked for too long (only one bot may use a "
        "database file): stop the other program, then start again",
    ),
    sqlite3.SQLITE_LOCKED: (
        "database_locked",
        "the database is locked: stop any other program using it, then start again",
    ),
    sqlite3.SQLITE_READONLY: (
        "database_read_only",
        "the database cannot be written: let the bot's user write the file and its folder, "
        "and check that the disk is not mounted read-only",
    ),
    sqlite3.SQLITE_PERM: (
        "database_read_only",
        "the database may not be written: let the bot's user write the file and its folder",
    ),
    sqlite3.SQLITE_FULL: (
        "database_full",
        "the disk is full: free some space, then start again",
    ),
    sqlite3.SQLITE_IOERR: (
        "database_io_error",
        "the disk reported an error: check the disk (and that it is not full), then start again",
    ),
    sqlite3.SQLITE_CANTOPEN: (
        "database_cannot_open",
        "the database file cannot be opened or created: storage.database must name a file in "
        "a folder the bot's user can write",
    ),
    sqlite3.SQLITE_CORRUPT: (
        "database_corrupt",
        "the database file is damaged: restore the newest backup (docs/OPERATIONS.md)",
    ),
    sqlite3.SQLITE_NOTADB: (
        "database_corrupt",
        "this file is not a database of this bot: check storage.database, or restore a backup",
    ),
}
# Kinds that can go away by themselves, so a restart a little later may help.
_PASSING = frozenset({"database_locked", "database_full", "database_io_error"})


def database_problem(error: BaseException | None) -> str | None:
    """The kind of database failure behind ``error`` ("database_full", …), or None.

    SQLite errors are recognised by their result code, never by their message; the error itself
    or one it was raised from (a few levels deep) counts.
    """
    for _ in range(4):
        if error is None:
            return None
        if isinstance(error, DatabaseUnavailable):
            return error.kind
        code = getattr(error, "sqlite_errorcode", None)
        if isinstance(error, sqlite3.Error) and isinstance(code, int):
            problem = _PROBLEMS.get(code & 0xFF)
            if problem is not None:
                return problem[0]
        error = error.__cause__ or error.__context__
    return None


class DatabaseUnavailable(Exception):
    """The database could not be opened or written at start: one line says why and what to do."""

    def __init__(self, path: Path, kind: str, advice: str) -> None:
        super().__init__(f"{path}: {advice}")
        self.kind = kind
        self.retry_may_help = kind in _PASSING

    @classmethod
    def of(cls, path: Path, error: BaseException) -> DatabaseUnavailable:
        code = getattr(error, "sqlite_errorcode", None)
        if isinstance(code, int) and (code & 0xFF) in _PROBLEMS:
            kind, advice = _PROBLEMS[code & 0xFF]
        elif isinstance(error, OSError):  # e.g. its folder cannot be made
            kind, advice = _PROBLEMS[sqlite3.SQLITE_CANTOPEN]
        else:
            kind, advice = "database_error", f"SQLite failed ({type(error).__name__})"
        return cls(path, kind, advice)


class StoreBase:
    """One SQLite connection (WAL, foreign keys, busy timeout) and its transactions."""

    def __init__(self, db: aiosqlite.Connection, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        # One connection is shared by concurrent handlers and the persistence writer: a lock keeps
        # their transactions from interleaving ("cannot start a transaction within a transaction").
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, clock: Clock) -> Self:
        """Opens (creating if needed) the database and brings its schema up to date.

        Raises ``DatabaseUnavailable`` when the file cannot be opened, read or written.
        """
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # A path SQLite cannot open fails here, in plain sqlite3: when aiosqlite's connect
            # fails, its worker thread may print a stray traceback after the event loop closed.
            await asyncio.to_thread(_open_and_close, path)
            # isolation_level=None: we say BEGIN ourselves, so a multi-row change is one
            # transaction.
            db = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as error:
            raise DatabaseUnavailable.of(path, error) from error
        try:
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA foreign_keys = ON")
            # A writer that finds the database locked waits this long, then fails cleanly.
            await db.execute("PRAGMA busy_timeout = 5000")
            await apply_migrations(db, clock.now().isoformat())
            await _check_writable(db)
        except BaseException as error:
            await db.close()
            if isinstance(error, OSError | sqlite3.Error):
                raise DatabaseUnavailable.of(path, error) from error
            raise
        return cls(db, clock)

    async def close(self) -> None:
        await self._db.close()

    def _now(self) -> str:
        return self._clock.now().isoformat()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                await self._db.execute("COMMIT")
            except BaseException:
                # After a full disk or an I/O error SQLite has already rolled back: a second
                # ROLLBACK would fail ("no transaction is active") and hide the error that matters.
                if self._db.in_transaction:
                    await self._db.execute("ROLLBACK")
                raise

    # -- the shapes most queries share ----------------------------------------------------------

    async def _one(self, sql: str, params: Params, make: Callable[[Any], T]) -> T | None:
        """The first row the query finds, made into ``T``; None when it finds none."""
        row = await first_row(self._db, sql, params)
        return make(row) if row else None

    async def _all(self, sql: str, params: Params, make: Callable[[Any], T]) -> list[T]:
        """Every row the query finds, in its order, each made into ``T``."""
        async with self._db.execute(sql, params) as cursor:
            return [make(row) async for row in cursor]

    async def _count(self, sql: str, params: Params) -> int:
        """The number a ``SELECT COUNT(…)`` gives (0 when it gives no row)."""
        row = await first_row(self._db, sql, params)
        return int(row[0]) if row else 0

    async def _exists(self, sql: str, params: Params) -> bool:
        """Whether the query finds a row."""
        return await first_row(self._db, sql, params) is not None

    async def _write(self, sql: str, params: Params) -> int:
        """One statement in its own transaction; how many rows it changed."""
        async with self._transaction() as db:
            cursor = await db.execute(sql, self._bound(params))
            return cursor.rowcount

    async def _changed(self, sql: str, params: Params, *then: Then) -> bool:
        """One transaction: a write and, only when it changed a row, each of ``then`` in order.

        Whether it changed a row: a guarded write (``… AND status = 'planned'``) that finds
        its row already moved on changes nothing, and nothing follows it.
        """
        async with self._transaction() as db:
            cursor = await db.execute(sql, self._bound(params))
            if cursor.rowcount <= 0:
                return False
            for step in then:
                await step(db)
            return True

    async def _insert(self, sql: str, params: Params) -> int:
        """One INSERT in its own transaction; the new row's id."""
        async with self._transaction() as db:
            cursor = await db.execute(sql, self._bound(params))
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def _bound(self, params: Params) -> list[object]:
        return [self._now() if value is NOW else value for value in params]


def from_row(cls: type[Frozen], row: Sequence[Any], **convert: Callable[[Any], object]) -> Frozen:
    """A frozen row from a SELECT of its fields' columns, in order: ``convert`` turns the named
    columns into what their fields hold; the others are kept as SQLite gave them."""
    names, known = _field_names(cls)
    assert convert.keys() <= known, f"{cls.__name__} has no {convert.keys() - known}"
    values = {}
    for name, value in zip(names, row, strict=True):
        to = convert.get(name)
        values[name] = value if to is None else to(value)
    return cls(**values)


@cache
def _field_names(cls: type[DataclassInstance]) -> tuple[tuple[str, ...], frozenset[str]]:
    names = tuple(field.name for field in fields(cls))
    return names, frozenset(names)


def within(column: str, villages: list[str] | None) -> tuple[str, list[Any]]:
    """`` AND column IN (?, …)`` and its parameters: rows of these villages (None: of all)."""
    if villages is None:
        return "", []
    return f" AND {column} IN ({', '.join('?' for _ in villages)})", list(villages)


def when(value: Any) -> datetime | None:
    """A stored moment, or None for an empty column."""
    return datetime.fromisoformat(value) if value else None


async def first_row(db: aiosqlite.Connection, sql: str, params: Params = ()) -> sqlite3.Row | None:
    """The first row a statement gives (a SELECT, or a write's RETURNING), or None; the cursor
    is closed, so a write's transaction can commit."""
    async with db.execute(sql, params) as cursor:
        return await cursor.fetchone()


def _open_and_close(path: Path) -> None:
    sqlite3.connect(path).close()


async def _check_writable(db: aiosqlite.Connection) -> None:
    """Fails now, not at the first person's first step, when the database cannot be written.

    SQLite opens a file it may not write without a word and refuses only the first write; when
    the schema is already up to date, no write has happened yet. A write that changes nothing,
    rolled back, asks for write access and nothing more.
    """
    await db.execute("BEGIN IMMEDIATE")
    try:
        await db.execute("DELETE FROM schema_migrations WHERE 0")
    finally:
        if db.in_transaction:
            await db.execute("ROLLBACK")
