"""Buttons and safe HTML: the pieces every screen is made of."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from app.context import BotContext
from content.texts import Html

Button = tuple[str, str]  # (label, callback_data)


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup:
    """An inline keyboard; callback data must fit Telegram's 64-byte limit."""
    for row in rows:
        for _, data in row:
            if not 0 < len(data.encode()) <= 64:
                raise ValueError(f"callback data {data!r} must be 1-64 bytes")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def column(buttons: Sequence[Button]) -> list[list[Button]]:
    """One button per row: big targets for thumbs on small screens."""
    return [[button] for button in buttons]


def menu_button(context: BotContext, lang: str) -> Button:
    """A "main menu" button for the bottom of other screens."""
    return context.content.texts.raw(lang, "common.menu"), "menu:home"


def html(text: str) -> Html:
    """Marks looked-up content as already-safe HTML for use inside another text."""
    return Html(text)


def leading_sign(label: str) -> str | None:
    """The emoji or symbol a label starts with: what comes before its first space, with no
    letter or digit of any script in it (a keycap like 1️⃣ and an emoji like ℹ️ count: they are
    drawn as signs). The one test of "a button a villager who cannot read can tell apart"."""
    head = label.split(" ", 1)[0]
    if not head:
        return None
    if "\u20e3" in head or "\ufe0f" in head:  # a keycap (1️⃣), or drawn as an emoji (ℹ️)
        return head
    return None if any(unicodedata.category(c)[0] in "LN" for c in head) else head


def tick_label(label: str, ticked: bool) -> str:
    """A button of a list to tick: ☑️ (ticked) or ⬜ after the label's own leading sign, so she
    still finds «📕 ប៉ាស្ព័រ» by its 📕 and sees whether it is picked (``📕 ☑️ ប៉ាស្ព័រ``).
    A label without a sign gets the box first, as before."""
    box = "☑️" if ticked else "⬜"
    sign, _, rest = label.partition(" ")
    if rest and leading_sign(label) is not None:
        return f"{sign} {box} {rest}"
    return f"{box} {label}"
