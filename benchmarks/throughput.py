"""Throughput and latency of the whole bot, as a ratio to a bare PTB echo bot, in the same run.

Simulated villagers walk onboarding, one lesson, the 22-question quiz and a departure
registration (confirmed, so the notice goes out) through the tests' fake Bot API. Eight walk at
the same time, each sending its next update once the bot has answered the last (a person reads
before pressing). Updates go into PTB's ``update_queue``, as polling and the webhook put them,
so the bot's update processor decides what runs when. Every update the bot handled is then
replayed, unchanged, to an echo bot (one MessageHandler that replies with the text, one
CallbackQueryHandler that answers) over the same transport, by the same eight people, each in
their own order. Rounds alternate bot and echo, so a busy machine slows both alike.

Two bots and two echo bots run in each round:
- the bot as the factory builds it: different people's updates at once, one person's in order
  (``PerUserOrder``, app/update_order.py);
- the same bot handling one update at a time, as it did before (what ``concurrent_updates(False)``
  builds: ``SimpleUpdateProcessor(1)``);
- the echo bot as PTB builds it by default, one update at a time;
- the echo bot with ``concurrent_updates`` as many as the bot's, and no ordering at all: the
  floor for a bot that handles updates at the same time. The headline ratio is against it.

Updates per second is updates over the time the round took, less the simulated people's own
work (finding the button to press), which is measured and taken out. Latency is from the
update's JSON going into the queue to its last handler (persistence included).

Transports (``python -m benchmarks.throughput [name ...]``): ``inprocess``, the tests'
``FakeTelegram`` (a PTB ``BaseRequest``); ``inprocess-1cpu``, the same with the process kept on
one CPU; ``http``, the same fake served over HTTP on 127.0.0.1 (tornado) with PTB's default
``HTTPXRequest`` via ``base_url``; ``far``, in-process with every call 50 ms away.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
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
    SimpleUpdateProcessor,
    TypeHandler,
    filters,
)

from app.config import load_config
from app.factory import MAX_CONCURRENT_UPDATES, build_application, open_services
from benchmarks import telegram_side
from benchmarks.common import (
    heading,
    lift_flood_limit,
    line,
    ms,
    percentile,
    production_logging,
    record,
    smoke,
)
from benchmarks.villager_walk import replay_by_person, sender_of, walk
from conversations.commands import register_commands
from preview.botapi import FakeTelegram
from preview.server import FakeTelegramServer
from tests.support.chat import TEST_TOKEN, Bot
from tests.support.journeys import STAFF_ID

ROUNDS = 6
USERS_PER_ROUND = 8  # walking at the same time
ROUND_TRIP = 0.05  # seconds; a guess at a server near Telegram (see benchmarks/README.md)
FIRST_USER = 500_000_001
LAST_GROUP = 1_000_000  # after every handler of the bot (and the persistence flush)
HANDLED_WITHIN = 60.0  # seconds; an update not handled by then is a bug, not a figure


class Handled:
    """Tells a waiting feeder when its update has been through every handler."""

    def __init__(self) -> None:
        self._waiting: dict[int, asyncio.Future[float]] = {}

    def install(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        app.add_handler(TypeHandler(Update, self._handled), group=LAST_GROUP)

    async def _handled(self, update: Update, context: Any) -> None:
        future = self._waiting.pop(update.update_id, None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())

    async def through_queue(
        self, app: Application[Any, Any, Any, Any, Any, Any], data: dict[str, Any]
    ) -> float:
        """Puts the update in PTB's queue; returns the seconds until it was handled."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[int(data["update_id"])] = future
        started = time.perf_counter()
        await app.update_queue.put(Update.de_json(data, app.bot))
        return await asyncio.wait_for(future, HANDLED_WITHIN) - started


