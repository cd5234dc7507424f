"""Memory: resident set size of a bot process with 100,000 users and registrations.

Each case runs in a fresh process (so one case's memory is not counted in another's): the real
Application on a prepared database, measured after imports, after startup (PTB persistence
loads conversation states and the drafts of half-finished forms), and after new villagers
walk the throughput journey. Cases: an empty database; 100,000 users with departures and
check-ins; the same with 10,000 of them half-way through the departure form.

RSS is VmRSS from /proc/self/status (after ``gc.collect()``); peak is VmHWM. The fake Bot API's
record of every chat is cleared after each villager, so it is not counted as the bot's memory.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import cache_dir, heading, memory_kib, record, smoke

USERS = 100_000
DRAFTS = 10_000
WALKS = 50  # new villagers after startup, ~78 updates each
FIRST_WALKER = 600_000_001


async def _child(database: Path, walks: int) -> dict[str, Any]:
    figures: dict[str, Any] = {"python": _settled()}
    from benchmarks.common import production_logging
    from benchmarks.throughput import TimedBot
    from benchmarks.villager_walk import walk
    from tests.support.journeys import STAFF_ID

    figures["imported"] = _settled()
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as logs:
        production_logging(Path(logs))
        bot = TimedBot(database)  # the tests' harness; the 30/s cap lifted, or walks take long
        await bot.start(staff_user_ids=frozenset({STAFF_ID}))
        try:
            assert bot.app is not None and bot.services is not None
            questions = bot.services.content.awareness.questions
            figures["drafts_in_memory"] = sum(1 for data in bot.app.user_data.values() if data)
            figures["started"] = _settled()
            updates = 0
            for n in range(walks):
                person = bot.user(FIRST_WALKER + n)
                await walk(person, questions)
                updates += len(bot.take()[0])
                # Forget what the fake kept of the chats: that is Telegram's memory, not the bot's.
                bot.telegram.chats.clear()
                bot.telegram.shown.clear()
                bot.telegram.calls.clear()
                if n + 1 == walks // 2:
                    figures["halfway"] = _settled()
            figures["updates"] = updates
            figures["after_updates"] = _settled()
        finally:
            await bot.stop()
    figures["peak"] = max(memory_kib()["VmHWM"], figures["after_updates"])
    return figures


def _settled() -> int:
    gc.collect()
    return memory_kib()["VmRSS"]


def _prepare(directory: Path) -> dict[str, Path]:
    from benchmarks.fill import Mix, create_schema, fill

    empty = directory / "memory-empty.sqlite3"
    with_drafts = directory / "memory-drafts.sqlite3"
    without = directory / "memory-users.sqlite3"
    asyncio.run(create_schema(empty))
    asyncio.run(create_schema(with_drafts))
    fill(with_drafts, Mix(departures=USERS, drafts=DRAFTS))
    shutil.copyfile(with_drafts, without)
    db = sqlite3.connect(without)
    db.execute("DELETE FROM drafts")
    db.execute("DELETE FROM conversations")
    db.commit()
    db.close()
    return {
        "empty database": empty,
        f"{USERS:,} users and departures": without,
        f"{USERS:,} users, {DRAFTS:,} half-finished forms": with_drafts,
    }


def main(arguments: list[str]) -> None:
    global USERS, DRAFTS, WALKS
    if smoke(arguments):  # small databases and two walks: the journey, not figures
        USERS, DRAFTS, WALKS = 1_000, 100, 2
    directory = cache_dir()
    cases = _prepare(directory)
    results: dict[str, dict[str, Any]] = {}
    for name, database in cases.items():
        output = subprocess.run(
            [sys.executable, "-m", "benchmarks.memory", "--child", str(database), str(WALKS)],
            check=True,
            capture_output=True,
            text=True,
            env=os.environ,
        ).stdout
        results[name] = json.loads(output.strip().splitlines()[-1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    heading("Memory (RSS of the bot process)")
    updates = next(iter(results.values()))["updates"]
    print(
        f"  {'database':<42} {'imports':>9} {'started':>9} {f'+{updates:,} updates':>15}"
        f" {'peak':>9}",
        flush=True,
    )
    for name, figures in results.items():
        print(
            f"  {name:<42} {_mb(figures['imported'])} {_mb(figures['started'])}"
            f" {_mb(figures['after_updates']):>15} {_mb(figures['peak'])}",
            flush=True,
        )
    drafted = results[f"{USERS:,} users, {DRAFTS:,} half-finished forms"]
    plain = results[f"{USERS:,} users and departures"]
    per_draft = (drafted["started"] - plain["started"]) / DRAFTS
    growth = (plain["after_updates"] - plain["halfway"]) / (WALKS - WALKS // 2)
    print(
        f"  a bare Python process: {_mb(plain['python']).strip()}; drafts loaded at startup:"
        f" {drafted['drafts_in_memory']:,}, about {per_draft:.1f} KiB each;\n"
        f"  after the first {WALKS // 2} new villagers, each further one adds about"
        f" {growth:.0f} KiB",
        flush=True,
    )
    record(
        "memory",
        **{
            name: {key: figures[key] for key in ("started", "halfway", "after_updates", "peak")}
            for name, figures in results.items()
        },
    )


def _mb(kib: int) -> str:
    return f"{kib / 1024:>6.1f} MB"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(asyncio.run(_child(Path(sys.argv[2]), int(sys.argv[3])))))
    else:
        main(sys.argv[1:])
