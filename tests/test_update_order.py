"""Different people's updates at once, one person's strictly in order (app/update_order.py).

The other tests hand updates to ``Application.process_update`` one at a time, which skips PTB's
update processor. Here updates go into ``application.update_queue``, as polling and the webhook
put them, so the bot's own ``PerUserOrder`` decides what runs when.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from telegram import Chat, Message, Update, User
from telegram.ext import TypeHandler

from app.context import BotContext
from app.factory import MAX_CONCURRENT_UPDATES
from app.update_order import PerUserOrder
from storage.persistence import SqlitePersistence
from tests.support.chat import Bot

# Everything typed: a recruiter report started four times, each time answered three times, with
# one more message where the form wants a button. Each answer is taken at the step it was sent
# for only if the person's previous message was fully handled first.
TYPED = [
    text
    for round_ in range(1, 5)
    for text in (
        "/report_broker",
        f"Mr Broker number {round_}",
        f"The market in town {round_}",
        f"A factory job, {round_}00 dollars",
        f"hello {round_}",
    )
]
SLOW_TELEGRAM = {"sendMessage": 0.004, "editMessageText": 0.004}  # seconds; a wait, not a timing


class QueuedBot(Bot):
    """The bot fed as polling feeds it: into PTB's update queue, not waiting for the handling."""

    async def feed(self, data: dict[str, Any]) -> None:
        assert self.app is not None, "the bot is not running"
        await self.app.update_queue.put(Update.de_json(data, self.app.bot))

    async def settle(self) -> None:
        """Waits until every queued update has been handled."""
        assert self.app is not None
        await asyncio.wait_for(self.app.update_queue.join(), timeout=60)


def transcript(bot: Bot, user_id: int) -> list[tuple[str, str]]:
    return [(s.kind, s.text) for s in bot.telegram.shown if s.chat_id == user_id]


async def stored_form(bot: Bot, user_id: int) -> tuple[object, dict[str, Any]]:
    states = await bot.store.load_conversations("broker_report")
    drafts = await bot.store.load_drafts()
    return states.get((user_id, user_id)), drafts.get(user_id, {})


async def reference(tmp_path: Path) -> tuple[list[tuple[str, str]], tuple[object, Any]]:
    """What one person sees sending TYPED one message at a time (the harness's way)."""
    bot = await Bot(tmp_path / "reference.sqlite3").start()
    try:
        person = bot.user(3001)
        for text in TYPED:
            await person.send(text)
        return transcript(bot, 3001), await stored_form(bot, 3001)
    finally:
        await bot.stop()


def trace_handling(bot: Bot) -> list[tuple[str, int, int]]:
    """Records (start or end, user, update id) around all of the bot's handlers."""
    assert bot.app is not None
    events: list[tuple[str, int, int]] = []

    def tracer(kind: str) -> Any:
        async def trace(update: Update, context: BotContext) -> None:
            assert update.effective_user is not None
            events.append((kind, update.effective_user.id, update.update_id))

        return trace

    bot.app.add_handler(TypeHandler(Update, tracer("start")), group=-1000)
    bot.app.add_handler(TypeHandler(Update, tracer("end")), group=1000)
    return events


async def test_two_people_typing_fast_each_get_their_own_conversation_in_order(
    tmp_path: Path,
) -> None:
    expected, expected_form = await reference(tmp_path)
    bot = QueuedBot(tmp_path / "bot.sqlite3")
    bot.telegram.delays = dict(SLOW_TELEGRAM)  # handlers wait on Telegram, as in real life
    await bot.start()
    try:
        events = trace_handling(bot)
        first, second = bot.user(3001), bot.user(3002)
        for text in TYPED:  # both type all twenty before the bot has answered anything
            await first.send(text)
            await second.send(text)
        await bot.settle()

        for person in (first, second):
            assert transcript(bot, person.id) == expected
            assert await stored_form(bot, person.id) == expected_form
        assert bot.telegram.refusals == []

        # Within one person: each update ends before the next starts, in the order sent.
        for person in (first, second):
            own = [(kind, update_id) for kind, user, update_id in events if user == person.id]
            assert [kind for kind, _ in own] == ["start", "end"] * len(TYPED)
            ids = [update_id for kind, update_id in own if kind == "start"]
            assert ids == sorted(ids)
        # Across people: the two were handled at the same time, not one after the other.
        running: set[int] = set()
        together = 0
        for kind, user, _ in events:
            if kind == "start":
                running.add(user)
            else:
                running.discard(user)
            together = max(together, len(running))
        assert together == 2
        assert bot.app is not None
        processor = bot.app.update_processor
        assert isinstance(processor, PerUserOrder)
        assert processor.max_concurrent_updates >= MAX_CONCURRENT_UPDATES > 1
        assert processor.keys_in_flight == 0  # nothing kept once all is handled
    finally:
        await bot.stop()


async def test_what_was_typed_fast_survives_a_restart(tmp_path: Path) -> None:
    bot = QueuedBot(tmp_path / "bot.sqlite3")
    await bot.start()
    people = [bot.user(4001 + i) for i in range(5)]
    for text in TYPED[:3]:  # each is at the third question, two answers in the draft
        for person in people:
            await person.send(text)
    await bot.settle()
    await bot.restart()
    for person in people:
        state, draft = await stored_form(bot, person.id)
        assert state == 2  # the third question
        assert draft["broker_report"] == {"who": TYPED[1], "place": TYPED[2]}
        await person.send("A job on a boat")
    await bot.settle()
    for person in people:
        assert (await stored_form(bot, person.id))[1]["broker_report"]["promised"] == (
            "A job on a boat"
        )
    await bot.stop()


