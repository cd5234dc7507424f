"""/documents: the dates a legal stay abroad hangs on, and the answers to their reminders.

A person with a trip abroad keeps when their passport, visa, work permit and contract end (or
"I don't know"); each date is reminded of before it runs out (delivery/documents.py). The
reminder's buttons: a new date (asked here, the plan re-made), "I need help" (an alert, as "a
problem" on a check-in is) and "remind me later"; once the date has passed, "numbers for help"
(the country's numbers) instead of "later". Every press names its reminder and is checked
against the person who pressed it.

The list is a hub on the form skeleton (conversations/forms.py): each date is stored the
moment it is given, and the list shown again with what was kept.

    LIST --paper--> ASK --date|don't know--> stored, LIST ...     (ASK --back--> LIST)
    a reminder's "new date" --> ASK (of its paper)
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import aiosqlite
from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from app.context import BotContext
from content.formatting import format_day
from conversations.alerts import raise_alert
from conversations.forms import (
    STAY,
    Closed,
    Draft,
    Form,
    Keys,
    Refusal,
    Screen,
    Step,
    Stored,
    Wrong,
)
from conversations.hotlines import show_country
from conversations.ui import answer, language_of, send, show
from delivery.checkins import zone_of
from delivery.documents import (
    PREFIX,
    embassy_line,
    first_reminder,
    later_reminder,
    reminder_text,
)
from domain.departure import ABROAD, REGULAR_CHANNELS
from domain.documents import KINDS, parse_expiry
from domain.parsing import to_khmer_digits
from screens.buttons import Button, keyboard, menu_button
from storage.documents import AlreadyAnswered, Document, DocumentReminder, mark_document_help_in
from storage.outbox import NewMessage
from storage.rows import Departure

log = logging.getLogger(__name__)
DRAFT = "documents"
# The reminders' own buttons: answered outside the form (build_handlers), whatever is open.
REMINDER_PRESSES = "(help|later|numbers|read):"


async def _trip(context: BotContext, user_id: int) -> Departure | None:
    """The person's latest active trip abroad (their own before a relative's)."""
    found = [
        d
        for d in await context.store.departures_of(user_id)
        if d.status == "active" and d.destination in ABROAD
    ]
    found.sort(key=lambda d: (not d.for_self, -d.departure_id))
    return found[0] if found else None


def _needs_papers(departure: Departure) -> bool:
    """A trip through a broker or without passport and permit: say what a legal stay needs."""
    papers = {"passport", "visa_permit"} <= set(departure.documents)
    return departure.channel not in REGULAR_CHANNELS or not papers


def _date_of(context: BotContext, lang: str, document: Document | None) -> str:
    t = context.content.texts
    if document is None:
        return t.raw(lang, "mydata.not_given")
    if document.expires_on is None:
        return t.raw(lang, "documents.unknown")
    return format_day(document.expires_on, lang)


async def _list_screen(context: BotContext, lang: str, departure: Departure) -> Screen:
    t = context.content.texts
    kept = {d.kind: d for d in await context.store.documents_of(departure.departure_id)}
    blocks: list[str] = [t.get(lang, "documents.title", name=departure.name)]
    if _needs_papers(departure):
        blocks.append(t.get(lang, "documents.legal_stay"))
    lines = [
        t.get(
            lang,
            "documents.line",
            paper=t.raw(lang, f"documents.kind.{kind}"),
            date=_date_of(context, lang, kept.get(kind)),
        )
        for kind in KINDS
    ]
    blocks.append("\n".join(lines))
    days = ", ".join(str(d) for d in context.services.config.document_days)
    days = to_khmer_digits(days) if lang == "km" else days  # Babel never writes Khmer digits
    blocks.append(t.get(lang, "documents.how", days=days))
    rows: list[list[Button]] = [
        [("📄 " + t.raw(lang, f"documents.kind.{kind}"), f"{PREFIX}:set:{kind}")] for kind in KINDS
    ]
    rows.append([menu_button(context, lang)])
    return "\n\n".join(blocks), keyboard(rows)


def _ask_screen(context: BotContext, lang: str, kind: str) -> Screen:
    t = context.content.texts
    rows: list[list[Button]] = [
        [(t.raw(lang, "documents.dont_know"), f"{PREFIX}:unknown")],
        [(t.raw(lang, "common.back"), f"{PREFIX}:list")],
    ]
    paper = t.raw(lang, f"documents.kind.{kind}")
    return t.get(lang, "documents.ask_date", paper=paper), keyboard(rows)


async def _current(update: Update, context: BotContext) -> Departure | None:
    """The trip the open screen is about, if it is still active and the person's own."""
    assert update.effective_user is not None
    departure_id = FORM.draft_of(context).get("departure")
    departure = await context.store.departure(int(departure_id)) if departure_id else None
    if departure is None or departure.user_id != update.effective_user.id:
        return None
    return departure if departure.status == "active" else None


