"""Who may do what: staff see every village, a leader only their own, a villager only theirs.

Every command and button that shows or changes someone else's data asks here again, on the
server, whatever the button claims.
"""

from __future__ import annotations

import logging

from telegram import Update

from app.context import BotContext
from conversations.ui import language_of, tell

log = logging.getLogger(__name__)


def is_staff(context: BotContext, user_id: int) -> bool:
    return user_id in context.services.config.staff_user_ids


async def villages_in_scope(context: BotContext, user_id: int) -> list[str] | None:
    """None: every village (staff); a list: the villages this person leads (maybe empty)."""
    if is_staff(context, user_id):
        return None
    return await context.store.led_villages(user_id)


async def leader_scope(
    update: Update, context: BotContext, action: str
) -> tuple[bool, list[str] | None]:
    """(allowed, the villages in scope: None for all) for a leader's or staff's command; anyone
    else is told it is only for village leaders and staff, and the attempt is logged (ids only)."""
    assert update.effective_user is not None
    scope = await villages_in_scope(context, update.effective_user.id)
    if scope == []:
        lang = await language_of(update, context)
        await tell(update, context.content.texts.get(lang, "leader.only_leaders"))
        log.info("not_a_leader user=%s action=%s", update.effective_user.id, action)
        return False, []
    return True, scope


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
