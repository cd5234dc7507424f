"""The one direct send that needs no outbox: an SOS when the database itself is down (nothing
can be queued then). Everything that must reach a person goes through the outbox instead
(``delivery/``); broker reports do too since they travel to the neighbouring chiefs.

Sending to someone who blocked the bot, or to a staff group the bot was removed from, must not
stop the others from being told; a group that became a supergroup is followed to its new id.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from app.context import BotContext
from delivery.recipients import MIGRATED_KEY, language_of_user

log = logging.getLogger(__name__)

__all__ = ["MIGRATED_KEY", "language_of_user", "send_to"]


async def send_to(
    context: BotContext, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Sends one message; None (logged, never raised) when Telegram will not or could not.

    Never raised, so the caller goes on to its fallback (staff, a later sweep) and to whatever
    it does after telling people: a failed notice must not stop a departure's check-ins.
    """
    try:
        return await context.bot.send_message(chat_id, text, reply_markup=markup)
    except ChatMigrated as moved:
        log.warning("chat_migrated chat=%s new_chat=%s", chat_id, moved.new_chat_id)
        context.application.bot_data[MIGRATED_KEY] = moved.new_chat_id
        return await send_to(context, moved.new_chat_id, text, markup)
    except (Forbidden, BadRequest) as error:
        log.warning("send_refused chat=%s error=%s", chat_id, type(error).__name__)
        return None
    except TelegramError as error:  # on the way: network, a timeout, Telegram busy or failing
        log.warning("send_failed chat=%s error=%s", chat_id, type(error).__name__)
        return None