# -- the form: the list of papers (a hub: each date is kept as soon as it is given) ------------


async def _opens(update: Update, context: BotContext, lang: str) -> Draft | Refusal | Wrong:
    """/documents (or its button): the person's trip abroad; «Done, I have the new date» under
    a reminder: that reminder's paper."""
    assert update.effective_user is not None
    query = update.callback_query
    if query is not None and (query.data or "").startswith(f"{PREFIX}:renew:"):
        return await _renewing(update, context, lang)
    departure = await _trip(context, update.effective_user.id)
    if departure is None:
        text = context.content.texts.get(lang, "documents.no_trip")
        return text, keyboard([[menu_button(context, lang)]])
    return {"departure": departure.departure_id}


async def _renewing(update: Update, context: BotContext, lang: str) -> Draft | Refusal | Wrong:
    """ "Done, I have the new date": its paper's date asked at once (the new one re-plans)."""
    found = await _own_or_refused(update, context, popup=False)
    if found is None:
        return Wrong("input.button_expired")
    reminder, departure = found
    document = await context.store.document(reminder.document_id)
    if departure.status != "active" or document is None:
        return context.content.texts.get(lang, "checkin.closed"), None
    await context.store.answer_document_reminder(reminder.reminder_id, "renew")
    return {"departure": departure.departure_id, "kind": document.kind}


async def _draw_list(update: Update, context: BotContext, lang: str, draft: Draft) -> Screen:
    """The dates kept for the trip, with a button for each paper."""
    departure = await _current(update, context)
    if departure is None:  # the trip ended meanwhile: the form ends too, it cannot trap them
        raise Closed("checkin.closed")
    return await _list_screen(context, lang, departure)


async def _pick_paper(update: Update, context: BotContext, data: str) -> object:
    """A paper of the list (``set:KIND``), on a trip still the person's own and active."""
    kind = data.removeprefix("set:")
    if not data.startswith("set:") or kind not in KINDS or await _current(update, context) is None:
        return _refused(update)
    return kind


async def _draw_ask(update: Update, context: BotContext, lang: str, draft: Draft) -> Screen:
    """When the chosen paper ends: typed, or «I don't know», or back to the list."""
    return _ask_screen(context, lang, str(draft["kind"]))


async def _pick_date(update: Update, context: BotContext, data: str) -> object:
    """«I don't know» (kept as no date); back to the list; or another paper of the list."""
    if data == "unknown":
        return None
    lang = await language_of(update, context)
    if data == "list":  # back: the list again, in place
        departure = await _current(update, context)
        if departure is None:
            return _refused(update)
        FORM.draft_of(context).pop("kind", None)
        await answer(update)
        await show(update, *await _list_screen(context, lang, departure))
        return STAY
    kind = await _pick_paper(update, context, data)
    if isinstance(kind, Wrong):
        return kind
    FORM.draft_of(context)["kind"] = kind
    await answer(update)
    await show(update, *_ask_screen(context, lang, str(kind)))
    return STAY


