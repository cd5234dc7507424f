"""A chief's registration, opened on the villager's own phone: she checks it and says it is her.

``/start a_<code>`` (the QR code the chief shows, conversations/assisted.py) shows what the chief
wrote down and asks "is this you, leaving?". Someone new to the bot first chooses a language and
agrees (onboarding, with the chief's village offered), then sees the same screen. Yes makes it her
departure in one transaction (storage/assisted.py): her check-ins come to this phone, the chief
and staff get the usual notice. No erases it and tells the chief. Until one of the two, nothing
is sent to her phone; the chief's answers wait under the code's hash only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from access.assisted import assisted_code_of
from access.invites import hash_code, note_failed_invite, too_many_failed_invites
from app.context import BotContext
from conversations.ui import answer, language_of, send, show
from delivery import notices as delivery_notices
from delivery.assisted import chief_told, confirmed_on
from delivery.checkins import upcoming_for
from delivery.documents import passport_dates
from delivery.drainer import deliver_now
from domain.departure import staff_only, stored_reason
from domain.registration import departure_values
from screens.buttons import keyboard, menu_button
from screens.departure_text import summary
from storage.assisted import Assisted, ClaimResult, Registration

log = logging.getLogger(__name__)
PREFIX = "asst"
DRAFT = "assisted_open"  # user_data: the hash of the code being opened (never the code)


async def open_code(update: Update, context: BotContext, payload: str) -> bool:
    """Checks the code; True when it is good and its hash is kept for :func:`show_claim`.

    Refusals are said here. Whoever holds a good code sees what the chief wrote down only once
    they have agreed to the bot (onboarding) on this account.
    """
    assert update.effective_user is not None and context.user_data is not None
    me = update.effective_user.id
    t = context.content.texts
    if await too_many_failed_invites(context.store, context.clock, me):
        log.info("assisted_refused user=%s reason=too_many", me)
        await send(update, t.get(await language_of(update, context), "relink.too_many"))
        return False
    code = assisted_code_of(payload)
    result, assisted = (
        await context.store.assisted_state(hash_code(code)) if code else (ClaimResult.UNKNOWN, None)
    )
    if result is not ClaimResult.READY or code is None or assisted is None:
        await note_failed_invite(context.store, context.clock, me)
        log.info("assisted_refused user=%s reason=%s", me, result.value)
        await send(update, t.get(await language_of(update, context), f"assisted.{result.value}"))
        return False
    # Never onto the chief's own account, another chief's or staff's: her check-ins and her
    # record would then belong to a responder (checked again, in the transaction, on yes).
    refusal = (
        ClaimResult.SAME_ACCOUNT
        if assisted.made_by == me
        else ClaimResult.RESPONDER
        if me in context.services.config.staff_user_ids or await context.store.is_chief(me)
        else None
    )
    if refusal is not None:
        log.info("assisted_refused user=%s reason=%s", me, refusal.value)
        await send(update, t.get(await language_of(update, context), f"assisted.{refusal.value}"))
        return False
    context.user_data[DRAFT] = hash_code(code)
    log.info("assisted_opened user=%s", me)
    return True


async def village_of(context: BotContext, code_hash: str) -> str | None:
    """The chief's village, offered to someone new as a poster's village is."""
    _, assisted = await context.store.assisted_state(code_hash)
    return assisted.village_code if assisted is not None else None


async def show_claim(update: Update, context: BotContext) -> None:
    """What the chief wrote down, and "is this you, leaving?" (for someone who has agreed)."""
    assert context.user_data is not None
    lang = await language_of(update, context)
    t = context.content.texts
    code_hash = context.user_data.get(DRAFT)
    result, assisted = (
        await context.store.assisted_state(code_hash)
        if isinstance(code_hash, str)
        else (ClaimResult.UNKNOWN, None)
    )
    if assisted is None:
        context.user_data.pop(DRAFT, None)
        await send(update, t.get(lang, f"assisted.{result.value}"))
        return
    lines = summary(context, lang, assisted.answers)
    text = "\n\n".join([t.get(lang, "assisted.open"), lines, t.get(lang, "assisted.ask")])
    markup = keyboard(
        [
            [(t.raw(lang, "assisted.yes"), f"{PREFIX}:yes")],
            [(t.raw(lang, "assisted.no"), f"{PREFIX}:no")],
        ]
    )
    await send(update, text, markup)


def _registration(context: BotContext) -> Callable[[Assisted], Registration]:
    """What the chief's answers become, as /plan's Send makes of the villager's own."""

    def registration(assisted: Assisted) -> Registration:
        values = departure_values(assisted.answers, 0, assisted.village_code)
        first = upcoming_for(context, values["arrive_on"], values["destination"], None)
        return Registration(values, first, passport_dates(context, assisted.answers))

    return registration


async def confirm(update: Update, context: BotContext) -> None:
    """ "Yes, this is me": the answers become her departure, with the usual notices."""
    assert update.effective_user is not None and context.user_data is not None
    me = update.effective_user.id
    lang = await language_of(update, context)
    t = context.content.texts
    code_hash = context.user_data.get(DRAFT)
    profile = await context.store.get_user(me)
    if not isinstance(code_hash, str) or profile is None:
        await answer(update, t.get(lang, "input.button_expired"))
        return
    if me in context.services.config.staff_user_ids:
        context.user_data.pop(DRAFT, None)
        await answer(update)
        await show(update, t.get(lang, "assisted.responder"))
        return
    _, waiting = await context.store.assisted_state(code_hash)
    reason = stored_reason(waiting.answers) if waiting is not None else ""
    alone = staff_only(reason)  # only staff may know where and when
    said = waiting is not None and bool(waiting.answers.get("name_voice"))
    village = waiting.village_code if waiting is not None else None
    leaders, staff = await delivery_notices.notice_messages(context, village, chiefs=not alone)
    name = update.effective_user.first_name
    result, departure_id, ids = await context.store.claim_assisted(
        code_hash,
        me,
        _registration(context),
        lambda assisted, user_id, departure: [
            *delivery_notices.build_notices(
                departure, user_id, leaders, staff, staff_only=alone, name_voice=said
            ),
            *confirmed_on(assisted, user_id, name),
        ],
    )
    await answer(update)
    if result is not ClaimResult.CLAIMED:
        context.user_data.pop(DRAFT, None)
        log.info("assisted_refused user=%s reason=%s", me, result.value)
        await show(update, t.get(lang, f"assisted.{result.value}"))
        return
    context.user_data.pop(DRAFT, None)
    log.info("assisted_claimed user=%s departure=%s", me, departure_id)
    await show(update, t.get(lang, "assisted.confirmed"), keyboard([[menu_button(context, lang)]]))
    await deliver_now(context, ids)


async def decline(update: Update, context: BotContext) -> None:
    """ "No, this is not me": nothing is kept, and the chief is told."""
    assert update.effective_user is not None and context.user_data is not None
    lang = await language_of(update, context)
    code_hash = context.user_data.pop(DRAFT, None)
    await answer(update)
    if isinstance(code_hash, str):
        result, ids = await context.store.decline_assisted(
            code_hash, update.effective_user.id, chief_told(context, "assisted.chief_declined")
        )
        log.info("assisted_declined user=%s result=%s", update.effective_user.id, result.value)
        await deliver_now(context, ids)
    text = context.content.texts.get(lang, "assisted.declined")
    await show(update, text, keyboard([[menu_button(context, lang)]]))


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CallbackQueryHandler(confirm, pattern=rf"^{PREFIX}:yes$"),
        CallbackQueryHandler(decline, pattern=rf"^{PREFIX}:no$"),
    ]
