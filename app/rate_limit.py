"""The sending cap, and a way for bulk messages to step aside when Telegram says "wait".

PTB's AIORateLimiter, when Telegram answers 429 ("retry after N s"), holds *every* request for
N seconds while it retries that one. For a check-in prompt that is the wrong trade: a cry for
help queued behind it would wait too. Bulk sends ask for ``NO_WAITING``: they are tried once
under the same 30-a-second cap, and a 429 goes back to the caller (the outbox tries that prompt
again after Telegram's delay) while everything else goes on.

Bulk sends also give way: under the cap every send waits its turn, and a cry for help queued
behind the drainer's eight bulk sends would wait eight turns (a quarter of a second at 30 a
second, for each of its messages). So a bulk send waits while any other send is waiting for
its turn, and only one bulk send at a time waits in the cap's queue: any other send has at
most one bulk send ahead of it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter

NO_WAITING = -1  # rate_limit_args for a send that must not hold others up on a 429


class RateLimiter(AIORateLimiter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._others_waiting = 0  # sends other than bulk waiting for their turn under the cap
        self._no_others = asyncio.Event()
        self._no_others.set()
        self._bulk_turn = asyncio.Lock()  # one bulk send at a time in the cap's queue

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if rate_limit_args != NO_WAITING:
            return await self._before_bulk(callback, args, kwargs, endpoint, data, rate_limit_args)
        chat_id: Any = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)
        group = chat_id if (isinstance(chat_id, int) and chat_id < 0) else False
        async with _Turn(self._bulk_turn) as turn:
            await self._no_others.wait()

            async def sent_now(*a: Any, **k: Any) -> bool | JSONDict | list[JSONDict]:
                turn.leave()  # it has its turn under the cap: the next bulk send may queue
                return await callback(*a, **k)

            # Once, under the overall and group caps, without clearing the shared pause on a 429.
            return await self._run_request(
                chat=chat_id is not None,
                group=group,
                allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
                callback=sent_now,
                args=args,
                kwargs=kwargs,
            )

    async def _before_bulk(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """PTB's limiter as it is, with bulk sends held back until this one has its turn."""
        waiting = True
        self._others_waiting += 1
        self._no_others.clear()

        def done_waiting() -> None:
            nonlocal waiting
            if waiting:
                waiting = False
                self._others_waiting -= 1
                if not self._others_waiting:
                    self._no_others.set()

        async def sent_now(*a: Any, **k: Any) -> bool | JSONDict | list[JSONDict]:
            done_waiting()
            return await callback(*a, **k)

        try:
            return await super().process_request(
                sent_now, args, kwargs, endpoint, data, rate_limit_args
            )
        finally:
            done_waiting()


class _Turn:
    """Holds a lock until ``leave`` or the end of the block, whichever comes first."""

    def __init__(self, lock: asyncio.Lock) -> None:
        self._lock = lock
        self._held = False

    async def __aenter__(self) -> _Turn:
        await self._lock.acquire()
        self._held = True
        return self

    def leave(self) -> None:
        if self._held:
            self._held = False
            self._lock.release()

    async def __aexit__(self, *exc: object) -> None:
        self.leave()
