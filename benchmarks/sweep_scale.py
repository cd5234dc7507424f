"""The check-in sweep as the schedule grows: 10,000, 100,000 and 1,000,000 departures.

Each database holds the same small due set (100 planned prompts in five one-minute batches, 20
reminders due), so a sweep has the same work at every size: its time must stay flat. Shown per
size: the two queries the sweep starts with (``Store.due_checkins`` and
``Store.waiting_checkins``), ``send_due_checkins`` queuing one batch of 20 prompts in the outbox
and draining it, a whole ``sweep`` (every task, sending the last batch and the 20 reminders), the
reconciler's hourly full check on its own, and ``EXPLAIN QUERY PLAN`` of the SQL the store really
ran, which must name the partial indexes, not SCAN the table.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from app.context import BotContext
from benchmarks.common import (
    cache_dir,
    heading,
    lift_flood_limit,
    line,
    ms,
    percentile,
    record,
    smoke,
)
from benchmarks.fill import Mix, create_schema, fill
from delivery.alerting import escalate_alerts
from delivery.checkins import follow_up_problems, follow_up_silence, queue_due_checkins
from delivery.drainer import drain
from delivery.notices import escalate_unacknowledged
from delivery.reconcile import reconcile
from delivery.sweep import sweep
from domain.clock import ManualClock
from storage.store import Store
from tests.support.chat import START, Bot

SIZES = (10_000, 100_000, 1_000_000)
QUERY_RUNS = 50
IDLE_RUNS = 50


async def send_due_checkins(context: BotContext) -> int:
    """Due prompts into the outbox, then the drainer sends them: what a sweep does for them."""
    queued = await queue_due_checkins(context)
    await drain(context)
    return queued


async def follow_up_and_send(context: BotContext) -> int:
    """Reminders due into the outbox, then sent."""
    steps = await follow_up_silence(context)
    await drain(context)
    return steps


# The sweep's tasks, in its order (delivery/sweep.py). The reconciler's full check (every
# active trip) runs at the first sweep and then hourly: timed here on its own.
SWEEP_TASKS = (
    reconcile,
    send_due_checkins,
    follow_up_and_send,
    follow_up_problems,
    escalate_alerts,
    escalate_unacknowledged,
)
MIX = Mix(departures=0)


def database(size: int) -> tuple[Path, dict[str, Any]]:
    """A fresh database of ``size`` departures in the run's temporary directory."""
    path = cache_dir() / f"schedule-{size}.sqlite3"
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    asyncio.run(create_schema(path))
    return path, fill(path, Mix(departures=size))


@dataclass
class Scale:
    size: int
    built: dict[str, Any] | None = None
    due: list[float] = field(default_factory=list)
    waiting: list[float] = field(default_factory=list)
    send: list[float] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    tasks: dict[str, float] = field(default_factory=dict)
    idle: list[float] = field(default_factory=list)
    plans: dict[str, list[str]] = field(default_factory=dict)
    sql: dict[str, str] = field(default_factory=dict)
    unindexed: list[float] = field(default_factory=list)
    idle_plans: dict[str, list[str]] = field(default_factory=dict)


async def _timed(call: Callable[[], Awaitable[Any]], runs: int) -> list[float]:
    for _ in range(3):  # warm
        await call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples


async def _selects_of(store: Store, call: Callable[[], Awaitable[Any]]) -> list[str]:
    """The SELECTs the store ran for ``call`` (with their values, as SQLite expanded them)."""
    seen: list[str] = []
    db = store._db
    await db.set_trace_callback(seen.append)
    try:
        await call()
    finally:
        await db.set_trace_callback(None)  # type: ignore[arg-type]
    return [s for s in seen if s.lstrip().upper().startswith("SELECT")]


async def _sql_of(store: Store, call: Callable[[], Awaitable[Any]]) -> str:
    return (await _selects_of(store, call))[0]


def _unindexed(path: Path, sql: str, runs: int = 5) -> list[float]:
    """The same query told not to use an index: what the sweep would cost without one."""
    db = sqlite3.connect(path)
    try:
        unindexed = sql.replace("FROM checkins", "FROM checkins NOT INDEXED", 1)
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            db.execute(unindexed).fetchall()
            samples.append(time.perf_counter() - started)
        return samples
    finally:
        db.close()


