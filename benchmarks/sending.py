"""Sending: 5,000 check-ins fall due at once; all delivered, once each, under the flood limit.

The Application is built by the real factory (so with its limiter: one message every 1/30 s,
``telegram.max_messages_per_second``, and three retries) on a database where 5,000 prompts are
due, and runs as in production: its JobQueue ticks, each sweep reads what is due (500 at most)
and sends. Time flows for real (the bot's clock starts at 09:00 in Phnom Penh and runs with the
wall clock), and the rate is measured from the fake's own timestamps. The fake Bot API answers
like a busy Telegram: every 250th message gets HTTP 429 with ``retry_after: 1``, and five chats
are refused four times in a row (``retry_after: 2``), more than the limiter retries, so their
prompts go back to the database and a later sweep sends them. Counted per check-in id: every
prompt delivered, none twice.

A third run measures what the outbox is for: while the 5,000 prompts are going out, 60 people
send /sos (one every 2 seconds, through PTB's update queue as in production); each is timed from
the update entering the queue to staff's copy reaching the fake Telegram. Urgent rows go first:
the aim is under 2 s at the 99th percentile.

A second, shorter run sends 1,000 prompts through PTB's default
``AIORateLimiter(max_retries=3)`` (a bucket of 30 that refills at 30 a second), for comparison:
it lets a burst through after any pause, such as the start of each sweep.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Update

from app.config import load_config
from app.factory import build_application, open_services
from app.rate_limit import RateLimiter
from benchmarks.common import (
    FlowingClock,
    cache_dir,
    fields_of,
    heading,
    line,
    max_in_window,
    percentile,
    production_logging,
    record,
    smoke,
)
from benchmarks.fill import FIRST_USER, Mix, create_schema, fill, iso
from preview.botapi import ApiRefusal, FakeTelegram, user_json
from tests.support.chat import START, TEST_TOKEN

DUE = 5_000
COMPARE_DUE = 1_000
LIMIT = 30  # Telegram: about 30 messages a second in total
SWEEP_INTERVAL = timedelta(seconds=5)  # production: 60 s (see benchmarks/README.md)
EVERY_NTH_REFUSED = 250
STUBBORN = frozenset(FIRST_USER + i for i in (7, 1234, 2500, 3999, 4999))
STUBBORN_REFUSALS = 4  # one more than the limiter's max_retries
TIMEOUT = 480.0
SOS_STAFF = 777_000_001
SOS_COUNT = 60
SOS_EVERY = 2.0  # seconds between two people's /sos, while the prompts go out
SOS_AIM = 2.0


@dataclass
class BusyTelegram(FakeTelegram):
    """The fake Bot API, answering some messages with HTTP 429 and ``retry_after``."""

    attempts: list[float] = field(default_factory=list)  # monotonic time of every sendMessage
    staff_copies: dict[int, float] = field(default_factory=dict)  # SOS user id -> time
    staff_refused: int = 0  # staff copies that met a 429 first
    delivered: list[tuple[float, int]] = field(default_factory=list)  # (time, check-in id)
    refused_429: int = 0
    _stubborn_left: dict[int, int] = field(default_factory=dict)

    def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        now = time.monotonic()
        self.attempts.append(now)
        chat_id = int(params["chat_id"])
        if chat_id in STUBBORN and self._stubborn_left.get(chat_id, STUBBORN_REFUSALS) > 0:
            self._stubborn_left[chat_id] = self._stubborn_left.get(chat_id, STUBBORN_REFUSALS) - 1
            self._too_many(2)
        if len(self.attempts) % EVERY_NTH_REFUSED == 0:
            if chat_id == SOS_STAFF:
                self.staff_refused += 1
            self._too_many(1)
        result = super()._api_sendMessage(params)
        self.delivered.append((now, _checkin_of(params)))
        if chat_id == SOS_STAFF:
            asker = _alert_asker(params)
            if asker is not None:
                self.staff_copies.setdefault(asker, now)
        return result

    def _too_many(self, seconds: int) -> None:
        self.refused_429 += 1
        raise ApiRefusal(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


def _alert_asker(params: dict[str, Any]) -> int | None:
    """Who asked, in an alert staff receive (the contact link names their user id)."""
    for word in str(params.get("text", "")).replace('"', " ").split():
        if word.startswith("tg://user?id="):
            return int(word.split("=", 1)[1].rstrip(">"))
    return None


def _checkin_of(params: dict[str, Any]) -> int:
    """The check-in id in the prompt's buttons (``ci:<id>:fine``); -1 for any other message."""
    markup = params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = str(button.get("callback_data", ""))
            if data.startswith("ci:"):
                return int(data.split(":")[1])
    return -1


