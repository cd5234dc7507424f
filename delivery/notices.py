"""Departure notices into the outbox: to the village's leaders, or staff when it has none, and
to staff when no leader acknowledges in time. What the villager is told comes from the rows.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from app.context import BotContext
from delivery.recipients import copies, leader_chats, staff_chats
from storage.outbox import NewMessage, OutboxRow

log = logging.getLogger(__name__)
NAME_VOICE = "name_voice"  # outbox kind: the name as said, following a notice


async def notice_messages(
    context: BotContext, village_code: str | None, *, chiefs: bool = True
) -> tuple[list[int], list[int]]:
    """The chats a new departure's notice goes to: (leaders, staff when there is no leader).

    ``chiefs``: False when the person asked that only staff know where and when.
    """
    leaders = await leader_chats(context, village_code) if chiefs else []
    return leaders, ([] if leaders else staff_chats(context))


def build_notices(
    departure_id: int,
    user_id: int,
    leaders: list[int],
    staff: list[int],
    *,
    staff_only: bool = False,
    name_voice: bool = False,
) -> list[NewMessage]:
    """The notice for each chat; with ``name_voice``, the name as said follows each notice."""
    group = f"notice:{departure_id}"
    header = "notice.staff_only" if staff_only else "notice.no_leader"
    messages = copies(
        group, "notice", "leader", leaders, user_id=user_id, ref_id=departure_id
    ) + copies(
        group,
        "notice",
        "staff",
        staff,
        user_id=user_id,
        ref_id=departure_id,
        payload={"header": header},
    )
    return messages + (_voices(messages) if name_voice else [])


def _voices(notices: list[NewMessage]) -> list[NewMessage]:
    """The name as said (a voice message), after each notice, to the same chat."""
    return [
        replace(notice, key=f"{notice.key}:name_voice", kind=NAME_VOICE, payload={})
        for notice in notices
    ]


def outcome(rows: list[OutboxRow]) -> str:
    """What the villager is told: leader, staff (no leader), unreached (staff instead), waiting
    (for the leader), staff_waiting (no leader, and staff not reached yet); staff_only and
    staff_only_waiting when they asked that only staff know."""
    sent = {r.role for r in rows if r.status == "sent"}
    if any(r.payload.get("header") == "notice.staff_only" for r in rows):
        return "staff_only" if "staff" in sent else "staff_only_waiting"
    if "leader" in sent:
        return "leader"
    if any(r.role == "leader" and r.status in ("pending", "sending") for r in rows):
        return "waiting"
    if "staff" in sent:
        return "unreached" if any(r.role == "leader" for r in rows) else "staff"
    return "waiting" if any(r.role == "leader" for r in rows) else "staff_waiting"


async def escalate_unacknowledged(context: BotContext) -> int:
    """Queues staff copies of every notice no leader acknowledged in time (each once)."""
    cutoff = context.clock.now() - context.services.config.ack_timeout
    count = 0
    for departure in await context.store.unacknowledged_since(cutoff):
        messages = copies(
            f"notice:{departure.departure_id}",
            "notice",
            "staff",
            staff_chats(context),
            user_id=departure.user_id,
            ref_id=departure.departure_id,
            payload={"header": "notice.not_acknowledged"},
            suffix=":late",
        )
        if departure.name_voice is not None:
            messages += _voices(messages)
        if await context.store.escalate_departure(departure.departure_id, messages):
            log.info("departure_escalated departure=%s", departure.departure_id)
            count += 1
    return count
