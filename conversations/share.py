"""/share: "tell three friends" — a personal link, and how many joined through it.

The report found that each person who learned should tell 3-4 others, with a way to see that
the message is not lost (obs. 1). The link is ``t.me/<bot>?start=r_<code>``; onboarding counts
a newcomer who arrives through it, once, and never for oneself, and the sharer is told (without
the friend's name). The same link comes as a picture with a QR code, which a friend beside her
scans from her screen.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from app.context import BotContext
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, send, show
from delivery.recipients import to_person
from printables.share_card import share_card_png
from screens.buttons import menu_button
from storage.outbox import BULK, NewMessage

log = logging.getLogger(__name__)
PREFIX = "share"
REFERRAL_PREFIX = "r_"


def referral_code_of(payload: str) -> str | None:
    """The code in a ``/start r_<code>`` payload, if it looks like one of ours."""
    if not payload.startswith(REFERRAL_PREFIX):
        return None
    code = payload.removeprefix(REFERRAL_PREFIX)
    ok = 0 < len(code) <= 32 and all(c.isascii() and (c.isalnum() or c in "-_") for c in code)
    return code if ok else None


def friend_joined_news(referrer_user_id: int, friend_user_id: int) -> NewMessage:
    """The sharer's news that one more person they told joined: keyed by the friend, so once."""
    message = to_person(
        f"referral:{friend_user_id}",
        referrer_user_id,
        "share.friend_joined",
        {},
        user_id=referrer_user_id,
    )
    return replace(message, priority=BULK)  # good news, after every alert and notice


async def _link(update: Update, context: BotContext) -> str:
    assert update.effective_user is not None
    code = await context.store.referral_code(update.effective_user.id)
    return f"https://t.me/{context.bot.username}?start={REFERRAL_PREFIX}{code}"


async def _screen(update: Update, context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    assert update.effective_user is not None
    lang = await language_of(update, context)
    t = context.content.texts
    link = await _link(update, context)
    joined = (await context.store.learning(update.effective_user.id)).joined_through_me
    text = t.get(lang, "share.text", link=link, count=joined)
    invitation = t.raw(lang, "share.invitation")
    share_url = f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(invitation)}"
    label, data = menu_button(context, lang)
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t.raw(lang, "share.button"), url=share_url)],
            [InlineKeyboardButton(label, callback_data=data)],
        ]
    )
    return text, markup


async def _send_card(update: Update, context: BotContext) -> None:
    """Sends the invitation as a picture with its QR code, under the link."""
    assert update.effective_chat is not None and update.effective_user is not None
    lang = await language_of(update, context)
    link = await _link(update, context)
    picture = await asyncio.to_thread(
        share_card_png, context.content, lang, link, context.bot.username
    )
    await update.effective_chat.send_photo(
        picture,
        caption=context.content.texts.get(lang, "share.card_caption"),
        filename="invitation.png",
    )
    log.info("share_card user=%s", update.effective_user.id)


async def share_command(update: Update, context: BotContext) -> None:
    """Shows the person's own link to share, how many joined through it, and the QR card."""
    text, markup = await _screen(update, context)
    await send(update, text, markup)
    await _send_card(update, context)


async def open_share(update: Update, context: BotContext) -> None:
    """Shows the sharing screen in place of the pressed one, then the QR card."""
    await answer(update)
    text, markup = await _screen(update, context)
    await show(update, text, markup)
    await _send_card(update, context)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("share", share_command, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(open_share, pattern=rf"^{PREFIX}:open$"),
    ]
