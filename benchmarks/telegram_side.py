"""Telegram's side of the ``http-process`` throughput benchmark, in a process of its own.

Telegram is another machine: here it is another process, on the other CPU. It holds one fake Bot
API (``preview.botapi``) per bot under test, served over HTTP on 127.0.0.1 by tornado
(``preview.server.bot_api_routes``) on this process's own event loop, and the simulated
villagers, who walk the same journeys as in ``benchmarks/throughput.py``. The bot (or the echo
bot) is alone in the measuring process and fetches the updates with ``getUpdates`` long polling,
as ``app/runner.py`` does in production.

A person's update goes into the fake's pending updates; the bot's long poll returns it at once.
The bot's last handler writes the update's id (8 bytes) to a pipe; this process reads it and
counts the update as answered: latency is from the update being available to Telegram to that
note. The person then finds the next button in what the bot showed, and presses it.

The measuring process sends commands (``walk``, ``replay``, ``calls``, ``stop``) over a second
pipe and gets each one's figures back. Started by ``benchmarks.throughput`` with
``multiprocessing``'s spawn (see ``TelegramProcess`` there).
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from app.config import load_config
from benchmarks.villager_walk import replay_by_person, sender_of, walk
from content.bundle import load_content
from preview.botapi import FakeTelegram
from preview.server import bot_api_routes
from tests.support.chat import TEST_TOKEN

HANDLED_WITHIN = 60.0  # seconds; an update not answered by then is a bug, not a figure
IDS_APART = 100_000_000  # each side's update ids start this far from the next one's


@dataclass
class PolledTelegram(FakeTelegram):
    """The fake, its long poll woken as soon as an update arrives (one event loop here)."""

    _arrived: asyncio.Event | None = None

    def push(self, update: dict[str, Any]) -> None:
        super().push(update)
        if self._arrived is not None:
            self._arrived.set()
            self._arrived = None

    async def _long_poll(self, params: dict[str, Any]) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(float(params.get("timeout") or 0), 10.0)
        while not self._updates_from(params) and not self.closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            if self._arrived is None:
                self._arrived = asyncio.Event()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                return

    def close(self) -> None:
        super().close()
        if self._arrived is not None:
            self._arrived.set()


class Answered:
    """The futures of updates waiting for the bot's note that it handled them."""

    def __init__(self) -> None:
        self.waiting: dict[int, asyncio.Future[float]] = {}

    def expect(self, update_id: int) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[update_id] = future
        return future

    def read(self, notes: Connection) -> None:
        while notes.poll():
            update_id = int.from_bytes(notes.recv_bytes(), "little")
            future = self.waiting.pop(update_id, None)
            if future is not None and not future.done():
                future.set_result(time.perf_counter())


class Side:
    """One bot's Telegram: its fake, and the people's updates timed from Telegram's side.

    Looks to ``tests.support.chat.Person`` like the tests' ``Bot``: ``telegram``,
    ``next_update_id`` and ``feed``.
    """

    def __init__(self, number: int, answered: Answered) -> None:
        self.telegram = PolledTelegram()
        self.telegram._next_update = number * IDS_APART
        self.answered = answered
        self.samples: list[float] = []
        self.recorded: list[dict[str, Any]] = []  # the last walk's updates, for the echo bots
        self.own = 0.0  # the people's own work between their updates
        self._back: dict[int, float] = {}

    def next_update_id(self) -> int:
        return self.telegram.next_update_id()

    async def through(self, data: dict[str, Any]) -> float:
        """Makes the update available to the bot; returns the seconds until it was handled."""
        future = self.answered.expect(int(data["update_id"]))
        started = time.perf_counter()
        self.telegram.push(data)
        return await asyncio.wait_for(future, HANDLED_WITHIN) - started

    async def feed(self, data: dict[str, Any]) -> None:
        person = sender_of(data)
        now = time.perf_counter()
        if person in self._back:
            self.own += now - self._back.pop(person)
        self.samples.append(await self.through(data))
        self.recorded.append(data)
        self._back[person] = time.perf_counter()

    def user(self, user_id: int) -> Any:
        from tests.support.chat import Person

        return Person(self, user_id, "Sokha", "km")  # type: ignore[arg-type]


async def _walk(side: Side, users: list[int], questions: Any) -> dict[str, Any]:
    side.samples, side.recorded, side.own = [], [], 0.0
    side._back.clear()
    cpu, started = time.process_time(), time.perf_counter()
    await asyncio.gather(*(walk(side.user(user), questions) for user in users))
    elapsed = time.perf_counter() - started
    return {
        "samples": side.samples,
        "seconds": elapsed - side.own,
        "own": side.own,
        "cpu": time.process_time() - cpu,
    }


async def _replay(side: Side, updates: list[dict[str, Any]]) -> dict[str, Any]:
    """The same people send the same updates, each in their own order, all at once."""

    async def through(data: dict[str, Any]) -> float:
        # A new id from this fake: getUpdates' offset drops any id below the last one.
        data = {**data, "update_id": side.next_update_id()}
        query = data.get("callback_query")
        if query is not None:  # Telegram knows the query: it may be answered once
            side.telegram.callback_owner[query["id"]] = query["from"]["id"]
        return await side.through(data)

    cpu, started = time.process_time(), time.perf_counter()
    samples = await replay_by_person(updates, through)
    return {
        "samples": samples,
        "seconds": time.perf_counter() - started,
        "own": 0.0,
        "cpu": time.process_time() - cpu,
    }


def _calls(side: Side) -> dict[str, Any]:
    polls = sum(1 for name, _ in side.telegram.calls if name == "getUpdates")
    return {
        "calls": len(side.telegram.calls) - polls,
        "polls": polls,
        "refusals": side.telegram.refusals,
    }


async def _serve(commands: Connection, notes: Connection, names: list[str]) -> None:
    config = load_config(None, environ={"TELEGRAM_BOT_TOKEN": TEST_TOKEN})
    questions = load_content(
        districts=config.districts,
        places_scope=config.places_scope,
        default_language=config.default_language,
    ).awareness.questions
    answered = Answered()
    loop = asyncio.get_running_loop()
    loop.add_reader(notes.fileno(), answered.read, notes)
    sides: dict[str, Side] = {}
    servers: list[tornado.httpserver.HTTPServer] = []
    urls: dict[str, str] = {}
    for number, name in enumerate(names, start=1):
        side = sides[name] = Side(number, answered)
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        server = tornado.httpserver.HTTPServer(
            tornado.web.Application(bot_api_routes(side.telegram))
        )
        server.add_sockets(sockets)
        servers.append(server)
        urls[name] = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/bot"
    commands.send({"urls": urls, "cpus": sorted(os.sched_getaffinity(0))})
    while True:
        command: dict[str, Any] = await asyncio.to_thread(commands.recv)
        kind = command["do"]
        if kind == "stop":
            break
        side = sides[command["side"]]
        if kind == "walk":
            commands.send(await _walk(side, command["users"], questions))
        elif kind == "replay":
            commands.send(await _replay(side, sides[command["updates_of"]].recorded))
        elif kind == "calls":
            commands.send(_calls(side))
    for side in sides.values():
        side.telegram.close()
    for server in servers:
        server.stop()
    loop.remove_reader(notes.fileno())
    commands.send({"stopped": True})


def serve(commands: Connection, notes: Connection, names: list[str], cpu: int | None) -> None:
    """The process's entry point (spawned): runs until the ``stop`` command."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    asyncio.run(_serve(commands, notes, names))
