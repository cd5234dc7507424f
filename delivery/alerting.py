"""Alerts into the outbox: the village's leaders, and staff at once for a cry for help or
later when no leader acknowledges; what the person is told comes from the rows' state.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.context import BotContext
from delivery.recipients import alert_copies, leader_chats, staff_chats
from delivery.viewers import chiefs_may_know
from delivery.voice_copies import staff_voice_copies
from domain.take_on import take_on_within
from storage.alerts import Attach
from storage.outbox import NewMessage, OutboxRow
from storage.rows import Alert, Departure

log = logging.getLogger(__name__)
# Staff are told at once, not only when leaders are slow: a cry for help, and a family who
# cannot reach someone (the chief may be the one they cannot ask).
URGENT_KINDS = ("sos", "help", "family")
# The person is waiting to hear who was told ("document": help asked on a paper's reminder).
RAISED_BY_PERSON = ("sos", "help", "problem", "document")


@dataclass(frozen=True)
class Reached:
    """How many leaders and staff an alert reached, and whether copies are still on their way."""

    leaders: int
    staff: int
    waiting: int = 0

    @property
    def anyone(self) -> bool:
        return self.leaders + self.staff > 0

    def key(self, prefix: str) -> str:
        """``prefix`` + told / told_leader / told_staff / unreached."""
        if self.leaders and self.staff:
            return f"{prefix}.told"
        if self.leaders:
            return f"{prefix}.told_leader"
        return f"{prefix}.told_staff" if self.staff else f"{prefix}.unreached"

    @classmethod
    def of(cls, rows: list[OutboxRow]) -> Reached:
        sent = [r for r in rows if r.status == "sent"]
        return cls(
            leaders=sum(r.role == "leader" for r in sent),
            staff=sum(r.role == "staff" for r in sent),
            waiting=sum(r.status in ("pending", "sending") for r in rows),
        )


def staff_copies(context: BotContext, alert_id: int, user_id: int | None) -> list[NewMessage]:
    return alert_copies(alert_id, "staff", staff_chats(context), user_id=user_id)


async def queue_alert(
    context: BotContext,
    kind: str,
    user_id: int,
    *,
    departure: Departure | None,
    checkin_id: int | None = None,
    details: tuple[str, ...] = (),
    claimed: bool = True,
    attach: Attach | None = None,
    staff_only: bool = False,
) -> tuple[int, list[int]]:
    """Stores an alert with its copies in one transaction; returns its id and the copies' ids.

    ``claimed``: the caller sends the copies at once (``deliver_now``); otherwise the drainer.
    ``staff_only``: no chief is told (as for a person who asked that only staff know where
    they are, which is also checked here).
    """
    village = departure.village_code if departure else None
    if village is None:
        profile = await context.store.get_user(user_id)
        village = profile.village_code if profile else None
    chiefs = not staff_only and (
        kind == "family" or await chiefs_may_know(context, user_id, departure)
    )
    leaders = await leader_chats(context, village) if chiefs else []
    tell_staff = kind in URGENT_KINDS or not leaders
    config = context.services.config
    # Taken on within an hour (a cry for help, violence) or three, or everyone is reminded and
    # staff are told (delivery/cases.py remind_untaken).
    window = take_on_within(kind, details, high=config.take_on_high, other=config.take_on)

    def messages(alert_id: int) -> list[NewMessage]:
        found = alert_copies(alert_id, "leader", leaders, user_id=user_id)
        return found + (staff_copies(context, alert_id, user_id) if tell_staff else [])

    alert_id, ids = await context.store.create_alert(
        kind,
        user_id,
        departure_id=departure.departure_id if departure else None,
        checkin_id=checkin_id,
        village_code=village,
        details=details,
        staff_due_at=None if tell_staff else context.clock.now() + window,
        take_on_due_at=context.clock.now() + window,
        messages=messages,
        staff_told=tell_staff,
        claimed=claimed,
        attach=attach,
    )
    log.info("alert_raised alert=%s kind=%s user=%s copies=%s", alert_id, kind, user_id, len(ids))
    if not ids:
        log.error("alert_unreached alert=%s reason=no_leader_no_staff", alert_id)
    return alert_id, ids


async def escalate_to_staff(context: BotContext, alert: Alert, *, claimed: bool) -> list[int]:
    """Queues staff copies of an alert (once); returns their ids when ``claimed``."""
    messages = staff_copies(context, alert.alert_id, alert.user_id)
    if not messages:
        log.error("alert_unreached alert=%s reason=no_staff", alert.alert_id)
    # A voice the person sent with it goes with it (delivery/voice_copies.py).
    voices = await staff_voice_copies(context, alert)
    if not await context.store.escalate_alert(alert.alert_id, messages + voices):
        return []
    log.info("alert_escalated alert=%s", alert.alert_id)
    if not claimed:
        return []
    rows = await context.store.outbox_group(f"alert:{alert.alert_id}")
    ids = [r.outbox_id for r in rows if r.role == "staff" and r.status == "pending"]
    # Claim them for the caller: the staff fallback should go out in the same breath.
    return [i for i in ids if await context.store.claim_outbox_row(i)]


async def escalate_alerts(context: BotContext) -> int:
    """Staff hear of every alert no leader acknowledged in time (each once)."""
    count = 0
    for alert in await context.store.alerts_due_for_staff(context.clock.now()):
        await escalate_to_staff(context, alert, claimed=False)
        count += 1
    return count
