"""Answering by voice: after asking for help, a voice message says what is happening.

A person who pressed "help now", sent /sos or reported a serious problem may send a voice
message (or an audio file) instead of typing. It goes to the leaders and staff who have the
alert (staff alone for someone who left violence at home, as their location does), through the
outbox like the alert itself (urgent, retried, at least once), and the person is told truly who
has it. Only Telegram's file_id is kept; /delete erases it, and copies
already delivered stay in the leader's and staff's chats (the consent screen says so).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update

from app.context import BotContext
from conversations.media_input import seconds_of
from conversations.ui import language_of, send
from delivery.alerting import RAISED_BY_PERSON, Reached
from delivery.drainer import deliver_now
from delivery.recipients import staff_chats
from delivery.viewers import chats_that_may_see
from delivery.voice_copies import group_of, holders, voice_messages
from domain.visibility import Piece
from screens.buttons import keyboard, menu_button
from storage.rows import Alert

log = logging.getLogger(__name__)
VOICE_WINDOW = timedelta(hours=24)  # a voice this long after the cry for help still goes with it


async def alert_for_voice(context: BotContext, user_id: int) -> Alert | None:
    """The cry for help a voice message from this person would answer, if any."""
    since = context.clock.now() - VOICE_WINDOW
    return await context.store.alert_awaiting_voice(user_id, RAISED_BY_PERSON, since)


async def forward(update: Update, context: BotContext, alert: Alert) -> None:
    """Keeps the voice, queues a copy for everyone who has the alert, sends them now."""
    assert update.message is not None and update.effective_user is not None
    message = update.message
    media, kind = (message.voice, "voice") if message.voice else (message.audio, "audio")
    assert media is not None
    held = holders(await context.store.outbox_group(f"alert:{alert.alert_id}"))
    # As for a location, by the policy: after violence at home staff alone (the family may ask
    # the chief), and never a chief revoked since.
    allowed = await chats_that_may_see(
        context, alert, [(role, chat) for role, ids in held.items() for chat in ids], Piece.VOICE
    )
    chats = {role: [chat for r, chat in allowed if r == role] for role in ("leader", "staff")}
    if not chats["leader"] and not chats["staff"]:
        chats = {"staff": staff_chats(context)}  # the alert reached nobody: staff at least
    voice_id, ids = await context.store.add_voice_answer(
        alert.alert_id,
        update.effective_user.id,
        media.file_id,
        media.file_unique_id,
        kind,
        seconds_of(media),
        lambda voice_id: voice_messages(alert, voice_id, kind, chats),
    )
    log.info("voice_answer alert=%s voice=%s copies=%s", alert.alert_id, voice_id, len(ids))
    await deliver_now(context, ids)
    reached = Reached.of(await context.store.outbox_group(group_of(alert.alert_id, voice_id)))
    lang = await language_of(update, context)
    t = context.content.texts
    await send(
        update, t.get(lang, reached.key("media.voice")), keyboard([[menu_button(context, lang)]])
    )
