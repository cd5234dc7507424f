"""The staff's ``/relink`` list with 100,000 departures: how long a press takes to answer.

The database is ``benchmarks/fill.py``'s (every user with a departure, 95% of them active, in
five villages), plus a few open alerts without a departure, which come at the end of the list.
A staff member (who sees every village) sends ``/relink``, then turns to the next page, to a
page in the middle and to the last one (``relink:page:99999``, which shows the last). Each is
timed from the update to its answer, through the real Application (the tests' harness, one
update at a time), median of a few runs. A ticker in the same loop measures how long the loop
was kept from running meanwhile (its longest late wake-up), which is what everybody else's
updates wait for.

    python -m benchmarks.relink_list [DEPARTURES ...] [--smoke]
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import heading, line, percentile, production_logging, record, smoke
from benchmarks.fill import FIRST_USER, VILLAGES, Mix, create_schema, fill, iso
from tests.support.chat import START, Bot
from tests.support.journeys import STAFF_ID, onboard

SIZES = (100_000,)
RUNS = 5
ALERTS = 20  # open alerts of people with no departure: the list's tail
AIM = 0.2  # seconds per press (issue 22)
TICK = 0.005


def _alerts(path: Path, count: int) -> None:
    """Open alerts (an SOS) of people with no departure, written as the bot writes them."""
    with sqlite3.connect(path) as db:
        for n in range(count):
            user_id = FIRST_USER - 1 - n
            db.execute(
                "INSERT INTO users (user_id, language, district_code, village_code,"
                " consented_at, created_at, updated_at) VALUES (?, 'km', '0906', ?, ?, ?, ?)",
                (user_id, VILLAGES[n % len(VILLAGES)], iso(START), iso(START), iso(START)),
            )
            db.execute(
                "INSERT INTO alerts (user_id, village_code, kind, created_at, staff_due_at)"
                " VALUES (?, ?, 'sos', ?, ?)",
                (user_id, VILLAGES[n % len(VILLAGES)], iso(START), iso(START)),
            )


async def _ticker(worst: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(TICK)
        worst[0] = max(worst[0], time.perf_counter() - started - TICK)


async def measure(size: int, runs: int) -> dict[str, Any]:
    figures: dict[str, Any] = {"departures": size}
    with tempfile.TemporaryDirectory(prefix="bench-relink-") as folder:
        path = Path(folder) / "bot.sqlite3"
        production_logging(Path(folder))
        await create_schema(path)
        fill(path, Mix(departures=size))
        _alerts(path, ALERTS)
        bot = await Bot(path).start(staff_user_ids=frozenset({STAFF_ID}))
        try:
            staff = bot.user(STAFF_ID, "Staff", "en")
            await onboard(staff, "en")
            presses: dict[str, list[float]] = {}
            stalls: list[float] = []

            async def timed(name: str, step: Any) -> None:
                worst, stop = [0.0], asyncio.Event()
                ticker = asyncio.create_task(_ticker(worst, stop))
                await asyncio.sleep(0)
                started = time.perf_counter()
                await step()
                presses.setdefault(name, []).append(time.perf_counter() - started)
                stop.set()
                await ticker
                stalls.append(worst[0])

            for _ in range(runs):
                await timed("/relink", lambda: staff.send("/relink"))
                figures["first_line"] = next(
                    t for t in staff.last_text().splitlines() if t.startswith("1.")
                )[:40]
                await timed("next page", lambda: staff.press("relink:page:1"))
                pages = (size + ALERTS) // 8
                await timed("a middle page", lambda p=pages: staff.press(f"relink:page:{p // 2}"))
                await timed("the last page", lambda: staff.press("relink:page:99999"))
                figures["last_line"] = staff.last_text().splitlines()[-1][:40]
                bot.telegram.shown.clear()  # Telegram's memory, not the bot's
            figures["presses"] = {n: sorted(v)[len(v) // 2] for n, v in presses.items()}
            figures["worst_stall"] = max(stalls)
            figures["p99"] = percentile([s for v in presses.values() for s in v], 0.99)
        finally:
            await bot.stop()
    return figures


def report(figures: dict[str, Any]) -> None:
    heading(f"/relink with {figures['departures']:,} departures (staff: every village)")
    for name, seconds in figures["presses"].items():
        line(f"{name} answered in (median)", f"{seconds * 1000:.0f} ms")
    slowest = max(figures["presses"].values())
    line(f"aim: every press under {AIM} s", "met" if slowest < AIM else "NOT MET")
    line("event loop's longest stall", f"{figures['worst_stall'] * 1000:.0f} ms")
    line("first line / last line shown", f"{figures['first_line']!r} / {figures['last_line']!r}")
    record(
        "relink_list",
        departures=figures["departures"],
        **{
            f"{n.strip('/').replace(' ', '_')}_ms": round(s * 1000)
            for n, s in figures["presses"].items()
        },
        worst_stall_ms=round(figures["worst_stall"] * 1000),
    )


def main(arguments: list[str]) -> None:
    tiny = smoke(arguments)
    sizes = tuple(int(a) for a in arguments if a.isdigit()) or ((500,) if tiny else SIZES)
    for size in sizes:
        report(asyncio.run(measure(size, 1 if tiny else RUNS)))


if __name__ == "__main__":
    main(sys.argv[1:])
