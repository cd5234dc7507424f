"""Refreshers, without a tap: due ones are picked for the person's stage and queued (bulk).

Only people who said yes get them. Each goes out within delivery hours in the person's zone
(where they are away, else at home), never more often than ``refreshers.every`` (at least a
week). The words are rendered when the row is sent, from existing content (screens/
refreshers.py), and not at all if the person stopped them meanwhile. Every one opens
with the same neutral line and a "Read" button, whatever the stage: the lock screen of a shared
phone shows no lesson title (review N8).
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from app.context import BotContext
from delivery.checkins import zone_of
from domain.refreshers import Stage, Trip, pick, stage_of
from screens.refreshers import Rendered, neutral_screen
from storage.outbox import BULK, NewMessage, OutboxRow

log = logging.getLogger(__name__)
BATCH = 500  # people looked at per sweep; the rest are still due at the next one


def known_items(context: BotContext) -> set[str]:
    """Every item content has: lessons, stories, the countries with numbers."""
    awareness = context.content.awareness
    return (
        {f"lesson:{lesson.id}" for lesson in awareness.lessons}
        | {f"story:{story.id}" for story in awareness.stories}
        | {f"help:{country.code}" for country in context.content.contacts.countries}
    )


async def stage_now(context: BotContext, user_id: int, today: date) -> Stage:
    departures = await context.store.departures_of(user_id)
    return stage_of([Trip(d.status, d.depart_on, d.destination) for d in departures], today)


async def queue_due_refreshers(context: BotContext) -> int:
    """Queues one refresher for each person whose turn has come; returns how many."""
    store, config = context.store, context.services.config
    now = context.clock.now()
    countries = [c.code for c in context.content.contacts.countries]
    known = known_items(context)
    queued = 0
    for user_id in await store.due_refreshers(now, BATCH):
        stage = await stage_now(context, user_id, now.astimezone(config.timezone).date())
        item = pick(
            stage,
            lessons_finished=set((await store.learning(user_id)).lessons_finished),
            already_sent=await store.refresher_items_sent(user_id),
            known=known,
            countries=countries,
        )
        zone = zone_of(context, stage.destination) if stage.destination else config.timezone
        due = config.window.next_opening(now, zone)  # never at night where they are

        def message(refresher_id: int, user_id: int = user_id, due: datetime = due) -> NewMessage:
            return NewMessage(
                key=f"refresher:{refresher_id}",
                group_key=f"refresher:{refresher_id}",
                kind="refresher",
                role="person",
                chat_id=user_id,
                priority=BULK,
                user_id=user_id,
                ref_id=refresher_id,
                due_at=due,
            )

        if await store.queue_refresher(
            user_id, item, stage.name, message, now + config.refresher_every
        ):
            log.info("refresher_queued user=%s item=%s stage=%s", user_id, item, stage.name)
            queued += 1
    return queued


async def render_refresher(context: BotContext, lang: str, row: OutboxRow) -> Rendered | None:
    """The refresher as it is sent; None when the person stopped them or erased their data."""
    refresher = await context.store.refresher(row.ref_id or 0)
    choice = await context.store.message_choice(row.chat_id)
    if refresher is None or choice is None or not choice.refreshers:
        return None
    # Neutral until tapped, at every stage (review N8): away, an employer may read over the
    # shoulder; before leaving, a shared family phone's lock screen would show "Before you
    # leave" or "Passport" to someone she may be leaving quietly. item_screen opens on "Read".
    return neutral_screen(context, lang, refresher.refresher_id)
