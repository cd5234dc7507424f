"""The repeating sweep: one job looks in the database for whatever has fallen due.

Jobs live only in memory, so nothing may live only in a job: each sweep reads what is due from
the database, acts, and records that it acted, so a restart or an overlapping run repeats
nothing.
"""

from __future__ import annotations

import logging

from app.context import BotContext
from app.invites import FAILED_INVITE_WINDOW
from conversations.alerts import escalate_alerts
from conversations.checkin_plan import follow_up_silence, send_due_checkins, settle_stale_claims
from conversations.drafts import expire_drafts
from conversations.notices import escalate_unacknowledged
from storage.base import database_problem

log = logging.getLogger(__name__)


async def sweep(context: BotContext) -> None:
    """Runs every due task once; one failing task does not stop the others."""
    for task in (
        settle_stale_claims,
        send_due_checkins,
        follow_up_silence,
        escalate_alerts,
        escalate_unacknowledged,
        forget_old_invite_tries,
        expire_drafts,
    ):
        try:
            await task(context)
        except Exception as error:
            problem = database_problem(error)
            if problem is None:
                log.exception("sweep_task_failed task=%s", task.__name__)
            else:
                # Locked, read-only, full: one line per task and tick, no traceback. What is due
                # stays due in the database, so the next tick does it once the database is back.
                log.error("sweep_task_failed task=%s %s", task.__name__, problem)


async def forget_old_invite_tries(context: BotContext) -> None:
    """Keeps failed invite tries only while they count against guessing (collect little)."""
    forgotten = await context.store.forget_failed_invites(
        context.clock.now() - FAILED_INVITE_WINDOW
    )
    if forgotten:
        log.info("invite_tries_forgotten count=%s", forgotten)
