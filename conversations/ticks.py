"""A step of several ticks for the form skeleton: each press ticks or unticks an option,
«done» keeps the list of those ticked (none is an answer too).

A Step with its own draw, pick and valid (conversations/forms.py), so any form can use it: the
ticks so far live in the draft beside the answers, so a restart keeps them. Used by the
returnee questions (what went wrong); /plan's own list of papers may become one too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from telegram import Update

from app.context import BotContext
from conversations.forms import STAY, Draft, Screen, Step, Wrong
from conversations.ui import answer, language_of, show
from screens.buttons import Button, keyboard

# The options in the person's language: (id, label).
Options = Callable[[BotContext, str], Sequence[tuple[str, str]]]


def ticks(
    field: str,
    question: str,
    options: Options,
    *,
    prefix: str,
    draft: str,
    data: str = "m",
    scratch: str = "ticked",
    done: str = "plan.done",
    within: str | None = None,
) -> Step:
    """The step: ``PREFIX:DATA:ID`` ticks or unticks, ``PREFIX:DATA:done`` keeps the list in
    ``field``; the ticks so far are kept in the draft's ``scratch``."""

    def ticked_in(context: BotContext) -> dict[str, Any]:
        assert context.user_data is not None
        held: dict[str, Any] = context.user_data.setdefault(draft, {})
        return held

    async def draw(update: Update, context: BotContext, lang: str, form: Draft) -> Screen:
        ticked = set(form.get(scratch, []))
        rows: list[list[Button]] = [
            [(("☑️ " if key in ticked else "⬜ ") + label, f"{prefix}:{data}:{key}")]
            for key, label in options(context, lang)
        ]
        rows.append([(context.content.texts.raw(lang, done), f"{prefix}:{data}:done")])
        return context.content.texts.get(lang, question), keyboard(rows)

    async def pick(update: Update, context: BotContext, pressed: str) -> object:
        assert update.effective_user is not None
        lang = await language_of(update, context)
        value = pressed.removeprefix(f"{data}:")
        form = ticked_in(context)
        if not pressed.startswith(f"{data}:"):
            return Wrong("input.button_expired")
        if value == "done":
            return list(form.pop(scratch, []))
        if value not in {key for key, _ in options(context, lang)}:
            return Wrong("input.button_expired")
        ticked = list(form.get(scratch, []))
        form[scratch] = [k for k in ticked if k != value] if value in ticked else [*ticked, value]
        await answer(update)
        await show(update, *await draw(update, context, lang, form))
        return STAY

    return Step(
        field, question, draw=draw, pick=pick, valid=lambda v: isinstance(v, list), within=within
    )
