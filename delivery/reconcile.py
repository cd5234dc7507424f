"""The reconciler: repairs what a crash or an old version can leave half done, and says so.

Run by every sweep. Each repair is counted in the log and kept for /status.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from app.context import BotContext
from delivery.alerting import escalate_to_staff
from delivery.checkins import upcoming
from delivery.drainer import recover_claims
from delivery.notices import build_notices, notice_messages
from delivery.recipients import alert_copies, leader_chats, staff_chats
from delivery.rules import prompt_went_out
from domain.departure import staff_only
from storage.outbox import NewMessage
from storage.rows import Alert, Checkin

log = logging.getLogger(__name__)
REPAIRS_KEY = "reconciler_repairs"  # bot_data: repairs since start, by kind, for /status
QUEUED_TOO_LONG = timedelta(minutes=10)
FULL_EVERY = timedelta(hours=1)
LAST_FULL_KEY = "reconciled_at"  # bot_data: when the full check last ran


async def reconcile(context: BotContext) -> dict[str, int]:
    """Finds and repairs: dead claims, trips with no check-in, prompts lost between tables,
    alerts that reached nobody. Returns the repairs made (kind -> count)."""
    store = context.store
    now = context.clock.now()
    started = context.application.bot_data.get("started_at", now)
    repairs = {"claims": await recover_claims(context, started)}
    # The rest reads every active trip: once at start, then hourly, not at every sweep, so
    # the sweep stays flat however many trips there are (benchmarks/sweep_scale.py).
    last = context.application.bot_data.get(LAST_FULL_KEY)
    if last is not None and now - last < FULL_EVERY:
        return _count(context, repairs)
    context.application.bot_data[LAST_FULL_KEY] = now
    planned = 0
    for departure_id in await store.departures_without_checkin():
        departure = await store.departure(departure_id)
        if departure is not None:
            nxt = upcoming(context, departure, _last_number(await store.checkins_of(departure_id)))
            if await store.plan_checkin(
                departure_id, departure.user_id, nxt.number, nxt.catch_up, nxt.due
            ):
                planned += 1
    repairs["checkins_planned"] = planned
    settled = 0
    for checkin in await store.queued_checkins_without_message(
        context.clock.now() - QUEUED_TOO_LONG
    ):
        # Its outbox row was sent but what follows was cut off, or an older version claimed it
        # and died: it counts as sent (at most once), its silence clock starts, the next is
        # planned.
        await prompt_went_out(context, checkin.checkin_id, None)
        settled += 1
    repairs["checkins_settled"] = settled
    today = now.astimezone(context.services.config.timezone).date().isoformat()
    unreached = 0
    for alert in await store.alerts_reaching_nobody():
        # Every copy failed for good (blocked, the staff group gone): staff if not yet asked,
        # else everyone who could help now, once a day, until someone has it or it is closed.
        if alert.staff_told_at is None and staff_chats(context):
            await escalate_to_staff(context, alert, claimed=False)
        else:
            await store.enqueue(await _alert_again(context, alert, today))
        unreached += 1
    repairs["alerts_retried"] = unreached
    unnoticed = 0
    for departure in await store.departures_unnoticed():
        alone = staff_only(departure.reason)
        leaders, staff = await notice_messages(context, departure.village_code, chiefs=not alone)
        again = [
            replace(m, key=f"{m.key}:again:{today}")
            for m in build_notices(
                departure.departure_id, departure.user_id, leaders, staff, staff_only=alone
            )
        ]
        if await store.enqueue(again):
            unnoticed += 1
    repairs["notices_retried"] = unnoticed
    return _count(context, repairs)


async def _alert_again(context: BotContext, alert: Alert, today: str) -> list[NewMessage]:
    leaders = await leader_chats(context, alert.village_code)
    return [
        replace(m, key=f"{m.key}:again:{today}")
        for role, chats in (("leader", leaders), ("staff", staff_chats(context)))
        for m in alert_copies(alert.alert_id, role, chats, user_id=alert.user_id)
    ]


def _count(context: BotContext, repairs: dict[str, int]) -> dict[str, int]:
    done = {kind: count for kind, count in repairs.items() if count}
    if done:
        log.warning("reconciled %s", " ".join(f"{k}={v}" for k, v in sorted(done.items())))
        totals = context.application.bot_data.setdefault(REPAIRS_KEY, {})
        for kind, count in done.items():
            totals[kind] = totals.get(kind, 0) + count
    return done


def _last_number(checkins: list[Checkin]) -> int | None:
    """The ladder position of the last prompt that went out (None: none did)."""
    numbers = [c.number for c in checkins if c.status in ("sent", "answered", "failed")]
    return max(numbers) if numbers else None