@dataclass
class Delivery:
    label: str
    due: int
    seconds: float = 0.0
    delivered: int = 0
    missing: int = 0
    twice: int = 0
    refused_429: int = 0
    max_window: int = 0
    max_window_attempts: int = 0
    seconds_over: int = 0
    typical_rate: float = 0.0
    sent_in_db: int = 0


def _prepare(path: Path, due: int) -> list[int]:
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    asyncio.run(create_schema(path))
    fill(path, Mix(departures=2 * due, due_batches=1, due_per_batch=due, waiting_due=0))
    db = sqlite3.connect(path)
    try:
        rows = db.execute(
            "SELECT checkin_id FROM checkins WHERE status = 'planned' AND due_at <= ?",
            (iso(START),),
        )
        return [row[0] for row in rows]
    finally:
        db.close()


async def _deliver(
    path: Path, expected: int, bursty: bool, sos: dict[int, float] | None = None
) -> tuple[BusyTelegram, float]:
    telegram = BusyTelegram()
    config = load_config(None, environ={"TELEGRAM_BOT_TOKEN": TEST_TOKEN})
    config = replace(config, database=path, sweep_interval=SWEEP_INTERVAL)
    if sos is not None:
        config = replace(config, staff_user_ids=frozenset({SOS_STAFF}))
    services = await open_services(config, FlowingClock(START))
    app = build_application(services, request=telegram)
    if bursty:  # PTB's default bucket of 30 requests, refilled at 30 a second; the factory's
        # class around it, which lets a prompt step aside on a 429 (plain AIORateLimiter
        # returns nothing for that request: app/rate_limit.py)
        app.bot._rate_limiter = RateLimiter(max_retries=3)
    await app.initialize()
    await app.start()  # the JobQueue ticks from here
    started = time.monotonic()
    asking = asyncio.create_task(_ask_for_help(app, telegram, sos)) if sos is not None else None
    try:
        while len({c for _, c in telegram.delivered}) < expected or (
            asking is not None and not asking.done()
        ):
            if time.monotonic() - started > TIMEOUT:
                break
            await asyncio.sleep(0.25)
    finally:
        if asking is not None:
            asking.cancel()
        await app.stop()
        await app.shutdown()
        await services.store.close()
    return telegram, time.monotonic() - started


async def _ask_for_help(app: Any, telegram: BusyTelegram, asked: dict[int, float]) -> None:
    """People send /sos one after another while the prompts go out (the queue, as in production)."""
    await asyncio.sleep(SOS_EVERY)  # the prompts are under way
    for n in range(SOS_COUNT):
        user_id = FIRST_USER + 2 * DUE + n  # people with no trip: staff are told at once
        message = telegram.user_message(user_json(user_id, "Sokha", "km"), "/sos")
        asked[user_id] = time.monotonic()
        await app.update_queue.put(
            Update.de_json({"update_id": telegram.next_update_id(), "message": message}, app.bot)
        )
        await asyncio.sleep(SOS_EVERY)
    for _ in range(300):  # up to 30 s for the last copies
        if len(telegram.staff_copies) >= SOS_COUNT:
            break
        await asyncio.sleep(0.1)


@dataclass
class Urgency:
    asked: int
    reached: int
    prompts_before: int  # prompts still to send when the first /sos came
    latencies: list[float]
    refused: int  # SOS copies Telegram answered 429 first


def measure_sos(due: int) -> Urgency:
    path = cache_dir() / f"sending-sos-{due}.sqlite3"
    expected = _prepare(path, due)
    asked: dict[int, float] = {}
    telegram, _ = asyncio.run(_deliver(path, len(expected), False, asked))
    latencies = [
        telegram.staff_copies[u] - t for u, t in asked.items() if u in telegram.staff_copies
    ]
    first = min(asked.values()) if asked else 0.0
    before = sum(1 for t, c in telegram.delivered if c >= 0 and t >= first)
    for used in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        used.unlink(missing_ok=True)
    return Urgency(len(asked), len(latencies), before, latencies, telegram.staff_refused)


