"""Unfinished forms do not live forever: after ``privacy.draft_ttl`` untouched they are erased.

A form left half-way can hold a relative's name, age and phone numbers. The sweep erases
every draft and conversation state a person left untouched that long, in the database and in
PTB's memory, and leaves one mark saying how many days it waited; the next time they write,
they are told once, before their message is answered as usual. The mark itself is dropped
silently after another such period, so nothing is kept for someone who never comes back.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, ConversationHandler, TypeHandler

from app.context import BotContext
from conversations.switching import end_conversations_of
from conversations.ui import DRAFT_LANGUAGE, language_of, send
from storage.conversation_state import EXPIRED_MARK

log = logging.getLogger(__name__)

# Handler group of the notice: after the group guard, before everything that answers.
BATCH = 500  # people per sweep: a long backlog (after downtime) is worked off over a few ticks
NOT_A_FORM = frozenset({DRAFT_LANGUAGE, EXPIRED_MARK})  # a chosen language alone is not a form
SEEN_KEY = "drafts_last_seen"  # bot_data: user id -> when their newest update came in


def _recently_seen(context: BotContext, user_id: int, cutoff: datetime) -> bool:
    """Someone whose update came in after ``cutoff`` (perhaps still being handled, its step not
    yet written to disk) is not idle, whatever the database's time says."""
    seen: dict[int, datetime] = context.application.bot_data.get(SEEN_KEY, {})
    return user_id in seen and seen[user_id] > cutoff


async def expire_drafts(context: BotContext) -> None:
    """Erases forms untouched for ``privacy.draft_ttl``: rows and memory; says so next time."""
    ttl = context.services.config.draft_ttl
    cutoff = context.clock.now() - ttl
    owners = [
        user_id
        for user_id in await context.store.stale_form_owners(cutoff, BATCH)
        if not _recently_seen(context, user_id, cutoff)
    ]
    if not owners:
        return
    application = context.application
    forms = [
        handler
        for handlers in application.handlers.values()
        for handler in handlers
        if isinstance(handler, ConversationHandler)
    ]
    days = max(1, round(ttl / timedelta(days=1)))
    told = 0
    for user_id in owners:
        ended = [form.name for form in forms if end_conversations_of(form, user_id)]
        data = application.user_data.get(user_id)  # a lookup that adds no one
        had_form = bool(ended) or any(key not in NOT_A_FORM for key in data or {})
        language = (data or {}).get(DRAFT_LANGUAGE)
        if data is not None:
            data.clear()
        if had_form:
            application.user_data[user_id][EXPIRED_MARK] = days
            if language is not None:  # the notice is told in the language they chose
                application.user_data[user_id][DRAFT_LANGUAGE] = language
            told += 1
        application.mark_data_for_update_persistence(user_ids=user_id)
    # PTB writes what changed in memory (drafts, ended conversations) through our persistence;
    # then whatever old rows it did not hold go too (none, unless memory and disk disagreed).
    await application.update_persistence()
    await context.store.forget_stale_forms(owners, cutoff)
    log.info("drafts_expired people=%s marked=%s", len(owners), told)


async def tell_expired(update: Update, context: BotContext) -> None:
    """Tells a person who comes back that their unfinished form was erased (once)."""
    if update.effective_user is not None:  # not idle from now on (expire_drafts)
        seen = context.application.bot_data.setdefault(SEEN_KEY, {})
        seen[update.effective_user.id] = context.clock.now()
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE or update.effective_user is None:
        return
    if update.message is None and update.callback_query is None:
        return  # not the person writing (an edit, a block): the mark waits for them
    data = context.user_data
    if not data or EXPIRED_MARK not in data:
        return
    days = data.pop(EXPIRED_MARK)
    if not isinstance(days, int):  # not written by expire_drafts: say what the setting says
        days = max(1, context.services.config.draft_ttl.days)
    lang = await language_of(update, context)
    await send(update, context.content.texts.get(lang, "drafts.expired", days=days))
    log.info("draft_expiry_told user=%s", update.effective_user.id)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """For its group (app/factory.py): the notice, before the update is handled as usual."""
    return [TypeHandler(Update, tell_expired)]