class TimedBot(Bot):
    """The tests' harness around the real Application, timing each update it handles.

    ``queued``: updates go through PTB's update queue (and so the update processor); otherwise
    straight to ``process_update``, one at a time, as the tests feed them. ``one_at_a_time``:
    the processor the factory chose is replaced by the one ``concurrent_updates(False)`` builds.
    """

    def __init__(self, database: Path, base_url: str = "", one_at_a_time: bool = False) -> None:
        super().__init__(database)
        self.base_url = base_url
        self.one_at_a_time = one_at_a_time
        self.queued = False
        self.samples: list[float] = []
        self.recorded: list[dict[str, Any]] = []
        self.own = 0.0  # seconds of the simulated people's own work, between their updates
        self._back: dict[int, float] = {}  # person -> when their last update came back
        self._handled = Handled()
        self.factory_limiter: BaseRateLimiter[Any] | None = None

    async def start(self, **config_overrides: Any) -> TimedBot:
        # The factory's own limiter, 30 a second (the tests' harness has none): lifted for the
        # measured rounds, put back for the capped one.
        config_overrides.setdefault("max_messages_per_second", 30)
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
        if self.one_at_a_time:  # idle here: the next update taken from the queue uses it
            self.app._update_processor = SimpleUpdateProcessor(1)
        self._handled.install(self.app)
        self.factory_limiter = self.app.bot._rate_limiter  # kept for one capped walk
        lift_flood_limit(self.app)
        return self

    async def feed(self, data: dict[str, Any]) -> None:
        assert self.app is not None, "the bot is not running"
        person = sender_of(data)
        now = time.perf_counter()
        if person in self._back:  # the person found the next button since their last answer
            self.own += now - self._back.pop(person)
        if self.queued:
            self.samples.append(await self._handled.through_queue(self.app, data))
        else:
            await self.app.process_update(Update.de_json(data, self.app.bot))
            self.samples.append(time.perf_counter() - now)
        self.recorded.append(data)
        self._back[person] = time.perf_counter()

    def take(self) -> tuple[list[float], list[dict[str, Any]]]:
        samples, recorded = self.samples, self.recorded
        self.samples, self.recorded = [], []
        return samples, recorded

    def take_own(self) -> float:
        own, self.own = self.own, 0.0
        self._back.clear()
        return own


def _questions(bot: Bot) -> Sequence[Any]:
    assert bot.services is not None
    return bot.services.content.awareness.questions


@dataclass
class Round:
    """One set of villagers walking together: every update's latency, and the busy time."""

    samples: list[float] = field(default_factory=list)
    seconds: float = 0.0  # the round's time, less the simulated people's own work
    own: float = 0.0  # that work

    @property
    def rate(self) -> float:
        return len(self.samples) / self.seconds


async def walk_together(bot: TimedBot, users: list[int]) -> tuple[Round, list[dict[str, Any]]]:
    bot.queued = True
    bot.take()
    bot.take_own()
    started = time.perf_counter()
    await asyncio.gather(*(walk(bot.user(user), _questions(bot)) for user in users))
    elapsed = time.perf_counter() - started
    own = bot.take_own()
    samples, recorded = bot.take()
    return Round(samples, elapsed - own, own), recorded


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()


class EchoBot:
    """The floor PTB itself sets: a bare Application that echoes texts and answers presses."""

    def __init__(
        self, telegram: FakeTelegram | None, base_url: str = "", concurrent: int = 1
    ) -> None:
        self.telegram = telegram
        builder = ApplicationBuilder().token(TEST_TOKEN)
        if concurrent > 1:
            builder = builder.concurrent_updates(concurrent)
        if base_url:
            builder = builder.base_url(base_url)
        else:
            assert telegram is not None
            builder = builder.request(telegram).get_updates_request(telegram)
        self.app: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.app.add_handler(MessageHandler(filters.TEXT, _echo))
        self.app.add_handler(CallbackQueryHandler(_answer))
        self._handled = Handled()
        self._handled.install(self.app)

    async def replay(self, updates: list[dict[str, Any]]) -> Round:
        """The same people send the same updates, each in their own order, all at once."""

        async def through(data: dict[str, Any]) -> float:
            query = data.get("callback_query")
            if query is not None:  # Telegram knows the query: it may be answered once
                assert self.telegram is not None
                self.telegram.callback_owner[query["id"]] = query["from"]["id"]
            return await self._handled.through_queue(self.app, data)

        started = time.perf_counter()
        samples = await replay_by_person(updates, through)
        return Round(samples, time.perf_counter() - started)


@dataclass
class Diagnosis:
    statements: float = 0.0  # SQL statements per update, BEGIN and COMMIT included
    round_trips: float = 0.0  # aiosqlite calls per update (each a hop to its thread and back)
    waiting: float = 0.0  # share of the update's time spent awaiting those calls


