"""A fault run: many journeys through a Telegram that fails often; what was lost, what doubled.

    python -m benchmarks.faults [journeys] [failure percent] [seed]   # default 30 20 1

The real Application (tests' harness: real Store on a temporary SQLite file, injected clock)
and a fake Telegram that answers HTTP 502 to a share of the messages the bot starts itself:
departure notices, alerts and their staff copies, check-in prompts and reminders, and "someone
saw your message". Each villager registers a trip, is followed for three months of check-ins
(answering most, asking for help once), and their leader acknowledges what comes. The clock
moves a morning at a time, the sweep runs as the repeating job would; at the end an hour more
lets every retry fall due.

Counted from what Telegram delivered, against what the database says went out: every prompt
(by its check-in id), every notice (by departure) and every alert copy (by alert and chat) once;
lost is what never arrived, doubled what arrived twice.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import SMOKE_FLAG, fields_of, heading, line, record, smoke
from preview.botapi import ApiRefusal, FakeTelegram
from tests.support.chat import Bot, Person
from tests.support.journeys import STAFF_ID, make_leader, onboard, register_departure, sweep_at

LEADER = 5000
FIRST = 5001
SEEN_KM = "👍"
PROMPT_KM = "សួស្ដី! សុខសប្បាយទេ? សូមចុចប៊ូតុងមួយខាងក្រោម៖"
NOTICE_TITLE = "<b>ដំណឹងចេញដំណើរ</b>"
# A cry for help from a check-in, in the leader's Khmer and in staff's English.
HELP_TITLES = ("🚨 <b>សុំជំនួយបន្ទាន់</b>", "🚨 <b>Asks for help now</b> (check-in)")
NAMES: list[str] = []


@dataclass
class FlakyTelegram(FakeTelegram):
    """Fails a share of the bot's own messages (not the screens people tap through) with 502."""

    failure_rate: float = 0.2
    rng: random.Random = field(default_factory=lambda: random.Random(1))
    injected: int = 0

    def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        markup = str(params.get("reply_markup") or "")
        text = str(params.get("text") or "")
        ours = chat_id in (LEADER, STAFF_ID) or "ci:" in markup or text.startswith(SEEN_KM)
        if ours and self.rng.random() < self.failure_rate:
            self.injected += 1
            raise ApiRefusal(502, "Bad Gateway")
        return super()._api_sendMessage(params)


@dataclass
class Result:
    journeys: int
    injected: int = 0
    expected: int = 0
    lost: int = 0
    doubled: int = 0
    kinds: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # expected, lost, twice


async def run(journeys: int, rate: float, seed: int) -> Result:
    with tempfile.TemporaryDirectory() as folder:
        bot = Bot(Path(folder) / "faults.sqlite3")
        bot.telegram = FlakyTelegram(failure_rate=0.0, rng=random.Random(seed))
        await bot.start(staff_user_ids=frozenset({STAFF_ID}))
        try:
            leader = bot.user(LEADER, "Chief")
            await onboard(bot.user(STAFF_ID, "Staff", "en"), "en")
            await make_leader(bot, leader)
            villagers = [bot.user(FIRST + n) for n in range(journeys)]
            NAMES[:] = [f"Villager{n:03d}" for n in range(journeys)]
            for person in villagers:
                await onboard(person)
            assert isinstance(bot.telegram, FlakyTelegram)
            bot.telegram.failure_rate = rate  # from here on, the bot's own messages fail
            for n, person in enumerate(villagers):
                await register_departure(person, name=NAMES[n])
                await person.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
            await follow(bot, leader, villagers)
            bot.telegram.failure_rate = 0.0
            await sweep_at(bot, bot.clock.now() + timedelta(hours=1))  # every retry falls due
            return await count(bot, journeys)
        finally:
            await bot.stop()


async def follow(bot: Bot, leader: Person, villagers: list[Person]) -> None:
    """Three months of mornings: prompts answered, one cry for help each, leaders acting."""
    moment = datetime(2026, 3, 3, 1, 30, tzinfo=UTC)  # 08:30 in Bangkok, the day they arrive
    answered: Counter[int] = Counter()
    for _ in range(90):
        moment += timedelta(days=1)
        await sweep_at(bot, moment)
        for person in villagers:
            data = [d for d in person.button_data() if d.startswith("ci:")]
            if not data:
                continue
            checkin = data[0].split(":")[1]
            answer = "help" if answered[person.id] == 2 else "fine"
            if f"ci:{checkin}:{answer}" in data and answered[person.id] < 99:
                await person.press(f"ci:{checkin}:{answer}")
                answered[person.id] += 1
        for ack in [d for d in leader.button_data() if d.startswith(("al:ack:", "leader:ack:"))]:
            await leader.press(ack)
        await sweep_at(bot, moment + timedelta(minutes=5))  # retries of this morning's sends


