"""/agency NAME: is this recruitment agency on the staff's verified list of licensed agencies?

Anyone may ask, without onboarding. Not being on the list proves nothing either way (the list
may be incomplete, the name spelt differently), so that answer always says so and says what to
do instead: ask the village chief or the programme staff, and know the warning signs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from babel.lists import format_list
from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from app.context import BotContext
from content.formatting import format_day
from content.texts import Html
from conversations.ui import PRIVATE_MESSAGE, language_of, send
from screens.buttons import Button, keyboard, menu_button
from storage.rows import Agency

log = logging.getLogger(__name__)
SHOWN_AT_MOST = 10
QUERY_AT_MOST = 100  # longer than any agency's name: someone pasted something else
REPORT_BROKER = "broker:open"  # the broker report's entry button (conversations/broker_report)


def _countries(context: BotContext, lang: str, codes: Sequence[str]) -> str:
    """The countries by name in the person's language ("Thailand and Malaysia"), else by code."""
    names = []
    for code in codes:
        country = context.content.contacts.country(code)
        names.append(country.names[lang] if country is not None else code)
    return format_list(names, locale=lang) if names else "-"


def agency_lines(context: BotContext, lang: str, agencies: Sequence[Agency]) -> Html:
    """The agencies as villagers see them, each with the day it was checked (safe HTML)."""
    t = context.content.texts
    blocks = []
    for agency in agencies:
        values: dict[str, Any] = {
            "name": agency.name,
            "licence": agency.licence,
            "countries": _countries(context, lang, agency.destinations),
            "date": format_day(agency.last_verified, lang),
        }
        if agency.phone:
            blocks.append(t.get(lang, "agency.entry_with_phone", phone=agency.phone, **values))
        else:
            blocks.append(t.get(lang, "agency.entry", **values))
    return Html("\n\n".join(blocks))


async def agency_command(update: Update, context: BotContext) -> None:
    """Looks the typed name or licence up in the verified list and says what it means."""
    assert update.effective_user is not None
    lang = await language_of(update, context)
    t = context.content.texts
    query = " ".join(context.args or [])
    if not query:
        await send(update, t.get(lang, "agency.ask_name"))
        return
    if len(query) > QUERY_AT_MOST:
        await send(update, t.get(lang, "agency.too_long", most=QUERY_AT_MOST))
        return
    found = await context.store.find_agencies(query)
    log.info("agency_lookup user=%s found=%s", update.effective_user.id, len(found))
    rows: list[list[Button]] = [[menu_button(context, lang)]]
    if found:
        blocks = [
            t.get(lang, "agency.found", count=len(found)),
            agency_lines(context, lang, found[:SHOWN_AT_MOST]),
        ]
        if len(found) > SHOWN_AT_MOST:
            blocks.append(t.get(lang, "agency.more", count=len(found) - SHOWN_AT_MOST))
        blocks.append(t.get(lang, "agency.check_recruiter"))
    else:
        listed = bool(await context.store.agencies())
        blocks = [
            t.get(lang, "agency.not_found", query=query)
            if listed
            else t.get(lang, "agency.empty_list"),
            t.get(lang, "agency.what_to_do"),
        ]
        rows.insert(0, [(t.raw(lang, "broker.start_button"), REPORT_BROKER)])
    await send(update, "\n\n".join(blocks), keyboard(rows))


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [CommandHandler("agency", agency_command, filters=PRIVATE_MESSAGE)]
