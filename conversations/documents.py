"""/documents: the dates a legal stay abroad hangs on, and the answers to their reminders.

A person with a trip abroad keeps when their passport, visa, work permit and contract end (or
"I don't know"); each date is reminded of before it runs out (delivery/documents.py). The
reminder's buttons: a new date (asked here, the plan re-made), "I need help" (an alert, as "a
problem" on a check-in is) and "remind me later"; once the date has passed, "numbers for help"
(the country's numbers) instead of "later". Every press names its reminder and is checked
against the person who pressed it.
"""

from __future__ import annotations

import logging
from datetime import date
from enum import IntEnum
from typing import Any

import aiosqlite
from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from app.context import BotContext
from content.formatting import format_day
from conversations.alerts import raise_alert
from conversations.hotlines import show_country
from conversations.leaving import leaving_handlers
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, send, show
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


class Step(IntEnum):
    LIST = 0
    ASK = 1


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


async def _list_screen(context: BotContext, lang: str, departure: Departure) -> tuple[str, Any]:
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


def _ask_screen(context: BotContext, lang: str, kind: str) -> tuple[str, Any]:
    t = context.content.texts
    rows: list[list[Button]] = [
        [(t.raw(lang, "documents.dont_know"), f"{PREFIX}:unknown")],
        [(t.raw(lang, "common.back"), f"{PREFIX}:list")],
    ]
    paper = t.raw(lang, f"documents.kind.{kind}")
    return t.get(lang, "documents.ask_date", paper=paper), keyboard(rows)


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(DRAFT, {})
    return draft


async def _current(update: Update, context: BotContext) -> Departure | None:
    """The trip the open screen is about, if it is still active and the person's own."""
    assert update.effective_user is not None
    departure_id = _draft(context).get("departure")
    departure = await context.store.departure(int(departure_id)) if departure_id else None
    if departure is None or departure.user_id != update.effective_user.id:
        return None
    return departure if departure.status == "active" else None


# -- steps -----------------------------------------------------------------------------------


async def begin(update: Update, context: BotContext) -> int:
    """Shows the dates kept for the person's trip abroad, with a button for each paper."""
    assert update.effective_user is not None and context.user_data is not None
    await answer(update)
    lang = await language_of(update, context)
    departure = await _trip(context, update.effective_user.id)
    if departure is None:
        text = context.content.texts.get(lang, "documents.no_trip")
        await send(update, text, keyboard([[menu_button(context, lang)]]))
        return ConversationHandler.END
    context.user_data[DRAFT] = {"departure": departure.departure_id}
    await send(update, *await _list_screen(context, lang, departure))
    return Step.LIST


async def choose(update: Update, context: BotContext) -> int | None:
    """Asks when the chosen paper ends."""
    assert update.callback_query is not None
    parts = (update.callback_query.data or "").split(":")
    if len(parts) != 3 or parts[2] not in KINDS or await _current(update, context) is None:
        return await _refuse(update, context)
    _draft(context)["kind"] = parts[2]
    await answer(update)
    await show(update, *_ask_screen(context, await language_of(update, context), parts[2]))
    return Step.ASK


async def typed_date(update: Update, context: BotContext) -> int | None:
    """Keeps a typed date (day/month/year, Khmer digits welcome); anything else is explained."""
    assert update.message is not None
    lang = await language_of(update, context)
    today = context.clock.now().astimezone(context.services.config.timezone).date()
    value = parse_expiry(update.message.text or "", today)
    if value is None:
        return await _again(update, context, lang)
    return await _keep(update, context, lang, value)


async def dont_know(update: Update, context: BotContext) -> int | None:
    """Notes that the person does not know the date (nothing is reminded)."""
    if "kind" not in _draft(context):
        return await _refuse(update, context)
    await answer(update)
    return await _keep(update, context, await language_of(update, context), None)


async def _keep(update: Update, context: BotContext, lang: str, value: date | None) -> int | None:
    """Stores the date and re-plans its reminders in one transaction, then shows the list."""
    draft = _draft(context)
    departure, kind = await _current(update, context), draft.get("kind")
    t = context.content.texts
    if departure is None or kind not in KINDS:
        assert context.user_data is not None
        context.user_data.pop(DRAFT, None)
        await send(update, t.get(lang, "checkin.closed"))
        return ConversationHandler.END
    first = first_reminder(context, value, departure.destination) if value else None
    await context.store.set_document_date(
        departure.departure_id, departure.user_id, str(kind), value, first
    )
    log.info("document_date_set departure=%s kind=%s", departure.departure_id, kind)
    draft.pop("kind", None)
    paper = t.raw(lang, f"documents.kind.{kind}")
    saved = (
        t.get(lang, "documents.saved", paper=paper, date=format_day(value, lang))
        if value
        else t.get(lang, "documents.saved_unknown", paper=paper)
    )
    text, markup = await _list_screen(context, lang, departure)
    await send(update, f"{saved}\n\n{text}", markup)
    return Step.LIST