@dataclass
class Series:
    """One bot's rounds."""

    rounds: list[Round] = field(default_factory=list)

    @property
    def samples(self) -> list[float]:
        return [s for r in self.rounds for s in r.samples]

    @property
    def rate(self) -> float:
        return len(self.samples) / sum(r.seconds for r in self.rounds)

    @property
    def own(self) -> float:
        return sum(r.own for r in self.rounds) / sum(r.seconds + r.own for r in self.rounds)


@dataclass
class Outcome:
    transport: Transport
    bot: Series = field(default_factory=Series)  # as the factory builds it
    old: Series = field(default_factory=Series)  # one update at a time
    echo: Series = field(default_factory=Series)  # PTB's default: one update at a time
    echo_together: Series = field(default_factory=Series)  # concurrent_updates, no ordering
    calls_per_update: tuple[float, float] = (0.0, 0.0)
    polls_per_update: tuple[float, float] = (0.0, 0.0)  # getUpdates (http-process only)
    cpus: str = ""  # where each side ran (http-process only)
    # name -> [this process's CPU seconds, Telegram's side's, wall seconds] (http-process only)
    busy: dict[str, list[float]] = field(default_factory=dict)
    diagnosis: Diagnosis = field(default_factory=Diagnosis)
    capped_rate: float = 0.0
    refusals: list[tuple[str, str]] = field(default_factory=list)


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
    capped: bool = False  # one more round with the factory's 30 messages/s limiter
    one_cpu: bool = False  # the process (and the threads it starts) kept on one CPU
    process: bool = False  # Telegram's side (fake server and people) in another process
    capped_users: int = 2  # villagers in the round with the 30 messages/s limiter
    warm_users: int = 2  # villagers of the warm-up, not counted
    round_trip: float = ROUND_TRIP  # far: each call's wait


TRANSPORTS = {
    "inprocess": Transport(
        "inprocess", "in-process FakeTelegram", ROUNDS, USERS_PER_ROUND, capped=True
    ),
    "inprocess-1cpu": Transport(
        "inprocess-1cpu",
        "in-process FakeTelegram, the process pinned to one CPU",
        ROUNDS,
        USERS_PER_ROUND,
        one_cpu=True,
    ),
    "http-process": Transport(
        "http-process",
        "HTTP on 127.0.0.1, Telegram and the people in another process (getUpdates)",
        ROUNDS,
        USERS_PER_ROUND,
        process=True,
        diagnose=False,
    ),
    "http": Transport(
        "http", "HTTP on 127.0.0.1 (tornado + HTTPXRequest)", ROUNDS, USERS_PER_ROUND, http=True
    ),
    "far": Transport(
        "far",
        f"in-process, every call {ROUND_TRIP * 1000:.0f} ms away",
        1,
        4,
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
    if transport.process:
        return await _measure_process(directory, transport)
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


@contextlib.contextmanager
def _on_cpu(cpu: int | None) -> Iterator[None]:
    """Keeps this process's thread, and the threads it starts, on ``cpu`` (None: anywhere)."""
    allowed = os.sched_getaffinity(0)
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, allowed)


class TelegramProcess:
    """Telegram's side (``benchmarks/telegram_side.py``) in a spawned process.

    One fake Bot API per name, each at ``urls[name]``, and the people who talk to them. The bots
    write the id of each update they handled to ``notes``; ``ask`` sends a command and returns
    its figures, while this process's event loop keeps running the bots.
    """

    def __init__(self, names: list[str], cpu: int | None) -> None:
        context = multiprocessing.get_context("spawn")
        self._commands, theirs = context.Pipe()
        notes_in, self.notes = context.Pipe(duplex=False)
        self._process = context.Process(
            target=telegram_side.serve,
            args=(theirs, notes_in, names, cpu),
            name="telegram-side",
            daemon=True,
        )
        self._process.start()
        theirs.close()
        notes_in.close()
        if not self._commands.poll(60):
            self._process.kill()
            raise RuntimeError("Telegram's side did not start")
        hello: dict[str, Any] = self._commands.recv()
        self.urls: dict[str, str] = hello["urls"]
        self.cpus: list[int] = hello["cpus"]

    async def ask(self, **command: Any) -> dict[str, Any]:
        def exchange() -> dict[str, Any]:
            self._commands.send(command)
            answer: dict[str, Any] = self._commands.recv()
            return answer

        return await asyncio.to_thread(exchange)

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.ask(do="stop"), 20)
        finally:
            self._process.join(10)
            if self._process.is_alive():
                self._process.kill()


