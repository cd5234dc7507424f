"""The connection every query shares: opening, migrating, transactions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Self

import aiosqlite

from domain.clock import Clock
from storage.migrations import apply_migrations


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
        """Opens (creating if needed) the database and brings its schema up to date."""
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we say BEGIN ourselves, so a multi-row change is one transaction.
        db = await aiosqlite.connect(path, isolation_level=None)
        try:
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA busy_timeout = 5000")
            await apply_migrations(db, clock.now().isoformat())
        except BaseException:
            await db.close()
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
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")