def _read_date(context: BotContext, draft: Draft, text: str) -> object:
    """A typed date (day/month/year, Khmer digits welcome), not already long past."""
    today = context.clock.now().astimezone(context.services.config.timezone).date()
    value = parse_expiry(text, today)
    return Wrong("documents.bad_date") if value is None else value


async def _keep(update: Update, context: BotContext, draft: Draft, request_key: str) -> Stored:
    """Stores the date and re-plans its reminders in one transaction."""
    departure, kind, value = await _current(update, context), str(draft["kind"]), draft["date"]
    if departure is None:
        raise Closed("checkin.closed")
    first = first_reminder(context, value, departure.destination) if value else None
    await context.store.set_document_date(
        departure.departure_id, departure.user_id, kind, value, first
    )
    log.info("document_date_set departure=%s kind=%s", departure.departure_id, kind)
    lang = await language_of(update, context)
    paper = context.content.texts.raw(lang, f"documents.kind.{kind}")
    if value is None:
        return Stored("documents.saved_unknown", {"paper": paper})
    return Stored("documents.saved", {"paper": paper, "date": format_day(value, lang)})


def _refused(update: Update) -> Wrong:
    """A stale or forged press, or a trip that has ended: the pop-up, nothing changes."""
    assert update.effective_user is not None
    log.info("documents_refused user=%s", update.effective_user.id)
    return Wrong("input.button_expired")


FORM = Form(
    name="documents",
    prefix=PREFIX,
    draft=DRAFT,
    command="documents",
    steps=(
        Step(
            "kind", "documents.title", draw=_draw_list, pick=_pick_paper, valid=KINDS.__contains__
        ),
        Step(
            "date",
            "documents.ask_date",
            read_with=_read_date,
            draw=_draw_ask,
            pick=_pick_date,
            valid=lambda value: value is None or isinstance(value, date),
            wrong=Wrong("documents.bad_date"),
        ),
    ),
    keys=Keys("documents"),
    review=None,
    store=_keep,
    hub=True,
    starts="renew:",
    opens=_opens,
    others=REMINDER_PRESSES,
    cancellable=False,
    stale_again=False,
)


async def _refuse(update: Update, context: BotContext) -> None:
    """A stale or forged press, or a trip that has ended: said, nothing changes."""
    lang = await language_of(update, context)
    t = context.content.texts
    if update.callback_query is not None:
        await answer(update, t.plain(lang, "input.button_expired"))
    else:
        await send(update, t.get(lang, "input.button_expired"))
    _refused(update)


# -- answers to a reminder -------------------------------------------------------------------


async def _own(update: Update, context: BotContext) -> tuple[DocumentReminder, Departure] | None:
    """The pressed reminder, if it was sent to the person who pressed it, on a trip still on."""
    assert update.callback_query is not None and update.effective_user is not None
    parts = (update.callback_query.data or "").split(":")
    raw = parts[2] if len(parts) == 3 else ""
    if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        return None
    reminder = await context.store.document_reminder(int(raw))
    if reminder is None or reminder.user_id != update.effective_user.id:
        return None
    departure = await context.store.departure(reminder.departure_id)
    return (reminder, departure) if departure is not None else None


async def _own_or_refused(
    update: Update, context: BotContext, *, popup: bool = True
) -> tuple[DocumentReminder, Departure] | None:
    """The pressed reminder and its trip; a forged, stale or someone else's press is refused
    (the pop-up, unless the caller says it; logged by id, nothing changed): None."""
    assert update.effective_user is not None
    found = await _own(update, context)
    if found is None:
        log.warning("forged_press user=%s action=document", update.effective_user.id)
        if popup:
            await _refuse(update, context)
        else:  # the form's opening says it (conversations/forms.py)
            _refused(update)
    return found


