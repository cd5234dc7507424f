"""Reminders before a paper runs out: planned from its date, queued when due, sent at most once.

Built like check-ins (delivery/checkins.py): the next reminder is derived from the date and the
step before, a due one moves into the outbox in one transaction inside the delivery window of
the destination's time zone, and the step after it is planned once Telegram has taken it
(``delivery/rules.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from telegram import InlineKeyboardMarkup

from app.context import BotContext
from content.contacts import Contact
from content.formatting import format_day
from delivery.checkins import zone_of
from domain.departure import UNKNOWN, applicable
from domain.documents import NextReminder, next_reminder
from screens.buttons import html, keyboard
from storage.documents import DocumentReminder
from storage.outbox import BULK, NewMessage
from storage.rows import Departure

log = logging.getLogger(__name__)
PREFIX = "doc"
ANSWERS = ("renew", "help", "later")
# Once the date has passed: no "remind me later" (a later reminder of a date gone by only adds
# delay), and the numbers for where she is, in a new message under the reminder.
PASSED_ANSWERS = ("renew", "help", "numbers")
STAY_PAPERS = ("passport", "visa", "work_permit")  # a legal stay hangs on these (review E5)
EMBASSY_COUNTRIES = ("TH", "MY", "KR")  # the embassy line of content/contacts.yaml for each


def first_reminder(
    context: BotContext, expires_on: date, destination: str, after_number: int | None = None
) -> NextReminder | None:
    """The reminder after step ``after_number`` (the first when None), from the settings."""
    config = context.services.config
    return next_reminder(
        expires_on,
        config.document_days,
        config.window,
        zone_of(context, destination),
        now=context.clock.now(),
        after_number=after_number,
    )


def passport_dates(
    context: BotContext, answers: Mapping[str, Any]
) -> tuple[tuple[str, date | None, NextReminder | None], ...]:
    """The passport's date from the departure form, with its first reminder (nothing if not
    asked): what a registration keeps of the papers, the villager's own or a chief's."""
    until = answers.get("passport_until")
    if until is None or not any(f.id == "passport_until" for f in applicable(answers)):
        return ()  # not asked, or asked before the papers or the place were changed
    if until == UNKNOWN:
        return (("passport", None, None),)
    day = date.fromisoformat(str(until))
    return (("passport", day, first_reminder(context, day, str(answers["destination"]))),)


def later_reminder(
    context: BotContext, reminder: DocumentReminder, destination: str
) -> NextReminder | None:
    """ "Remind me later": the same step again after a while, unless the next step comes first."""
    config = context.services.config
    zone = zone_of(context, destination)
    again = config.window.next_opening(context.clock.now() + config.document_later, zone)
    following = first_reminder(context, reminder.expires_on, destination, reminder.number)
    if following is not None and following.due <= again:
        return None  # the next reminder is sooner anyway
    return NextReminder(again, reminder.number, catch_up=True)


def reminder_message(reminder: DocumentReminder) -> NewMessage:
    return NewMessage(
        key=f"document:{reminder.reminder_id}",
        group_key=f"departure:{reminder.departure_id}:documents",
        kind="document",
        role="person",
        chat_id=reminder.user_id,
        priority=BULK,
        user_id=reminder.user_id,
        ref_id=reminder.reminder_id,
    )


async def queue_due_document_reminders(context: BotContext) -> int:
    """Moves every due reminder inside its delivery window into the outbox; returns how many."""
    now = context.clock.now()
    window = context.services.config.window
    queued = 0
    for reminder in await context.store.due_document_reminders(now):
        departure = await context.store.departure(reminder.departure_id)
        if departure is None or departure.status != "active":
            await context.store.cancel_document_reminders(reminder.departure_id)
            continue
        zone = zone_of(context, departure.destination)
        if not window.contains(now, zone):  # never at night: wait for the morning
            await context.store.postpone_document_reminder(
                reminder.reminder_id, window.next_opening(now, zone)
            )
            continue
        if await context.store.queue_document_reminder(
            reminder.reminder_id, reminder_message(reminder)
        ):
            queued += 1
    if queued:
        log.info("document_reminders_queued count=%s", queued)
    return queued


async def reminder_went_out(
    context: BotContext, reminder_id: int, message_id: int | None, *, delivered: bool
) -> None:
    """Sent (or never deliverable): the reminder is settled and the next step is planned."""
    reminder = await context.store.document_reminder(reminder_id)
    departure = await context.store.departure(reminder.departure_id) if reminder else None
    if reminder is None or departure is None:
        return
    following = first_reminder(context, reminder.expires_on, departure.destination, reminder.number)
    status = "sent" if delivered else "failed"
    if await context.store.document_reminder_went_out(reminder_id, message_id, status, following):
        log.info("document_reminder_%s reminder=%s", status, reminder_id)


def _contact_line(context: BotContext, lang: str, contact: Contact) -> str:
    t = context.content.texts
    line = t.get(lang, "help.contact", name=html(contact.names[lang]), phone=contact.phone)
    return f"{line}\n{t.get(lang, 'help.please_check')}" if contact.needs_check else line


def embassy_line(context: BotContext, lang: str, destination: str) -> str | None:
    """The Cambodian embassy of the destination country, with a check note when unconfirmed."""
    if destination not in EMBASSY_COUNTRIES:
        return None
    for contact in context.content.contacts.for_country(destination):
        if contact.id.startswith("embassy_"):
            return _contact_line(context, lang, contact)
    return None


def police_line(context: BotContext, lang: str, destination: str) -> str | None:
    """The destination's police (an emergency number of content/contacts.yaml), if it has one."""
    for contact in context.content.contacts.for_country(destination):
        if contact.kind == "emergency" and "police" in contact.id:
            # With its short label ("police: when a life is in danger"), right under "do not go
            # to the police on your own": a bare number there would read as "call them".
            label = html(contact.shorts[lang])
            return context.content.texts.get(lang, "help.number", phone=contact.phone, label=label)
    return None


