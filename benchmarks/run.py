"""``make bench``: every benchmark, each in its own process, then a summary of the headlines.

    python -m benchmarks.run                      # all (15 to 30 minutes on 2 cores)
    python -m benchmarks.run throughput memory    # some of them
    python -m benchmarks.run --smoke              # each in its smoke mode: tiny, seconds

One temporary directory holds the run's databases and is removed at the end.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import CACHE_ENV, RESULTS_FILE, SMOKE_FLAG

BENCHMARKS = (
    "throughput",
    "sweep_scale",
    "memory",
    "sending",
    "faults",
    "sos_during_announcement",
    "relink_list",
)
# Run on their own (``python -m benchmarks.NAME``), not by ``make bench``; in the smoke too.
ON_THEIR_OWN = ("announcing",)
ROOT = Path(__file__).resolve().parent.parent


def main(arguments: list[str]) -> int:
    tiny = SMOKE_FLAG in arguments
    chosen = [a for a in arguments if a != SMOKE_FLAG]
    known = BENCHMARKS + ON_THEIR_OWN
    names = chosen or list(known if tiny else BENCHMARKS)
    unknown = [n for n in names if n not in known]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(known)}")
        return 2
    print(
        f"Benchmarks on {platform.python_implementation()} {platform.python_version()},"
        f" {os.cpu_count()} CPUs, {platform.machine()}; they measure, they never fail a build.",
        flush=True,
    )
    directory = Path(tempfile.mkdtemp(prefix="bench-run-"))
    environment = {**os.environ, CACHE_ENV: str(directory)}
    started = time.perf_counter()
    failed = []
    try:
        for name in names:
            began = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", f"benchmarks.{name}", *([SMOKE_FLAG] if tiny else [])],
                cwd=ROOT,
                env=environment,
            )
            print(f"  ({name}: {time.perf_counter() - began:.0f} s)", flush=True)
            if done.returncode:
                failed.append(name)
        _summary(directory / RESULTS_FILE)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print(f"\nTotal {time.perf_counter() - started:.0f} s.", flush=True)
    if failed:
        print(f"These benchmarks stopped with an error: {', '.join(failed)}", flush=True)
        return 1
    return 0


def _summary(results: Path) -> None:
    if not results.exists():
        return
    print("\n== Summary ==", flush=True)
    for raw in results.read_text(encoding="utf-8").splitlines():
        result: dict[str, Any] = json.loads(raw)
        name = result.pop("benchmark")
        if name == "throughput":
            print(
                f"  throughput, {result['transport']}: bot {result['bot_updates_per_s']}"
                f" updates/s ({result['bot_one_at_a_time_per_s']} one at a time), echo"
                f" {result['echo_updates_per_s']} concurrent ({result['echo_one_at_a_time_per_s']}"
                f" one at a time); ratio {result['ratio']} both concurrent,"
                f" {result['ratio_vs_echo_one_at_a_time']} to the echo one at a time,"
                f" {result['ratio_both_one_at_a_time']} both one at a time;"
                f" p50 {result['p50_ms']} ms (echo {result['echo_p50_ms']}),"
                f" p99 {result['p99_ms']} ms (echo {result['echo_p99_ms']})"
            )
        elif name == "sweep_scale":
            sizes = "/".join(f"{s:,}" for s in result["sizes"])
            print(
                f"  sweep at {sizes} departures: due query {result['due_ms']} ms,"
                f" sending 20 due {result['send20_ms']} ms, idle sweep {result['idle_ms']} ms"
            )
        elif name == "memory":
            for case, figures in result.items():
                print(
                    f"  memory, {case}: {figures['started'] / 1024:.0f} MB after startup,"
                    f" {figures['after_updates'] / 1024:.0f} MB after the walks"
                )
        elif name == "sending":
            print(
                f"  sending, {result['label']}: {result['delivered']:,}/{result['due']:,}"
                f" delivered, {result['twice']} twice, {result['refused_429']} HTTP 429s, in"
                f" {result['seconds']} s; most in any 1 s: {result['max_1s_window']}"
            )
        elif name == "sos_under_load":
            print(
                f"  SOS while 5,000 prompts go out: {result['reached']}/{result['asked']} reached"
                f" staff, p50 {result['p50_s']} s, p99 {result['p99_s']} s, max {result['max_s']} s"
            )
        elif name == "sos_during_announcement":
            print(
                f"  SOS while an announcement to {result['people']:,} is queued and sent:"
                f" {result['during'] + result['after']} asked, {result['unreached']} unreached,"
                f" p50 {result['p50_s']} s, p99 {result['p99_s']} s (during queuing"
                f" {result['during_p99_s']} s), queuing {result['queuing_s']} s, loop stalled"
                f" {result['worst_stall_ms']} ms at most"
            )
        elif name == "relink_list":
            presses = ", ".join(
                f"{k.removesuffix('_ms').replace('_', ' ')} {v} ms"
                for k, v in result.items()
                if k.endswith("_ms") and k != "worst_stall_ms"
            )
            print(
                f"  /relink at {result['departures']:,} departures: {presses};"
                f" loop stalled {result['worst_stall_ms']} ms at most"
            )
        elif name == "announcing":
            print(
                f"  announcing to {result['people']:,}: audience {result['audience_all_ms']} ms,"
                f" queuing {result['queued']:,} rows {result['queue_ms']} ms"
            )
        elif name == "faults":
            print(
                f"  faults: {result['journeys']} journeys, {result['injected']} failures injected,"
                f" {result['expected']} messages that had to arrive: lost {result['lost']},"
                f" doubled {result['doubled']}"
            )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
