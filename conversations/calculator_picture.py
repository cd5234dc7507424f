"""/calc's result as a picture too: the money left each month with the person's own figures.

For people who read numbers more easily than sentences. Drawn off the event loop (others are
answered meanwhile) and only when the figures or the language changed since the last one, so
going back and forth costs no data.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError

from app.context import BotContext
from content.texts import Texts
from domain.economics import Plan
from printables.drawing import DRAWING_LOCK
from printables.money_picture import draw_plan_money, plan_figures

log = logging.getLogger(__name__)
PICTURED = "pictured"  # in the calculator's draft: what the last picture showed


def _draw(texts: Texts, lang: str, plan: Plan) -> bytes:
    with DRAWING_LOCK:
        return draw_plan_money(texts, lang, plan)


async def send_plan_picture(
    update: Update, context: BotContext, draft: dict[str, Any], plan: Plan, lang: str
) -> bool:
    """Sends the picture of these figures unless the last one showed them; True when sent."""
    chat = update.effective_chat
    shown = [lang, *plan_figures(plan)]
    if chat is None or draft.get(PICTURED) == shown:
        return False
    try:
        picture = await asyncio.to_thread(_draw, context.content.texts, lang, plan)
        await chat.send_photo(picture, filename="money.png")
    except (OSError, ValueError, RuntimeError, TelegramError) as error:
        # The sums are in the words that follow; a picture that failed must not hide them.
        log.warning("calc_picture_failed error=%s", type(error).__name__)
        return False
    draft[PICTURED] = shown
    return True
