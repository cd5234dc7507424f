"""/sos and "I need help now": the numbers for where the person is, and a person told at once.

Works any time, also without a registration: then Cambodia's numbers, and staff are told.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from app.context import BotContext
from conversations.alerts import country_of, raise_alert
from conversations.hotlines import country_text
from conversations.menu import menu_button
from conversations.ui import PRIVATE_MESSAGE, answer, keyboard, language_of, send, show
from storage.rows import Departure

log = logging.getLogger(__name__)
REPEAT_WINDOW = timedelta(hours=1)  # a second /sos within this, unanswered, is the same alert


async def _current_departure(context: BotContext, user_id: int) -> Departure | None:
    """The person's most recent active departure (their own before a relative's)."""
    active = [d for d in await context.store.departures_of(user_id) if d.status == "active"]
    active.sort(key=lambda d: (not d.for_self, -d.departure_id))
    return active[0] if active else None


async def help_now(
    update: Update,
    context: BotContext,
    *,
    departure: Departure | None,
    checkin_id: int | None = None,
) -> None:
    """Shows the numbers for the person's country and tells their leader and staff."""
    assert update.effective_user is not None
    user_id = update.effective_user.id
    lang = await language_of(update, context)
    t = context.content.texts
    kind = "help" if checkin_id is not None else "sos"
    recent = await context.store.recent_open_alert(
        user_id, kind, context.clock.now() - REPEAT_WINDOW
    )
    if recent is not None:
        status = t.get(lang, "sos.already")
    else:
        reached = await raise_alert(
            context, kind, user_id, departure=departure, checkin_id=checkin_id
        )
        status = t.get(lang, reached.key("sos"))
    if departure is not None:
        await context.store.silence_pending(departure.departure_id)  # no reminders now
    country = country_of(departure.destination if departure else None)
    text = "\n\n".join([status, country_text(context, lang, country)])
    markup = keyboard(
        [[(t.raw(lang, "help.other_country"), "help:home")], [menu_button(context, lang)]]
    )
    await (show(update, text, markup) if update.callback_query else send(update, text, markup))


async def sos_command(update: Update, context: BotContext) -> None:
    """A cry for help, any time."""
    assert update.effective_user is not None
    log.info("sos user=%s", update.effective_user.id)
    departure = await _current_departure(context, update.effective_user.id)
    await help_now(update, context, departure=departure)


async def sos_button(update: Update, context: BotContext) -> None:
    """The menu's SOS button: the same as /sos."""
    await answer(update)
    await sos_command(update, context)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("sos", sos_command, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(sos_button, pattern=r"^sos:now$"),
    ]
