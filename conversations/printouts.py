"""Printouts for staff in Telegram: a village's poster (/poster) and a leader's invite sheet.

The sheet goes out with /invite, right after the link, as a PDF to print and as a picture. The
code is in the staff member's hands only at this moment: it is never stored (only its hash), so
the sheet cannot be asked for again later; a lost sheet means a new invite.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from app.context import BotContext
from content.places import Place
from conversations.roles import is_staff
from conversations.ui import PRIVATE_MESSAGE, language_of, send
from domain.entry_links import poster_link
from printables.invite_sheet import InviteSheet, invite_sheet_pdf, invite_sheet_png
from printables.posters import POSTER_LANGUAGE, Poster, poster_pdf

log = logging.getLogger(__name__)


async def send_invite_sheet(
    update: Update, context: BotContext, village: Place, commune: Place, link: str, until: str
) -> None:
    """Sends the invite as a sheet to print (PDF) and as a picture, in the leaders' language."""
    assert update.effective_chat is not None
    lang = await language_of(update, context)
    # Leaders read Khmer: the sheet is in Khmer whatever the staff member's language.
    sheet = InviteSheet(village, commune, link, until)
    content = context.content
    pdf = await asyncio.to_thread(invite_sheet_pdf, content, POSTER_LANGUAGE, sheet)
    picture = await asyncio.to_thread(invite_sheet_png, content, POSTER_LANGUAGE, sheet)
    caption = content.texts.get(lang, "sheet.caption")
    name = f"invite-{village.code}"
    await update.effective_chat.send_document(pdf, filename=f"{name}.pdf", caption=caption)
    await update.effective_chat.send_photo(picture, filename=f"{name}.png")


async def poster(update: Update, context: BotContext) -> None:
    """Sends a village's poster as a PDF to print: /poster 09060405 (staff only)."""
    assert update.effective_user is not None and update.effective_chat is not None
    lang = await language_of(update, context)
    t, places = context.content.texts, context.content.places
    if not is_staff(context, update.effective_user.id):
        await send(update, t.get(lang, "staff.only_staff"))
        log.warning("not_staff user=%s", update.effective_user.id)
        return
    code = context.args[0] if context.args and len(context.args) == 1 else ""
    path = places.village_path(code) if len(code) < 20 else None
    if path is None:
        await send(update, t.get(lang, "poster.usage"))
        return
    _, commune, village = path
    username = context.bot.username
    link = poster_link(username, village.code)
    made = Poster(village, commune, link)
    pdf = await asyncio.to_thread(poster_pdf, context.content, made, username)
    caption = t.get(
        lang, "poster.caption", village=village.name(lang), commune=commune.name(lang), link=link
    )
    await update.effective_chat.send_document(pdf, filename=made.filename, caption=caption)
    log.info("poster_sent village=%s by=%s", village.code, update.effective_user.id)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [CommandHandler("poster", poster, filters=PRIVATE_MESSAGE)]
