"""Private by default: the bot speaks about people only in a private chat.

In a group or a channel anyone can read what the bot says and press its buttons. So every
command and button there gets one line pointing to the private chat, and nothing personal.
The one exception is the configured staff group (``staff.chat_id``): the alert and notice
buttons posted there keep working (each press is authorised again for the person who pressed
it), and /report and /export may be sent there, as that group is where staff work together.
The bot leaves any other group or channel it is added to.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import ChatMember, ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    ChatMemberHandler,
    TypeHandler,
)

from app.context import BotContext
from conversations import status
from conversations.notify import MIGRATED_KEY
from conversations.ui import answer, language_of

log = logging.getLogger(__name__)

# Handler group of the guard: before the update's log line and before everything else, so no
# other handler ever sees an update from a group it should not answer.

# What works in the staff group: the buttons on alerts and departure notices posted there
# (re-checked per presser by their handlers), the export button, and two commands.
STAFF_GROUP_PRESSES = re.compile(
    r"^(?:al:(?:ack|done):\d+|leader:(?:ack|call):\d+"
    r"|case:(?:take|note|hand|close|hist|back):\d+|case:(?:to|out):\d+:[a-z_]+)$"
)
STAFF_GROUP_COMMANDS = frozenset({"report", "export", "cases", "alerts"})
# A basic group's id; a supergroup's is below this ("-100…"). Only a basic group can migrate.
SUPERGROUP_IDS_BELOW = -1_000_000_000_000


def staff_chat_ids(context: BotContext) -> set[int]:
    """The staff group's id, and its new id once it became a supergroup (none when not set)."""
    config = context.services.config
    ids = {config.staff_chat_id} if config.staff_chat_id else set()
    moved = context.application.bot_data.get(MIGRATED_KEY)
    if isinstance(moved, int):
        ids.add(moved)
    return ids


def private_or_staff_chat(update: Update, context: BotContext) -> bool:
    """Whether what this update asks for may be shown where it was asked (exports, reports)."""
    chat = update.effective_chat
    return chat is not None and (
        chat.type == ChatType.PRIVATE or chat.id in staff_chat_ids(context)
    )


def _command(update: Update, context: BotContext) -> str | None:
    """The command a new message gives this bot (``/start@thisbot``), or None.

    A command addressed to another bot in the same group is not ours to answer.
    """
    message = update.message or update.channel_post
    if message is None or not message.text or not message.text.startswith("/"):
        return None
    words = message.text[1:].split(maxsplit=1) or [""]
    name, _, addressed_to = words[0].partition("@")
    if addressed_to and addressed_to.lower() != (context.bot.username or "").lower():
        return None
    return name.lower()


def _allowed_in_staff_group(update: Update, context: BotContext) -> bool:
    query = update.callback_query
    if query is not None:
        return bool(query.data and STAFF_GROUP_PRESSES.match(query.data))
    message = update.message
    replied = message.reply_to_message if message else None
    if (
        replied is not None
        and replied.from_user is not None
        and replied.from_user.id == context.bot.id
    ):
        return True  # an answer to the bot's question (a note on a case); checked by its handler
    return _command(update, context) in STAFF_GROUP_COMMANDS


def _link(context: BotContext) -> str:
    return f"https://t.me/{context.bot.username}"


def _note_migration(update: Update, context: BotContext) -> None:
    """Follows the staff group to its new id when Telegram makes it a supergroup."""
    message = update.message
    if message is None or update.effective_chat is None:
        return
    staff = staff_chat_ids(context)
    chat_id = update.effective_chat.id
    if message.migrate_to_chat_id and chat_id in staff:
        new_id = message.migrate_to_chat_id
    elif message.migrate_from_chat_id and message.migrate_from_chat_id in staff:
        new_id = chat_id
    else:
        return
    context.application.bot_data[MIGRATED_KEY] = new_id
    log.warning("staff_group_migrated new_chat=%s (put it in staff.chat_id)", new_id)


