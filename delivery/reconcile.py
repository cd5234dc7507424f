"""The reconciler: repairs what a crash or an old version can leave half done, and says so.

Run by every sweep. Each repair is counted in the log and kept for /status.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from app.context import BotContext
from delivery.alerting import escalate_to_staff
from delivery.checkins import upcoming
from delivery.drainer import recover_claims
from delivery.recipients import staff_chats
from delivery.rules import prompt_went_out

log = logging.getLogger(__name__)
REPAIRS_KEY = "reconciler_repairs"  # bot_data: repairs since start, by kind, for /status
QUEUED_TOO_LONG = timedelta(minutes=10)


async def reconcile(context: BotContext) -> dict[str, int]:
    """Finds and repairs: dead claims, trips with no check-in, prompts lost between tables,
    alerts that reached nobody. Returns the repairs made (kind -> count)."""
    store = context.store
    started = context.application.bot_data.get("started_at", context.clock.now())
    repairs = {"claims": await recover_claims(context, started)}
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
    unreached = 0
    if staff_chats(context):
        for alert in await store.alerts_reaching_nobody():
            if alert.staff_told_at is None:
                await escalate_to_staff(context, alert, claimed=False)
                unreached += 1
    repairs["alerts_to_staff"] = unreached
    done = {kind: count for kind, count in repairs.items() if count}
    if done:
        log.warning("reconciled %s", " ".join(f"{k}={v}" for k, v in sorted(done.items())))
        totals = context.application.bot_data.setdefault(REPAIRS_KEY, {})
        for kind, count in done.items():
            totals[kind] = totals.get(kind, 0) + count
    return done


def _last_number(checkins: list) -> int | None:  # type: ignore[type-arg]
    """The ladder position of the last prompt that went out (None: none did)."""
    numbers = [c.number for c in checkins if c.status in ("sent", "answered", "failed")]
    return max(numbers) if numbers else None
