"""Throughput and latency of the whole bot, as a ratio to a bare PTB echo bot, in the same run.

Simulated villagers walk onboarding, one lesson, the 22-question quiz and a departure
registration (confirmed, so the notice goes out) through the tests' fake Bot API. Every update
the bot handled is then replayed, unchanged, to an echo bot (one MessageHandler that replies
with the text, one CallbackQueryHandler that answers) over the same transport. Rounds alternate
bot and echo, so a busy machine slows both alike.

Time per update is ``Application.process_update`` (from the update's JSON to the last
handler, persistence included), the work a single-file dispatcher does per update: the bot
handles updates one at a time (``concurrent_updates(False)``), so updates per second is one over
the mean. The simulated person's own work (finding the button to press) is not counted.

Transports (``python -m benchmarks.throughput [name ...]``): ``inprocess``, the tests'
``FakeTelegram`` (a PTB ``BaseRequest``); ``inprocess-1cpu``, the same with the process kept on
one CPU; ``http``, the same fake served over HTTP on 127.0.0.1 (tornado) with PTB's default
``HTTPXRequest`` via ``base_url``; ``far``, in-process with every call 50 ms away.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from app.config import load_config
from app.factory import build_application, open_services
from benchmarks.common import (
    heading,
    lift_flood_limit,
    line,
    ms,
    percentile,
    production_logging,
    record,
)
from benchmarks.http_fake import FakeTelegramServer
from conversations.commands import register_commands
from preview.botapi import FakeTelegram
from tests.support.chat import TEST_TOKEN, Bot, Person
from tests.support.journeys import STAFF_ID, onboard, register_departure

ROUNDS = 6
USERS_PER_ROUND = 8
ROUND_TRIP = 0.05  # seconds; a guess at a server near Telegram (see benchmarks/README.md)
FIRST_USER = 500_000_001
NEXT_QUESTION = "សំណួរបន្ទាប់ ➡️"
RESULT = "មើលលទ្ធផលរបស់ខ្ញុំ"
SEND_TO_LEADER = "✅ បាទ/ចាស ផ្ញើទៅមេភូមិ"


class TimedBot(Bot):
    """The tests' harness around the real Application, timing each update it handles."""

    def __init__(self, database: Path, base_url: str = "") -> None:
        super().__init__(database)
        self.base_url = base_url
        self.samples: list[float] = []
        self.recorded: list[dict[str, Any]] = []
        self.factory_limiter: BaseRateLimiter[Any] | None = None

    async def start(self, **config_overrides: Any) -> TimedBot:
        if not self.base_url:
            await super().start(**config_overrides)
        else:  # as bot.py runs it: PTB's own HTTPXRequest, pointed at base_url
            config = load_config(None, environ={"TELEGRAM_BOT_TOKEN": TEST_TOKEN})
            config = replace(
                config, database=self.database, base_url=self.base_url, **config_overrides
            )
            self.services = await open_services(config, self.clock, self.content_dir)
            self.app = build_application(self.services)
            await self.app.initialize()
            await register_commands(self.app, self.services)
            await self.app.start()
        assert self.app is not None
        self.factory_limiter = self.app.bot._rate_limiter  # kept for one capped walk
        lift_flood_limit(self.app)
        return self

    async def feed(self, data: dict[str, Any]) -> None:
        assert self.app is not None, "the bot is not running"
        started = time.perf_counter()
        await self.app.process_update(Update.de_json(data, self.app.bot))
        self.samples.append(time.perf_counter() - started)
        self.recorded.append(data)

    def take(self) -> tuple[list[float], list[dict[str, Any]]]:
        samples, recorded = self.samples, self.recorded
        self.samples, self.recorded = [], []
        return samples, recorded


async def walk(bot: Bot, person: Person) -> None:
    """One villager's first day: onboarding, a lesson, the quiz, a departure told to the chief."""
    assert bot.services is not None
    await onboard(person)
    await person.send("/learn")
    await person.click("📖 ហេតុអ្វីមនុស្សចាកចេញពីភូមិ")
    for _ in range(4):
        await person.click("បន្ទាប់ ➡️")
    await person.click("✅ រៀនចប់ហើយ")
    await person.send("/quiz")
    await person.click("▶️ ចាប់ផ្ដើម")
    questions = bot.services.content.awareness.questions
    for number, question in enumerate(questions, start=1):
        option = question.options[number % len(question.options)]
        await person.click(option.texts["km"])
        await person.click(NEXT_QUESTION if number < len(questions) else RESULT)
    await register_departure(person)
    await person.click(SEND_TO_LEADER)


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()


