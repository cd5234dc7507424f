"""Coming home: check-ins stop, the leader is told, and a few questions on what really happened.

The questions are optional (each can be skipped). A story is kept only with the person's yes,
and is shared by staff without a name (the report asks returnees to share their experience).
"""

from __future__ import annotations

import logging
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from app.context import BotContext
from conversations.leaving import leaving_handlers
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, send, show
from delivery.drainer import drain_group
from delivery.recipients import village_news
from domain.departure import parse_name, staff_only
from screens.buttons import Button, column, keyboard, menu_button, tick_label
from storage.rows import Departure

log = logging.getLogger(__name__)
PREFIX = "ret"
DRAFT = "returning"
STORY_MAX = 1000
QUESTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("wage", ("yes", "partly", "no")),
    ("savings", ("none", "under_100", "100_500", "over_500")),
    ("problems", ()),  # several, from the check-in problems
    ("documents", ("yes", "no")),
    ("advise", ("yes", "no", "unsure")),
)


class Step(IntEnum):
    ASK = 0
    STORY = 1
    CONSENT = 2


async def came_home(update: Update, context: BotContext, departure: Departure) -> None:
    """Marks the departure returned, stops its check-ins, tells the leader, offers the questions."""
    group = f"departure:{departure.departure_id}:returned"
    news = await village_news(
        context,
        group,
        departure.village_code,
        "returning.leader_notice",
        {"name": departure.name},
        user_id=departure.user_id,
        chiefs=not staff_only(departure.reason),
    )
    # Returned, check-ins stopped and the leaders' news queued: one transaction.
    if await context.store.set_departure_status(departure.departure_id, "returned", news):
        log.info("departure_returned departure=%s", departure.departure_id)
        await drain_group(context, group)
    lang = await language_of(update, context)
    t = context.content.texts
    markup = keyboard(
        [
            [(t.raw(lang, "returning.start"), f"{PREFIX}:start:{departure.departure_id}")],
            [menu_button(context, lang)],
        ]
    )
    text = t.get(lang, "returning.welcome", name=departure.name)
    await (show(update, text, markup) if update.callback_query else send(update, text, markup))


async def home_command(update: Update, context: BotContext) -> None:
    """ "I'm back home": for the person's own active departure (or asks which one)."""
    assert update.effective_user is not None
    lang = await language_of(update, context)
    t = context.content.texts
    active = [
        d
        for d in await context.store.departures_of(update.effective_user.id)
        if d.status == "active"
    ]
    if not active:
        await send(update, t.get(lang, "returning.nothing_active"))
        return
    if len(active) == 1:
        await came_home(update, context, active[0])
        return
    buttons: list[Button] = [(d.name, f"{PREFIX}:who:{d.departure_id}") for d in active]
    await send(update, t.get(lang, "returning.which"), keyboard(column(buttons)))


async def home_button(update: Update, context: BotContext) -> None:
    """The menu's "I'm back home" button: the same as /home."""
    await answer(update)
    await home_command(update, context)


async def pick_who(update: Update, context: BotContext) -> None:
    """Marks the chosen departure as returned."""
    departure = await _own(update, context)
    if departure is None or departure.status != "active":
        return await _refuse(update, context)
    await answer(update)
    await came_home(update, context, departure)


async def _own(update: Update, context: BotContext) -> Departure | None:
    assert update.callback_query is not None and update.effective_user is not None
    raw = (update.callback_query.data or "").rsplit(":", 1)[-1]
    if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        return None
    departure = await context.store.departure(int(raw))
    return departure if departure and departure.user_id == update.effective_user.id else None


async def _refuse(update: Update, context: BotContext) -> None:
    lang = await language_of(update, context)
    await answer(update, context.content.texts.plain(lang, "input.button_expired"))


# -- the returnee questions ----------------------------------------------------------------------


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(DRAFT, {})
    return draft


def _question(context: BotContext, lang: str) -> tuple[str, Any] | None:
    """The first unanswered question, or None when all are answered."""
    t, draft = context.content.texts, _draft(context)
    answers = draft.get("answers", {})
    for field_id, options in QUESTIONS:
        if field_id in answers:
            continue
        if field_id == "problems":
            ticked = set(draft.get("ticked", []))
            buttons: list[Button] = [
                (tick_label(f"{p.emoji} {p.labels[lang]}", p.id in ticked), f"{PREFIX}:m:{p.id}")
                for p in context.content.problems
            ]
            rows = column(buttons)
            rows.append([(t.raw(lang, "plan.done"), f"{PREFIX}:m:done")])
        else:
            rows = column(
                [
                    (t.raw(lang, f"returning.opt.{field_id}.{o}"), f"{PREFIX}:a:{field_id}:{o}")
                    for o in options
                ]
            )
            rows.append([(t.raw(lang, "common.skip"), f"{PREFIX}:a:{field_id}:skip")])
        return t.get(lang, f"returning.q.{field_id}"), keyboard(rows)
    return None


async def begin(update: Update, context: BotContext) -> int:
    """Starts the questions for a departure that has come home."""
    assert context.user_data is not None
    departure = await _own(update, context)
    if departure is None or departure.status != "returned":
        await _refuse(update, context)
        return ConversationHandler.END
    context.user_data[DRAFT] = {"departure_id": departure.departure_id, "answers": {}}
    await answer(update)
    return await _next(update, context)


