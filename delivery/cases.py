"""What a case's changes send: the person's word, the handler's reminder, a reopened case.

The words fit what happened: after a silence or an unreachable alert the person sent nothing,
so "someone saw your message" would be false; and a shared phone may show any of it, so none
of it names the trouble.
"""

from __future__ import annotations

import logging

from app.context import BotContext
from delivery.alerting import URGENT_KINDS
from delivery.recipients import copies, leader_chats, staff_chats, to_person
from storage.outbox import URGENT, NewMessage
from storage.rows import Alert

log = logging.getLogger(__name__)
# The person raised these themselves and is waiting to hear; for the others (a silence, an
# unreachable phone) they hear that someone will try to reach them.
ASKED_BY_PERSON = ("sos", "help", "problem", "document")


def person_taken(alert: Alert, name: str) -> list[NewMessage]:
    """The person hears that someone took their case on (nothing once they erased their data)."""
    if alert.user_id is None or alert.kind == "family":
        return []
    key = "case.person_taken" if alert.kind in ASKED_BY_PERSON else "case.person_taken_quiet"
    return [
        to_person(
            f"alert:{alert.alert_id}:seen",
            alert.user_id,
            key,
            {"name": name},
            user_id=alert.user_id,
        )
    ]


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
    return [
        NewMessage(
            key=message.key,
            group_key=message.group_key,
            kind=message.kind,
            role=message.role,
            chat_id=message.chat_id,
            user_id=message.user_id,
            ref_id=alert.alert_id,
            payload=message.payload,
        )
    ]


async def reopened_copies(context: BotContext, alert: Alert, reopenings: int) -> list[NewMessage]:
    """The case again, to whoever handled it; to the village's leaders (and staff) if nobody did."""
    group, suffix = f"alert:{alert.alert_id}", f":reopened{reopenings}"

    def to(role: str, chats: list[int]) -> list[NewMessage]:
        return copies(
            group,
            "alert",
            role,
            chats,
            priority=URGENT,
            user_id=alert.user_id,
            ref_id=alert.alert_id,
            payload={"header": "case.reopened_header"},
            suffix=suffix,
        )

    if alert.handler_chat_id is not None:
        staff = alert.handler_chat_id in staff_chats(context)
        return to("staff" if staff else "leader", [alert.handler_chat_id])
    leaders = await leader_chats(context, alert.village_code)
    found = to("leader", leaders)
    if alert.kind in URGENT_KINDS or not leaders:
        found += to("staff", staff_chats(context))
    return found


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
