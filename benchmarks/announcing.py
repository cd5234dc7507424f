"""Announcements and refreshers as the number of people grows: 10,000 and 100,000.

Everyone lives in one of the 28 pilot villages and said yes to messages; a tenth are away (an
active departure, half of them in Seoul's time zone). Shown per size: counting the audience of
an announcement to a commune and to all villages (``Store.audience``, what the preview runs),
queuing one to all villages in the outbox (``Store.add_announcement``: one row per person, in
chunks of 500, each its own transaction), and the refresher sweep task when nothing is due and
when 100 are due, with ``EXPLAIN QUERY PLAN`` of the due query (it must use
``message_choices_due``).

    python -m benchmarks.announcing 10000 100000
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from app.context import BotContext
from benchmarks.common import record, smoke
from delivery.announcements import announcement_messages
from delivery.refreshers import queue_due_refreshers
from tests.support.chat import START, Bot

SIZES = (10_000, 100_000)
RUNS = 5


async def refill(bot: Bot, path: Path, people: int) -> None:
    """Stops the started bot, fills its database with ``people`` over every village of its
    places (``fill``), and starts it again with the same settings."""
    assert bot.services is not None
    places = bot.services.content.places
    villages = [
        v.code
        for d in places.districts()
        for c in places.communes(d.code)
        for v in places.villages(c.code)
    ]
    await bot.stop()
    fill(path, people, villages)
    await bot.start()


def fill(path: Path, size: int, villages: list[str]) -> None:
    """People, their choices and some trips, written with plain SQL (fast, and the same rows)."""
    now = START.isoformat()
    later = (START + timedelta(days=14)).isoformat()
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO users (user_id, language, district_code, village_code, consented_at,"
            " created_at, updated_at) VALUES (?, 'km', ?, ?, ?, ?, ?)",
            (
                (100_000 + n, villages[n % 28][:4], villages[n % 28], now, now, now)
                for n in range(size)
            ),
        )
        db.executemany(
            "INSERT INTO message_choices (user_id, said_yes_at, refreshers, next_refresher_at,"
            " updated_at) VALUES (?, ?, 1, ?, ?)",
            # 100 due now, the rest in two weeks.
            ((100_000 + n, now, now if n < 100 else later, now) for n in range(size)),
        )
        columns = (
            "user_id, for_self, name, gender, age, village_code, destination, work, duration,"
            " channel, documents, depart_on, arrive_on, reason, risk_flags, status, created_at,"
            " updated_at"
        )
        db.executemany(
            f"INSERT INTO departures ({columns}) VALUES"
            " (?, 1, 'x', 'female', 20, ?, ?, 'factory', 'long', 'agency', '', ?, ?,"
            " 'poverty_debt', '', 'active', ?, ?)",
            (
                (
                    100_000 + n,
                    villages[n % 28],
                    "KR" if n % 20 == 0 else "TH",
                    START.date().isoformat(),
                    START.date().isoformat(),
                    now,
                    now,
                )
                for n in range(0, size, 10)
            ),
        )


async def timed(runs: int, work: object) -> float:
    """Median milliseconds of ``runs`` awaits of ``work()``."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)[len(times) // 2]


async def measure(size: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bot.sqlite3"
        # The sweep job runs on real time: a day apart, so it does not run in the middle of this.
        bot = await Bot(path).start(
            staff_user_ids=frozenset({7777}), sweep_interval=timedelta(days=1)
        )
        await refill(bot, path, size)
        assert bot.app is not None
        context = BotContext(bot.app)
        store, today = bot.store, START.date()
        commune = await timed(RUNS, lambda: store.audience("090604", "yes", today))
        everyone = await timed(RUNS, lambda: store.audience("all", "yes", today))
        recipients = await store.audience("all", "yes", today)
        started = time.perf_counter()
        _, queued = await store.add_announcement(
            sent_by=7777,
            sender_role="staff",
            area="all",
            audience="yes",
            text_km="ប្រយ័ត្ន",
            text_en=None,
            recipients=recipients,
            messages=lambda n, chunk: announcement_messages(context, n, chunk),
        )
        queue_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        due = await queue_due_refreshers(context)
        due_ms = (time.perf_counter() - started) * 1000
        idle = await timed(RUNS, lambda: queue_due_refreshers(context))
        await bot.stop()
        with sqlite3.connect(path) as db:
            plan = db.execute(
                "EXPLAIN QUERY PLAN SELECT user_id FROM message_choices WHERE refreshers = 1"
                " AND next_refresher_at <= ? ORDER BY next_refresher_at LIMIT ?",
                (START.isoformat(), 500),
            ).fetchall()
        print(f"{size:>9,} people, {len(recipients):,} in the audience of all villages")
        print(f"  audience of a commune: {commune:8.1f} ms   of all villages: {everyone:8.1f} ms")
        print(f"  queuing one to all villages ({queued:,} rows): {queue_ms:8.1f} ms")
        print(f"  refresher task, {due} due: {due_ms:8.1f} ms   nothing due: {idle:6.2f} ms")
        print(f"  due query plan: {' / '.join(str(row[-1]) for row in plan)}")
        record(
            "announcing",
            people=size,
            audience_commune_ms=round(commune, 1),
            audience_all_ms=round(everyone, 1),
            queued=queued,
            queue_ms=round(queue_ms),
            refreshers_due=due,
            refreshers_due_ms=round(due_ms),
            refreshers_idle_ms=round(idle, 2),
        )


def main(arguments: list[str]) -> None:
    global RUNS
    sizes = tuple(int(a) for a in arguments if a.isdigit())
    if smoke(arguments):  # one small size, one run of each: the journey, not figures
        sizes, RUNS = sizes or (1_000,), 1
    for size in sizes or SIZES:
        asyncio.run(measure(size))


if __name__ == "__main__":
    main(sys.argv[1:])