async def guard(update: Update, context: BotContext) -> None:
    """In a group or channel: one line pointing to the private chat, then nothing else runs."""
    chat = update.effective_chat
    if chat is None and update.callback_query is not None:
        # A press on a message sent through inline mode: no chat to tell apart, so no rights.
        lang = await language_of(update, context)
        await answer(update, context.content.texts.plain(lang, "input.not_allowed"))
        raise ApplicationHandlerStop
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    _note_migration(update, context)
    if chat.id in staff_chat_ids(context) and _allowed_in_staff_group(update, context):
        return  # the update goes on to its handler, which checks the presser's rights
    await status.log_update(update, context)  # the log handler comes after this group
    user = update.effective_user.id if update.effective_user else None
    lang = await language_of(update, context)
    t = context.content.texts
    if update.callback_query is not None:
        # A pop-up: nothing is posted in the group, and the spinner stops.
        await answer(update, t.plain(lang, "group.private_only", link=_link(context)))
        log.info("group_press_refused chat=%s user=%s", chat.id, user)
    elif _command(update, context) is not None:
        try:
            await chat.send_message(t.get(lang, "group.private_only", link=_link(context)))
        except TelegramError as error:  # may not post here (a channel, muted): nothing to say
            log.info("group_answer_failed chat=%s error=%s", chat.id, type(error).__name__)
        log.info("group_command_refused chat=%s user=%s", chat.id, user)
    # Anything else (group chatter, edits, service messages) is not for the bot: no answer.
    raise ApplicationHandlerStop


def _is_in(member: ChatMember) -> bool:
    """Whether the bot is in the chat (a restricted member still is)."""
    if member.status == ChatMemberStatus.RESTRICTED:
        return bool(getattr(member, "is_member", False))
    return member.status in (
        ChatMemberStatus.OWNER,
        ChatMemberStatus.ADMINISTRATOR,
        ChatMemberStatus.MEMBER,
    )


async def _is_migrated_staff_group(context: BotContext, chat_id: int) -> bool | None:
    """Whether ``chat_id`` is the staff group under its new supergroup id; None: cannot tell.

    When a group becomes a supergroup, Telegram adds the bot to the new one (a my_chat_member
    update) with no word of the old id, perhaps before the message that says so. Asking for the
    old group tells: Telegram answers that it moved, and where to.
    """
    staff = context.services.config.staff_chat_id
    if not SUPERGROUP_IDS_BELOW < staff < 0 or chat_id >= SUPERGROUP_IDS_BELOW:
        return False  # no basic staff group that could have moved, or not a supergroup
    try:
        await context.bot.get_chat(staff)
    except ChatMigrated as moved:
        if moved.new_chat_id != chat_id:
            return False
        context.application.bot_data[MIGRATED_KEY] = chat_id
        log.warning("staff_group_migrated new_chat=%s (put it in staff.chat_id)", chat_id)
        return True
    except (BadRequest, Forbidden):
        return False  # the staff group is not there (or not ours): this chat is not it
    except TelegramError as error:
        log.warning("staff_group_unknown chat=%s error=%s", chat_id, type(error).__name__)
        return None
    return False


async def membership(update: Update, context: BotContext) -> None:
    """The bot was added to a group or channel, or removed: it stays only in the staff group."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or change.chat.type == ChatType.PRIVATE:
        return  # someone blocked or unblocked the bot: not a group matter
    chat, by = change.chat, change.from_user.id
    staff = chat.id in staff_chat_ids(context)
    if not _is_in(change.new_chat_member):
        if staff:
            log.warning("staff_group_removed_bot chat=%s by=%s", chat.id, by)
        else:
            log.info("group_removed_bot chat=%s by=%s", chat.id, by)
        raise ApplicationHandlerStop
    if staff:
        log.info("staff_group_joined chat=%s by=%s", chat.id, by)
        raise ApplicationHandlerStop
    migrated = await _is_migrated_staff_group(context, chat.id)
    if migrated is not False:
        # The staff group under a new id (stay), or Telegram could not say: staying in a stray
        # group costs one line per command there; leaving the staff group would cost alerts.
        raise ApplicationHandlerStop
    if chat.type != ChatType.CHANNEL:  # posting in a channel would reach all its readers
        lang = await language_of(update, context)
        try:
            await chat.send_message(
                context.content.texts.get(lang, "group.leaving", link=_link(context))
            )
        except TelegramError as error:
            log.info("group_answer_failed chat=%s error=%s", chat.id, type(error).__name__)
    try:
        await chat.leave()
    except TelegramError as error:
        log.warning("group_leave_failed chat=%s error=%s", chat.id, type(error).__name__)
    else:
        log.info("group_left chat=%s type=%s by=%s", chat.id, chat.type, by)
    raise ApplicationHandlerStop


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """For its group (app/factory.py): membership changes first, then every other update."""
    return [
        ChatMemberHandler(membership, ChatMemberHandler.MY_CHAT_MEMBER),
        TypeHandler(Update, guard),
    ]
