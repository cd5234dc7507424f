"""One person's updates in order, different people's at the same time.

PTB's ``concurrent_updates(False)`` handles one update at a time for everybody: while the bot
waits for Telegram on one person's answer, everyone else waits too. Plain ``concurrent_updates``
is no better for this bot: two quick messages of one person were both handled in the old
conversation state (ECOSYSTEM-NOTES). ``PerUserOrder`` sits between the two. Each update waits
for the earlier updates of the same user and of the same chat, and no others.

How: when an update arrives, before anything is awaited, it takes the place of the last update
of its user and of its chat (its keys), and will wait for the ones it replaced. Updates arrive
in the order PTB takes them from its queue (PTB starts one task per update, in order, and its
semaphore is first come first served), so each key's updates form a chain in arrival order.
Waiting on every key at once cannot deadlock: an update only ever waits for earlier ones. A key
is forgotten when its last update is done, so memory holds only keys with updates in flight.

Waiting for one's turn does not take one of the ``max_concurrent`` running places: one person
sending twenty messages does not hold up everyone else.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Hashable, Iterable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates PTB may hold at once (waiting for their turn or running). Beyond this, new updates
# wait in PTB's own queue, still in order.
MAX_ADMITTED = 1024


def order_keys(update: object) -> tuple[Hashable, ...]:
    """What an update must wait for: its user's and its chat's earlier updates."""
    if not isinstance(update, Update):
        return ()  # not from a person (e.g. an error PTB passes on): nothing to order
    keys: list[Hashable] = []
    if update.effective_user is not None:
        keys.append(("user", update.effective_user.id))
    if update.effective_chat is not None:
        keys.append(("chat", update.effective_chat.id))
    return tuple(keys)


class PerUserOrder(BaseUpdateProcessor):
    """Runs up to ``max_concurrent`` updates at once, each user's and chat's strictly in order."""

    __slots__ = ("_last", "_running")

    def __init__(self, max_concurrent: int, max_admitted: int = MAX_ADMITTED) -> None:
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        # PTB's semaphore, taken before do_process_update, only bounds what is admitted.
        super().__init__(max(max_admitted, max_concurrent))
        self._running = asyncio.Semaphore(max_concurrent)
        self._last: dict[Hashable, asyncio.Future[None]] = {}  # each key's latest update

    @property
    def keys_in_flight(self) -> int:
        """Users and chats with an update waiting or running (0 when the bot is idle)."""
        return len(self._last)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        keys = order_keys(update)
        # No await before the chain is extended: arrival order is the order of this loop.
        earlier = {self._last[key] for key in keys if key in self._last}
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        for key in keys:
            self._last[key] = done
        started = False
        try:
            if earlier:
                await asyncio.wait(earlier)  # a cancelled wait leaves the others' futures alone
            async with self._running:
                started = True
                await coroutine
        finally:
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled before its turn: it never runs
            self._finish(keys, done, earlier)

    def _finish(
        self, keys: tuple[Hashable, ...], done: asyncio.Future[None], earlier: Iterable[Any]
    ) -> None:
        """Lets the next updates of these keys go, once every earlier one is done too."""
        pending = [future for future in earlier if not future.done()]
        if pending:  # cancelled while waiting: those after it must still wait for those before
            pending[0].add_done_callback(lambda _: self._finish(keys, done, pending[1:]))
            return
        done.set_result(None)
        for key in keys:
            if self._last.get(key) is done:
                del self._last[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: PTB waits for the updates in flight before it shuts down."""
