"""What becomes of a chief's registration that nobody confirmed: he is told, not left guessing.

A registration written down with a villager (storage/assisted.py) waits for her phone; declined,
or not opened by ``leaders.assisted_valid``, its answers are erased and the chief gets one line,
with the day he wrote it (no name: his phone may be seen by others, and the answers are gone).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from app.context import BotContext
from storage.assisted import Assisted
from storage.outbox import NewMessage

log = logging.getLogger(__name__)


def chief_told(context: BotContext, key: str) -> Callable[[Assisted], list[NewMessage]]:
    """The chief who wrote it down is told what became of it (declined, or never opened)."""

    def messages(assisted: Assisted) -> list[NewMessage]:
        if assisted.made_by is None:
            return []
        made = assisted.made_at.astimezone(context.services.config.timezone).date()
        group = f"assisted:{assisted.assisted_id}"
        return [
            NewMessage(
                key=f"{group}:{key}",
                group_key=group,
                kind="text",
                role="leader",
                chat_id=assisted.made_by,
                payload={"key": key, "params": {"date": made.isoformat()}, "days": ["date"]},
            )
        ]

    return messages


def confirmed_on(assisted: Assisted, user_id: int, telegram_name: str) -> list[NewMessage]:
    """The chief is told which Telegram account said "it is me", so that he, sitting beside her,
    sees at once if the code went to someone else's phone (a photographed code, a forward)."""
    if assisted.made_by is None:
        return []
    group = f"assisted:{assisted.assisted_id}"
    return [
        NewMessage(
            key=f"{group}:confirmed",
            group_key=group,
            kind="text",
            role="leader",
            chat_id=assisted.made_by,
            user_id=user_id,
            payload={"key": "assisted.chief_confirmed", "params": {"account": telegram_name[:60]}},
        )
    ]


def chief_told_expired(context: BotContext) -> Callable[[Assisted], list[NewMessage]]:
    return chief_told(context, "assisted.chief_expired")


async def expire_assisted(context: BotContext) -> None:
    """The sweep: registrations not confirmed in time lose their answers; the chief is told."""
    expired = await context.store.expire_assisted(chief_told_expired(context))
    if expired:
        log.info("assisted_expired count=%s", expired)
