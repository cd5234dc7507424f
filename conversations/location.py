"""Location in an emergency: after /sos or "help now", one tap sends where the person is.

It goes only to those who have the case (the village's chief and staff; staff alone for someone
who left violence at home, whose chief could be asked by the family), as a map pin, and is kept
only with the case: /mydata counts it and /delete takes it back.

Her own pin stays in her chat, where whoever checks her phone sees exactly where she is (review
N13): "🗑 Remove from my phone" under the thanks deletes it from her chat (Telegram lets a bot
delete a message in a private chat for 48 hours) and says what those helping her keep.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from app.context import BotContext
from content.texts import Html
from conversations.listening import play, show_voiced, voice_for_listener, wants_voice
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, show
from delivery.drainer import deliver_now
from delivery.recipients import staff_chats
from delivery.viewers import chats_that_may_see
from domain.visibility import Piece
from screens.buttons import keyboard
from storage.outbox import URGENT, NewMessage
from storage.rows import Alert

log = logging.getLogger(__name__)
EMERGENCIES = ("sos", "help")
REMOVE = "loc:rm"  # loc:rm:<alert id>:<her location's message id>
ALIVE = ("pending", "sending", "sent")


async def offer_location(
    update: Update,
    context: BotContext,
    lang: str,
    *,
    staff_only: bool = False,
    voice_hint: bool = False,
) -> None:
    """Telegram's own location button under the numbers (a reply keyboard: one tap).

    ``staff_only``: she left violence at home, so the words say only staff will see it.
    ``voice_hint``: also say that a voice message goes with the alert now. It is said here, with
    the other thing one can send, so that the answer with the numbers stays short.
    """
    chat = update.effective_chat
    if chat is None:
        return
    t = context.content.texts
    markup = ReplyKeyboardMarkup(
        [
            [KeyboardButton(t.raw(lang, "case.location_button"), request_location=True)],
            [KeyboardButton(t.raw(lang, "case.location_no"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    try:
        key = "case.location_offer_staff" if staff_only else "case.location_offer"
        text = t.get(lang, key)
        if voice_hint:
            text = Html(f"{text}\n\n{t.get(lang, 'media.voice_hint')}")
        await chat.send_message(text, reply_markup=markup)
    except TelegramError as error:  # the numbers are on screen already; this is extra
        log.info("location_offer_failed error=%s", type(error).__name__)
        return
    # Its words aloud for a listener: a reply keyboard's message has no room for 🔊.
    await voice_for_listener(
        update, context, "sos.location_staff" if staff_only else "sos.location"
    )


async def _recipients(context: BotContext, alert: Alert) -> list[tuple[str, int]]:
    """(role, chat) of everyone the case went to who may see a location (the policy: staff
    alone after violence at home, never a chief revoked since); staff if nobody is left."""
    rows = await context.store.outbox_group(f"alert:{alert.alert_id}")
    chats = {(r.role, r.chat_id) for r in rows if r.kind == "alert" and r.status in ALIVE}
    staff = set(staff_chats(context))
    for chat, _ in await context.store.alert_messages(alert.alert_id):
        # Copies already in chats (the outbox forgets its rows after 30 days; these stay).
        chats.add(("staff" if chat in staff else "leader", chat))
    found = await chats_that_may_see(context, alert, sorted(chats), Piece.LOCATION)
    if not found:
        found = [("staff", chat) for chat in staff_chats(context)]
    return sorted(set(found), key=lambda c: (c[0], c[1]))


async def got_location(update: Update, context: BotContext) -> None:
    """A location shared: it goes with the person's open cry for help to those handling it."""
    assert update.message is not None and update.effective_user is not None
    message, user = update.message, update.effective_user
    lang = await language_of(update, context)
    t = context.content.texts
    place = message.location
    alert = await context.store.latest_open_case(user.id, EMERGENCIES)
    if place is None or alert is None:
        await message.reply_text(t.get(lang, "case.location_no_case"), reply_markup=_GONE)
        raise ApplicationHandlerStop
    number = message.message_id  # a replayed update (same message) makes no second pin
    where = {"latitude": place.latitude, "longitude": place.longitude}
    recipients = await _recipients(context, alert)
    messages = [
        NewMessage(
            key=f"location:{alert.alert_id}:{number}:{role}:{chat}",
            group_key=f"location:{alert.alert_id}",
            kind="location",
            role=role,
            chat_id=chat,
            priority=URGENT,
            user_id=user.id,
            ref_id=alert.alert_id,
            payload=dict(where),
        )
        for role, chat in recipients
    ]
    # (Reading .live_period warns in PTB 22: it becomes a timedelta.) Her message's id is kept
    # so that only this message can be removed from her chat by the button below.
    detail: dict[str, object] = {
        **where,
        "live": "live_period" in place.to_dict(),
        "message": number,
    }
    ids = await context.store.add_location(alert.alert_id, user.id, detail, messages)
    sent = [r for r in await deliver_now(context, ids) if r.status == "sent"]
    log.info("location_shared alert=%s copies=%s sent=%s", alert.alert_id, len(ids), len(sent))
    key = "case.location_sent" if sent else "case.location_waiting"
    await message.reply_text(t.get(lang, key), reply_markup=_GONE)
    # That reply takes the location keyboard away, so it has no room for 🔊: a listener hears it.
    if await wants_voice(update, context):
        await play(
            context, message.chat.id, "sos.location_sent" if sent else "sos.location_waiting"
        )
    # A message of its own: one message cannot both take the location keyboard away and carry
    # a button.
    chief = any(role == "leader" for role, _ in recipients)
    offer = t.get(
        lang, "case.location_remove_offer" if chief else "case.location_remove_offer_staff"
    )
    button = (t.raw(lang, "case.location_remove"), f"{REMOVE}:{alert.alert_id}:{number}")
    try:
        item = "sos.location_remove" if chief else "sos.location_remove_staff"
        await show_voiced(update, context, item, offer, keyboard([[button]]), new=True)
    except TelegramError as error:  # the pin went and she was thanked; this is extra
        log.info("location_remove_offer_failed error=%s", type(error).__name__)
    raise ApplicationHandlerStop  # an open form must not take it as an answer


