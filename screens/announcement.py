"""An announcement as its reader sees it: who it is from, the words, and "stop these"."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from app.context import BotContext
from content.texts import Html
from screens.buttons import keyboard
from storage.announcements import Announcement

ANNOUNCE_STOP = "ann:stop"
ANNOUNCE_START = "ann:start"


def announcement_text(context: BotContext, lang: str, announcement: Announcement) -> Html:
    """The words as sent: who it is from, then the typed text (escaped), English if given."""
    t = context.content.texts
    words = announcement.text_en if lang == "en" and announcement.text_en else announcement.text_km
    key = "announce.from_staff" if announcement.sender_role == "staff" else "announce.from_leader"
    return t.get(lang, key, text=words)


def announcement_screen(
    context: BotContext, lang: str, announcement: Announcement
) -> tuple[Html, InlineKeyboardMarkup]:
    """The announcement with its one button: stop announcements (respected at once)."""
    stop = (context.content.texts.raw(lang, "announce.stop"), ANNOUNCE_STOP)
    return announcement_text(context, lang, announcement), keyboard([[stop]])
