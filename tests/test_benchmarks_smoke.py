"""Every benchmark still walks its journey: each runs once in its smoke mode (tiny, seconds).

Nothing about time is asserted (timings never are, anywhere). What fails here is a benchmark
that stops with an error, records none of its figures, or whose bot logged an error on the way
(a send that crashed on every prompt once went unnoticed: the run "completed"). The benchmarks
run in their own processes, two at a time (the machine has two cores), as ``make bench`` runs
them one at a time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.common import CACHE_ENV, ERRORS_FILE, RESULTS_FILE, SMOKE_FLAG
from benchmarks.run import BENCHMARKS, ON_THEIR_OWN
from benchmarks.throughput import TRANSPORTS

ROOT = Path(__file__).resolve().parent.parent
EVERY = BENCHMARKS + ON_THEIR_OWN
# What each one records for the summary (benchmarks/run.py), and how many times.
FIGURES = {
    "throughput": Counter({"throughput": len(TRANSPORTS)}),  # one per transport
    "sweep_scale": Counter({"sweep_scale": 1}),
    "memory": Counter({"memory": 1}),
    "sending": Counter({"sending": 1, "sos_under_load": 1}),
    "faults": Counter({"faults": 1}),
    "sos_during_announcement": Counter({"sos_during_announcement": 1}),
    "relink_list": Counter({"relink_list": 1}),
    "announcing": Counter({"announcing": 1}),
}
HELPERS = {
    "__init__",
    "common",
    "fill",
    "run",
    "telegram_side",
    "villager_walk",
}  # not benchmarks themselves
AT_MOST = 300  # seconds for one benchmark's smoke: far more than it takes, less than for ever
# One job per throughput transport (the longest benchmark), so the two workers share the work.
JOBS = [f"throughput {t}" for t in TRANSPORTS] + [n for n in EVERY if n != "throughput"]


@dataclass(frozen=True)
class Finished:
    returncode: int
    output: str
    figures: Counter[str]
    errors: str


def _smoke(job: str, scratch: Path) -> Finished:
    scratch.mkdir()
    name, *arguments = job.split()
    environment = {**os.environ, CACHE_ENV: str(scratch)}
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}", *arguments, SMOKE_FLAG],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=AT_MOST,
    )
    results = scratch / RESULTS_FILE
    figures: Counter[str] = Counter()
    if results.exists():
        for raw in results.read_text(encoding="utf-8").splitlines():
            figures[json.loads(raw)["benchmark"]] += 1
    errors = scratch / ERRORS_FILE
    return Finished(
        done.returncode,
        (done.stdout + done.stderr)[-4000:],
        figures,
        errors.read_text(encoding="utf-8") if errors.exists() else "",
    )


@pytest.fixture(scope="module")
def smoke_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Finished]:
    scratch = tmp_path_factory.mktemp("bench-smoke")
    with ThreadPoolExecutor(max_workers=2) as pool:
        running = {job: pool.submit(_smoke, job, scratch / job.replace(" ", "-")) for job in JOBS}
        return {job: future.result() for job, future in running.items()}


@pytest.mark.parametrize("job", JOBS)
def test_the_benchmark_walks_its_journey_in_its_smoke_mode(
    smoke_runs: dict[str, Finished], job: str
) -> None:
    finished = smoke_runs[job]
    name = job.split()[0]
    wanted = Counter({name: 1}) if name == "throughput" else FIGURES[name]  # one transport
    assert finished.returncode == 0, finished.output
    assert finished.figures == wanted, finished.output
    assert finished.errors == "", finished.errors[-4000:]


def test_every_benchmark_has_its_smoke_and_its_place_in_make_bench_or_on_its_own() -> None:
    modules = {p.stem for p in (ROOT / "benchmarks").glob("*.py")} - HELPERS
    assert modules == set(EVERY) == set(FIGURES)
    for name in EVERY:  # each takes the smoke flag from its command line
        source = (ROOT / "benchmarks" / f"{name}.py").read_text(encoding="utf-8")
        assert "smoke(" in source, name
