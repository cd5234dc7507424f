"""Alerts: someone asked for help, named a serious problem, or went silent.

An alert goes to the village's leaders, and to staff at once for a cry for help (``sos`` and
``help``) or later for the rest if nobody takes it on in time (``delivery/``). Each alert is a
case that its handlers follow to an outcome (``conversations/cases.py``).
"""

from __future__ import annotations

import logging

from app.context import BotContext
from delivery.alerting import Reached, queue_alert
from delivery.drainer import deliver_now
from delivery.texts import alert_text
from storage.alerts import Attach
from storage.rows import Departure

log = logging.getLogger(__name__)
DESTINATION_COUNTRY = {"TH": "TH", "MY": "MY", "KR": "KR"}  # others: Cambodian numbers
__all__ = ["Reached", "alert_text", "country_of", "raise_alert"]


def country_of(destination: str | None) -> str:
    """The country whose hotlines fit a destination code (Cambodia for inside or unknown)."""
    return DESTINATION_COUNTRY.get(destination or "", "KH")


async def raise_alert(
    context: BotContext,
    kind: str,
    user_id: int,
    *,
    departure: Departure | None,
    checkin_id: int | None = None,
    details: tuple[str, ...] = (),
    attach: Attach | None = None,
    staff_only: bool = False,
) -> Reached:
    """Stores an alert with its copies, sends them now, and says truly who has it."""
    alert_id, ids = await queue_alert(
        context,
        kind,
        user_id,
        departure=departure,
        checkin_id=checkin_id,
        details=details,
        attach=attach,
        staff_only=staff_only,
    )
    await deliver_now(context, ids)
    # The whole group: a staff fallback queued when a leader could not be reached counts too.
    return Reached.of(await context.store.outbox_group(f"alert:{alert_id}"))
