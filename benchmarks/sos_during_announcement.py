"""An SOS while staff send an announcement to 100,000 people: how long until staff are told.

100,000 people in the 28 villages said yes to messages (``benchmarks/announcing.py``'s fill).
Staff walk ``/announce`` to all villages up to the review screen; then, while people keep
sending ``/sos`` (one every 0.2 s, each a new person, as Telegram's updates are, through PTB's
update queue), staff press Send. The bot runs as the factory builds it, its 30 messages/s
limiter and its outbox tick on, so the announcement is queued and then sent while the SOSes
come in. Each SOS is timed from the update going into the queue to staff's copy reaching the
fake Telegram, and counted as "during queuing" when it was sent while Send was being handled.
A ticker measures how long the event loop was kept from running (its longest late wake-up).

    python -m benchmarks.sos_during_announcement [PEOPLE] [--smoke]
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Update

from benchmarks.announcing import refill
from benchmarks.common import heading, line, percentile, production_logging, record, smoke
from benchmarks.sending import _alert_asker
from benchmarks.throughput import Handled
from preview.botapi import FakeTelegram, user_json
from storage.outbox import BULK
from tests.support.chat import Bot
from tests.support.journeys import STAFF_ID, onboard

PEOPLE = 100_000
SOS_EVERY = 0.2  # seconds between two people's /sos
SOS_COUNT = 100  # 20 s: the queuing, then the first part of the sending
FIRST_ASKER = 900_000_001  # people with no trip and not in the fill: staff are told at once
AIM = 0.5  # seconds, p99 (issue 22)
TICK = 0.01  # the loop-lag ticker's sleep


@dataclass
class StaffTelegram(FakeTelegram):
    """The tests' fake, noting when staff's copy of each SOS arrives and how many bulk went."""

    copies: dict[int, float] = field(default_factory=dict)  # asker -> perf_counter
    announcements: int = 0

    def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        result = super()._api_sendMessage(params)
        chat_id = int(params["chat_id"])
        if chat_id == STAFF_ID:
            asker = _alert_asker(params)
            if asker is not None:
                self.copies.setdefault(asker, time.perf_counter())
            return result
        if str(params.get("text", "")).startswith("📢"):
            self.announcements += 1
        # The fake keeps every chat; 100,000 of them are Telegram's memory, not the bot's.
        self.chats.pop(chat_id, None)
        self.shown.pop()
        return result


class QueuedBot(Bot):
    """The tests' harness, but every update goes through PTB's queue as polling puts it."""

    def __init__(self, database: Path) -> None:
        super().__init__(database)
        self.staff_side = StaffTelegram()
        self.telegram = self.staff_side
        self.handled = Handled()
        self.queuing = 0.0  # seconds the staff's Send took to be handled

    async def start(self, **config_overrides: Any) -> QueuedBot:
        await super().start(**config_overrides)
        assert self.app is not None
        self.handled.install(self.app)
        return self

    async def feed(self, data: dict[str, Any]) -> None:
        assert self.app is not None
        took = await self.handled.through_queue(self.app, data)
        if "callback_query" in data and data["callback_query"]["from"]["id"] == STAFF_ID:
            self.queuing = took


@dataclass
class Outcome:
    people: int
    queued: int = 0
    queuing: float = 0.0
    during: list[float] = field(default_factory=list)  # SOS sent while Send was handled
    after: list[float] = field(default_factory=list)  # SOS sent while the bulk went out
    unreached: int = 0
    worst_stall: float = 0.0  # the event loop's longest late wake-up
    announcements_sent: int = 0


async def _ticker(worst: list[float], stop: asyncio.Event) -> None:
    """Sleeps TICK again and again; how late it wakes is how long the loop was kept busy."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(TICK)
        worst[0] = max(worst[0], time.perf_counter() - started - TICK)


async def _ask_for_help(
    bot: QueuedBot, count: int, asked: dict[int, float], sending: dict[int, bool], busy: list[bool]
) -> None:
    assert bot.app is not None
    for n in range(count):
        user_id = FIRST_ASKER + n
        message = bot.telegram.user_message(user_json(user_id, "Sokha", "km"), "/sos")
        asked[user_id] = time.perf_counter()
        sending[user_id] = busy[0]
        update = {"update_id": bot.telegram.next_update_id(), "message": message}
        await bot.app.update_queue.put(Update.de_json(update, bot.app.bot))
        await asyncio.sleep(SOS_EVERY)
    for _ in range(300):  # up to 30 s for the last copies
        if len(bot.staff_side.copies) >= count:
            return
        await asyncio.sleep(0.1)


