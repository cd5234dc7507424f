"""«📋 Register someone leaving»: a chief writes a departure down with the villager beside him.

The seed's own practice is a paper the chief fills in with the person (MomConnect registers a
mother the same way, through a nurse). The chief asks /plan's questions, on the same skeleton
(conversations/forms.py) and with the same steps, but two: who it is for (the person beside him,
for herself) and why she leaves — asked in front of the chief, a woman leaving violence or a
creditor could not answer freely, so it is kept as "prefers not to say". Send makes a one-time
code (a QR code and a link) that she opens on her own phone (conversations/assisted_open.py):
nothing is her departure, and nothing reaches her phone, before she says it is her.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ConversationHandler

from access.assisted import assisted_link, create_assisted
from app.context import BotContext
from content.formatting import format_day
from conversations.departure import TRIP_WALK, step_of, trip_review_text
from conversations.forms import Draft, Form, Keys, Refusal, Stored, Summary
from conversations.ui import language_of
from domain.departure import FIELDS, PRIVATE
from printables.qr import qr_png

log = logging.getLogger(__name__)
PREFIX = "reg"
DRAFT = "assisted"
# Not asked with the chief beside her: the answers she would give herself.
PRESET = {"who": "self", "reason": PRIVATE}
ASKED = tuple(spec for spec in FIELDS if spec.id not in (*PRESET, "reason_shared"))


async def _gate(update: Update, context: BotContext, lang: str) -> Refusal | None:
    """Only a chief writes a departure down for his village (staff register through a chief)."""
    assert update.effective_user is not None
    if not await context.store.led_villages(update.effective_user.id):
        return context.content.texts.get(lang, "assisted.chiefs_only"), None
    return None


async def _review(update: Update, context: BotContext, lang: str, answers: Draft) -> Summary:
    return Summary(trip_review_text(context, lang, answers | PRESET, "assisted.ask_send"))


async def _make_code(
    update: Update, context: BotContext, answers: Draft, request_key: str
) -> Stored:
    """Keeps the answers under a new one-time code, shows its QR code, then the link."""
    assert update.effective_user is not None and update.effective_chat is not None
    me, config = update.effective_user.id, context.services.config
    villages = await context.store.led_villages(me)
    code, new = await create_assisted(
        context.store,
        context.clock,
        me,
        villages[0] if villages else None,
        dict(answers) | PRESET,
        request_key,
        config.assisted_valid,
    )
    link = assisted_link(context.bot.username, code)
    expires = (context.clock.now() + config.assisted_valid).astimezone(config.timezone)
    log.info("assisted_made by=%s new=%s", me, new)
    chat_id = update.effective_chat.id

    async def show_code() -> None:
        # The picture her phone's camera reads; the link below it works as well, so a picture
        # that did not go must not lose the code (the thanks with the link still comes).
        try:
            await context.bot.send_photo(chat_id, qr_png(link))
        except TelegramError as error:
            log.warning("assisted_qr_failed error=%s", type(error).__name__)

    # Sent anew below the picture (the review's message stays above it).
    return Stored(
        "assisted.made",
        {"link": link, "until": format_day(expires.date(), await language_of(update, context))},
        deliver=show_code,
        again=True,
    )


FORM = Form(
    name="assisted",
    prefix=PREFIX,
    draft=DRAFT,
    command="register",
    steps=tuple(step_of(spec) for spec in ASKED),
    keys=Keys("assisted", with_intro=True, at_review="plan.bad.review"),
    review=_review,
    store=_make_code,
    gate=_gate,
    **TRIP_WALK,
)


def build_handler() -> ConversationHandler[BotContext]:
    """The chief's form (persistent: a restart keeps every answer given so far)."""
    return FORM.handler()