def report_sos(result: Urgency) -> None:
    heading("An SOS while 5,000 prompts are being sent")
    line("/sos sent, staff told", f"{result.asked} / {result.reached}")
    line("prompts still going out after the first /sos", f"{result.prompts_before:,}")
    line("staff copies answered 429 (retry after 1 s) first", f"{result.refused}")
    if result.latencies:
        p50, p99 = percentile(result.latencies, 0.5), percentile(result.latencies, 0.99)
        p90 = percentile(result.latencies, 0.9)
        line(
            f"/sos to staff: p50 / p90 / p99 / max (aim p99 < {SOS_AIM:.0f} s)",
            f"{p50:.2f} / {p90:.2f} / {p99:.2f} / {max(result.latencies):.2f} s"
            + ("" if p99 < SOS_AIM else "  (aim not met)"),
        )
        record(
            "sos_under_load",
            asked=result.asked,
            reached=result.reached,
            prompts_after_first_sos=result.prompts_before,
            p50_s=round(p50, 3),
            p90_s=round(p90, 3),
            refused_429=result.refused,
            p99_s=round(p99, 3),
            max_s=round(max(result.latencies), 3),
        )


def measure(label: str, due: int, bursty: bool = False) -> Delivery:
    path = cache_dir() / f"sending-{due}.sqlite3"
    expected = _prepare(path, due)
    telegram, seconds = asyncio.run(_deliver(path, len(expected), bursty))
    result = Delivery(label, len(expected), seconds, refused_429=telegram.refused_429)
    counts = Counter(c for _, c in telegram.delivered)
    result.delivered = sum(1 for c in expected if counts[c] >= 1)
    result.missing = len(expected) - result.delivered
    result.twice = sum(1 for c in expected if counts[c] > 1)
    stamps = [t for t, _ in telegram.delivered]
    result.max_window = max_in_window(stamps)
    result.max_window_attempts = max_in_window(telegram.attempts)
    first = stamps[0] if stamps else 0.0
    per_second = Counter(int(t - first) for t in stamps)
    result.seconds_over = sum(1 for n in per_second.values() if n > LIMIT)
    if per_second:  # whole seconds between the first and the last delivery, pauses included
        span = range(1, max(per_second))  # the first and last seconds are partial
        result.typical_rate = statistics.median(per_second[s] for s in span) if span else 0.0
    db = sqlite3.connect(path)
    try:
        marks = ",".join("?" * len(expected))
        result.sent_in_db = db.execute(
            f"SELECT count(*) FROM checkins WHERE status = 'sent' AND checkin_id IN ({marks})",
            expected,
        ).fetchone()[0]
    finally:
        db.close()
    for used in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        used.unlink(missing_ok=True)
    return result


def report(result: Delivery) -> None:
    heading(f"Sending: {result.label}")
    line("prompts due at once", f"{result.due:,}")
    line(
        "delivered / missing / twice",
        f"{result.delivered:,} / {result.missing:,} / {result.twice:,}"
        f"  (marked sent in the database: {result.sent_in_db:,})",
    )
    line("HTTP 429 answers (retry_after)", f"{result.refused_429}")
    line("time to deliver all", f"{result.seconds:.1f} s")
    line("messages per second (median whole second)", f"{result.typical_rate:.0f}")
    line(
        f"most in any 1-second window (limit {LIMIT})",
        f"{result.max_window} delivered, {result.max_window_attempts} attempts (incl. 429s)",
    )
    line(f"whole seconds with more than {LIMIT} delivered", f"{result.seconds_over}")
    record(
        "sending",
        **fields_of(result, "label", "due", "delivered", "missing", "twice", "refused_429"),
        seconds=round(result.seconds, 1),
        median_per_second=result.typical_rate,
        max_1s_window=result.max_window,
        max_1s_window_attempts=result.max_window_attempts,
        seconds_over_limit=result.seconds_over,
    )


def main(arguments: list[str]) -> None:
    global COMPARE_DUE, SWEEP_INTERVAL, SOS_COUNT, SOS_EVERY
    tiny = smoke(arguments)
    if tiny:  # sixty prompts, three cries for help, no comparison: the journey, not figures
        SWEEP_INTERVAL, SOS_COUNT, SOS_EVERY = timedelta(seconds=1), 3, 0.5
    with_logs = cache_dir() / "sending-logs"
    with_logs.mkdir(exist_ok=True)
    production_logging(with_logs)
    numbers = [int(a) for a in arguments if a.isdigit()]
    due = numbers[0] if numbers else (60 if tiny else DUE)
    report(measure("the factory's limiter, one message every 1/30 s", due))
    report_sos(measure_sos(due))
    if "--no-compare" not in arguments and not tiny:
        report(measure("PTB's default AIORateLimiter, for comparison", COMPARE_DUE, bursty=True))


if __name__ == "__main__":
    main(sys.argv[1:])