async def measure(people: int, sos_count: int) -> Outcome:
    outcome = Outcome(people)
    with tempfile.TemporaryDirectory(prefix="bench-sos-announce-") as folder:
        path = Path(folder) / "bot.sqlite3"
        production_logging(Path(folder))
        bot = QueuedBot(path)
        settings: dict[str, Any] = {
            "staff_user_ids": frozenset({STAFF_ID}),
            "max_messages_per_second": 30,  # the factory's limiter, as in production
            "outbox_interval": timedelta(seconds=2),  # the outbox tick, as configured
            "sweep_interval": timedelta(days=1),  # the sweep kept out of the way
        }
        await bot.start(**settings)
        await refill(bot, path, people)
        try:
            staff = bot.user(STAFF_ID, "Staff", "en")
            await onboard(staff, "en")
            await staff.send("/announce")
            await staff.click("All villages")
            await staff.click("People who said yes to messages")
            await staff.send("Beware of brokers offering jobs at the market")
            await staff.click("Skip")
            assert "📢 Send" in staff.buttons(), staff.last_text()

            asked: dict[int, float] = {}
            sending: dict[int, bool] = {}
            busy = [False]
            worst, stop = [0.0], asyncio.Event()
            ticker = asyncio.create_task(_ticker(worst, stop))
            asking = asyncio.create_task(_ask_for_help(bot, sos_count, asked, sending, busy))
            await asyncio.sleep(3 * SOS_EVERY)  # a few SOSes first, then Send among them
            busy[0] = True
            await staff.click("📢 Send")
            busy[0] = False
            assert staff.last_text().startswith("📢 Warning no. 1 is on its way."), (
                staff.last_text()
            )
            await asking
            stop.set()
            await ticker
            outcome.queuing, outcome.worst_stall = bot.queuing, worst[0]
            for asker, started in asked.items():
                reached = bot.staff_side.copies.get(asker)
                if reached is None:
                    outcome.unreached += 1
                    continue
                (outcome.during if sending[asker] else outcome.after).append(reached - started)
            outcome.announcements_sent = bot.staff_side.announcements
            # The rest of the bulk is not waited for (an hour at 30 a second): called off.
            assert bot.app is not None
            async with bot.store._transaction() as db:  # the store's own write lock
                await db.execute(
                    "UPDATE outbox SET status = 'cancelled'"
                    " WHERE status = 'pending' AND priority = ?",
                    (BULK,),
                )
        finally:
            await bot.stop()
        with sqlite3.connect(path) as db:
            outcome.queued = db.execute(
                "SELECT count(*) FROM outbox WHERE group_key = 'announcement:1'"
            ).fetchone()[0]
    return outcome


def report(outcome: Outcome) -> None:
    heading(f"An SOS while an announcement to {outcome.people:,} people is queued and sent")
    everyone = outcome.during + outcome.after
    line("announcement rows queued", f"{outcome.queued:,}")
    line("staff's Send handled in (queuing)", f"{outcome.queuing:.2f} s")
    line("announcements sent meanwhile (30/s cap)", f"{outcome.announcements_sent:,}")
    line(
        "/sos sent: during queuing / after / unreached",
        f"{len(outcome.during)} / {len(outcome.after)} / {outcome.unreached}",
    )
    for label, values in (
        ("during queuing", outcome.during),
        ("while sending", outcome.after),
        ("all", everyone),
    ):
        if values:
            line(
                f"/sos to staff, {label}: p50 / p99 / max",
                f"{percentile(values, 0.5):.3f} / {percentile(values, 0.99):.3f}"
                f" / {max(values):.3f} s",
            )
    p99 = percentile(everyone, 0.99) if everyone else float("nan")
    line(f"aim: p99 under {AIM} s", "met" if p99 < AIM else "NOT MET")
    line("event loop's longest stall", f"{outcome.worst_stall * 1000:.0f} ms")
    record(
        "sos_during_announcement",
        people=outcome.people,
        queued=outcome.queued,
        queuing_s=round(outcome.queuing, 3),
        during=len(outcome.during),
        after=len(outcome.after),
        unreached=outcome.unreached,
        p50_s=round(percentile(everyone, 0.5), 3) if everyone else None,
        p99_s=round(p99, 3) if everyone else None,
        during_p99_s=round(percentile(outcome.during, 0.99), 3) if outcome.during else None,
        max_s=round(max(everyone), 3) if everyone else None,
        worst_stall_ms=round(outcome.worst_stall * 1000),
    )


def main(arguments: list[str]) -> None:
    tiny = smoke(arguments)
    numbers = [int(a) for a in arguments if a.isdigit()]
    people = numbers[0] if numbers else (2_000 if tiny else PEOPLE)
    report(asyncio.run(measure(people, 8 if tiny else SOS_COUNT)))


if __name__ == "__main__":
    main(sys.argv[1:])
