"""Coming home: check-ins stop, the leader is told, and a few questions on what really happened.

The questions are optional (each can be skipped). A story is kept only with the person's yes,
and is shared by staff without a name (the report asks returnees to share their experience).
They are a form on the skeleton (conversations/forms.py) with no review: the consent (or the
story skipped) stores them at once.

    WAGE --a|skip--> SAVINGS --a|skip--> PROBLEMS --ticks, done--> DOCUMENTS --a|skip-->
    ADVISE --a|skip--> STORY --text--> CONSENT --yes|no--> stored     (STORY --skip--> stored)
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from app.context import BotContext
from conversations.forms import Choice, Draft, Form, Keys, Step, Stored, Wrong
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, send, show
from delivery.drainer import drain_group
from delivery.recipients import village_news
from domain.departure import parse_name, staff_only
from screens.buttons import Button, column, keyboard, menu_button
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


async def _opens(update: Update, context: BotContext, lang: str) -> Draft | Wrong:
    """The questions for a departure of the person's own that has come home."""
    departure = await _own(update, context)
    if departure is None or departure.status != "returned":
        return Wrong("input.button_expired")
    return {"departure_id": departure.departure_id, "answers": {}}


def _question(field_id: str, options: tuple[str, ...]) -> Step:
    """One optional question: a button for each answer, and «skip» (kept as None)."""
    choices = [Choice(f"a:{field_id}:{o}", o, f"returning.opt.{field_id}.{o}") for o in options]
    skip = Choice(f"a:{field_id}:skip", None, "common.skip")
    return Step(field_id, f"returning.q.{field_id}", choices=(*choices, skip), within="answers")


async def _problems(context: BotContext, draft: Draft) -> list[Choice]:
    """What went wrong, from the check-in problems, each named as the content words it."""
    # Each with its sign first, the one of its check-in button and picture (docs/PICTURES.md).
    return [
        Choice(
            f"m:{p.id}", p.id, "", {lang: f"{p.emoji} {label}" for lang, label in p.labels.items()}
        )
        for p in context.content.problems
    ]


PROBLEMS = Step(
    "problems",
    "returning.q.problems",
    buttons=_problems,
    done=Choice("m:done", None, "plan.done"),
    within="answers",
)


def _read_story(text: str) -> object:
    """The story as typed, its spaces made single; up to STORY_MAX characters."""
    story = " ".join(text.split())
    if not story or len(story) > STORY_MAX or parse_name(story[:1]) is None:
        return BAD_STORY
    return story


async def _finish(update: Update, context: BotContext, draft: Draft, request_key: str) -> Stored:
    """Stores the answers (the story only with consent)."""
    assert update.effective_user is not None
    answers = draft.get("answers", {})
    consent = draft.get("consent") is True and draft.get("story") is not None
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
    log.info("returnee_answers user=%s story=%s", update.effective_user.id, consent)
    return Stored("returning.thanks")


BAD_STORY = Wrong("returning.bad_story", {"most": STORY_MAX}, alone=True)
FORM = Form(
    name="returning",
    prefix=PREFIX,
    draft=DRAFT,
    command=None,
    steps=(
        *(
            PROBLEMS if field_id == "problems" else _question(field_id, options)
            for field_id, options in QUESTIONS
        ),
        Step(
            "story",
            "returning.q.story",
            read=_read_story,
            choices=(Choice("story:skip", None, "common.skip"),),
            wrong=BAD_STORY,
        ),
        Step(
            "consent",
            "returning.q.consent",
            choices=(
                Choice("consent:yes", True, "returning.share_yes"),
                Choice("consent:no", False, "returning.share_no"),
            ),
            when=lambda draft: draft.get("story") is not None,
        ),
    ),
    keys=Keys("returning"),
    review=None,
    store=_finish,
    open_button=False,
    starts="start:",
    opens=_opens,
    in_place=True,
    cancellable=False,
    stale_again=False,
)


def build_handler() -> ConversationHandler[BotContext]:
    """The returnee questions (persistent: a restart keeps the answers given so far)."""
    return FORM.handler()


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("home", home_command, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(pick_who, pattern=rf"^{PREFIX}:who:"),
        CallbackQueryHandler(home_button, pattern=rf"^{PREFIX}:home$"),
    ]
