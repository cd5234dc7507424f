"""Direct sends that need no outbox: a broker report's copies, and an SOS when the database
itself is down (nothing can be queued then). Everything that must reach a person goes through
the outbox instead (``delivery/``).

Sending to someone who blocked the bot, or to a staff group the bot was removed from, must not
stop the others from being told; a group that became a supergroup is followed to its new id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import InlineKeyboardMarkup, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from app.context import BotContext
from delivery.recipients import MIGRATED_KEY, language_of_user, staff_chats

log = logging.getLogger(__name__)

# What to say, given the recipient's language.
Render = Callable[[str], tuple[str, InlineKeyboardMarkup | None]]
__all__ = ["MIGRATED_KEY", "language_of_user", "notify_staff", "notify_village", "send_to"]


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


async def notify_staff(context: BotContext, render: Render) -> list[Message]:
    """Tells every staff member (and the staff group, if configured), each in their language."""
    sent = []
    for chat_id in staff_chats(context):  # the group's language is the default one
        text, markup = render(await language_of_user(context, chat_id))
        if (message := await send_to(context, chat_id, text, markup)) is not None:
            sent.append(message)
    return sent


async def notify_village(
    context: BotContext, village_code: str | None, render: Render
) -> list[Message]:
    """Tells the village's leaders; with no leader (or none reachable), staff instead."""
    sent = []
    if village_code is not None:
        for leader in await context.store.leaders_of(village_code):
            text, markup = render(await language_of_user(context, leader.user_id))
            if (message := await send_to(context, leader.user_id, text, markup)) is not None:
                sent.append(message)
    if not sent:
        sent = await notify_staff(context, render)
    return sent