async def need_help(update: Update, context: BotContext) -> None:
    """ "I need help": a case for the village chief (staff later), as "a problem" raises."""
    assert update.effective_user is not None
    found = await _own_or_refused(update, context)
    lang = await language_of(update, context)
    t = context.content.texts
    if found is None:
        return
    reminder, departure = found
    document = await context.store.document(reminder.document_id)
    if departure.status != "active" or document is None:
        await answer(update)
        await send(update, t.get(lang, "checkin.closed"))
        return

    async def mark(db: aiosqlite.Connection, alert_id: int, now: str) -> list[NewMessage]:
        # Marked with the alert, in its transaction: a crash cannot mark it and tell nobody.
        if not await mark_document_help_in(db, reminder.reminder_id, now):
            raise AlreadyAnswered
        return []

    try:
        reached = await raise_alert(
            context,
            "document",
            departure.user_id,
            departure=departure,
            details=(document.kind,),
            attach=mark,
        )
    except AlreadyAnswered:
        await answer(update, t.plain(lang, "checkin.already"))  # a double tap tells nobody twice
        return
    await answer(update)
    log.info("document_help reminder=%s", reminder.reminder_id)
    blocks: list[str] = [t.get(lang, reached.key("checkin.problem"))]
    embassy = embassy_line(context, lang, departure.destination)
    if embassy:
        blocks.append(embassy)
    await send(update, "\n\n".join(blocks), keyboard([[menu_button(context, lang)]]))


async def read_reminder(update: Update, context: BotContext) -> None:
    """«📖 Read» under a paper reminder: the reminder itself, in place, with its answers; a
    forged or someone else's press shows nothing."""
    assert update.effective_user is not None
    found = await _own_or_refused(update, context)
    lang = await language_of(update, context)
    if found is None:
        return
    reminder, _ = found
    rendered = await reminder_text(context, lang, reminder)
    if rendered is None:  # a new date replaced it: this one is over
        await answer(update, context.content.texts.get(lang, "input.button_expired"))
        return
    await answer(update)
    log.info("document_read reminder=%s", reminder.reminder_id)
    await show(update, *rendered)


async def numbers(update: Update, context: BotContext) -> None:
    """ "Numbers for help" under a date that has passed: the numbers of the country she is in,
    in a new message, so the reminder keeps its other buttons."""
    assert update.effective_user is not None
    found = await _own_or_refused(update, context)
    if found is None:
        return
    _, departure = found
    await answer(update)
    log.info("document_numbers departure=%s", departure.departure_id)
    lang = await language_of(update, context)
    await show_country(update, context, lang, departure.destination, new=True)


async def remind_later(update: Update, context: BotContext) -> None:
    """ "Remind me later": the same reminder again after a while (or the next one, if sooner)."""
    assert update.effective_user is not None
    found = await _own_or_refused(update, context)
    lang = await language_of(update, context)
    t = context.content.texts
    if found is None:
        return
    reminder, departure = found
    again = later_reminder(context, reminder, departure.destination)
    if departure.status != "active" or not await context.store.answer_document_reminder(
        reminder.reminder_id, "later", again
    ):
        await answer(update, t.plain(lang, "checkin.already"))
        return
    await answer(update)
    zone = zone_of(context, departure.destination)
    following = again or first_reminder(
        context, reminder.expires_on, departure.destination, reminder.number
    )
    if following is None:
        await send(update, t.get(lang, "documents.later_none"))
        return
    day = format_day(following.due.astimezone(zone).date(), lang)
    await send(update, t.get(lang, "documents.later", date=day))


def build_handler() -> ConversationHandler[BotContext]:
    """The dates of one's papers (persistent: a restart keeps the question open)."""
    return FORM.handler()


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Reminder answers that work anywhere, and a press of a screen no longer open."""
    return [
        CallbackQueryHandler(need_help, pattern=rf"^{PREFIX}:help:"),
        CallbackQueryHandler(remind_later, pattern=rf"^{PREFIX}:later:"),
        CallbackQueryHandler(numbers, pattern=rf"^{PREFIX}:numbers:"),
        CallbackQueryHandler(read_reminder, pattern=rf"^{PREFIX}:read:"),
        CallbackQueryHandler(_refuse, pattern=rf"^{PREFIX}:(set|unknown|list)"),
    ]
