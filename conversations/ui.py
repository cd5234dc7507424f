"""Shared helpers for talking to a person: their language, showing a screen, a press's data."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError, TimedOut
from telegram.ext import filters

from app.context import BotContext

log = logging.getLogger(__name__)

DRAFT_LANGUAGE = "language"  # user_data key: chosen language before onboarding is complete


async def language_of(update: Update, context: BotContext) -> str:
    """The person's language: their profile, else what they chose so far, else the default."""
    user = update.effective_user
    if user is not None:
        profile = await context.store.get_user(user.id)
        if profile is not None:
            return profile.language
        chosen = (context.user_data or {}).get(DRAFT_LANGUAGE)
        if chosen in context.content.texts.languages:
            return str(chosen)
    return context.services.config.default_language


async def show(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Shows a screen: replaces the pressed message in place, or sends a new one."""
    query = update.callback_query
    if query is not None and query.message is not None:
        try:
            edited = await query.edit_message_text(text, reply_markup=markup)
        except TimedOut:
            # Telegram most likely made the edit and only its answer was late: showing the screen
            # anew could show it twice. If it did not, the old buttons lead back to this step.
            log.warning("edit_timed_out")
            return None
        except (BadRequest, NetworkError) as error:
            # Too old to edit, identical, or the edit failed on its way: send it anew.
            log.info("edit_failed reason=%s", type(error).__name__)
        else:
            return edited if isinstance(edited, Message) else None
    return await send(update, text, markup)


async def send(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Sends a new message to the chat the update came from."""
    chat = update.effective_chat
    if chat is None:
        return None
    try:
        return await chat.send_message(text, reply_markup=markup)
    except Forbidden:
        # The person blocked the bot: nothing to show; later issues escalate this for migrants.
        log.info("send_forbidden chat=%s", chat.id)
        return None
    except TimedOut:
        # Most likely delivered, only Telegram's answer was late: not sent again (it could show
        # twice), and the step goes on. Had it not arrived, the person's next tap shows it anew.
        log.warning("send_timed_out chat=%s", chat.id)
        return None


async def answer(update: Update, alert: str | None = None) -> None:
    """Acknowledges a button press (stops the spinner), optionally with a pop-up."""
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(alert, show_alert=alert is not None)
        except TelegramError as error:
            # Too old to answer, or Telegram failed: only the spinner (or a pop-up) is lost, so
            # the step goes on; it may already have stored something that must not stop halfway.
            log.info("answer_failed error=%s", type(error).__name__)


async def tell(update: Update, text: str) -> None:
    """Says ``text`` where the person is: a pop-up on a pressed button, else a new message."""
    if update.callback_query is not None:
        await answer(update, text)
    else:
        await send(update, text)


# New messages in a private chat: what people type to the bot. Edits and group chatter are not
# answered (an edited message is not a new request).
PRIVATE_MESSAGE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


def pressed(update: Update, actions: Sequence[str]) -> tuple[str, int] | None:
    """``(action, id)`` from button data ``prefix:action:id``; None for anything else (forged)."""
    if update.callback_query is None:
        return None
    parts = (update.callback_query.data or "").split(":")
    if len(parts) != 3 or parts[1] not in actions:
        return None
    raw = parts[2]
    return (parts[1], int(raw)) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None
