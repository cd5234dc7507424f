"""The repeating sweep: one job looks in the database for whatever has fallen due.

Jobs live only in memory, so nothing may live only in a job: each sweep reads what is due from
the database, acts, and records that it acted, so a restart or an overlapping run repeats
nothing. What it decides to send goes into the outbox; the drainer sends it, urgent first.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from access.invites import FAILED_INVITE_WINDOW
from app.context import BotContext
from delivery.alerting import escalate_alerts
from delivery.announcements import queue_unfinished, report_finished
from delivery.assisted import expire_assisted
from delivery.cases import nudge_handlers, remind_untaken
from delivery.checkins import follow_up_problems, follow_up_silence, queue_due_checkins
from delivery.documents import queue_due_document_reminders
from delivery.drainer import drain
from delivery.notices import escalate_unacknowledged
from delivery.reconcile import reconcile
from delivery.refreshers import queue_due_refreshers
from storage.base import database_problem

log = logging.getLogger(__name__)
Task = Callable[[BotContext], Awaitable[None]]
OUTBOX_KEPT = timedelta(days=30)
HOURLY_KEY = "hourly_tasks"  # bot_data: when each hourly task last ran
# bot_data: the handlers' own hourly tasks (forms left untouched expire), given by the
# composition root (app/factory.py), so that delivery never imports the handlers' room.
FORM_TASKS_KEY = "form_tasks"


async def sweep(context: BotContext) -> None:
    """Runs every due task once, then sends what they queued; one failing does not stop others."""
    form_tasks: tuple[Task, ...] = context.application.bot_data.get(FORM_TASKS_KEY, ())
    for task in (
        reconcile,
        queue_due_checkins,
        queue_due_document_reminders,
        follow_up_silence,
        follow_up_problems,
        remind_untaken,  # before escalate_alerts: it tells staff of those it reminds of
        escalate_alerts,
        nudge_handlers,
        escalate_unacknowledged,
        forget_old_invite_tries,
        expire_assisted,
        *form_tasks,
        forget_old_outbox,
        queue_due_refreshers,
        queue_unfinished,
        drain,
        report_finished,
    ):
        if (task in HOURLY or task in form_tasks) and not _hour_since_last(context, task.__name__):
            continue
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


def _hour_since_last(context: BotContext, name: str) -> bool:
    """True (and noted) when ``name`` last ran an hour ago or more, or never since the start."""
    last: dict[str, datetime] = context.application.bot_data.setdefault(HOURLY_KEY, {})
    now = context.clock.now()
    if name in last and now - last[name] < timedelta(hours=1):
        return False
    last[name] = now
    return True


async def drain_job(context: BotContext) -> None:
    """The outbox's own tick, more often than the sweep: retries go out when they fall due."""
    try:
        await drain(context)
    except Exception as error:
        problem = database_problem(error)
        if problem is None:
            log.exception("drain_failed")
        else:
            log.error("drain_failed %s", problem)


async def forget_old_outbox(context: BotContext) -> None:
    """Delivered (or given up) messages are kept 30 days, then forgotten."""
    forgotten = await context.store.forget_old_outbox(context.clock.now() - OUTBOX_KEPT)
    if forgotten:
        log.info("outbox_forgotten count=%s", forgotten)


async def forget_old_invite_tries(context: BotContext) -> None:
    """Keeps failed invite tries only while they count against guessing (collect little)."""
    forgotten = await context.store.forget_failed_invites(
        context.clock.now() - FAILED_INVITE_WINDOW
    )
    if forgotten:
        log.info("invite_tries_forgotten count=%s", forgotten)


# Clearing old rows reads whole tables: once an hour is soon enough, and keeps the sweep flat.
HOURLY = frozenset({forget_old_outbox})
