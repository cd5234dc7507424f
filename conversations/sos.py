"""/sos and "I need help now": the numbers for where the person is, and a person told at once.

Works any time, also without a registration: then Cambodia's numbers, and staff are told.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from app.context import BotContext
from content.bundle import Content
from content.texts import Html
from conversations.alerts import Reached, country_of, raise_alert
from conversations.listening import show_voiced, voice_for_listener
from conversations.location import offer_location
from conversations.notify import send_to
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, send, show
from delivery.drainer import deliver_now
from delivery.recipients import staff_chats
from delivery.viewers import chiefs_may_know
from domain.visibility import Lens, Piece, Viewer, circumstances_of
from screens.buttons import keyboard
from screens.hotlines import first_rows, first_text
from storage.rows import Departure

log = logging.getLogger(__name__)
REPEAT_WINDOW = timedelta(hours=1)  # a second /sos within this, unanswered, is the same alert
# What the answer can say was done (Reached.key, or an alert already sent).
STATUSES = ("sos.told", "sos.told_leader", "sos.told_staff", "sos.unreached", "sos.already")


async def current_departure(context: BotContext, user_id: int) -> Departure | None:
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
    staff_only: bool = False,
) -> None:
    """Shows the numbers for the person's country and tells their leader and staff.

    ``staff_only``: staff alone are told (help asked from a family's question: she may have
    left her village quietly, and its chief is the one she would not want told).

    A cry for help must not die with the database: if the store fails, staff are still told
    directly (nothing saved) and the person still gets the truth and the numbers.
    """
    assert update.effective_user is not None
    user_id = update.effective_user.id
    t = context.content.texts
    kind = "help" if checkin_id is not None else "sos"
    stored = False  # a location can go with it only when the alert is in the database
    try:
        lang = await language_of(update, context)
        recent = await context.store.recent_open_alert(
            user_id, kind, context.clock.now() - REPEAT_WINDOW
        )
        again = await _try_again(context, recent.alert_id) if recent is not None else None
        if recent is not None and again is None:
            status = "sos.already"
        elif again is not None:
            status = again.key("sos")
        else:
            reached = await raise_alert(
                context,
                kind,
                user_id,
                departure=departure,
                checkin_id=checkin_id,
                staff_only=staff_only,
            )
            status = reached.key("sos")
        stored = True
        if departure is not None:
            await context.store.silence_pending(departure.departure_id)  # no reminders now
    except sqlite3.Error as error:
        log.error("sos_without_database user=%s error=%s", user_id, type(error).__name__)
        lang = context.services.config.default_language
        if update.effective_user.language_code in t.languages:
            lang = str(update.effective_user.language_code)
        reached = await _tell_staff_unsaved(update, context, kind)
        status = reached.key("sos")
    country = country_of(departure.destination if departure else None)
    text = answer_text(context.content, lang, status, country)
    markup = keyboard(first_rows(context, lang, country))
    if stored:
        # Before the numbers, so what was done and whom to call stay the last thing on screen;
        # the location button sits under them all the same (a reply keyboard).
        chief = Lens(Viewer.CHIEF, circumstances_of(departure.reason if departure else None))
        staff_alone = (
            staff_only
            or chief.hides(Piece.LOCATION)
            or not await chiefs_may_know(context, user_id, departure)
        )
        # With it, that a voice message now goes with the alert (conversations/voice_answers.py).
        await offer_location(update, context, lang, staff_only=staff_alone, voice_hint=True)
        # What was done, then the numbers, read aloud when staff recorded them (the database is
        # needed); the 🔊 under them plays the numbers, what she may need again.
        await voice_for_listener(update, context, status)
        voice = f"help.{country.lower()}"
        await show_voiced(update, context, voice, text, markup, new=not update.callback_query)
    else:
        await (show(update, text, markup) if update.callback_query else send(update, text, markup))


def answer_text(content: Content, lang: str, status: str, country: str) -> Html:
    """What /sos answers: what was done (``status``, one of STATUSES), then the country's first
    numbers, about 300 Khmer characters at most (review of 7 December 2026, E2). The full list
    is one tap on (hotlines.py); the voice hint went with the location offer just before."""
    return Html(f"{content.texts.get(lang, status)}\n\n{first_text(content, lang, country)}")


async def _try_again(context: BotContext, alert_id: int) -> Reached | None:
    """A second cry for help: None if the first reached someone already; if it reached nobody,
    its copies go out again now and the person hears who has it this time."""
    rows = await context.store.outbox_group(f"alert:{alert_id}")
    if Reached.of(rows).anyone:
        return None
    retry = [r.outbox_id for r in rows if r.status == "pending"]
    claimed = [i for i in retry if await context.store.claim_outbox_row(i)]
    await deliver_now(context, claimed)
    return Reached.of(await context.store.outbox_group(f"alert:{alert_id}"))


async def _tell_staff_unsaved(update: Update, context: BotContext, kind: str) -> Reached:
    """Tells staff straight away, without the database: who asked, and that it is not saved."""
    assert update.effective_user is not None
    t, config = context.content.texts, context.services.config
    lang = config.default_language  # the staff's own language is in the database
    text = "\n\n".join(
        [
            t.get(lang, f"alert.title.{kind}"),
            t.get(lang, "notice.contact", user_id=str(update.effective_user.id)),
            t.get(lang, "alert.unsaved"),
        ]
    )
    told = 0
    for chat_id in staff_chats(context):  # the staff group followed after a migration too
        told += await send_to(context, chat_id, text) is not None
    if not told:
        log.error("sos_unreached user=%s", update.effective_user.id)
    return Reached(leaders=0, staff=told)


async def sos_command(update: Update, context: BotContext) -> None:
    """A cry for help, any time."""
    assert update.effective_user is not None
    log.info("sos user=%s", update.effective_user.id)
    try:
        departure = await current_departure(context, update.effective_user.id)
    except sqlite3.Error:
        departure = None  # help_now tells staff without the database
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
