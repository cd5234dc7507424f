"""A new phone, for the person: open the code on the new account, confirm, and everything moves.

``/start m_<code>`` shows one screen that says what the code does and names nothing of the
record (whoever holds the code sees no name, village or trip before saying yes). The draft keeps
the code's hash, never the code. Yes moves the whole record in one transaction
(``storage/relinks.py``), then PTB's memory of it (an unfinished form, its place in a
conversation). The old account is told nothing: from then on it is a stranger to the bot.
Codes that do not work count against the daily allowance of leader invites.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from copy import deepcopy
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from access.invites import hash_code, note_failed_invite, too_many_failed_invites
from access.relinks import relink_code_of
from app.context import BotContext
from conversations import menu
from conversations.switching import move_conversations_of
from conversations.ui import DRAFT_LANGUAGE, answer, language_of, send, show
from delivery.drainer import deliver_now
from delivery.recipients import copies, staff_chats
from delivery.viewers import only_staff_may_relink
from screens.buttons import keyboard
from storage.outbox import NewMessage
from storage.relinks import Relink, RelinkResult

log = logging.getLogger(__name__)
PREFIX = "relink"
DRAFT = "relink"  # user_data: the hash of the code being opened


async def open_code(update: Update, context: BotContext, payload: str) -> int:
    """Checks a re-link code and asks the new account to confirm; never names the record."""
    assert update.effective_user is not None and context.user_data is not None
    me = update.effective_user.id
    t = context.content.texts
    if await too_many_failed_invites(context.store, context.clock, me):
        log.info("relink_refused user=%s reason=too_many", me)
        await send(update, t.get(await language_of(update, context), "relink.too_many"))
        return ConversationHandler.END
    code = relink_code_of(payload)
    result, relink = (
        await context.store.relink_state(hash_code(code)) if code else (RelinkResult.UNKNOWN, None)
    )
    if result is not RelinkResult.READY or relink is None or code is None:
        await note_failed_invite(context.store, context.clock, me)
        log.info("relink_refused user=%s reason=%s", me, result.value)
        await send(update, t.get(await language_of(update, context), f"relink.{result.value}"))
        return ConversationHandler.END
    if context.user_data.get(DRAFT_LANGUAGE) not in t.languages:
        # The person has not chosen a language on this account: the one of their record.
        owner = await context.store.get_user(relink.user_id)
        if owner is not None and await context.store.get_user(me) is None:
            context.user_data[DRAFT_LANGUAGE] = owner.language
    lang = await language_of(update, context)
    refusal = await _refusal(context, relink, me)
    if refusal is not None:
        log.info("relink_refused user=%s reason=%s", me, refusal.value)
        markup = _refusal_markup(context, lang) if refusal is RelinkResult.HAS_DATA else None
        await send(update, t.get(lang, f"relink.{refusal.value}"), markup)
        return ConversationHandler.END
    context.user_data[DRAFT] = hash_code(code)
    markup = keyboard(
        [
            [(t.raw(lang, "relink.yes"), f"{PREFIX}:yes")],
            [(t.raw(lang, "relink.no"), f"{PREFIX}:no")],
        ]
    )
    await send(update, t.get(lang, "relink.open"), markup)
    log.info("relink_opened user=%s", me)
    return ConversationHandler.END


async def _refusal(context: BotContext, relink: Relink, me: int) -> RelinkResult | None:
    """Why this account cannot take the record, if it cannot (the move checks again).

    Never onto a chief's or a staff member's account: a code given to the wrong hands must not
    turn someone's record into one a responder reads as its owner (their /mydata, their
    check-ins, and her own phone a stranger to the bot).
    """
    if relink.user_id == me:
        return RelinkResult.SAME_ACCOUNT
    if not await _maker_still_responds(context, relink):
        # A chief revoked since (his codes are voided then), or a staff member removed from the
        # settings: what they made is not a key to anyone's record any more.
        return RelinkResult.EXPIRED
    if me in context.services.config.staff_user_ids or await context.store.is_chief(me):
        return RelinkResult.RESPONDER
    if await context.store.account_has_data(me):
        return RelinkResult.HAS_DATA
    return None


async def _maker_still_responds(context: BotContext, relink: Relink) -> bool:
    maker = relink.made_by
    if maker is None:
        return False
    return maker in context.services.config.staff_user_ids or await context.store.is_chief(maker)


def _refusal_markup(context: BotContext, lang: str) -> InlineKeyboardMarkup:
    t = context.content.texts
    return keyboard([[(t.raw(lang, "relink.delete_first"), "privacy:delete")]])


def _maker_messages(
    context: BotContext, sensitive: bool
) -> Callable[[Relink, str | None], list[NewMessage]]:
    """The one who made the code is told it was used (they can act if the person did not);
    staff too, for a record with an open case or a private reason (``sensitive``)."""

    def messages(relink: Relink, name: str | None) -> list[NewMessage]:
        found: list[NewMessage] = []
        if relink.made_by is not None:
            role = "staff" if relink.made_by in context.services.config.staff_user_ids else "leader"
            key = "relink.maker_told_named" if name else "relink.maker_told"
            found.append(
                NewMessage(
                    key=f"relink:{relink.relink_id}:used",
                    group_key=f"relink:{relink.relink_id}",
                    kind="text",
                    role=role,
                    chat_id=relink.made_by,
                    user_id=relink.new_account_id,
                    payload={"key": key, "params": {"name": name or ""}},
                )
            )
        if sensitive:
            found += copies(
                f"relink:{relink.relink_id}:staff",
                "text",
                "staff",
                [c for c in staff_chats(context) if c != relink.made_by],
                user_id=relink.new_account_id,
                payload={"key": "relink.staff_told", "params": {"number": relink.relink_id}},
            )
        return found

    return messages


async def confirm(update: Update, context: BotContext) -> None:
    """Moves everything to this account, in one transaction, then the forms held in memory."""
    assert update.effective_user is not None and context.user_data is not None
    me = update.effective_user.id
    lang = await language_of(update, context)
    t = context.content.texts
    code_hash = context.user_data.get(DRAFT)
    if not isinstance(code_hash, str):
        await answer(update, t.get(lang, "input.button_expired"))
        return
    if me in context.services.config.staff_user_ids:  # checked when opened; again now
        context.user_data.pop(DRAFT, None)
        await answer(update)
        await show(update, t.get(lang, "relink.responder"))
        return
    _, opened = await context.store.relink_state(code_hash)
    if opened is not None and not await _maker_still_responds(context, opened):
        context.user_data.pop(DRAFT, None)
        await answer(update)
        await show(update, t.get(lang, "relink.expired"))
        return
    sensitive = opened is not None and await only_staff_may_relink(context, opened.user_id)
    result, relink, ids = await context.store.use_relink(
        code_hash, me, _maker_messages(context, sensitive)
    )
    if result is not RelinkResult.MOVED or relink is None:
        log.info("relink_refused user=%s reason=%s", me, result.value)
        if result not in (RelinkResult.HAS_DATA, RelinkResult.SAME_ACCOUNT):
            context.user_data.pop(DRAFT, None)
            await note_failed_invite(context.store, context.clock, me)
        await answer(update)
        markup = _refusal_markup(context, lang) if result is RelinkResult.HAS_DATA else None
        await show(update, t.get(lang, f"relink.{result.value}"), markup)
        return
    _move_memory(context, relink.old_account_id, me)
    log.info("relink_used user=%s old=%s relink=%s", me, relink.old_account_id, relink.relink_id)
    await answer(update)
    lang = await language_of(update, context)  # the record's language now
    await show(update, t.get(lang, "relink.done"))
    await menu.send_menu(update, context)
    if ids:
        await deliver_now(context, ids)


def _move_memory(context: BotContext, old: int, new: int) -> None:
    """PTB's copies follow the rows: the old account's draft and open forms become this one's."""
    application = context.application
    assert context.user_data is not None
    held = application.user_data.get(old)  # a lookup that adds no one
    context.user_data.clear()
    if held:
        context.user_data.update(deepcopy(dict(held)))
    application.drop_user_data(old)
    for handlers in application.handlers.values():
        for handler in handlers:
            if isinstance(handler, ConversationHandler) and handler.persistent:
                move_conversations_of(handler, old, new)
    application.mark_data_for_update_persistence(user_ids=new)


async def decline(update: Update, context: BotContext) -> None:
    """Moves nothing and forgets the code on this account."""
    assert context.user_data is not None
    context.user_data.pop(DRAFT, None)
    await answer(update)
    lang = await language_of(update, context)
    await show(update, context.content.texts.get(lang, "relink.declined"))


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CallbackQueryHandler(confirm, pattern=rf"^{PREFIX}:yes$"),
        CallbackQueryHandler(decline, pattern=rf"^{PREFIX}:no$"),
    ]
