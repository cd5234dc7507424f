"""Departure notices: to the village's leaders (or staff), acknowledged with one tap.

Several leaders may get the same notice; the first to acknowledge is shown to all of them, so
nobody acts twice and nothing falls between them. The villager is told. A notice nobody
acknowledges in time goes to staff (the sweep below).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import BaseHandler, CallbackQueryHandler

from app.context import BotContext
from content.formatting import format_day
from conversations.departure_text import answers_of, flag_names, summary
from conversations.notify import Render, language_of_user, notify_staff, send_to
from conversations.roles import may_act_for, responder_name
from conversations.ui import answer, keyboard, language_of, pressed
from storage.rows import Departure

log = logging.getLogger(__name__)
PREFIX = "leader"


def _village(context: BotContext, lang: str, departure: Departure) -> str:
    path = context.content.places.village_path(departure.village_code or "")
    if path is None:
        return context.content.texts.raw(lang, "notice.village_unlisted")
    return path[2].name(lang)


def notice_text(context: BotContext, lang: str, departure: Departure) -> str:
    """The notice a leader reads: who, where, how, the risks, how to reach them, how to help."""
    t = context.content.texts
    blocks = [
        t.get(lang, "notice.title", village=_village(context, lang, departure)),
        summary(context, lang, answers_of(departure)),
    ]
    if departure.risk_flags:
        blocks.append(
            t.get(lang, "notice.flags", flags=flag_names(context, lang, departure.risk_flags))
        )
    blocks.append(t.get(lang, "notice.contact", user_id=str(departure.user_id)))
    blocks.append(t.get(lang, "notice.how_to_help"))
    return "\n\n".join(blocks)


def _buttons(context: BotContext, lang: str, departure_id: int) -> InlineKeyboardMarkup:
    t = context.content.texts
    return keyboard(
        [
            [(t.raw(lang, "notice.acknowledge"), f"{PREFIX}:ack:{departure_id}")],
            [(t.raw(lang, "notice.will_call"), f"{PREFIX}:call:{departure_id}")],
        ]
    )


async def send_departure_notice(context: BotContext, departure_id: int) -> str:
    """Sends the notice; returns who got it, so the villager is told the truth.

    "leader": a leader; "staff": staff, as the village has no leader in the bot; "unreached":
    staff, as the village's leaders could not be reached now (blocked the bot, or Telegram failed).
    """
    departure = await context.store.departure(departure_id)
    assert departure is not None

    def render(lang: str) -> tuple[str, InlineKeyboardMarkup | None]:
        return notice_text(context, lang, departure), _buttons(context, lang, departure_id)

    sent = []
    leaders = await context.store.leaders_of(departure.village_code or "")
    for leader in leaders:
        text, markup = render(await language_of_user(context, leader.user_id))
        if (message := await send_to(context, leader.user_id, text, markup)) is not None:
            sent.append(message)
    reached = "leader" if sent else "unreached" if leaders else "staff"
    if not sent:
        header = "notice.leader_unreached" if leaders else "notice.no_leader"
        sent = await notify_staff(context, _with_header(context, render, header))
    for message in sent:
        await context.store.record_notice(departure_id, message.chat_id, message.message_id)
    if not sent:  # nobody could be reached: the escalation sweep will try staff again
        log.error("departure_notice_unsent departure=%s", departure_id)
    log.info("departure_notice departure=%s reached=%s count=%s", departure_id, reached, len(sent))
    return reached


def _with_header(context: BotContext, render: Render, key: str) -> Render:
    def with_header(lang: str) -> tuple[str, InlineKeyboardMarkup | None]:
        text, markup = render(lang)
        return f"{context.content.texts.get(lang, key)}\n\n{text}", markup

    return with_header


async def respond(update: Update, context: BotContext) -> None:
    """Acknowledges a departure (or promises a call), for leaders of its village and staff only."""
    assert update.callback_query is not None and update.effective_user is not None
    user = update.effective_user
    lang = await language_of(update, context)
    t = context.content.texts
    press = pressed(update, ("ack", "call"))
    departure = await context.store.departure(press[1]) if press else None
    if departure is None or not await may_act_for(context, user.id, departure.village_code):
        log.warning("forged_press user=%s action=leader", user.id)
        await answer(update, t.get(lang, "input.not_allowed"))
        return
    if not await context.store.acknowledge_departure(departure.departure_id, user.id):
        await answer(update, t.get(lang, "notice.already"))
        return
    log.info("departure_acknowledged departure=%s by=%s", departure.departure_id, user.id)
    await answer(update)
    name = await responder_name(context, user.id, departure.village_code, user.first_name)
    today = context.clock.now().astimezone(context.services.config.timezone).date()
    assert press is not None
    status_key = "notice.acknowledged_by" if press[0] == "ack" else "notice.calling"
    for chat_id, message_id in await context.store.notices_of(departure.departure_id):
        reader = await language_of_user(context, chat_id)
        status = t.get(reader, status_key, name=name, date=format_day(today, reader))
        try:
            await context.bot.edit_message_text(
                f"{notice_text(context, reader, departure)}\n\n{status}", chat_id, message_id
            )
        except (BadRequest, Forbidden) as error:
            log.info("notice_update_failed chat=%s error=%s", chat_id, type(error).__name__)
    villager_lang = await language_of_user(context, departure.user_id)
    await send_to(
        context,
        departure.user_id,
        t.get(villager_lang, "plan.acknowledged", name=name, person=departure.name),
    )


async def escalate_unacknowledged(context: BotContext) -> int:
    """Sends staff every notice no leader acknowledged in time (each once); returns how many."""
    cutoff = context.clock.now() - context.services.config.ack_timeout
    count = 0
    for departure in await context.store.unacknowledged_since(cutoff):
        if not await context.store.mark_escalated(departure.departure_id):
            continue

        def render(lang: str, departure: Departure = departure) -> tuple[str, Any]:
            header = context.content.texts.get(lang, "notice.not_acknowledged")
            text = notice_text(context, lang, departure)
            return f"{header}\n\n{text}", _buttons(context, lang, departure.departure_id)

        for message in await notify_staff(context, render):
            await context.store.record_notice(
                departure.departure_id, message.chat_id, message.message_id
            )
        log.info("departure_escalated departure=%s", departure.departure_id)
        count += 1
    return count


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [CallbackQueryHandler(respond, pattern=rf"^{PREFIX}:(ack|call):")]
