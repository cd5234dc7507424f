"""A person's voice message sent as the answer to a cry for help: copies to whoever has the alert.

The voice follows the alert: to the leaders and staff its copies went to, and to staff too when
the alert is later escalated to them. It is sent by Telegram's file_id (the same bot received
it), urgent, and at least once, like the alert itself.
"""

from __future__ import annotations

from app.context import BotContext
from delivery.recipients import copies, staff_chats, tell_reached_later, to_person
from storage.outbox import URGENT, NewMessage, OutboxRow
from storage.rows import Alert

KIND = "voice"
ALIVE = ("pending", "sending", "sent")


def group_of(alert_id: int, voice_id: int) -> str:
    return f"alert:{alert_id}:voice:{voice_id}"


def holders(rows: list[OutboxRow]) -> dict[str, list[int]]:
    """The chats that have the alert, or will: by role, each once."""
    found: dict[str, list[int]] = {"leader": [], "staff": []}
    for row in rows:
        if row.role in found and row.status in ALIVE and row.chat_id not in found[row.role]:
            found[row.role].append(row.chat_id)
    return found


def voice_messages(
    alert: Alert, voice_id: int, media: str, chats: dict[str, list[int]]
) -> list[NewMessage]:
    """One urgent copy of the voice per chat; a leader's copy falls back to staff if it fails
    and staff would not hear it otherwise."""
    group = group_of(alert.alert_id, voice_id)
    payload = {"media": media}
    messages: list[NewMessage] = []
    for role, role_chats in chats.items():
        fallback = role == "leader" and not chats.get("staff")
        messages += copies(
            group,
            KIND,
            role,
            role_chats,
            priority=URGENT,
            user_id=alert.user_id,
            ref_id=voice_id,
            payload={**payload, "fallback": True} if fallback else payload,
        )
    return messages


async def staff_voice_copies(context: BotContext, alert: Alert) -> list[NewMessage]:
    """When an alert goes to staff later, the voices sent with it go too."""
    messages: list[NewMessage] = []
    for voice in await context.store.voice_answers_of_alert(alert.alert_id):
        chats = {"staff": staff_chats(context)}
        messages += voice_messages(alert, voice.voice_id, voice.media, chats)
    return messages


async def render_voice(context: BotContext, lang: str, row: OutboxRow) -> tuple[str, str] | None:
    """The caption and file_id of a voice copy; None when the person erased it meanwhile."""
    voice = await context.store.voice_answer(row.ref_id or 0)
    alert = await context.store.alert(voice.alert_id) if voice is not None else None
    if voice is None or alert is None:
        return None
    t = context.content.texts
    caption = "\n".join(
        [
            t.get(lang, "media.voice_caption", number=alert.alert_id),
            t.get(lang, "notice.contact", user_id=str(alert.user_id)),
        ]
    )
    return caption, voice.file_id


async def voice_reached_later(context: BotContext, row: OutboxRow) -> list[int]:
    """A voice that reached nobody at first has now: the person hears it (once per voice)."""
    voice = await context.store.voice_answer(row.ref_id or 0)
    if row.attempts == 0 or voice is None:
        return []
    person, key = voice.user_id, f"{row.group_key}:reached_later"
    message = to_person(key, person, "media.voice.reached_later", {}, user_id=person)
    return await tell_reached_later(context, row, message)