async def count(bot: Bot, journeys: int) -> Result:
    """What had to arrive (from the database) against what Telegram shows in each chat."""
    assert isinstance(bot.telegram, FlakyTelegram)
    result = Result(journeys, injected=bot.telegram.injected)
    prompts: Counter[int] = Counter()  # per person: prompts shown (the first text, not edits)
    notices: Counter[str] = Counter()
    alerts: Counter[tuple[str, int]] = Counter()
    for shown in bot.telegram.shown:
        if shown.kind != "message":
            continue
        if shown.text == PROMPT_KM:
            prompts[shown.chat_id] += 1
        name = next((n for n in NAMES if n in shown.text), "")
        if shown.chat_id == LEADER and shown.text.startswith(NOTICE_TITLE) and name:
            notices[name] += 1
        if shown.text.startswith(HELP_TITLES) and name:
            alerts[(name, shown.chat_id)] += 1
    store = bot.store
    wanted: dict[str, list[Any]] = {"prompt": [], "notice": [], "alert": []}
    sent_prompts: Counter[int] = Counter()
    for n in range(journeys):
        for departure in await store.departures_of(FIRST + n):
            wanted["notice"].append(departure.name)  # the village has a leader: one notice
            for c in await store.checkins_of(departure.departure_id):
                if c.sent_at is not None:
                    sent_prompts[c.user_id] += 1
    async with store._db.execute(
        "SELECT d.name FROM alerts a JOIN departures d USING (departure_id) WHERE a.kind = 'help'"
    ) as cursor:
        for (name,) in await cursor.fetchall():
            wanted["alert"] += [(name, LEADER), (name, STAFF_ID)]  # help: leader and staff
    # Prompts, per person: as many shown as the database says went out.
    expected = sum(sent_prompts.values())
    lost = sum(max(0, k - prompts[u]) for u, k in sent_prompts.items())
    twice = sum(max(0, prompts[u] - k) for u, k in sent_prompts.items())
    result.kinds["prompt"] = (expected, lost, twice)
    result.expected, result.lost, result.doubled = expected, lost, twice
    del wanted["prompt"]
    got: dict[str, Counter[Any]] = {"notice": notices, "alert": alerts}
    for kind, keys in wanted.items():
        lost = sum(1 for key in keys if got[kind][key] == 0)
        twice = sum(1 for key in keys if got[kind][key] > 1)
        result.kinds[kind] = (len(keys), lost, twice)
        result.expected += len(keys)
        result.lost += lost
        result.doubled += twice
    queued = await store.outbox_counts(bot.clock.now())
    result.kinds["still queued at the end"] = (queued["outbox_queued"], 0, 0)
    return result


def report(result: Result, rate: float, seed: int) -> None:
    heading(f"Faults: {result.journeys} journeys, {rate:.0%} of the bot's own messages fail")
    line("502s injected", f"{result.injected:,}")
    line("messages that had to arrive", f"{result.expected:,}")
    line("lost / doubled", f"{result.lost} / {result.doubled}")
    for kind, (wanted, lost, twice) in result.kinds.items():
        line(f"  {kind}", f"{wanted:,} (lost {lost}, doubled {twice})")
    line("command", f"python -m benchmarks.faults {result.journeys} {round(rate * 100)} {seed}")
    record("faults", **fields_of(result, "journeys", "injected", "expected", "lost", "doubled"))


def main(arguments: list[str]) -> None:
    tiny = smoke(arguments)
    arguments = [a for a in arguments if a != SMOKE_FLAG]
    journeys = int(arguments[0]) if arguments else (2 if tiny else 30)
    rate = int(arguments[1]) / 100 if len(arguments) > 1 else 0.2
    seed = int(arguments[2]) if len(arguments) > 2 else 1
    report(asyncio.run(run(journeys, rate, seed)), rate, seed)


if __name__ == "__main__":
    main(sys.argv[1:])
