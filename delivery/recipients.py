"""Who gets a message: a village's leaders, programme staff (people and the staff group)."""

from __future__ import annotations

from typing import Any

from app.context import BotContext
from domain.lock_screen import neutral_name
from storage.outbox import NORMAL, URGENT, NewMessage, OutboxRow

MIGRATED_KEY = "staff_chat_migrated_to"  # bot_data: a staff group's new id after migration


def staff_chats(context: BotContext) -> list[int]:
    """Every staff member's private chat, then the staff group (followed after a migration)."""
    config = context.services.config
    chats = sorted(config.staff_user_ids)
    if config.staff_chat_id:
        chats.append(int(context.application.bot_data.get(MIGRATED_KEY, config.staff_chat_id)))
    return chats


async def leader_chats(context: BotContext, village_code: str | None) -> list[int]:
    if village_code is None:
        return []
    return [leader.user_id for leader in await context.store.leaders_of(village_code)]


def copies(
    group_key: str,
    kind: str,
    role: str,
    chats: list[int],
    *,
    priority: int = NORMAL,
    user_id: int | None = None,
    ref_id: int | None = None,
    payload: dict[str, Any] | None = None,
    suffix: str = "",
) -> list[NewMessage]:
    """One message per chat, keyed by the event, the role and the chat (so each is made once)."""
    return [
        NewMessage(
            key=f"{group_key}:{role}{suffix}:{chat}",
            group_key=group_key,
            kind=kind,
            role=role,
            chat_id=chat,
            priority=priority,
            user_id=user_id,
            ref_id=ref_id,
            payload=dict(payload or {}),
        )
        for chat in chats
    ]


def alert_copies(
    alert_id: int,
    role: str,
    chats: list[int],
    *,
    user_id: int | None,
    payload: dict[str, Any] | None = None,
    suffix: str = "",
) -> list[NewMessage]:
    """The case's card for each chat in ``role``: urgent, in the case's group ``alert:<id>``."""
    return copies(
        f"alert:{alert_id}",
        "alert",
        role,
        chats,
        priority=URGENT,
        user_id=user_id,
        ref_id=alert_id,
        payload=payload,
        suffix=suffix,
    )


def to_person(
    key: str, chat_id: int, text_key: str, params: dict[str, Any], *, user_id: int
) -> NewMessage:
    """A message to the person themselves (someone saw your message, it reached someone)."""
    return NewMessage(
        key=key,
        group_key=key,
        kind="text",
        role="person",
        chat_id=chat_id,
        user_id=user_id,
        payload={"key": text_key, "params": params},
    )


async def tell_reached_later(context: BotContext, row: OutboxRow, message: NewMessage) -> list[int]:
    """A copy of ``row``'s group reached someone only after a failed try: the person is sent
    ``message`` (it has reached someone now), unless a copy went through at once and they were
    told so then."""
    sent = [r for r in await context.store.outbox_group(row.group_key) if r.status == "sent"]
    if any(r.attempts == 0 for r in sent):
        return []
    return await context.store.enqueue([message], claimed=True)


async def village_news(
    context: BotContext,
    group_key: str,
    village_code: str | None,
    text_key: str,
    params: dict[str, Any],
    *,
    user_id: int,
    days: tuple[str, ...] = (),
    chiefs: bool = True,
) -> list[NewMessage]:
    """News for a village's leaders (a trip cancelled, new dates, back home); staff if none.

    ``days``: params that are ISO dates, written in each reader's language when sent.
    ``chiefs``: False for a trip only staff may know of (staff get it instead).
    """
    payload = {"key": text_key, "params": params, "fallback": True, "days": list(days)}
    leaders = await leader_chats(context, village_code) if chiefs else []
    if leaders:
        return copies(group_key, "text", "leader", leaders, user_id=user_id, payload=payload)
    return copies(
        group_key, "text", "staff", staff_chats(context), user_id=user_id, payload=payload
    )


async def language_of_user(context: BotContext, user_id: int) -> str:
    """The recipient's language (the default one for a group or someone the bot does not know)."""
    profile = await context.store.get_user(user_id) if user_id > 0 else None
    return profile.language if profile else context.services.config.default_language


async def name_for_person(context: BotContext, user_id: int | None, name: str) -> str:
    """A helper's name as told to the person: no title («មេភូมិ», "Chief"), else "Someone".

    Her lock screen shows it on a phone her family may hold (domain/lock_screen.py); staff
    and chiefs still see the full name in the case's history.
    """
    lang = await language_of_user(context, user_id or 0)
    return neutral_name(name, context.content.texts.raw(lang, "case.someone"))
