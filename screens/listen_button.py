"""The 🔊 button on a screen that has a current Khmer recording (one made for its text as it
is now). The handlers' side (sending the voice, /listen) is ``conversations/listening.py``.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from app.context import BotContext
from content.recordable import LANGUAGE, Recordable, item_map, items_by_key
from storage.recordings import RecordingInfo

PREFIX = "hear"
ITEMS_KEY = "recordable_items"  # bot_data: the items, derived once from the loaded content
BY_KEY = "recordable_by_key"  # bot_data: catalog key -> item id


def items(context: BotContext) -> dict[str, Recordable]:
    """Every recordable item by id (derived from the content once per start)."""
    found: dict[str, Recordable] | None = context.application.bot_data.get(ITEMS_KEY)
    if found is None:
        found = item_map(context.content)
        context.application.bot_data[ITEMS_KEY] = found
    return found


def item_for_key(context: BotContext, key: str) -> str | None:
    """The item whose screen is the text of this catalog key (a queued message), if any."""
    found: dict[str, str] | None = context.application.bot_data.get(BY_KEY)
    if found is None:
        found = items_by_key(items(context).values())
        context.application.bot_data[BY_KEY] = found
    return found.get(key)


async def current(context: BotContext, item_id: str) -> RecordingInfo | None:
    """The item's recording if it was made for the text as it is now (never an outdated one)."""
    item = items(context).get(item_id)
    info = await context.store.recording_info(item_id) if item is not None else None
    return (
        info if info is not None and item is not None and info.text_hash == item.text_hash else None
    )


def listen_markup(
    context: BotContext, lang: str, item_id: str, markup: InlineKeyboardMarkup | None
) -> InlineKeyboardMarkup:
    """The markup with 🔊 on top, whether or not a recording is there (the caller knows)."""
    label = context.content.texts.raw(lang, "media.listen")
    button = InlineKeyboardButton(label, callback_data=f"{PREFIX}:{item_id}")
    rows = [list(row) for row in markup.inline_keyboard] if markup is not None else []
    return InlineKeyboardMarkup([[button], *rows])


async def with_listen_button(
    context: BotContext, lang: str, item_id: str, markup: InlineKeyboardMarkup | None
) -> InlineKeyboardMarkup | None:
    """The markup with 🔊 on top when the item has a current Khmer recording."""
    if lang != LANGUAGE or await current(context, item_id) is None:
        return markup
    return listen_markup(context, lang, item_id, markup)