async def _again(update: Update, context: BotContext, lang: str) -> int | None:
    """A wrong date, a sticker or a photo: what is wanted, and the question again."""
    kind = _draft(context).get("kind")
    if kind not in KINDS:
        return await _refuse(update, context)
    text, markup = _ask_screen(context, lang, str(kind))
    await send(update, f"{context.content.texts.get(lang, 'documents.bad_date')}\n\n{text}", markup)
    return None


async def not_a_date(update: Update, context: BotContext) -> int | None:
    """Anything but text where a date is expected."""
    return await _again(update, context, await language_of(update, context))


async def back_to_list(update: Update, context: BotContext) -> int | None:
    """Back from a question to the list of papers."""
    departure = await _current(update, context)
    if departure is None:
        return await _refuse(update, context)
    _draft(context).pop("kind", None)
    await answer(update)
    await show(update, *await _list_screen(context, await language_of(update, context), departure))
    return Step.LIST


async def use_buttons(update: Update, context: BotContext) -> int | None:
    """Typing on the list: say to tap a paper, and show the list again."""
    lang = await language_of(update, context)
    departure = await _current(update, context)
    if departure is None:  # the trip ended meanwhile: the form ends too, it cannot trap them
        assert context.user_data is not None
        context.user_data.pop(DRAFT, None)
        await send(update, context.content.texts.get(lang, "checkin.closed"))
        return ConversationHandler.END
    text, markup = await _list_screen(context, lang, departure)
    await send(update, f"{context.content.texts.get(lang, 'input.use_buttons')}\n\n{text}", markup)
    return None


async def _refuse(update: Update, context: BotContext) -> int | None:
    """A stale or forged press, or a trip that has ended: said, nothing changes."""
    assert update.effective_user is not None
    lang = await language_of(update, context)
    t = context.content.texts
    if update.callback_query is not None:
        await answer(update, t.plain(lang, "input.button_expired"))
    else:
        await send(update, t.get(lang, "input.button_expired"))
    log.info("documents_refused user=%s", update.effective_user.id)
    return None


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
    update: Update, context: BotContext
) -> tuple[DocumentReminder, Departure] | None:
    """The pressed reminder and its trip; a forged, stale or someone else's press is refused
    (said in a pop-up, logged by id, nothing changed) and gives None."""
    assert update.effective_user is not None
    found = await _own(update, context)
    if found is None:
        log.warning("forged_press user=%s action=document", update.effective_user.id)
        await _refuse(update, context)
    return found


async def renew(update: Update, context: BotContext) -> int:
    """ "Done, I have the new date": asks it; the new date re-plans the reminders."""
    assert update.effective_user is not None and context.user_data is not None
    found = await _own_or_refused(update, context)
    lang = await language_of(update, context)
    if found is None:
        return ConversationHandler.END
    reminder, departure = found
    document = await context.store.document(reminder.document_id)
    if departure.status != "active" or document is None:
        await answer(update)
        await send(update, context.content.texts.get(lang, "checkin.closed"))
        return ConversationHandler.END
    await context.store.answer_document_reminder(reminder.reminder_id, "renew")
    context.user_data[DRAFT] = {"departure": departure.departure_id, "kind": document.kind}
    await answer(update)
    await send(update, *_ask_screen(context, lang, document.kind))
    return Step.ASK


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

    def press(callback: Any, suffix: str) -> CallbackQueryHandler[BotContext, Any]:
        return CallbackQueryHandler(callback, pattern=rf"^{PREFIX}:{suffix}")

    stale: BaseHandler[Update, BotContext, Any] = press(_refuse, "(set|unknown|list)")
    return ConversationHandler(
        entry_points=[
            CommandHandler("documents", begin, filters=PRIVATE_MESSAGE),
            press(begin, "open$"),
            press(renew, "renew:"),
        ],
        states={
            Step.LIST: [
                press(choose, "set:"),
                MessageHandler(PRIVATE_MESSAGE & ~filters.COMMAND, use_buttons),
                stale,
            ],
            Step.ASK: [
                press(dont_know, "unknown$"),
                press(back_to_list, "list$"),
                press(choose, "set:"),
                MessageHandler(PRIVATE_MESSAGE & filters.TEXT & ~filters.COMMAND, typed_date),
                MessageHandler(PRIVATE_MESSAGE & ~filters.COMMAND & ~filters.TEXT, not_a_date),
                stale,
            ],
        },
        fallbacks=leaving_handlers(DRAFT),
        allow_reentry=True,
        name="documents",
        persistent=True,
    )


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Reminder answers that work anywhere, and a press of a screen no longer open."""
    return [
        CallbackQueryHandler(need_help, pattern=rf"^{PREFIX}:help:"),
        CallbackQueryHandler(remind_later, pattern=rf"^{PREFIX}:later:"),
        CallbackQueryHandler(numbers, pattern=rf"^{PREFIX}:numbers:"),
        CallbackQueryHandler(read_reminder, pattern=rf"^{PREFIX}:read:"),
        CallbackQueryHandler(_refuse, pattern=rf"^{PREFIX}:(set|unknown|list)"),
    ]