async def _next(update: Update, context: BotContext) -> int:
    lang = await language_of(update, context)
    question = _question(context, lang)
    if question is not None:
        await show(update, *question)
        return Step.ASK
    t = context.content.texts
    markup = keyboard([[(t.raw(lang, "common.skip"), f"{PREFIX}:story:skip")]])
    await show(update, t.get(lang, "returning.q.story"), markup)
    return Step.STORY


async def choose(update: Update, context: BotContext) -> int | None:
    """Keeps one answer (or a skip) for the current question."""
    assert update.callback_query is not None
    parts = (update.callback_query.data or "").split(":")
    draft = _draft(context)
    current = next((q for q in QUESTIONS if q[0] not in draft.get("answers", {})), None)
    if (
        len(parts) != 4
        or current is None
        or parts[2] != current[0]
        or parts[3] not in (*current[1], "skip")
    ):
        return await _stay(update, context)
    draft["answers"][parts[2]] = None if parts[3] == "skip" else parts[3]
    await answer(update)
    return await _next(update, context)


async def tick(update: Update, context: BotContext) -> int | None:
    """Ticks a problem (or "done") in the list of what went wrong."""
    assert update.callback_query is not None
    value = (update.callback_query.data or "").rsplit(":", 1)[-1]
    draft = _draft(context)
    known = {p.id for p in context.content.problems}
    current = next((q for q in QUESTIONS if q[0] not in draft.get("answers", {})), None)
    if current is None or current[0] != "problems" or value not in (*known, "done"):
        return await _stay(update, context)
    ticked = list(draft.get("ticked", []))
    if value == "done":
        draft["answers"]["problems"] = ticked
        draft.pop("ticked", None)
    else:
        draft["ticked"] = [p for p in ticked if p != value] if value in ticked else [*ticked, value]
    await answer(update)
    return await _next(update, context)


async def _stay(update: Update, context: BotContext) -> int | None:
    lang = await language_of(update, context)
    await answer(update, context.content.texts.plain(lang, "input.button_expired"))
    return None


async def type_story(update: Update, context: BotContext) -> int | None:
    """Keeps a typed story (until the person says whether it may be shared)."""
    assert update.message is not None
    lang = await language_of(update, context)
    t = context.content.texts
    text = " ".join((update.message.text or "").split())
    if not text or len(text) > STORY_MAX or parse_name(text[:1]) is None:
        await send(update, t.get(lang, "returning.bad_story", most=STORY_MAX))
        return None
    _draft(context)["story"] = text
    markup = keyboard(
        [
            [(t.raw(lang, "returning.share_yes"), f"{PREFIX}:consent:yes")],
            [(t.raw(lang, "returning.share_no"), f"{PREFIX}:consent:no")],
        ]
    )
    await send(update, t.get(lang, "returning.q.consent"), markup)
    return Step.CONSENT


async def not_a_story(update: Update, context: BotContext) -> int | None:
    """Stickers, photos or voice where a typed story (or skip) is expected."""
    lang = await language_of(update, context)
    await send(update, context.content.texts.get(lang, "returning.bad_story", most=STORY_MAX))
    return None


async def finish(update: Update, context: BotContext) -> int:
    """Stores the answers (the story only with consent) and thanks the person."""
    assert update.callback_query is not None and update.effective_user is not None
    assert context.user_data is not None
    choice = (update.callback_query.data or "").rsplit(":", 1)[-1]
    draft = _draft(context)
    answers = draft.get("answers", {})
    consent = choice == "yes" and "story" in draft
    await context.store.record_return(
        {
            "departure_id": draft.get("departure_id"),
            "user_id": update.effective_user.id,
            "returned_on": context.clock.now()
            .astimezone(context.services.config.timezone)
            .date()
            .isoformat(),
            "wage_as_promised": answers.get("wage"),
            "savings": answers.get("savings"),
            "problems": ",".join(answers.get("problems") or []),
            "kept_documents": answers.get("documents"),
            "would_advise": answers.get("advise"),
            "story": draft.get("story") if consent else None,
            "story_consent": int(consent),
        }
    )
    context.user_data.pop(DRAFT, None)
    log.info("returnee_answers user=%s story=%s", update.effective_user.id, consent)
    await answer(update)
    lang = await language_of(update, context)
    await show(
        update,
        context.content.texts.get(lang, "returning.thanks"),
        keyboard([[menu_button(context, lang)]]),
    )
    return ConversationHandler.END


def build_handler() -> ConversationHandler[BotContext]:
    """The returnee questions (persistent)."""

    def press(callback: Any, suffix: str) -> CallbackQueryHandler[BotContext, Any]:
        return CallbackQueryHandler(callback, pattern=rf"^{PREFIX}:{suffix}")

    return ConversationHandler(
        entry_points=[press(begin, "start:")],
        states={
            Step.ASK: [press(choose, "a:"), press(tick, "m:"), press(_stay, "")],
            Step.STORY: [
                press(finish, "story:skip$"),
                MessageHandler(PRIVATE_MESSAGE & filters.TEXT & ~filters.COMMAND, type_story),
                MessageHandler(PRIVATE_MESSAGE & ~filters.COMMAND, not_a_story),
                press(_stay, ""),
            ],
            Step.CONSENT: [press(finish, "consent:(yes|no)$"), press(_stay, "")],
        },
        fallbacks=leaving_handlers(DRAFT),
        allow_reentry=True,
        name="returning",
        persistent=True,
    )


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("home", home_command, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(pick_who, pattern=rf"^{PREFIX}:who:"),
        CallbackQueryHandler(home_button, pattern=rf"^{PREFIX}:home$"),
    ]
