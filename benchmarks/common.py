"""What every benchmark shares: clocks, the bot without its flood cap, memory, percentiles."""

from __future__ import annotations

import atexit
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # kept light: benchmarks/memory.py measures a bare process first
    from app.context import BotApplication

# Set by benchmarks/run.py: one temporary directory for the whole run (built databases are
# cached there and removed at the end). A benchmark run on its own makes its own.
CACHE_ENV = "BENCH_CACHE_DIR"
RESULTS_FILE = "results.jsonl"
# The smoke mode (``--smoke``, or this variable, which child processes inherit): tiny sizes, a
# few seconds, for CI (tests/test_benchmarks_smoke.py). Its figures mean nothing; what it shows
# is that every journey still walks. Anything logged at ERROR is kept in ERRORS_FILE, so a
# journey that "completes" over crashed sends is caught too.
SMOKE_ENV = "BENCH_SMOKE"
SMOKE_FLAG = "--smoke"
ERRORS_FILE = "errors.log"


def cache_dir() -> Path:
    """The run's scratch directory (built databases are kept there for the run only)."""
    named = os.environ.get(CACHE_ENV)
    if named:
        path = Path(named)
        path.mkdir(parents=True, exist_ok=True)
        return path
    path = Path(tempfile.mkdtemp(prefix="bench-"))
    os.environ[CACHE_ENV] = str(path)
    atexit.register(shutil.rmtree, path, True)  # run on its own: nothing is left behind
    return path


def smoke(arguments: Sequence[str] = ()) -> bool:
    """Whether this run is the smoke mode; if so, errors logged from here on are kept."""
    if SMOKE_FLAG in arguments:
        os.environ[SMOKE_ENV] = "1"
    if not os.environ.get(SMOKE_ENV):
        return False
    _keep_errors()
    return True


class _ErrorFile(logging.FileHandler):
    """Every record at ERROR or above, into the run's ERRORS_FILE (the smoke test reads it)."""


def _keep_errors() -> None:
    root = logging.getLogger()
    if not any(isinstance(h, _ErrorFile) for h in root.handlers):
        kept = _ErrorFile(cache_dir() / ERRORS_FILE, encoding="utf-8")
        kept.setLevel(logging.ERROR)
        kept.setFormatter(logging.Formatter("%(process)d %(levelname)s %(name)s %(message)s"))
        root.addHandler(kept)


def record(benchmark: str, **figures: Any) -> None:
    """Keeps headline figures for the summary that benchmarks/run.py prints at the end."""
    with (cache_dir() / RESULTS_FILE).open("a", encoding="utf-8") as out:
        out.write(json.dumps({"benchmark": benchmark, **figures}) + "\n")


def fields_of(result: object, *names: str) -> dict[str, Any]:
    """These fields of a benchmark's result, under their own names, for ``record``."""
    return {name: getattr(result, name) for name in names}


def production_logging(directory: Path) -> None:
    """Logs as bot.py does (INFO, one line per update), into a file: the bot pays for its logs."""
    handler = logging.FileHandler(directory / "bot.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler, *(h for h in root.handlers if isinstance(h, _ErrorFile))]
    root.setLevel(logging.INFO)
    smoke()  # a child process of a smoke run keeps its errors too
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # Sweeps skipped because the previous one is still running are expected in a backlog.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)


def lift_flood_limit(app: BotApplication) -> None:
    """Keeps PTB's AIORateLimiter in every request's path, but without the 30/s cap.

    With the cap, any bot measures as ~30 messages a second: that is Telegram's limit, not the
    code's speed. benchmarks/sending.py measures the cap itself with the factory's limiter.
    """
    from app.rate_limit import RateLimiter  # the factory's class: it knows NO_WAITING

    app.bot._rate_limiter = RateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)


class FlowingClock:
    """Real time, starting at a chosen moment: sweeps see time pass as they would in production."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._origin)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` 0.5 is the median, 0.99 the p99)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def memory_kib() -> dict[str, int]:
    """Resident set size now and at its peak, in KiB, from /proc/self/status."""
    figures: dict[str, int] = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                figures[name] = int(value.split()[0])
    return figures


def max_in_window(stamps: Sequence[float], window: float = 1.0) -> int:
    """The most events in any ``window``-second interval (sliding, not calendar seconds)."""
    ordered = sorted(stamps)
    best, first = 0, 0
    for last, stamp in enumerate(ordered):
        while stamp - ordered[first] >= window:
            first += 1
        best = max(best, last - first + 1)
    return best


def heading(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


def line(label: str, value: str) -> None:
    print(f"  {label:<44} {value}", flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"