def _stay_passed(context: BotContext, lang: str, destination: str) -> list[str]:
    """A passport, visa or work permit past its date (review N10, W39): not "ask in time", but
    what a stay without it means and whom to call now (E5): the embassy or a hotline first, for
    everyone, never the employer (who may be holding the passport, N11); the police at once if
    her life is in danger (N9). Numbers only from content/contacts.yaml."""
    found = (embassy_line(context, lang, destination), police_line(context, lang, destination))
    return [context.content.texts.get(lang, "documents.passed.stay"), *filter(None, found)]


async def _ask(context: BotContext, lang: str, departure: Departure) -> str:
    """Whom to ask: the employer or agency and the embassy; the embassy or a hotline first for
    someone who said the boss keeps their papers (asking can put them in danger,
    q_passport_kept)."""
    t = context.content.texts
    embassy = embassy_line(context, lang, departure.destination)
    kept = await context.store.problem_named_for(departure.departure_id, "documents_kept")
    if embassy:
        return t.get(lang, "documents.ask_kept" if kept else "documents.ask", embassy=html(embassy))
    return t.get(lang, "documents.ask_kept_no_embassy" if kept else "documents.ask_no_embassy")


async def reminder_text(
    context: BotContext, lang: str, reminder: DocumentReminder
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The reminder: which paper ends when, what to do, whom to ask; None if it is stale."""
    t = context.content.texts
    document = await context.store.document(reminder.document_id)
    departure = await context.store.departure(reminder.departure_id)
    if document is None or departure is None or document.expires_on != reminder.expires_on:
        return None  # a new date replaced it meanwhile
    zone = zone_of(context, departure.destination)
    today = context.clock.now().astimezone(zone).date()
    paper = t.raw(lang, f"documents.kind.{document.kind}")
    days = (reminder.expires_on - today).days
    day = format_day(reminder.expires_on, lang)
    # What «📖 Read» opens; what arrives on the lock screen is only ``sealed_reminder``'s line.
    blocks: list[str] = []
    answers = ANSWERS
    if days >= 0:
        blocks.append(t.get(lang, "documents.reminder.title", paper=paper, date=day, days=days))
        blocks += [
            t.get(lang, f"documents.todo.{document.kind}"),
            await _ask(context, lang, departure),
        ]
    else:
        blocks.append(t.get(lang, "documents.reminder.passed", paper=paper, date=day))
        answers = PASSED_ANSWERS
        if document.kind in STAY_PAPERS:
            blocks += _stay_passed(context, lang, departure.destination)
        else:  # a contract that has ended is no question of a legal stay: what comes next
            blocks += [
                t.get(lang, "documents.passed.contract"),
                await _ask(context, lang, departure),
            ]
    return "\n\n".join(blocks), _buttons(context, lang, reminder.reminder_id, answers)


async def sealed_reminder(
    context: BotContext, lang: str, reminder: DocumentReminder
) -> tuple[str, InlineKeyboardMarkup] | None:
    """What arrives: only the neutral line and «📖 Read». A notification can show several lines,
    and "visa: the date has passed, you can be arrested" on the phone of someone abroad, where
    an employer may hold it, is a danger; the reminder itself opens on the tap. None if stale."""
    if await reminder_text(context, lang, reminder) is None:
        return None
    t = context.content.texts
    text = f"{t.get(lang, 'documents.reminder.lead')}\n{t.get(lang, 'documents.reminder.tap')}"
    read = (t.raw(lang, "documents.reminder.read"), f"{PREFIX}:read:{reminder.reminder_id}")
    return text, keyboard([[read]])


def _buttons(
    context: BotContext, lang: str, reminder_id: int, answers: tuple[str, ...]
) -> InlineKeyboardMarkup:
    t = context.content.texts
    return keyboard(
        [[(t.raw(lang, f"documents.answer.{a}"), f"{PREFIX}:{a}:{reminder_id}")] for a in answers]
    )