class EchoBot:
    """The floor PTB itself sets: a bare Application that echoes texts and answers presses."""

    def __init__(self, telegram: FakeTelegram, base_url: str = "") -> None:
        self.telegram = telegram
        builder = ApplicationBuilder().token(TEST_TOKEN)
        if base_url:
            builder = builder.base_url(base_url)
        else:
            builder = builder.request(telegram).get_updates_request(telegram)
        self.app: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.app.add_handler(MessageHandler(filters.TEXT, _echo))
        self.app.add_handler(CallbackQueryHandler(_answer))

    async def replay(self, updates: list[dict[str, Any]]) -> list[float]:
        samples = []
        for data in updates:
            query = data.get("callback_query")
            if query is not None:  # Telegram knows the query: it may be answered once
                self.telegram.callback_owner[query["id"]] = query["from"]["id"]
            started = time.perf_counter()
            await self.app.process_update(Update.de_json(data, self.app.bot))
            samples.append(time.perf_counter() - started)
        return samples


@dataclass
class Diagnosis:
    statements: float = 0.0  # SQL statements per update, BEGIN and COMMIT included
    round_trips: float = 0.0  # aiosqlite calls per update (each a hop to its thread and back)
    waiting: float = 0.0  # share of the update's time spent awaiting those calls


@dataclass
class Outcome:
    transport: Transport
    bot: list[float] = field(default_factory=list)
    echo: list[float] = field(default_factory=list)
    round_ratios: list[float] = field(default_factory=list)
    calls_per_update: tuple[float, float] = (0.0, 0.0)
    diagnosis: Diagnosis = field(default_factory=Diagnosis)
    capped_rate: float = 0.0
    refusals: list[tuple[str, str]] = field(default_factory=list)

    @staticmethod
    def rate(samples: list[float]) -> float:
        return len(samples) / sum(samples)


@dataclass
class FarTelegram(FakeTelegram):
    """The fake, answering after a network round trip (Telegram is not on this machine)."""

    round_trip: float = ROUND_TRIP

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        await asyncio.sleep(self.round_trip)
        return await super().do_request(*args, **kwargs)


@dataclass(frozen=True)
class Transport:
    name: str
    label: str
    rounds: int
    users_per_round: int
    http: bool = False
    far: bool = False
    diagnose: bool = True  # where the time goes (one more walk)
    capped: bool = False  # one more walk with the factory's 30 messages/s limiter
    one_cpu: bool = False  # the process (and the threads it starts) kept on one CPU


TRANSPORTS = {
    "inprocess": Transport(
        "inprocess", "in-process FakeTelegram", ROUNDS, USERS_PER_ROUND, capped=True
    ),
    "inprocess-1cpu": Transport(
        "inprocess-1cpu",
        "in-process FakeTelegram, the process pinned to one CPU",
        ROUNDS,
        USERS_PER_ROUND,
        diagnose=True,
        one_cpu=True,
    ),
    "http": Transport(
        "http", "HTTP on 127.0.0.1 (tornado + HTTPXRequest)", ROUNDS, USERS_PER_ROUND, http=True
    ),
    "far": Transport(
        "far",
        f"in-process, every call {ROUND_TRIP * 1000:.0f} ms away",
        2,
        1,
        far=True,
        diagnose=False,
    ),
}


@contextlib.contextmanager
def _served(telegram: FakeTelegram, http: bool) -> Iterator[str]:
    if not http:
        yield ""
        return
    with FakeTelegramServer(telegram) as server:
        yield server.base_url


async def measure(directory: Path, transport: Transport) -> Outcome:
    with _on_one_cpu(transport.one_cpu):
        return await _measure(directory, transport)


