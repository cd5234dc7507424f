"""Where a voice message or audio file goes: a staff recording, an answer to a cry for help,
or, anywhere else, a clear word that the bot cannot listen here (never silence)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, MessageHandler, filters

from app.context import BotContext
from conversations import menu, recording, unknown, voice_answers
from conversations.roles import is_staff
from conversations.ui import PRIVATE_MESSAGE, language_of, send

log = logging.getLogger(__name__)


async def voice_message(update: Update, context: BotContext) -> None:
    """Routes a voice message: to the take a staff member is recording, to a cry for help, or
    says where voice is heard."""
    assert update.effective_user is not None
    user_id = update.effective_user.id
    if is_staff(context, user_id):
        take = await context.store.take_of(user_id)
        if take is not None:
            await recording.receive(update, context, take)
            return
    alert = await voice_answers.alert_for_voice(context, user_id)
    if alert is not None:
        await voice_answers.forward(update, context, alert)
        return
    log.info("voice_not_expected user=%s", user_id)
    await menu.send_menu(update, context, greeting="media.voice_not_here")


async def other_from_staff(update: Update, context: BotContext) -> None:
    """Staff recording an item who send text, a sticker or a photo: asked for the voice again;
    anyone else, or staff not recording, get the usual answer (conversations/unknown.py)."""
    assert update.effective_user is not None
    take = await context.store.take_of(update.effective_user.id)
    if take is None or take.audio is not None:
        await unknown.unknown_message(update, context)
        return
    lang = await language_of(update, context)
    await send(update, context.content.texts.get(lang, "media.send_voice_now"))


async def voice_for_a_cry(update: Update, context: BotContext) -> None:
    """Before any form: a voice that answers an open cry for help goes with it (/sos leaves an
    open form open, whose catch-all would take it for bad input); anything else passes on."""
    assert update.effective_user is not None
    user_id = update.effective_user.id
    if is_staff(context, user_id) and await context.store.take_of(user_id) is not None:
        return  # a recording being made: voice_message below takes it
    alert = await voice_answers.alert_for_voice(context, user_id)
    if alert is None:
        return
    await voice_answers.forward(update, context, alert)
    raise ApplicationHandlerStop


def early_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """For the group that runs before the forms (app/factory.py)."""
    # A reply too: someone may answer the bot's "we told them" by replying to it (a reply to a
    # case's note question never gets here: the note handler's group runs first and stops it).
    voice = PRIVATE_MESSAGE & (filters.VOICE | filters.AUDIO)
    return [MessageHandler(voice, voice_for_a_cry)]


def build_handlers(staff_user_ids: frozenset[int]) -> list[BaseHandler[Update, BotContext, Any]]:
    """``staff_user_ids``: only their other messages are looked at here (the rest pass on)."""
    staff = filters.User(user_id=sorted(staff_user_ids), allow_empty=False)
    others = PRIVATE_MESSAGE & ~filters.COMMAND & ~filters.VOICE & ~filters.AUDIO & staff
    return [
        MessageHandler(PRIVATE_MESSAGE & (filters.VOICE | filters.AUDIO), voice_message),
        MessageHandler(others, other_from_staff),
    ]
