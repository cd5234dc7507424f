"""Listening: the programme's Khmer voice with the screens, for people who read little.

A screen that has a current recording (one made for its text as it is now) offers 🔊; one tap
sends the voice message. Someone who chose "I would rather listen" gets the voice with each such
screen without a tap. /listen changes the choice; /mydata shows it.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from app.context import BotContext
from content.recordable import LANGUAGE
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, send, show
from screens.buttons import keyboard, menu_button
from screens.listen_button import PREFIX, current, listen_markup

log = logging.getLogger(__name__)
LISTEN_PREFIX = "listen"
DRAFT_LISTEN = "listen"  # user_data: chosen at onboarding, kept in the database once agreed


async def wants_voice(update: Update, context: BotContext) -> bool:
    """Whether the person chose to hear the voice with each screen (before onboarding too)."""
    user = update.effective_user
    if user is None:
        return False
    if (context.user_data or {}).get(DRAFT_LISTEN) is True:
        return True
    return await context.store.listens(user.id)


async def show_voiced(
    update: Update,
    context: BotContext,
    item_id: str,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    new: bool = False,
) -> Message | None:
    """Shows a screen with 🔊 when it has a recording, and the voice itself for a listener.

    ``new``: a new message rather than in place of the pressed one.
    """
    lang = await language_of(update, context)
    info = await current(context, item_id) if lang == LANGUAGE else None
    if info is not None:
        markup = listen_markup(context, lang, item_id, markup)
    shown = await (send(update, text, markup) if new else show(update, text, markup))
    if (
        info is not None
        and update.effective_chat is not None
        and await wants_voice(update, context)
    ):
        await play(context, update.effective_chat.id, item_id)
    return shown


async def voice_for_listener(update: Update, context: BotContext, item_id: str) -> None:
    """The item's voice, unasked, to someone who chose to listen, where a screen cannot carry
    🔊 (a message with Telegram's own location button, say)."""
    chat = update.effective_chat
    lang = await language_of(update, context)
    if chat is None or lang != LANGUAGE or await current(context, item_id) is None:
        return
    if await wants_voice(update, context):
        await play(context, chat.id, item_id)


async def play(context: BotContext, chat_id: int, item_id: str) -> bool:
    """Sends the recording as a voice message: by Telegram's id once uploaded, else the bytes."""
    info = await context.store.recording_info(item_id)
    if info is None:
        return False
    bot = context.bot
    try:
        if info.file_id and info.bot_id == bot.id:
            try:
                await bot.send_voice(chat_id, info.file_id)
                return True
            except BadRequest:
                log.info("recording_file_id_refused item=%s", item_id)  # upload it again
        recording = await context.store.recording(item_id)
        if recording is None:
            return False
        upload = InputFile(recording.audio, filename=f"{item_id}.ogg")
        message = await bot.send_voice(chat_id, upload, duration=recording.info.duration)
        if message.voice is not None:
            await context.store.remember_file_id(item_id, bot.id, message.voice.file_id)
        return True
    except Forbidden:
        log.info("send_forbidden chat=%s", chat_id)
    except TelegramError as error:
        # The words are on the screen; a voice that did not go is not worth an error message.
        log.warning("recording_not_sent item=%s error=%s", item_id, type(error).__name__)
    return False


async def hear(update: Update, context: BotContext) -> None:
    """Sends the voice of the screen whose 🔊 was tapped."""
    assert update.callback_query is not None and update.effective_chat is not None
    item_id = (update.callback_query.data or "").split(":", 1)[-1]
    lang = await language_of(update, context)
    if await current(context, item_id) is None:
        await answer(update, context.content.texts.plain(lang, "media.no_recording"))
        return
    await answer(update)
    log.info("recording_heard item=%s", item_id)
    await play(context, update.effective_chat.id, item_id)


# -- the choice -------------------------------------------------------------------------------


async def _listen_screen(update: Update, context: BotContext) -> tuple[str, Any]:
    lang = await language_of(update, context)
    t = context.content.texts
    listens = await wants_voice(update, context)
    text = "\n\n".join(
        [
            t.get(lang, "media.listen_now_on" if listens else "media.listen_now_off"),
            t.get(lang, "media.listen_explain"),
        ]
    )
    choice = ("media.listen_off", "off") if listens else ("media.listen_on", "on")
    rows = [
        [(t.raw(lang, choice[0]), f"{LISTEN_PREFIX}:{choice[1]}")],
        [menu_button(context, lang)],
    ]
    return text, keyboard(rows)


async def listen_command(update: Update, context: BotContext) -> None:
    """Shows whether the voice comes with each screen, with a button to change it."""
    await send(update, *await _listen_screen(update, context))


async def set_listening(update: Update, context: BotContext) -> None:
    """Turns the voice with each screen on or off."""
    assert update.callback_query is not None and update.effective_user is not None
    choice = (update.callback_query.data or "").split(":")[-1]
    if choice not in ("on", "off"):
        lang = await language_of(update, context)
        await answer(update, context.content.texts.plain(lang, "input.button_expired"))
        return
    await context.store.set_listening(update.effective_user.id, choice == "on")
    if context.user_data is not None:
        context.user_data.pop(DRAFT_LISTEN, None)
    log.info("listening_set user=%s on=%s", update.effective_user.id, choice == "on")
    await answer(update)
    await show(update, *await _listen_screen(update, context))


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("listen", listen_command, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(hear, pattern=rf"^{PREFIX}:"),
        CallbackQueryHandler(set_listening, pattern=rf"^{LISTEN_PREFIX}:"),
    ]
