"""Announcements, without a tap: one bulk row per person, each due inside their delivery hours.

The drainer sends bulk rows without waiting on the rate limiter's 429 pauses and always after
urgent ones, so an SOS raised during a large announcement is sent first. Each copy that
reaches someone, or cannot, is counted on the announcement; when none is left on its way, the
sweep tells the sender how many got it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from telegram import InlineKeyboardMarkup

from app.context import BotContext
from delivery.checkins import zone_of
from screens.announcement import announcement_screen
from storage.announcements import Recipient
from storage.outbox import BULK, NewMessage, OutboxRow

log = logging.getLogger(__name__)
# An announcement still not queued this long after it was made was cut short by a crash (its
# queuing takes seconds); younger ones may still be queuing in the handler right now.
RESUME_AFTER = timedelta(minutes=10)

Rendered = tuple[str, InlineKeyboardMarkup | None]


def announcement_messages(
    context: BotContext, announcement_id: int, recipients: Sequence[Recipient]
) -> list[NewMessage]:
    """One row per recipient, due at the next opening of the delivery hours where they are."""
    config, now = context.services.config, context.clock.now()
    group = f"announcement:{announcement_id}"
    messages = []
    for person in recipients:
        zone = zone_of(context, person.destination) if person.destination else config.timezone
        messages.append(
            NewMessage(
                key=f"{group}:{person.user_id}",
                group_key=group,
                kind="announcement",
                role=person.role,
                chat_id=person.user_id,
                priority=BULK,
                user_id=person.user_id,
                ref_id=announcement_id,
                due_at=config.window.next_opening(now, zone),
            )
        )
    return messages


async def render_announcement(context: BotContext, lang: str, row: OutboxRow) -> Rendered | None:
    """None when the person stopped announcements after it was queued (respected at once)."""
    announcement = await context.store.announcement(row.ref_id or 0)
    choice = await context.store.message_choice(row.chat_id)
    if announcement is None or (choice is not None and not choice.announcements):
        return None
    return announcement_screen(context, lang, announcement)


async def count_copy(context: BotContext, row: OutboxRow, *, reached: bool) -> None:
    if row.ref_id is not None:
        await context.store.count_announcement(row.ref_id, reached=reached)


async def queue_unfinished(context: BotContext) -> int:
    """Queues the rest of each announcement a crash cut short, to its audience as it is now.

    People already queued are not queued again (the row key), so nobody gets it twice; whoever
    joined or stopped since is counted as they are now, as if it had been sent now.
    """
    now = context.clock.now()
    cut_short = await context.store.unqueued_announcements(now - RESUME_AFTER)
    today = now.astimezone(context.services.config.timezone).date()
    for announcement in cut_short:
        recipients = await context.store.audience(announcement.area, announcement.audience, today)
        queued = await context.store.resume_announcement(
            announcement.announcement_id,
            recipients,
            lambda number, chunk: announcement_messages(context, number, chunk),
        )
        log.warning(
            "announcement_resumed announcement=%s count=%s", announcement.announcement_id, queued
        )
    return len(cut_short)


async def report_finished(context: BotContext) -> int:
    """Tells each sender, once nothing is left on its way, how many got their announcement."""
    count = 0
    for announcement in await context.store.finished_announcements():
        message = None
        if announcement.sent_by is not None:  # erased senders are not written to
            key = f"announcement:{announcement.announcement_id}:summary"
            message = NewMessage(
                key=key,
                group_key=key,
                kind="text",
                role="staff" if announcement.sender_role == "staff" else "leader",
                chat_id=announcement.sent_by,
                payload={
                    "key": "announce.summary",
                    "params": {
                        "number": announcement.announcement_id,
                        "planned": announcement.planned,
                        "reached": announcement.reached,
                        "unreached": announcement.unreached,
                        "skipped": max(
                            0, announcement.planned - announcement.reached - announcement.unreached
                        ),
                    },
                },
            )
        if await context.store.report_announcement(announcement.announcement_id, message):
            log.info(
                "announcement_finished announcement=%s reached=%s unreached=%s",
                announcement.announcement_id,
                announcement.reached,
                announcement.unreached,
            )
            count += 1
    return count
