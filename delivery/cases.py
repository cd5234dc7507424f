"""What a case's changes send: the person's word, the handler's reminder, a reopened case.

The words fit what happened: after a silence or an unreachable alert the person sent nothing,
so "someone saw your message" would be false; and a shared phone may show any of it, so none
of it names the trouble.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from app.context import BotContext
from delivery.recipients import alert_copies, leader_chats, staff_chats, to_person
from delivery.viewers import chiefs_may_know
from delivery.voice_copies import staff_voice_copies
from domain.take_on import next_reminder, take_on_within
from storage.outbox import NewMessage
from storage.rows import Alert

log = logging.getLogger(__name__)
# The person raised these themselves and is waiting to hear; for the others (a silence, an
# unreachable phone) they hear that someone will try to reach them.
ASKED_BY_PERSON = ("sos", "help", "problem", "document")


def person_taken(alert: Alert, name: str) -> list[NewMessage]:
    """The person hears that someone took their case on (nothing once they erased their data).

    ``name`` is as she may be shown it: without a title (``recipients.name_for_person``).
    """
    if alert.user_id is None or alert.kind == "family":
        return []
    asked = alert.kind in ASKED_BY_PERSON
    message = to_person(
        f"alert:{alert.alert_id}:seen",
        alert.user_id,
        "case.person_taken" if asked else "case.person_taken_quiet",
        {"name": name},
        user_id=alert.user_id,
    )
    if not asked:  # she sent nothing: the way to ask is a button, which no lock screen shows
        message.payload["buttons"] = [["menu.sos", "sos:now"]]
    return [message]


def person_closed(alert: Alert, name: str, closings: int) -> list[NewMessage]:
    """The person hears it is closed, with "I still need help" while it stays closed."""
    if alert.user_id is None or alert.kind == "family":
        return []
    message = to_person(
        f"alert:{alert.alert_id}:closed:{closings}",
        alert.user_id,
        "case.person_closed",
        {"name": name},
        user_id=alert.user_id,
    )
    message.payload["reopen"] = True
    # Asked only of someone who asked for help themselves (not after a silence they never
    # raised): did they get what they needed? Counted in /report.
    message.payload["feedback"] = alert.kind in ASKED_BY_PERSON
    return [replace(message, ref_id=alert.alert_id)]


async def chiefs_of_case(context: BotContext, alert: Alert) -> list[int]:
    """The village's chiefs now who may be told of this case (not for a record only staff may
    know of; never a chief revoked since it was raised)."""
    if alert.kind != "family" and alert.user_id is not None:
        departure = (
            await context.store.departure(alert.departure_id) if alert.departure_id else None
        )
        if not await chiefs_may_know(context, alert.user_id, departure):
            return []
    return await leader_chats(context, alert.village_code)


def case_copies(
    alert: Alert, role: str, chats: list[int], header: str, suffix: str, **params: object
) -> list[NewMessage]:
    """New copies of a case (the card and its buttons) under a header, urgent."""
    payload = {"header": header, "header_params": dict(params)}
    return alert_copies(
        alert.alert_id, role, chats, user_id=alert.user_id, payload=payload, suffix=suffix
    )


async def reopened_copies(context: BotContext, alert: Alert, reopenings: int) -> list[NewMessage]:
    """The case again, as a new message, to the village's chiefs now and to staff: whoever
    handled it before may be gone, and a cry for help said again must reach someone."""
    suffix = f":reopened{reopenings}"
    chiefs = await chiefs_of_case(context, alert)
    return case_copies(alert, "leader", chiefs, "case.reopened_header", suffix) + case_copies(
        alert, "staff", staff_chats(context), "case.reopened_header", suffix
    )


def take_on_window(context: BotContext, alert: Alert) -> timedelta:
    config = context.services.config
    return take_on_within(alert.kind, alert.details, high=config.take_on_high, other=config.take_on)


async def remind_untaken(context: BotContext) -> int:
    """Cases nobody took on in time: every chief of the village and staff get the case again,
    under a reminder (staff for the first time, if it had not reached them yet), once per
    reminder however many sweeps race; then again after twice as long."""
    now = context.clock.now()
    count = 0
    for alert in await context.store.untaken_due(now):
        assert alert.take_on_due_at is not None
        window = take_on_window(context, alert)
        waited = max(1, round((now - alert.created_at).total_seconds() / 3600))
        suffix = f":untaken{alert.take_on_reminders + 1}"
        chiefs = await chiefs_of_case(context, alert)
        messages = case_copies(
            alert, "leader", chiefs, "case.take_on_header", suffix, hours=waited
        ) + case_copies(
            alert, "staff", staff_chats(context), "case.take_on_header", suffix, hours=waited
        )
        if alert.staff_told_at is None:  # the voices sent with it go to staff with it
            messages += await staff_voice_copies(context, alert)
        due = now + next_reminder(window, alert.take_on_reminders + 1)
        if await context.store.remind_untaken(
            alert.alert_id, alert.take_on_due_at, due, messages, staff_told=True
        ):
            log.info(
                "case_untaken alert=%s reminder=%s", alert.alert_id, alert.take_on_reminders + 1
            )
            count += 1
    return count


def handler_nudge(alert: Alert, number: int) -> list[NewMessage]:
    """ "How is case N going?" to the chat where it was taken on."""
    if alert.handler_chat_id is None:
        return []
    key = f"alert:{alert.alert_id}:nudge:{number}"
    return [
        NewMessage(
            key=key,
            group_key=key,
            kind="text",
            role="leader",
            chat_id=alert.handler_chat_id,
            ref_id=alert.alert_id,
            payload={"key": "case.nudge", "params": {"number": alert.alert_id}, "case": True},
        )
    ]


async def nudge_handlers(context: BotContext) -> int:
    """Cases taken on with no note for ``cases.note_reminder_after``: their handler is asked."""
    now, after = context.clock.now(), context.services.config.case_note_after
    count = 0
    for alert in await context.store.notes_due(now):
        assert alert.note_due_at is not None
        events = await context.store.case_events(alert.alert_id)
        number = sum(e.kind == "nudged" for e in events) + 1
        if await context.store.nudge_handler(
            alert.alert_id, alert.note_due_at, now + after, handler_nudge(alert, number)
        ):
            log.info("case_nudged alert=%s number=%s", alert.alert_id, number)
            count += 1
    return count
