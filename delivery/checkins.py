"""Check-in prompts: planned from the departure's own dates, queued when due, followed up.

The schedule is derived: the next prompt is computed from the departure and the prompt before,
and a unique index keeps one live prompt per departure, so planning twice cannot fork it. A due
prompt moves into the outbox in one transaction; the drainer sends it (at most once) and, once
Telegram has taken it, the next one is planned (``delivery/rules.py``).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from app.context import BotContext
from delivery.alerting import queue_alert
from domain.schedule import Next, next_checkin
from screens.buttons import keyboard
from storage.outbox import BULK, NewMessage
from storage.rows import Checkin, Departure

log = logging.getLogger(__name__)
ANSWERS = ("fine", "problem", "help", "home")


def zone_of(context: BotContext, destination: str) -> ZoneInfo:
    zones = context.services.config.time_zones
    key = "KH" if destination.startswith("KH_") else destination
    return zones.get(key, zones["OTHER"])


def upcoming(context: BotContext, departure: Departure, after_number: int | None) -> Next:
    """The prompt after number ``after_number`` (the first one when None), from the settings."""
    return upcoming_for(context, departure.arrive_on, departure.destination, after_number)


def upcoming_for(
    context: BotContext, arrive_on: date, destination: str, after_number: int | None
) -> Next:
    config = context.services.config
    return next_checkin(
        arrive_on,
        config.ladder,
        config.window,
        zone_of(context, destination),
        now=context.clock.now(),
        after_number=after_number,
    )


def prompt(
    context: BotContext, lang: str, checkin_id: int, *, reminder: bool
) -> tuple[str, InlineKeyboardMarkup]:
    """The check-in message: neutral words, safe if someone reads over the shoulder."""
    t = context.content.texts
    rows = [[(t.raw(lang, f"checkin.answer.{a}"), f"ci:{checkin_id}:{a}")] for a in ANSWERS]
    key = "checkin.reminder" if reminder else "checkin.prompt"
    return t.get(lang, key), keyboard(rows)


def next_step(context: BotContext, departure: Departure, after: timedelta) -> datetime:
    """``after`` from now, moved to the next delivery window in the person's time zone."""
    window = context.services.config.window
    return window.next_opening(context.clock.now() + after, zone_of(context, departure.destination))


def prompt_message(checkin: Checkin, *, reminder: int = 0) -> NewMessage:
    kind = "reminder" if reminder else "checkin"
    key = f"checkin:{checkin.checkin_id}" + (f":reminder:{reminder}" if reminder else "")
    return NewMessage(
        key=key,
        group_key=f"departure:{checkin.departure_id}:checkins",
        kind=kind,
        role="person",
        chat_id=checkin.user_id,
        priority=BULK,
        user_id=checkin.user_id,
        ref_id=checkin.checkin_id,
    )


async def queue_due_checkins(context: BotContext) -> int:
    """Moves every due prompt inside its delivery window into the outbox; returns how many."""
    now = context.clock.now()
    config = context.services.config
    queued = 0
    for checkin in await context.store.due_checkins(now):
        departure = await context.store.departure(checkin.departure_id)
        if departure is None or departure.status != "active":
            await context.store.cancel_planned(checkin.departure_id)
            continue
        zone = zone_of(context, departure.destination)
        if not config.window.contains(now, zone):  # never at night: wait for the morning
            await context.store.postpone_checkin(
                checkin.checkin_id, config.window.next_opening(now, zone), failed_try=False
            )
            continue
        if await context.store.queue_checkin(checkin.checkin_id, prompt_message(checkin)):
            queued += 1
    if queued:
        log.info("checkins_queued count=%s", queued)
    return queued


async def follow_up_silence(context: BotContext) -> int:
    """No answer: a reminder, a second reminder, then an alert to the leader (staff later)."""
    config = context.services.config
    steps = 0
    for checkin in await context.store.waiting_checkins(context.clock.now()):
        departure = await context.store.departure(checkin.departure_id)
        if departure is None or departure.status != "active":
            await context.store.cancel_planned(checkin.departure_id)
            continue
        zone = zone_of(context, departure.destination)
        if not config.window.contains(context.clock.now(), zone):
            continue  # reminders wait for the window too; the step stays due
        if checkin.reminders < 2:
            number = checkin.reminders + 1
            after = config.reminder_after if checkin.reminders == 0 else config.leader_after
            # The step and its reminder are one row change: a crash cannot send it twice.
            if not await context.store.record_silence_step(
                checkin.checkin_id,
                number,
                next_step(context, departure, after),
                prompt_message(checkin, reminder=number),
            ):
                continue
            log.info("checkin_reminder_queued checkin=%s number=%s", checkin.checkin_id, number)
        else:
            if not await context.store.record_silence_step(checkin.checkin_id, 3, None, None):
                continue
            await _alert_leader(context, "silence", checkin, departure)
        steps += 1
    return steps


async def follow_up_problems(context: BotContext) -> int:
    """ "A problem", then nothing named: the leader hears of it, as they would of a silence."""
    count = 0
    for checkin in await context.store.unnamed_problems(context.clock.now()):
        if not await context.store.end_follow_up(checkin.checkin_id):
            continue
        named = await context.store.checkin_problems(checkin.checkin_id)
        if named or await context.store.alert_for_checkin(checkin.checkin_id, "problem"):
            continue  # they said what it is (advice given; serious ones alerted at once)
        departure = await context.store.departure(checkin.departure_id)
        if departure is None or departure.status != "active":
            continue
        await _alert_leader(context, "problem", checkin, departure)
        count += 1
    return count


async def _alert_leader(
    context: BotContext, kind: str, checkin: Checkin, departure: Departure
) -> None:
    """The follow-up of a check-in ran out: a case for its leader, queued like any other."""
    await queue_alert(
        context,
        kind,
        checkin.user_id,
        departure=departure,
        checkin_id=checkin.checkin_id,
        claimed=False,
    )
