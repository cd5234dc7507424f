"""The repeating sweep: one job looks in the database for whatever has fallen due.

Jobs live only in memory, so nothing may live only in a job: each sweep reads what is due from
the database, acts, and records that it acted, so a restart or an overlapping run repeats
nothing.
"""

from __future__ import annotations

import logging

from app.context import BotContext
from conversations.notices import escalate_unacknowledged

log = logging.getLogger(__name__)


async def sweep(context: BotContext) -> None:
    """Runs every due task once; one failing task does not stop the others."""
    for task in (escalate_unacknowledged,):
        try:
            await task(context)
        except Exception:
            log.exception("sweep_task_failed task=%s", task.__name__)