def _plan(path: Path, sql: str) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}")]
    finally:
        db.close()


async def measure(size: int, path: Path, built: dict[str, Any] | None) -> Scale:
    scale = Scale(size, built)
    store = await Store.open(path, ManualClock(START))
    try:
        scale.due = await _timed(lambda: store.due_checkins(START), QUERY_RUNS)
        scale.waiting = await _timed(lambda: store.waiting_checkins(START), QUERY_RUNS)
        assert len(await store.due_checkins(START)) == MIX.due_per_batch
        assert len(await store.waiting_checkins(START)) == MIX.waiting_due
        for name, call in (
            ("due", lambda: store.due_checkins(START)),
            ("waiting", lambda: store.waiting_checkins(START)),
        ):
            scale.sql[name] = await _sql_of(store, call)
            scale.plans[name] = _plan(path, scale.sql[name])
    finally:
        await store.close()

    # The real Application on this database; its own repeating sweep kept out of the way.
    bot = Bot(path)
    await bot.start(sweep_interval=timedelta(hours=6))
    try:
        assert bot.app is not None
        lift_flood_limit(bot.app)  # 20 prompts a batch: the sweep's work, not the 30/s cap
        context = BotContext(bot.app)
        for batch in range(MIX.due_batches - 1):
            if batch:
                bot.clock.advance(timedelta(minutes=1))
            started = time.perf_counter()
            scale.sent.append(await send_due_checkins(context))
            scale.send.append(time.perf_counter() - started)
        # The last batch and the due reminders: the sweep's tasks, one by one, in its order.
        bot.clock.advance(timedelta(minutes=1))
        for task in SWEEP_TASKS:
            started = time.perf_counter()
            await task(context)
            scale.tasks[task.__name__] = time.perf_counter() - started
        # Then nothing is due: what every tick of an ordinary minute costs.
        bot.clock.advance(timedelta(minutes=1))
        scale.idle = await _timed(lambda: sweep(context), IDLE_RUNS)
        # Every query an idle sweep makes, with its plan: none may read the whole table.
        for sql in await _selects_of(bot.store, lambda: sweep(context)):
            scale.idle_plans[" ".join(sql.split())] = _plan(path, sql)
        assert all(n == MIX.due_per_batch for n in scale.sent), scale.sent
    finally:
        await bot.stop()
    return scale


def _table_row(cells: Sequence[str]) -> None:
    print("  " + " ".join(f"{c:>16}" for c in cells), flush=True)


def _size_label(scale: Scale, scales: list[Scale]) -> str:
    """The size of a row; the last one measured again (when there are more) says so."""
    return f"{scale.size:,}" + (" again" if scale is scales[-1] and len(scales) > 1 else "")


