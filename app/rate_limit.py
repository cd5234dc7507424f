"""The sending cap, and a way for bulk messages to step aside when Telegram says "wait".

PTB's AIORateLimiter, when Telegram answers 429 ("retry after N s"), holds *every* request for
N seconds while it retries that one. For a check-in prompt that is the wrong trade: a cry for
help queued behind it would wait too. Bulk sends ask for ``NO_WAITING``: they are tried once
under the same 30-a-second cap, and a 429 goes back to the caller (the outbox tries that prompt
again after Telegram's delay) while everything else goes on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter

NO_WAITING = -1  # rate_limit_args for a send that must not hold others up on a 429


class RateLimiter(AIORateLimiter):
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
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        chat_id: Any = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)
        group = chat_id if (isinstance(chat_id, int) and chat_id < 0) else False
        # Once, under the overall and group caps, without clearing the shared pause on a 429.
        return await self._run_request(
            chat=chat_id is not None,
            group=group,
            allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
            callback=callback,
            args=args,
            kwargs=kwargs,
        )