def _notify(app: Application[Any, Any, Any, Any, Any, Any], notes: Connection) -> None:
    """After every handler of the bot: tells Telegram's side the update was handled."""

    async def note(update: Update, context: Any) -> None:
        notes.send_bytes(update.update_id.to_bytes(8, "little"))

    app.add_handler(TypeHandler(Update, note), group=LAST_GROUP + 1)


async def _measure_process(directory: Path, transport: Transport) -> Outcome:
    """The bots alone in this process, polling Telegram's side in another, one CPU each."""
    outcome = Outcome(transport)
    names = ["bot", "old", "echo", "echo_together"]
    cpus = sorted(os.sched_getaffinity(0))
    bot_cpu, telegram_cpu = (cpus[0], cpus[1]) if len(cpus) > 1 else (None, None)
    telegram = TelegramProcess(names, telegram_cpu)
    urls = telegram.urls
    outcome.cpus = f"bots on CPU {bot_cpu}, Telegram's side on CPU {telegram.cpus}"
    bot = TimedBot(directory / f"bot-{transport.name}.sqlite3", base_url=urls["bot"])
    old = TimedBot(
        directory / f"old-{transport.name}.sqlite3", base_url=urls["old"], one_at_a_time=True
    )
    echo = EchoBot(None, urls["echo"])
    together = EchoBot(None, urls["echo_together"], concurrent=MAX_CONCURRENT_UPDATES)
    polling: list[Application[Any, Any, Any, Any, Any, Any]] = []

    async def timed(**command: Any) -> Round:
        cpu, wall = time.process_time(), time.perf_counter()
        figures = await telegram.ask(**command)
        busy = outcome.busy.setdefault(command["side"], [0.0, 0.0, 0.0])
        busy[0] += time.process_time() - cpu
        busy[1] += figures["cpu"]
        busy[2] += time.perf_counter() - wall
        return Round(figures["samples"], figures["seconds"], figures["own"])

    async def walked(side: str, users: list[int]) -> Round:
        return await timed(do="walk", side=side, users=users)

    async def replayed(side: str) -> Round:
        return await timed(do="replay", side=side, updates_of="bot")

    async def calls() -> dict[str, dict[str, Any]]:
        return {name: await telegram.ask(do="calls", side=name) for name in names}

    try:
        with _on_cpu(bot_cpu):
            await bot.start(staff_user_ids=frozenset({STAFF_ID}))
            await old.start(staff_user_ids=frozenset({STAFF_ID}))
            for app in (echo.app, together.app):
                await app.initialize()
                await app.start()
            for polled in (bot.app, old.app, echo.app, together.app):
                assert polled is not None and polled.updater is not None
                _notify(polled, telegram.notes)
                # As app/runner.py polls in production.
                await polled.updater.start_polling(allowed_updates=Update.ALL_TYPES, timeout=10)
                polling.append(polled)
            users = iter(range(FIRST_USER, FIRST_USER + 100_000))

            def next_users() -> list[int]:
                return [next(users) for _ in range(transport.users_per_round)]

            # Warm-up, not counted: first imports, caches, connections.
            await walked("bot", next_users()[: transport.warm_users])
            await walked("old", next_users()[: transport.warm_users])
            await replayed("echo")
            await replayed("echo_together")
            outcome.busy.clear()  # the rounds only
            before = await calls()
            for _ in range(transport.rounds):
                outcome.bot.rounds.append(await walked("bot", next_users()))
                outcome.echo_together.rounds.append(await replayed("echo_together"))
                outcome.echo.rounds.append(await replayed("echo"))
                outcome.old.rounds.append(await walked("old", next_users()))
            after = await calls()
            count = len(outcome.bot.samples)

            def per_update(name: str, kind: str, updates: int = count) -> float:
                return float(after[name][kind] - before[name][kind]) / updates

            outcome.calls_per_update = (
                per_update("bot", "calls"),
                (per_update("echo", "calls") + per_update("echo_together", "calls")) / 2,
            )
            outcome.polls_per_update = (
                per_update("bot", "polls"),
                per_update("echo_together", "polls"),
            )
            for name in names:
                outcome.refusals += [tuple(r) for r in after[name]["refusals"]]
    finally:
        for app in polling:
            assert app.updater is not None
            await app.updater.stop()
        for app in (echo.app, together.app):
            if app.running:
                await app.stop()
            await app.shutdown()
        await bot.stop()
        await old.stop()
        await telegram.stop()
    return outcome


