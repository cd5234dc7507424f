"""What follows a message that Telegram took, or one that cannot be delivered.

Each function returns the ids of rows it queued claimed, for the drainer to send at once.
"""

from __future__ import annotations

import logging

from app.context import BotContext
from delivery.alerting import RAISED_BY_PERSON, escalate_to_staff, queue_alert
from delivery.announcements import count_copy
from delivery.checkins import next_step, upcoming
from delivery.documents import reminder_went_out
from delivery.recipients import copies, staff_chats, tell_reached_later, to_person
from delivery.voice_copies import KIND, voice_reached_later
from storage.outbox import OutboxRow

log = logging.getLogger(__name__)
ALIVE = ("pending", "sending", "sent")


async def on_sent(context: BotContext, row: OutboxRow, message_id: int | None) -> list[int]:
    store = context.store
    if row.kind == "alert" and row.ref_id is not None:
        if message_id is not None:
            await store.record_alert_message(row.ref_id, row.chat_id, message_id, row.role)
        return await _reached_later(context, row)
    if row.kind == "location" and row.ref_id is not None and message_id is not None:
        await store.record_location_copy(row.ref_id, row.chat_id, message_id)
        # Telegram does not say who opened a pin: delivered into their chat is what is known.
        await store.record_view(row.chat_id, "location", alert_id=row.ref_id)
    if row.kind == KIND:  # a person's voice answer that reached nobody at first
        voice = await store.voice_answer(row.ref_id or 0)
        if voice is not None and row.role != "person":
            await store.record_view(row.chat_id, "voice", alert_id=voice.alert_id)
        return await voice_reached_later(context, row)
    if row.kind == "notice" and row.ref_id is not None and message_id is not None:
        await store.record_notice(row.ref_id, row.chat_id, message_id)
    elif row.kind == "checkin" and row.ref_id is not None:
        await prompt_went_out(context, row.ref_id, message_id)
    elif row.kind == "reminder" and row.ref_id is not None and message_id is not None:
        await store.add_message_to_checkin(row.ref_id, message_id)
    elif row.kind == "document" and row.ref_id is not None:
        await reminder_went_out(context, row.ref_id, message_id, delivered=True)
    elif row.kind == "refresher" and row.ref_id is not None:
        await store.refresher_sent(row.ref_id)
    elif row.kind == "announcement":
        await count_copy(context, row, reached=True)
    return []


async def on_gone(context: BotContext, row: OutboxRow) -> list[int]:
    """The message cannot reach its chat: the rule of its kind runs (never a silent stop)."""
    if row.kind in ("card", "unpin", "location"):
        # An edit of a deleted message, a chat gone: the case itself reached them (or staff)
        # already, so nothing falls back; a pin that failed is still in the case's history.
        log.warning("copy_not_delivered outbox=%s kind=%s", row.outbox_id, row.kind)
        return []
    if row.kind in ("checkin", "reminder") and row.ref_id is not None:
        await _person_unreachable(context, row.ref_id, prompt=row.kind == "checkin")
        return []
    if row.kind == "document" and row.ref_id is not None:
        # The check-ins of the same person raise the "cannot be reached" alert; the dates'
        # plan goes on (they may unblock).
        await reminder_went_out(context, row.ref_id, None, delivered=False)
        return []
    if row.kind == "announcement":  # counted; a blocked bot stops nothing else here
        await count_copy(context, row, reached=False)
        return []
    if row.kind in ("refresher", "broker_pattern"):
        return []
    if row.role != "leader":
        if row.role == "staff":
            log.error("staff_unreachable outbox=%s kind=%s", row.outbox_id, row.kind)
        return []
    group = await context.store.outbox_group(row.group_key)
    if any(r.role == "leader" and r.status in ALIVE for r in group):
        return []  # another leader of the village has it, or will
    if row.kind == "alert" and row.ref_id is not None:
        alert = await context.store.alert(row.ref_id)
        if alert is None:
            return []
        return await escalate_to_staff(context, alert, claimed=True)
    if row.kind == "notice" or row.payload.get("fallback"):
        payload = dict(row.payload)
        if row.kind == "notice":
            payload["header"] = "notice.leader_unreached"
        messages = copies(
            row.group_key,
            row.kind,
            "staff",
            staff_chats(context),
            user_id=row.user_id,
            ref_id=row.ref_id,
            payload=payload,
            suffix=":fallback",
        )
        log.warning("leaders_unreachable group=%s fallback=staff", row.group_key)
        return await context.store.enqueue(messages, claimed=True)
    return []


async def _reached_later(context: BotContext, row: OutboxRow) -> list[int]:
    """A cry for help that reached nobody at first has now: the person hears it."""
    if row.attempts == 0 or row.ref_id is None:
        return []
    alert = await context.store.alert(row.ref_id)
    if alert is None or alert.user_id is None or alert.kind not in RAISED_BY_PERSON:
        return []
    person, key = alert.user_id, f"alert:{alert.alert_id}:reached_later"
    message = to_person(key, person, "sos.reached_later", {}, user_id=person)
    return await tell_reached_later(context, row, message)


async def prompt_went_out(context: BotContext, checkin_id: int, message_id: int | None) -> None:
    store, config = context.store, context.services.config
    checkin = await store.checkin(checkin_id)
    departure = await store.departure(checkin.departure_id) if checkin else None
    if checkin is None or departure is None:
        return
    following = upcoming(context, departure, checkin.number)
    if await store.checkin_went_out(
        checkin_id, message_id, next_step(context, departure, config.reminder_after), following
    ):
        log.info("checkin_sent checkin=%s departure=%s", checkin_id, departure.departure_id)


async def _person_unreachable(context: BotContext, checkin_id: int, *, prompt: bool) -> None:
    """Blocked or gone: silence is a safety signal, so it escalates (once per prompt)."""
    store = context.store
    checkin = await store.checkin(checkin_id)
    departure = await store.departure(checkin.departure_id) if checkin else None
    if checkin is None or departure is None:
        return
    # After a prompt the next one is still planned (they may unblock); after a reminder it
    # was planned when the prompt went out.
    following = upcoming(context, departure, checkin.number) if prompt else None
    await store.checkin_unreachable(checkin_id, following)
    log.warning("checkin_unreachable checkin=%s departure=%s", checkin_id, departure.departure_id)
    if departure.status != "active" or await store.alert_for_checkin(checkin_id, "blocked"):
        return
    await queue_alert(
        context,
        "blocked",
        checkin.user_id,
        departure=departure,
        checkin_id=checkin_id,
        claimed=False,
    )
