"""One form at a time: starting a conversation, or any command, leaves the others.

Without this, a person who opened the calculator and then typed /report_broker would find their
next message taken by the calculator (it comes first in the handler list). PTB has no public way
to end a conversation from outside, so the two private calls it takes live here, in one place,
with tests that fail if a PTB upgrade changes them (tests/test_switching.py).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler

from app.context import BotContext

log = logging.getLogger(__name__)

# Commands that show something and leave an open form where it was (help in the middle of a
# form must not cost the answers given so far).
KEEP_FORMS = frozenset({"help", "mydata", "agency", "sos", "about"})


@dataclass
class Switchboard:
    """The persistent conversations, each with the draft it keeps in ``user_data``."""

    conversations: list[tuple[ConversationHandler[BotContext], str]] = field(default_factory=list)

    def add(
        self, handler: ConversationHandler[BotContext], draft_key: str
    ) -> ConversationHandler[BotContext]:
        self.conversations.append((handler, draft_key))
        return handler

    def _entered(self, update: Update) -> tuple[bool, ConversationHandler[BotContext] | None]:
        """(whether this update switches at all, the conversation it enters if any)."""
        message, query = update.message, update.callback_query
        if message is not None and message.text and message.text.startswith("/"):
            words = message.text[1:].split(maxsplit=1) or [""]  # a lone "/" names nothing
            command = words[0].split("@")[0].lower()
            if command in KEEP_FORMS:
                return False, None
            for handler, _ in self.conversations:
                for entry in handler.entry_points:
                    if isinstance(entry, CommandHandler) and command in entry.commands:
                        return True, handler
            return True, None
        if query is not None and query.data:
            for handler, _ in self.conversations:
                for entry in handler.entry_points:
                    pattern = getattr(entry, "pattern", None)
                    is_button = isinstance(entry, CallbackQueryHandler)
                    if is_button and isinstance(pattern, re.Pattern) and pattern.match(query.data):
                        return True, handler
        return False, None

    async def switch(self, update: Update, context: BotContext) -> None:
        """Ends the person's other open conversations (and their drafts) before this update."""
        switches, target = self._entered(update)
        if not switches or update.effective_user is None:
            return
        for handler, draft_key in self.conversations:
            if handler is not target and end_conversation(handler, update):
                if context.user_data is not None:
                    context.user_data.pop(draft_key, None)
                log.info(
                    "conversation_left user=%s name=%s", update.effective_user.id, handler.name
                )


def end_conversation(handler: ConversationHandler[Any], update: Update) -> bool:
    """Ends ``handler``'s conversation with the sender of ``update``; True if one was open.

    Uses PTB's private key and state methods: deleting the key marks it for persistence, as a
    handler returning END would.
    """
    key = handler._get_key(update)
    if key not in handler._conversations:
        return False
    handler._update_state(ConversationHandler.END, key)
    return True


def end_conversations_of(handler: ConversationHandler[Any], user_id: int) -> bool:
    """Ends every conversation of ``handler`` with this person, with no update at hand.

    For the sweep, which erases forms left too long (conversations/drafts.py). The same private
    calls as above; the person is the last part of every key (PTB's per_user, the default).
    """
    keys = [key for key in handler._conversations if key and key[-1] == user_id]
    for key in keys:
        handler._update_state(ConversationHandler.END, key)
    return bool(keys)


def move_conversations_of(handler: ConversationHandler[Any], old: int, new: int) -> bool:
    """Moves this person's open conversation of ``handler`` to their new account (a re-link).

    The new account's own conversation of it, if any, ends first. The same private calls as
    above; the ids are replaced wherever they appear in the key (chat id and user id in a
    private chat). True if one was moved.
    """
    for key in [key for key in handler._conversations if key and key[-1] == new]:
        handler._update_state(ConversationHandler.END, key)
    moved = False
    for key in [key for key in handler._conversations if key and key[-1] == old]:
        state = handler._conversations[key]
        handler._update_state(ConversationHandler.END, key)
        handler._update_state(state, tuple(new if part == old else part for part in key))
        moved = True
    return moved
