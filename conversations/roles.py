"""Who may do what: staff see every village, a leader only their own, a villager only theirs.

Every command and button that shows or changes someone else's data asks here again, on the
server, whatever the button claims.
"""

from __future__ import annotations

from app.context import BotContext


def is_staff(context: BotContext, user_id: int) -> bool:
    return user_id in context.services.config.staff_user_ids


async def villages_in_scope(context: BotContext, user_id: int) -> list[str] | None:
    """None: every village (staff); a list: the villages this person leads (maybe empty)."""
    if is_staff(context, user_id):
        return None
    return await context.store.led_villages(user_id)


async def may_act_for(context: BotContext, user_id: int, village_code: str | None) -> bool:
    """Whether this person may see and act on a matter of this village."""
    scope = await villages_in_scope(context, user_id)
    return scope is None or (village_code is not None and village_code in scope)


async def responder_name(
    context: BotContext, user_id: int, village: str | None, fallback: str
) -> str:
    """How a responder is named to others: their leader name for this village, else Telegram's."""
    for leader in await context.store.leaders_of(village or ""):
        if leader.user_id == user_id:
            return leader.display_name
    return fallback
