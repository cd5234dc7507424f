"""Every copy of a case shows where it stands: an edit queued for each chief's and staff copy.

Used by the case buttons (``conversations/cases.py``) and by a relative's answer to a family's
question (``conversations/missing.py``), so neither handler module needs the other.
"""

from __future__ import annotations

from app.context import BotContext
from delivery.drainer import deliver_now
from delivery.recipients import staff_chats
from delivery.viewers import chats_that_may_see
from domain.visibility import Piece
from storage.outbox import NORMAL, NewMessage


async def refresh_case_copies(
    context: BotContext,
    alert_id: int,
    *,
    except_at: tuple[int, int] | None = None,
    piece: Piece | None = None,
) -> None:
    """Queues an edit of every copy of the case but ``except_at`` (chat, message), and sends it.

    The edits are rows (tried until Telegram takes them), so a handler is not left believing
    nobody has taken on a case that someone has. ``piece``: only the copies whose reader may see
    what changed (a relative's answer: a chief's copy is not touched when it would read the
    same, since an edit alone would say that something happened).
    """
    alert = await context.store.alert(alert_id)
    if alert is None:
        return
    events = await context.store.case_events(alert_id)
    version = events[-1].event_id if events else 0
    staff = staff_chats(context)
    copies = [
        ("staff" if chat in staff else "leader", chat, message_id)
        for chat, message_id in await context.store.alert_messages(alert_id)
        if (chat, message_id) != except_at
    ]
    if piece is not None:
        allowed = set(
            await chats_that_may_see(context, alert, [(r, c) for r, c, _ in copies], piece)
        )
        copies = [c for c in copies if (c[0], c[1]) in allowed]
    rows = [
        NewMessage(
            key=f"card:{alert_id}:{chat}:{message_id}:{version}",
            group_key=f"card:{alert_id}",
            kind="card",
            role=role,
            chat_id=chat,
            priority=NORMAL,
            ref_id=alert_id,
            payload={"message_id": message_id},
        )
        for role, chat, message_id in copies
    ]
    if rows:
        ids = await context.store.enqueue(rows, claimed=True)
        await deliver_now(context, ids)