def _pressed(data: str) -> tuple[int, int] | None:
    """(alert id, message id) of a well-formed remove button, else None."""
    parts = data.split(":")
    if len(parts) != 4 or not all(p.isascii() and p.isdigit() and len(p) < 12 for p in parts[2:]):
        return None
    return int(parts[2]), int(parts[3])


async def remove_location(update: Update, context: BotContext) -> None:
    """ "Remove from my phone": deletes her own location message from her chat; those helping
    her keep their pin, and the case keeps the place until /delete."""
    assert update.callback_query is not None and update.effective_user is not None
    user = update.effective_user
    lang = await language_of(update, context)
    t = context.content.texts
    pressed = _pressed(update.callback_query.data or "")
    alert_id, message_id = pressed or (0, 0)
    if pressed is None or not await context.store.shared_location(alert_id, user.id, message_id):
        log.warning("forged_press user=%s action=location_remove", user.id)
        await answer(update, t.plain(lang, "input.button_expired"))
        raise ApplicationHandlerStop  # answered: the later groups' catch-alls must not
    key = "case.location_removed"
    try:
        await context.bot.delete_message(chat_id=user.id, message_id=message_id)
        log.info("location_removed alert=%s", alert_id)
    except BadRequest as error:  # gone already, or older than Telegram's 48 hours
        log.info("location_remove_refused alert=%s error=%s", alert_id, error.message)
        key = "case.location_remove_failed"
    await answer(update)
    await show(update, t.get(lang, key))  # in place of the offer: its button goes
    raise ApplicationHandlerStop


async def no_thanks(update: Update, context: BotContext) -> None:
    """ "No thanks" under the location button: the keyboard goes, nothing is kept."""
    assert update.message is not None
    lang = await language_of(update, context)
    await update.message.reply_text(
        context.content.texts.get(lang, "case.location_declined"), reply_markup=_GONE
    )
    raise ApplicationHandlerStop  # not a name or a date for a form left open


_GONE = ReplyKeyboardRemove()


def build_handlers(no_thanks_labels: list[str]) -> list[BaseHandler[Update, BotContext, Any]]:
    """``no_thanks_labels``: that button in every language (a reply button sends its words).

    They run before the forms (app/factory.py): /sos leaves an open form open, and its catch-all
    must not swallow the location or take "No thanks" for a name.
    """
    return [
        MessageHandler(filters.LOCATION & PRIVATE_MESSAGE, got_location),
        CallbackQueryHandler(remove_location, pattern=rf"^{REMOVE}:"),
        MessageHandler(filters.Text(no_thanks_labels) & PRIVATE_MESSAGE, no_thanks),
    ]