@contextlib.contextmanager
def _on_one_cpu(wanted: bool) -> Iterator[None]:
    """Keeps this thread, and the threads it starts (aiosqlite's), on one CPU."""
    allowed = os.sched_getaffinity(0)
    if wanted:
        os.sched_setaffinity(0, {min(allowed)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, allowed)


async def _measure(directory: Path, transport: Transport) -> Outcome:
    outcome = Outcome(transport)
    bot = TimedBot(directory / f"bot-{transport.name}.sqlite3")
    echo_telegram = FarTelegram() if transport.far else FakeTelegram()
    if transport.far:
        bot.telegram = FarTelegram()
    with (
        _served(bot.telegram, transport.http) as bot_url,
        _served(echo_telegram, transport.http) as echo_url,
    ):
        bot.base_url = bot_url
        await bot.start(staff_user_ids=frozenset({STAFF_ID}))
        echo = EchoBot(echo_telegram, echo_url)
        await echo.app.initialize()
        await echo.app.start()
        try:
            users = iter(range(FIRST_USER, FIRST_USER + 10_000))
            # Warm-up, not counted: first imports, caches, connections.
            await walk(bot, bot.user(next(users)))
            await echo.replay(bot.take()[1])
            bot_calls, echo_calls = len(bot.telegram.calls), len(echo_telegram.calls)
            for _ in range(transport.rounds):
                for _ in range(transport.users_per_round):
                    await walk(bot, bot.user(next(users)))
                bot_samples, updates = bot.take()
                echo_samples = await echo.replay(updates)
                outcome.bot += bot_samples
                outcome.echo += echo_samples
                outcome.round_ratios.append(sum(echo_samples) / sum(bot_samples))
            count = len(outcome.bot)
            outcome.calls_per_update = (
                (len(bot.telegram.calls) - bot_calls) / count,
                (len(echo_telegram.calls) - echo_calls) / count,
            )
            if transport.diagnose:
                outcome.diagnosis = await _diagnose(bot, next(users))
            if transport.capped:
                outcome.capped_rate = await _capped_rate(bot, next(users))
            outcome.refusals = bot.telegram.refusals + echo_telegram.refusals
        finally:
            await echo.app.stop()
            await echo.app.shutdown()
            await bot.stop()
    return outcome


async def _diagnose(bot: TimedBot, user_id: int) -> Diagnosis:
    """Where the bot's time goes, from one more walk (not part of the figures above)."""
    diagnosis = Diagnosis()
    statements, calls, waited = 0, 0, 0.0

    def count(statement: str) -> None:
        nonlocal statements
        statements += 1

    db = bot.store._db
    execute: Callable[..., Awaitable[Any]] = (
        db._execute
    )  # aiosqlite's one door to its thread (private: a diagnostic only)

    async def timed(function: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls, waited
        started = time.perf_counter()
        try:
            return await execute(function, *args, **kwargs)
        finally:
            calls += 1
            waited += time.perf_counter() - started

    await db.set_trace_callback(count)
    db._execute = timed  # type: ignore[method-assign, assignment]
    try:
        await walk(bot, bot.user(user_id))
    finally:
        del db._execute
        await db.set_trace_callback(None)  # type: ignore[arg-type]
    samples, _ = bot.take()
    diagnosis.statements = statements / len(samples)
    diagnosis.round_trips = (calls - 2) / len(samples)  # less the two trace-callback calls
    diagnosis.waiting = waited / sum(samples)
    return diagnosis


async def _capped_rate(bot: TimedBot, user_id: int) -> float:
    """Updates per second of one walk with the factory's own limiter (30 messages a second)."""
    assert bot.app is not None
    bot.app.bot._rate_limiter = bot.factory_limiter
    started = time.perf_counter()
    await walk(bot, bot.user(user_id))
    elapsed = time.perf_counter() - started
    samples, _ = bot.take()
    lift_flood_limit(bot.app)
    return len(samples) / elapsed


def report(outcome: Outcome) -> None:
    transport = outcome.transport
    heading(f"Throughput, {transport.label}")
    bot_rate, echo_rate = Outcome.rate(outcome.bot), Outcome.rate(outcome.echo)
    users = transport.rounds * transport.users_per_round
    line("updates measured (each bot and echo)", f"{len(outcome.bot)} ({users} villagers)")
    line("bot: updates per second", f"{bot_rate:.0f}")
    line("echo bot: updates per second", f"{echo_rate:.0f}")
    ratios = ", ".join(f"{r:.2f}" for r in outcome.round_ratios)
    line("throughput ratio bot/echo (aim >= 0.6)", f"{bot_rate / echo_rate:.2f}")
    line("  the same, round by round", ratios)
    for name, fraction in (("p50", 0.5), ("p99", 0.99)):
        bot_latency = percentile(outcome.bot, fraction)
        echo_latency = percentile(outcome.echo, fraction)
        line(
            f"{name} latency bot / echo",
            f"{ms(bot_latency)} / {ms(echo_latency)}  (echo/bot"
            f" {echo_latency / bot_latency:.2f}; the bot takes {bot_latency / echo_latency:.1f}x)",
        )
    bot_calls, echo_calls = outcome.calls_per_update
    line("Bot API calls per update bot / echo", f"{bot_calls:.2f} / {echo_calls:.2f}")
    diagnosis = outcome.diagnosis
    if transport.diagnose:
        line("bot: SQL statements per update", f"{diagnosis.statements:.1f}")
        line(
            "bot: aiosqlite round trips per update",
            f"{diagnosis.round_trips:.1f}, awaited for {diagnosis.waiting:.0%} of its time",
        )
    if transport.capped:
        line("bot with its 30 msg/s limiter on", f"{outcome.capped_rate:.0f} updates per second")
    if outcome.refusals:
        line("REFUSED by the fake (a bug)", str(outcome.refusals[:3]))
    record(
        "throughput",
        transport=transport.label,
        bot_updates_per_s=round(bot_rate),
        echo_updates_per_s=round(echo_rate),
        ratio=round(bot_rate / echo_rate, 2),
        p50_ms=(round(percentile(outcome.bot, 0.5) * 1000, 2)),
        p99_ms=(round(percentile(outcome.bot, 0.99) * 1000, 2)),
        echo_p50_ms=(round(percentile(outcome.echo, 0.5) * 1000, 2)),
        echo_p99_ms=(round(percentile(outcome.echo, 0.99) * 1000, 2)),
    )


async def main(transports: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as name:
        directory = Path(name)
        production_logging(directory)
        for name in transports:
            report(await measure(directory, TRANSPORTS[name]))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:] or list(TRANSPORTS)))