def _fake(transport: Transport) -> FakeTelegram:
    return FarTelegram(round_trip=transport.round_trip) if transport.far else FakeTelegram()


async def _measure(directory: Path, transport: Transport) -> Outcome:
    outcome = Outcome(transport)
    bot = TimedBot(directory / f"bot-{transport.name}.sqlite3")
    old = TimedBot(directory / f"old-{transport.name}.sqlite3", one_at_a_time=True)
    bot.telegram, old.telegram = _fake(transport), _fake(transport)
    echo_telegram = _fake(transport)
    with (
        _served(bot.telegram, transport.http) as bot.base_url,
        _served(old.telegram, transport.http) as old.base_url,
        _served(echo_telegram, transport.http) as echo_url,
    ):
        await bot.start(staff_user_ids=frozenset({STAFF_ID}))
        await old.start(staff_user_ids=frozenset({STAFF_ID}))
        echo = EchoBot(echo_telegram, echo_url)
        together = EchoBot(echo_telegram, echo_url, concurrent=MAX_CONCURRENT_UPDATES)
        for app in (echo.app, together.app):
            await app.initialize()
            await app.start()
        try:
            users = iter(range(FIRST_USER, FIRST_USER + 100_000))

            def next_users() -> list[int]:
                return [next(users) for _ in range(transport.users_per_round)]

            # Warm-up, not counted: first imports, caches, connections.
            _, updates = await walk_together(bot, next_users()[: transport.warm_users])
            await walk_together(old, next_users()[: transport.warm_users])
            await echo.replay(updates)
            await together.replay(updates)
            bot_calls, echo_calls = len(bot.telegram.calls), len(echo_telegram.calls)
            for _ in range(transport.rounds):
                measured, updates = await walk_together(bot, next_users())
                outcome.bot.rounds.append(measured)
                outcome.echo_together.rounds.append(await together.replay(updates))
                outcome.echo.rounds.append(await echo.replay(updates))
                outcome.old.rounds.append((await walk_together(old, next_users()))[0])
            count = len(outcome.bot.samples)
            outcome.calls_per_update = (
                (len(bot.telegram.calls) - bot_calls) / count,
                (len(echo_telegram.calls) - echo_calls) / (2 * count),
            )
            if transport.diagnose:
                outcome.diagnosis = await _diagnose(bot, next(users))
            if transport.capped:
                outcome.capped_rate = await _capped_rate(
                    bot, next_users()[: transport.capped_users]
                )
            outcome.refusals = bot.telegram.refusals + old.telegram.refusals
            outcome.refusals += echo_telegram.refusals
        finally:
            for app in (echo.app, together.app):
                await app.stop()
                await app.shutdown()
            await bot.stop()
            await old.stop()
    return outcome


async def _diagnose(bot: TimedBot, user_id: int) -> Diagnosis:
    """Where the bot's time goes, from one more walk, fed one update at a time."""
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

    bot.queued = False
    bot.take()
    await db.set_trace_callback(count)
    db._execute = timed  # type: ignore[method-assign, assignment]
    try:
        await walk(bot.user(user_id), _questions(bot))
    finally:
        del db._execute
        await db.set_trace_callback(None)  # type: ignore[arg-type]
    samples, _ = bot.take()
    diagnosis.statements = statements / len(samples)
    diagnosis.round_trips = (calls - 2) / len(samples)  # less the two trace-callback calls
    diagnosis.waiting = waited / sum(samples)
    return diagnosis


async def _capped_rate(bot: TimedBot, users: list[int]) -> float:
    """Updates per second of villagers walking together with the factory's own limiter."""
    assert bot.app is not None
    bot.app.bot._rate_limiter = bot.factory_limiter
    try:
        measured, _ = await walk_together(bot, users)
    finally:
        lift_flood_limit(bot.app)
    return measured.rate


def _ratio(bot: Series, echo: Series) -> float:
    return bot.rate / echo.rate