async def test_an_unchanged_draft_or_state_is_not_written_again(tmp_path: Path) -> None:
    bot = await Bot(tmp_path / "bot.sqlite3").start()
    writes: list[str] = []
    store = bot.store
    save_draft, save_conversation = store.save_draft, store.save_conversation

    async def counted_draft(user_id: int, data: dict[str, Any]) -> None:
        writes.append("draft")
        await save_draft(user_id, data)

    async def counted_state(name: str, key: Any, state: object) -> None:
        writes.append("state")
        await save_conversation(name, key, state)

    store.save_draft = counted_draft  # type: ignore[method-assign]
    store.save_conversation = counted_state  # type: ignore[method-assign]
    try:
        person = bot.user(5001)
        await person.send("/help")  # no form, no draft: nothing to write
        assert writes == []
        await person.send("/report_broker")
        assert sorted(writes) == ["draft", "state"]
        writes.clear()
        await person.send("x")  # too short: same step, same draft
        assert writes == []
        await person.send("Mr Broker")
        assert sorted(writes) == ["draft", "state"]
        # /delete forgets what was stored, so the same draft is written again afterwards.
        persistence = bot.app.persistence  # type: ignore[union-attr]
        assert isinstance(persistence, SqlitePersistence)
        await store.erase_user(person.id)
        await persistence.drop_user_data(person.id)
        writes.clear()
        assert await stored_form(bot, person.id) == (None, {})
        await persistence.update_user_data(person.id, {"broker_report": {"who": "Mr Broker"}})
        await persistence.update_conversation("broker_report", (person.id, person.id), 1)
        assert await stored_form(bot, person.id) == (1, {"broker_report": {"who": "Mr Broker"}})
    finally:
        await bot.stop()


# -- the processor itself, with updates that wait until the test lets them go -------------------


def update(update_id: int, user_id: int, chat_id: int | None = None) -> Update:
    chat = Chat(
        chat_id if chat_id is not None else user_id, "private" if chat_id is None else "group"
    )
    user = User(user_id, "Sokha", False)
    message = Message(update_id, datetime(2026, 3, 1, tzinfo=UTC), chat, from_user=user, text="hi")
    return Update(update_id, message=message)


class Gate:
    """Updates that record when they run and finish only when the test opens their gate."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.finished: list[int] = []
        self.gates: dict[int, asyncio.Event] = {}

    async def handle(self, update_id: int) -> None:
        self.started.append(update_id)
        await self.gates.setdefault(update_id, asyncio.Event()).wait()
        self.finished.append(update_id)

    def open(self, update_id: int) -> None:
        self.gates.setdefault(update_id, asyncio.Event()).set()


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def submit(processor: PerUserOrder, gate: Gate, item: Update) -> asyncio.Task[None]:
    work: Awaitable[None] = gate.handle(item.update_id)
    return asyncio.create_task(processor.process_update(item, work))


async def test_one_person_waiting_does_not_hold_up_the_others() -> None:
    processor = PerUserOrder(max_concurrent=2)
    gate = Gate()
    tasks = [submit(processor, gate, update(i, 1)) for i in range(1, 11)]  # ten from one person
    tasks.append(submit(processor, gate, update(11, 2)))  # then one from someone else
    await settle()
    assert gate.started == [1, 11]  # the other person's did not queue behind the nine
    gate.open(11)
    await settle()
    for i in range(1, 11):
        gate.open(i)
        await settle()
    await asyncio.gather(*tasks)
    assert gate.finished == [11, *range(1, 11)]
    assert processor.keys_in_flight == 0


async def test_a_chat_is_ordered_too_and_waiting_on_two_keys_cannot_deadlock() -> None:
    processor = PerUserOrder(max_concurrent=8)
    gate = Gate()
    group = -100
    tasks = [
        submit(processor, gate, update(1, 1, group)),  # person 1 in the group
        submit(processor, gate, update(2, 2, group)),  # person 2 in the same group: waits for 1
        submit(processor, gate, update(3, 2)),  # person 2 in private: waits for 2
        submit(processor, gate, update(4, 3)),  # someone else: runs at once
    ]
    await settle()
    assert gate.started == [1, 4]
    for i in (4, 1, 2, 3):
        gate.open(i)
        await settle()
    await asyncio.gather(*tasks)
    assert gate.finished == [4, 1, 2, 3]
    assert processor.keys_in_flight == 0


async def test_a_cancelled_update_keeps_the_order_of_those_around_it() -> None:
    processor = PerUserOrder(max_concurrent=8)
    gate = Gate()
    first = submit(processor, gate, update(1, 1))
    second = submit(processor, gate, update(2, 1))
    third = submit(processor, gate, update(3, 1))
    await settle()
    second.cancel()
    await settle()
    assert gate.started == [1]  # the third still waits for the first
    gate.open(1)
    gate.open(3)
    await asyncio.gather(first, third)
    assert second.cancelled()
    assert gate.started == [1, 3]
    assert processor.keys_in_flight == 0


async def test_updates_from_nobody_are_not_ordered() -> None:
    processor = PerUserOrder(max_concurrent=4)
    gate = Gate()
    work: list[asyncio.Task[None]] = []
    for i in (1, 2):
        handled: Awaitable[None] = gate.handle(i)
        work.append(asyncio.create_task(processor.process_update(Update(i), handled)))
    await settle()
    assert gate.started == [1, 2]
    gate.open(1)
    gate.open(2)
    await asyncio.gather(*work)


def test_max_concurrent_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        PerUserOrder(max_concurrent=0)
