"""Planning check-ins and sending them: the sweep's work, at most once per prompt.

A prompt is claimed in the database before it is sent and confirmed after, so a restart or an
overlapping sweep never sends it twice. A send that fails for a passing reason (network,
Telegram busy) is released and tried again later; one the person can no longer receive (they
blocked the bot, or deleted their account) raises an alert instead of silently stopping.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from app.context import BotContext
from conversations.alerts import raise_alert
from conversations.notify import language_of_user
from conversations.ui import keyboard
from domain.schedule import next_checkin
from storage.rows import Checkin, Departure

log = logging.getLogger(__name__)
ANSWERS = ("fine", "problem", "help", "home")
STALE_CLAIM = timedelta(minutes=5)


def zone_of(context: BotContext, destination: str) -> ZoneInfo:
    zones = context.services.config.time_zones
    key = "KH" if destination.startswith("KH_") else destination
    return zones.get(key, zones["OTHER"])


async def plan_next(
    context: BotContext, departure: Departure, after_number: int | None
) -> int | None:
    """Plans the departure's next prompt (the first one when ``after_number`` is None)."""
    if departure.status != "active":
        return None
    config = context.services.config
    upcoming = next_checkin(
        departure.arrive_on,
        config.ladder,
        config.window,
        zone_of(context, departure.destination),
        now=context.clock.now(),
        after_number=after_number,
    )
    checkin_id = await context.store.plan_checkin(
        departure.departure_id, departure.user_id, upcoming.number, upcoming.catch_up, upcoming.due
    )
    log.info(
        "checkin_planned checkin=%s departure=%s catch_up=%s",
        checkin_id,
        departure.departure_id,
        upcoming.catch_up,
    )
    return checkin_id


async def replan(context: BotContext, departure_id: int) -> None:
    """New dates: what has not gone out is planned again from the new arrival date."""
    await context.store.cancel_planned(departure_id)
    departure = await context.store.departure(departure_id)
    if departure is not None:
        await plan_next(context, departure, None)


def prompt(
    context: BotContext, lang: str, checkin_id: int, *, reminder: bool
) -> tuple[str, InlineKeyboardMarkup]:
    """The check-in message: neutral words, safe if someone reads over the shoulder."""
    t = context.content.texts
    rows = [[(t.raw(lang, f"checkin.answer.{a}"), f"ci:{checkin_id}:{a}")] for a in ANSWERS]
    key = "checkin.reminder" if reminder else "checkin.prompt"
    return t.get(lang, key), keyboard(rows)


def _next_step(context: BotContext, departure: Departure, after: timedelta) -> datetime:
    """``after`` from now, moved to the next delivery window in the person's time zone."""
    window = context.services.config.window
    return window.next_opening(context.clock.now() + after, zone_of(context, departure.destination))


async def send_due_checkins(context: BotContext) -> int:
    """Sends every due prompt inside its delivery window; returns how many went out."""
    now = context.clock.now()
    config = context.services.config
    sent = 0
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
        if not await context.store.claim_checkin(checkin.checkin_id):
            continue  # another sweep has it
        lang = await language_of_user(context, checkin.user_id)
        text, markup = prompt(context, lang, checkin.checkin_id, reminder=False)
        try:
            message = await context.bot.send_message(checkin.user_id, text, reply_markup=markup)
        except (Forbidden, BadRequest):  # blocked, deleted, or no such chat: it will not heal
            await _unreachable(context, checkin, departure)
            continue
        except TimedOut:
            # Telegram most likely delivered it and only its answer was late. Like a send cut off
            # by a crash, it counts as sent and is not sent again; the reminders cover it.
            message = None
            log.warning("checkin_send_timed_out checkin=%s", checkin.checkin_id)
        except RetryAfter as busy:
            delay = (
                busy.retry_after
                if isinstance(busy.retry_after, timedelta)
                else timedelta(seconds=busy.retry_after)
            )
            await context.store.postpone_checkin(checkin.checkin_id, now + delay, failed_try=True)
            log.warning("checkin_retry_after checkin=%s", checkin.checkin_id)
            continue
        except (NetworkError, TelegramError) as error:
            await context.store.postpone_checkin(
                checkin.checkin_id, now + config.retry_after, failed_try=True
            )
            log.warning(
                "checkin_send_failed checkin=%s error=%s", checkin.checkin_id, type(error).__name__
            )
            continue
        await context.store.mark_checkin_sent(
            checkin.checkin_id,
            message.message_id if message is not None else None,
            _next_step(context, departure, config.reminder_after),
        )
        log.info("checkin_sent checkin=%s departure=%s", checkin.checkin_id, departure.departure_id)
        await plan_next(context, departure, checkin.number)
        sent += 1
    return sent


async def _unreachable(context: BotContext, checkin: Checkin, departure: Departure) -> None:
    """The person blocked the bot or is gone: silence is a safety signal, so it escalates."""
    await context.store.mark_checkin_failed(checkin.checkin_id)
    log.warning(
        "checkin_unreachable checkin=%s departure=%s", checkin.checkin_id, departure.departure_id
    )
    await raise_alert(
        context, "blocked", checkin.user_id, departure=departure, checkin_id=checkin.checkin_id
    )
    await plan_next(context, departure, checkin.number)  # keep trying: they may unblock


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
            after = config.reminder_after if checkin.reminders == 0 else config.leader_after
            # The step is recorded first, so a crash cannot send the same reminder twice.
            if not await context.store.record_silence_step(
                checkin.checkin_id,
                checkin.reminders + 1,
                _next_step(context, departure, after),
                None,
            ):
                continue
            lang = await language_of_user(context, checkin.user_id)
            text, markup = prompt(context, lang, checkin.checkin_id, reminder=True)
            try:
                message = await context.bot.send_message(checkin.user_id, text, reply_markup=markup)
            except Forbidden:
                await _unreachable(context, checkin, departure)
                continue
            except TelegramError as error:
                log.warning(
                    "reminder_failed checkin=%s error=%s", checkin.checkin_id, type(error).__name__
                )
                continue
            await context.store.add_message_to_checkin(checkin.checkin_id, message.message_id)
            log.info(
                "checkin_reminder checkin=%s number=%s", checkin.checkin_id, checkin.reminders + 1
            )
        else:
            if not await context.store.record_silence_step(checkin.checkin_id, 3, None, None):
                continue
            await raise_alert(
                context,
                "silence",
                checkin.user_id,
                departure=departure,
                checkin_id=checkin.checkin_id,
            )
        steps += 1
    return steps


async def settle_stale_claims(context: BotContext) -> int:
    """Prompts whose sending was cut off (the process died): counted as sent, never resent.

    Telegram cannot tell us whether the message arrived; sending again could show it twice. The
    reminders that follow cover a prompt that never arrived.
    """
    count = 0
    config = context.services.config
    for checkin in await context.store.stale_claims(context.clock.now() - STALE_CLAIM):
        departure = await context.store.departure(checkin.departure_id)
        if departure is None:
            continue
        await context.store.mark_checkin_sent(
            checkin.checkin_id, None, _next_step(context, departure, config.reminder_after)
        )
        await plan_next(context, departure, checkin.number)
        log.warning("checkin_claim_settled checkin=%s", checkin.checkin_id)
        count += 1
    return count
