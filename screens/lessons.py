"""One screen of a lesson or a story: its title, where it stands ("2 of 5"), then its words."""

from __future__ import annotations

from app.context import BotContext
from content.awareness import Lesson, Story
from content.texts import Html
from screens.buttons import html


def paged_text(context: BotContext, lang: str, item: Lesson | Story, n: int) -> Html:
    """Screen ``n`` (from 0) of a lesson or a story, as /learn and a refresher show it."""
    return context.content.texts.get(
        lang,
        "learn.screen",
        title=item.titles[lang],
        number=n + 1,
        total=item.length,
        body=html(item.screens[lang][n]),
    )