def report(outcome: Outcome) -> None:
    transport = outcome.transport
    heading(f"Throughput, {transport.label}")
    users = transport.rounds * transport.users_per_round
    line(
        "updates measured (each bot and echo)",
        f"{len(outcome.bot.samples)} ({users} villagers, {transport.users_per_round} at a time)",
    )
    line(
        "bot: updates/s",
        f"{outcome.bot.rate:.0f}; one update at a time (as before) {outcome.old.rate:.0f}",
    )
    line(
        "echo bot: updates/s",
        f"{outcome.echo.rate:.0f} one at a time (PTB's default);"
        f" {outcome.echo_together.rate:.0f} with concurrent_updates({MAX_CONCURRENT_UPDATES})",
    )
    headline = _ratio(outcome.bot, outcome.echo_together)
    line("RATIO bot / echo, both concurrent", f"{headline:.2f}  (aim >= 0.6)")
    rounds = ", ".join(
        f"{b.rate / e.rate:.2f}"
        for b, e in zip(outcome.bot.rounds, outcome.echo_together.rounds, strict=True)
    )
    line("  the same, round by round", rounds)
    line("RATIO bot / echo one at a time", f"{_ratio(outcome.bot, outcome.echo):.2f}")
    line("ratio, both one at a time (as before)", f"{_ratio(outcome.old, outcome.echo):.2f}")
    line("bot / the same bot one at a time", f"x{_ratio(outcome.bot, outcome.old):.2f}")
    for name, fraction in (("p50", 0.5), ("p99", 0.99)):
        line(
            f"{name} latency bot / one at a time",
            f"{ms(percentile(outcome.bot.samples, fraction))}"
            f" / {ms(percentile(outcome.old.samples, fraction))}",
        )
        line(
            f"{name} latency echo concurrent / one at a time",
            f"{ms(percentile(outcome.echo_together.samples, fraction))}"
            f" / {ms(percentile(outcome.echo.samples, fraction))}",
        )
    line("simulated people's own work (taken out)", f"{outcome.bot.own:.0%} of the bot's rounds")
    bot_calls, echo_calls = outcome.calls_per_update
    line("Bot API calls per update bot / echo", f"{bot_calls:.2f} / {echo_calls:.2f}")
    if transport.process:
        bot_polls, echo_polls = outcome.polls_per_update
        line("getUpdates per update bot / echo concurrent", f"{bot_polls:.2f} / {echo_polls:.2f}")
        line("processes", outcome.cpus)
        for name, (bot_cpu, telegram_cpu, wall) in outcome.busy.items():
            line(
                f"CPU busy, {name}: bot's process / Telegram's",
                f"{bot_cpu / wall:.0%} / {telegram_cpu / wall:.0%}",
            )
    diagnosis = outcome.diagnosis
    if transport.diagnose:
        line("bot: SQL statements per update", f"{diagnosis.statements:.1f}")
        line(
            "bot: aiosqlite round trips per update",
            f"{diagnosis.round_trips:.1f}, awaited for {diagnosis.waiting:.0%} of its time"
            " (one update at a time)",
        )
    if transport.capped:
        line("bot with its 30 msg/s limiter on", f"{outcome.capped_rate:.0f} updates per second")
    if outcome.refusals:
        line("REFUSED by the fake (a bug)", str(outcome.refusals[:3]))
    record(
        "throughput",
        transport=transport.label,
        bot_updates_per_s=round(outcome.bot.rate),
        bot_one_at_a_time_per_s=round(outcome.old.rate),
        echo_updates_per_s=round(outcome.echo_together.rate),
        echo_one_at_a_time_per_s=round(outcome.echo.rate),
        ratio=round(headline, 2),
        ratio_vs_echo_one_at_a_time=round(_ratio(outcome.bot, outcome.echo), 2),
        ratio_both_one_at_a_time=round(_ratio(outcome.old, outcome.echo), 2),
        p50_ms=round(percentile(outcome.bot.samples, 0.5) * 1000, 2),
        p99_ms=round(percentile(outcome.bot.samples, 0.99) * 1000, 2),
        echo_p50_ms=round(percentile(outcome.echo_together.samples, 0.5) * 1000, 2),
        echo_p99_ms=round(percentile(outcome.echo_together.samples, 0.99) * 1000, 2),
    )


def smoke_transport(transport: Transport) -> Transport:
    """The same journey, as small as it gets: one round of one villager, calls 5 ms away."""
    return replace(
        transport, rounds=1, users_per_round=1, warm_users=1, capped_users=1, round_trip=0.005
    )


async def main(arguments: list[str]) -> None:
    tiny = smoke(arguments)
    names = [a for a in arguments if a in TRANSPORTS] or list(TRANSPORTS)
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as name:
        directory = Path(name)
        production_logging(directory)
        for name in names:
            transport = TRANSPORTS[name]
            if tiny:
                transport = smoke_transport(transport)
            report(await measure(directory, transport))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
