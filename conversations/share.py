"""/share: "tell three friends" — a personal link, and how many joined through it.

The report found that each person who learned should tell 3-4 others, with a way to see that
the message is not lost (obs. 1). The link is ``t.me/<bot>?start=r_<code>``; onboarding counts
a newcomer who arrives through it, once, and never for oneself.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from app.context import BotContext
from conversations.menu import menu_button
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, send, show

PREFIX = "share"
REFERRAL_PREFIX = "r_"


def referral_code_of(payload: str) -> str | None:
    """The code in a ``/start r_<code>`` payload, if it looks like one of ours."""
    if not payload.startswith(REFERRAL_PREFIX):
        return None
    code = payload.removeprefix(REFERRAL_PREFIX)
    ok = 0 < len(code) <= 32 and all(c.isascii() and (c.isalnum() or c in "-_") for c in code)
    return code if ok else None


async def _screen(update: Update, context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    assert update.effective_user is not None
    lang = await language_of(update, context)
    t = context.content.texts
    code = await context.store.referral_code(update.effective_user.id)
    link = f"https://t.me/{context.bot.username}?start={REFERRAL_PREFIX}{code}"
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


async def share_command(update: Update, context: BotContext) -> None:
    """Shows the person's own link to share, and how many joined through it."""
    text, markup = await _screen(update, context)
    await send(update, text, markup)


async def open_share(update: Update, context: BotContext) -> None:
    """Shows the sharing screen in place of the pressed one."""
    await answer(update)
    text, markup = await _screen(update, context)
    await show(update, text, markup)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("share", share_command, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(open_share, pattern=rf"^{PREFIX}:open$"),
    ]