def report(scales: list[Scale]) -> None:
    heading("Check-in sweep as the schedule grows")
    columns = (
        "departures",
        "check-ins",
        "build",
        "due_checkins",
        "waiting_checkins",
        "due, no index",
    )
    _table_row(columns)
    for scale in scales:
        built = scale.built or {}
        cells = (
            _size_label(scale, scales),
            f"{built.get('checkins', 0):,}",
            f"{built.get('seconds', '-')} s",
            ms(percentile(scale.due, 0.5)),
            ms(percentile(scale.waiting, 0.5)),
            ms(percentile(scale.unindexed, 0.5)),
        )
        _table_row(cells)
    timings = (
        "departures",
        "send 20 due",
        "whole sweep",
        "  of it: sending",
        "reminders",
        "reconcile (1/h)",
        "idle",
    )
    _table_row(timings)
    for scale in scales:
        row = (
            _size_label(scale, scales),
            ms(percentile(scale.send, 0.5)),
            ms(sum(scale.tasks.values())),
            ms(scale.tasks["send_due_checkins"]),
            ms(scale.tasks["follow_up_and_send"]),
            ms(scale.tasks["reconcile"]),
            ms(percentile(scale.idle, 0.5)),
        )
        _table_row(row)
    print(
        f"  Medians. Queries: {QUERY_RUNS} runs, {MIX.due_per_batch} rows each; 'no index' is the"
        " due query with NOT INDEXED (5 runs).\n"
        f"  send 20 due: send_due_checkins, {MIX.due_batches - 1} batches. Whole sweep (once):"
        f" {MIX.due_per_batch} prompts and {MIX.waiting_due} reminders.\n"
        f"  Idle: a sweep with nothing due, {IDLE_RUNS} runs. The process is kept on one CPU.",
        flush=True,
    )
    ordered = scales[:-1] if len(scales) > 1 else scales
    largest = max(ordered, key=lambda s: s.size)
    for name in ("due", "waiting"):
        print(f"  EXPLAIN QUERY PLAN, {name} query at {largest.size:,}:", flush=True)
        for step in largest.plans[name]:
            print(f"    {step}", flush=True)
    print(f"  Every query of an idle sweep at {largest.size:,}, and its plan:", flush=True)
    for sql, plan in largest.idle_plans.items():
        table = sql.split(" FROM ", 1)[1].split()[0] if " FROM " in sql else "?"
        print(f"    {table:<11} {'; '.join(plan)}", flush=True)
    for scale in scales:
        plans = [scale.plans["due"], scale.plans["waiting"], *scale.idle_plans.values()]
        scans = [step for plan in plans for step in plan if step.startswith("SCAN")]
        if scans:
            line(f"TABLE SCAN at {scale.size:,} (no index used)", "; ".join(scans))
    if len(ordered) > 1:
        smallest = [s for s in scales if s.size == min(s.size for s in scales)]
        for label, figure in (
            ("due_checkins", "due"),
            ("send 20 due", "send"),
            ("idle sweep", "idle"),
        ):
            big = percentile(getattr(largest, figure), 0.5)
            small = [percentile(getattr(s, figure), 0.5) for s in smallest]
            growths = " and ".join(f"x{big / value:.2f}" for value in small)
            line(f"{label}, {largest.size:,} vs {smallest[0].size:,} (before, after)", growths)
    scales = ordered
    record(
        "sweep_scale",
        sizes=[s.size for s in scales],
        due_ms=[round(percentile(s.due, 0.5) * 1000, 3) for s in scales],
        waiting_ms=[round(percentile(s.waiting, 0.5) * 1000, 3) for s in scales],
        send20_ms=[round(percentile(s.send, 0.5) * 1000, 1) for s in scales],
        sweep_ms=[round(sum(s.tasks.values()) * 1000, 1) for s in scales],
        due_unindexed_ms=[round(percentile(s.unindexed, 0.5) * 1000, 1) for s in scales],
        idle_ms=[round(percentile(s.idle, 0.5) * 1000, 2) for s in scales],
        plans={name: largest.plans[name] for name in ("due", "waiting")},
    )


def main(arguments: list[str]) -> None:
    global QUERY_RUNS, IDLE_RUNS
    sizes = tuple(int(a) for a in arguments if a.isdigit()) or SIZES
    if smoke(arguments):  # one small database, a few runs of each: the journey, not figures
        sizes = tuple(int(a) for a in arguments if a.isdigit()) or (1_000,)
        QUERY_RUNS = IDLE_RUNS = 3
    measure_sizes(sizes)


def measure_sizes(sizes: tuple[int, ...]) -> None:
    # One CPU for the whole process: each Store's aiosqlite thread otherwise lands on either CPU,
    # and on this VM a hop between CPUs costs about twice a hop on one: that, not the table's
    # size, would show up as a difference between sizes (see benchmarks/README.md).
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    scales = []
    # The smallest again at the end: if the machine got busier meanwhile, it shows there.
    for size in (*sizes, sizes[0]) if len(sizes) > 1 else sizes:
        print(f"  building {size:,} departures and measuring ...", flush=True)
        path, built = database(size)
        scale = asyncio.run(measure(size, path, built))
        scale.unindexed = _unindexed(path, scale.sql["due"])
        scales.append(scale)
        for used in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            used.unlink(missing_ok=True)  # its due set is sent; the disk is wanted back
    report(scales)


if __name__ == "__main__":
    main(sys.argv[1:])
