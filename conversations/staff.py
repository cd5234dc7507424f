"""For programme staff: invite village leaders, list them, revoke them."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from access.invites import create_invite, invite_link
from app.context import BotContext
from content.formatting import format_day
from conversations.printouts import send_invite_sheet
from conversations.roles import is_staff
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, send, show, tell
from printables.posters import POSTER_LANGUAGE
from screens.buttons import Button, column, keyboard

log = logging.getLogger(__name__)
PREFIX = "staff"


async def _staff_only(update: Update, context: BotContext) -> bool:
    """True for staff; anyone else is told, and the attempt is logged (ids only)."""
    assert update.effective_user is not None
    if is_staff(context, update.effective_user.id):
        return True
    lang = await language_of(update, context)
    await tell(update, context.content.texts.get(lang, "staff.only_staff"))
    log.warning("not_staff user=%s", update.effective_user.id)
    return False


async def invite(update: Update, context: BotContext) -> None:
    """Makes a one-time leader invite for a village code: /invite 09060405."""
    if not await _staff_only(update, context):
        return
    lang = await language_of(update, context)
    t, places = context.content.texts, context.content.places
    code = context.args[0] if context.args else ""
    path = places.village_path(code)
    if path is None:
        await send(update, t.get(lang, "staff.invite_usage"))
        return
    secret = await create_invite(
        context.store, context.clock, code, context.services.config.invite_valid.total_seconds()
    )
    expires = context.clock.now() + context.services.config.invite_valid
    local = expires.astimezone(context.services.config.timezone).date()
    link = invite_link(context.bot.username, secret)
    await send(
        update,
        t.get(
            lang,
            "staff.invite_made",
            village=path[2].name(lang),
            commune=path[1].name(lang),
            link=link,
            until=format_day(local, lang),
        ),
    )
    if context.bot.username:  # a sheet is only worth printing with a t.me link to scan
        until = format_day(local, POSTER_LANGUAGE)
        await send_invite_sheet(update, context, path[2], path[1], link, until)
    log.info(
        "leader_invited village=%s by=%s",
        code,
        update.effective_user.id if update.effective_user else None,
    )


async def _leaders_screen(context: BotContext, lang: str) -> tuple[str, Any]:
    t, places = context.content.texts, context.content.places
    leaders = await context.store.all_leaders()
    lines = [t.get(lang, "staff.leaders_title", count=len(leaders))]
    buttons: list[Button] = []
    for leader in leaders:
        path = places.village_path(leader.village_code)
        village = path[2].name(lang) if path else leader.village_code
        lines.append(t.get(lang, "staff.leader_line", name=leader.display_name, village=village))
        label = t.plain(lang, "staff.revoke", name=leader.display_name, village=village)
        buttons.append((label, f"{PREFIX}:revoke:{leader.leader_id}"))
    return "\n".join(lines), keyboard(column(buttons)) if buttons else None


async def leaders(update: Update, context: BotContext) -> None:
    """Lists the active leaders, each with a button to revoke them."""
    if not await _staff_only(update, context):
        return
    text, markup = await _leaders_screen(context, await language_of(update, context))
    await send(update, text, markup)


async def revoke(update: Update, context: BotContext) -> None:
    """Ends a leader's role (staff only); they stop getting notices at once."""
    if not await _staff_only(update, context):
        return
    assert update.callback_query is not None
    lang = await language_of(update, context)
    t = context.content.texts
    raw = (update.callback_query.data or "").rsplit(":", 1)[-1]
    revoked = (
        await context.store.revoke_leader(int(raw))
        if raw.isascii() and raw.isdigit() and len(raw) < 12
        else None
    )
    if revoked is None:
        await answer(update, t.get(lang, "input.button_expired"))
        return
    log.info("leader_revoked leader=%s", revoked.leader_id)
    await answer(update, t.plain(lang, "staff.revoked", name=revoked.display_name))
    text, markup = await _leaders_screen(context, lang)
    await show(update, text, markup)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("invite", invite, filters=PRIVATE_MESSAGE),
        CommandHandler("leaders", leaders, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(revoke, pattern=rf"^{PREFIX}:revoke:"),
    ]
