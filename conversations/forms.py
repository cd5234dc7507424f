"""One skeleton for the forms: steps as data, a draft in ``user_data``, a review and one Send.

A form module says only its steps (the question, the kind of answer, what checks it and the
text that says why not), its review and what Send stores; this module does the rest the same
way for every form:

- The draft lives in ``user_data[form.draft]``, so PTB's persistence keeps it over a restart
  with the conversation's state, and the sweep (conversations/drafts.py) erases it when left
  too long; /menu and the like drop it (conversations/leaving.py), as does another form
  (conversations/switching.py, which the composition root hands ``form.draft``).
- The current step is always the first one whose answer the draft lacks, so a restart, a
  wrong answer or a stale press simply shows it again; the conversation's state is that step's
  number (the review is the number after the last step), which is what persistence stores.
- Send runs only on a complete draft. A keyed form makes its request key with the draft, so
  Send pressed twice, or again after a crash, finds what the first press stored; the draft is
  forgotten and written to disk before the (slow) notices go out, so a crash while they do
  cannot bring back a review whose Send would store it again.

    begin --gate--> step 0 --answer--> step 1 ... --answer--> review --send--> end
    (every step: cancel ends it; anything that does not fit shows the current step again)

The plainest form is conversations/broker_report.py; conversations/missing.py adds a gate, a
request key and skippable steps; conversations/announce.py has steps whose buttons depend on
who asks (they draw their own screen and read their own presses) and a Send that looks again.
conversations/departure.py (/plan) uses the rest: steps asked only after some answers
(``when``), «back» that takes back the last answer (a history in the draft), a progress line,
a step of ticks, buttons drawn from today or the store, typed answers read with the context
and the answers so far, and a Send whose thanks depends on how its notices went.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, Update
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
from screens.buttons import Button, keyboard, menu_button, tick_label

log = logging.getLogger(__name__)
_EDGES = re.compile(r"^[\s\u200b-\u200d\u2060\ufeff]+|[\s\u200b-\u200d\u2060\ufeff]+$")
REQUEST_KEY = "request_key"  # the draft's field holding a keyed form's request key
HISTORY = "history"  # the draft's fields answered, in order (a form with «back»)
TICKED = "ticked"  # the draft's values ticked so far at a step of ticks

Draft = dict[str, Any]
Screen = tuple[str, InlineKeyboardMarkup]


def cleaned(text: str) -> str:
    """A typed answer as kept: without spaces (visible or not) at either end."""
    return _EDGES.sub("", text)


@dataclass(frozen=True)
class Wrong:
    """A typed answer refused: the text key that says why, and its values."""

    key: str
    params: Mapping[str, object] = dataclasses.field(default_factory=dict)


# Reads a typed answer (already cleaned): the value to keep, or Wrong. A text it keeps must
# read the same again (that is how a draft's answer is checked when the form goes on).
Read = Callable[[str], object]


def words(least: int, most: int, wrong: str, too_long: str | None = None) -> Read:
    """Text of ``least`` to ``most`` characters. With one key, it says why either way (given
    ``most``); with two, ``wrong`` says too short (given ``least``), ``too_long`` too long."""

    def read(text: str) -> object:
        if least <= len(text) <= most:
            return text
        if too_long is None:
            return Wrong(wrong, {"most": most})
        return (
            Wrong(wrong, {"least": least}) if len(text) < least else Wrong(too_long, {"most": most})
        )

    return read


def parsed(parse: Callable[[str], object], wrong: str) -> Read:
    """Whatever ``parse`` makes of the text; None from it is the answer refused."""

    def read(text: str) -> object:
        value = parse(text)
        return Wrong(wrong) if value is None else value

    return read


@dataclass(frozen=True)
class Choice:
    """A button of a step: its data after the form's prefix, the value kept, its label's key."""

    data: str
    value: object
    label: str
    name: str | None = None  # shown as it is (a name from the store), not a text key's text
    also: Mapping[str, object] = dataclasses.field(default_factory=dict)  # kept with the value


STAY = object()  # what a step's own press reader returns when it showed a screen of its own

# A step's own screen, for one that depends on the person or on earlier answers.
Draw = Callable[[Update, BotContext, str, Draft], Awaitable[Screen]]
# A step's own press reader (the data after the prefix): the value to keep, a Choice (its value
# and its ``also``), Wrong (its key is the pop-up) or STAY.
Pick = Callable[[Update, BotContext, str], Awaitable[object]]
# A typed answer read with what it depends on (today, the answers so far): value or Wrong.
ReadWith = Callable[[BotContext, Draft, str], object]
# Buttons drawn when the step is shown and again when pressed (from today, from the store).
Buttons = Callable[[BotContext, Draft], Awaitable[Sequence[Choice]]]


@dataclass(frozen=True)
class Step:
    """One question: typed (``read``) or buttons (``choices``), perhaps with a skip button.

    A step whose buttons depend on who asks draws its own screen (``draw``), reads its own
    presses (``pick``) and says which kept values are answers (``valid``).

    A step may also be asked only when earlier answers call for it (``when``), tick several
    values (``ticks``, kept as a list by its ``done`` button), draw buttons from today or the
    store (``buttons``), read a typed answer with the context (``read_with``), and say its own
    text for input that is no answer (``wrong``: a sticker, a voice).
    """

    field: str  # the draft's key it fills
    question: str  # the text key of its screen
    read: Read | None = None
    choices: tuple[Choice, ...] = ()
    skip: bool = False  # a skip button keeps None
    params: Mapping[str, object] = dataclasses.field(default_factory=dict)  # the question's values
    draw: Draw | None = None
    pick: Pick | None = None
    valid: Callable[[object], bool] | None = None
    when: Callable[[Draft], bool] | None = None  # asked only when this holds of the answers
    ticks: tuple[Choice, ...] = ()  # ☑️/⬜ buttons; ``done`` keeps the ticked values as a list
    done: Choice | None = None  # the button that keeps the ticks (its value is not used)
    buttons: Buttons | None = None
    read_with: ReadWith | None = None
    wrong: str | None = None  # the text key for input that is no answer (default: the form's)
    companions: tuple[str, ...] = ()  # the answers a Choice's ``also`` keeps, taken back with it

    @property
    def typed(self) -> bool:
        """Whether it takes a typed answer."""
        return self.read is not None or self.read_with is not None

    def kept(self, draft: Draft) -> bool:
        """Whether the draft holds an answer this step would have kept."""
        if self.valid is not None:
            return self.field in draft and self.valid(draft[self.field])
        if self.skip:
            return self.field in draft  # None (skipped) is an answer too
        value = draft.get(self.field)
        if self.ticks:
            values = [c.value for c in self.ticks]
            return isinstance(value, list | tuple) and all(v in values for v in value)
        if self.read_with is not None or self.buttons is not None:
            return value is not None  # only what its read or its buttons made (else: ``valid``)
        if self.choices:
            return any(value == c.value and type(value) is type(c.value) for c in self.choices)
        if self.read is None or value is None:
            return False
        # A text is read again (what a draft holds is checked, not trusted); anything else (a
        # number, a date) only its read made.
        return not isinstance(value, str) or not isinstance(self.read(cleaned(value)), Wrong)


@dataclass(frozen=True)
class Stored:
    """What Send stored: the thanks (text key and values) and the notices still to deliver."""

    thanks: str
    params: Mapping[str, object] = dataclasses.field(default_factory=dict)
    # Delivers the notices; may return the thanks' key that fits how they went.
    deliver: Callable[[], Awaitable[str | None]] | None = None
    again: bool = False  # found, not made: the thanks is a new message, the old may say it


@dataclass(frozen=True)
class Summary:
    """The review's text, and whether it may be sent (a form may say there is nobody to tell)."""

    text: str
    sendable: bool = True
    send: str | None = None  # the Send button's text key, if not the form's own


@dataclass(frozen=True)
class Keys:
    """The form's own texts, under one namespace: ``.cancel`` (the button), ``.cancelled`` (said
    when cancelled), ``.send`` (the review's button) and, if it has them, ``.intro`` (above the
    first step) and ``.type_words`` (a sticker where words are wanted; else "use the buttons").
    """

    namespace: str
    with_intro: bool = False
    with_type_words: bool = False
    skip: str = "common.skip"  # the skip button
    at_review: str = "input.use_buttons"  # said for anything typed or sent at the review
    back: str = "common.back"  # the «back» button (a form with_back)

    @property
    def cancel(self) -> str:
        return f"{self.namespace}.cancel"

    @property
    def cancelled(self) -> str:
        return f"{self.namespace}.cancelled"

    @property
    def send(self) -> str:
        return f"{self.namespace}.send"

    @property
    def intro(self) -> str | None:
        return f"{self.namespace}.intro" if self.with_intro else None

    @property
    def type_words(self) -> str:
        return f"{self.namespace}.type_words" if self.with_type_words else "input.use_buttons"


# Before the form starts: None to go on, or the screen that ends it instead (who may not).
Refusal = tuple[str, InlineKeyboardMarkup | None]
Gate = Callable[[Update, BotContext, str], Awaitable[Refusal | None]]
Review = Callable[[Update, BotContext, str, Draft], Awaitable[str | Summary]]
# Send's one transaction: (update, context, draft, request key) -> Stored, or Wrong (refused:
# its key is the pop-up, and the step the draft is at is shown again).
Store = Callable[[Update, BotContext, Draft, str], Awaitable[Stored | Wrong]]


@dataclass(frozen=True)
class Form:
    """A form: its name (the conversation's, as persisted), buttons' prefix, draft and steps."""

    name: str
    prefix: str
    draft: str  # the key of its draft in user_data
    command: str
    steps: tuple[Step, ...]
    keys: Keys
    review: Review
    store: Store  # the one transaction of Send: (update, context, draft, request key)
    gate: Gate | None = None
    keyed: bool = False  # the storage finds a second Send by the draft's request key
    others: str | None = None  # presses under the prefix that other handlers answer (a regex)
    open_button: bool = True  # PREFIX:open starts it too (a menu's or a notice's button)
    answers_in: str | None = None  # the draft's key holding the answers (None: the draft)
    with_back: bool = False  # «back» takes back the last answer (HISTORY in the draft)
    progress: str | None = None  # a text key above each question, given {number} and {total}
    intro_apart: bool = False  # the intro is a message of its own, given {total}
    cancel_menu: bool = True  # cancelled: the menu button under the text
    skip_data: str = "skip"  # the skip button's data after the prefix ({field}: the step's)

    # -- the draft ------------------------------------------------------------------------

    def draft_of(self, context: BotContext) -> Draft:
        assert context.user_data is not None
        draft: Draft = context.user_data.setdefault(self.draft, {})
        return draft

    def answers_of(self, context: BotContext) -> Draft:
        """The answers: the draft itself, or the part of it that ``answers_in`` names."""
        draft = self.draft_of(context)
        if self.answers_in is None:
            return draft
        answers: Draft = draft.setdefault(self.answers_in, {})
        return answers

    def current(self, draft: Draft) -> int:
        """The first step the draft lacks; ``len(steps)`` (the review) when complete."""
        for number, step in enumerate(self.steps):
            if applies(step, draft) and not step.kept(draft):
                return number
        return len(self.steps)

    def path(self, answers: Draft) -> list[Step]:
        """The steps these answers call for (so far: a later answer may add one)."""
        return [step for step in self.steps if applies(step, answers)]

    def _keep(self, context: BotContext, step: Step, value: object, **also: object) -> None:
        """Keeps an answer (with what it brings along) and, with «back», notes it was given."""
        draft, answers = self.draft_of(context), self.answers_of(context)
        answers[step.field] = value
        answers.update(also)
        if self.with_back:
            draft.setdefault(HISTORY, []).append(step.field)
        draft.pop(TICKED, None)

    async def choices(self, context: BotContext, step: Step, answers: Draft) -> list[Choice]:
        """The step's buttons: its own, then those drawn now."""
        drawn = await step.buttons(context, answers) if step.buttons is not None else ()
        return [*step.choices, *drawn]

    @property
    def review_step(self) -> int:
        return len(self.steps)

    # -- screens --------------------------------------------------------------------------

    def _button(self, context: BotContext, lang: str, key: str, data: str) -> list[Button]:
        return [(context.content.texts.raw(lang, key), f"{self.prefix}:{data}")]

    async def screen(self, update: Update, context: BotContext, lang: str, number: int) -> Screen:
        """What the step shows, from the draft alone (so any step can be shown again)."""
        t, draft = context.content.texts, self.answers_of(context)
        cancel = self._button(context, lang, self.keys.cancel, "cancel")
        back = self._button(context, lang, self.keys.back, "back") if self.with_back else []
        if number >= len(self.steps):
            review = await self.review(update, context, lang, draft)
            summary = review if isinstance(review, Summary) else Summary(review)
            send_key = summary.send or self.keys.send
            send_row = self._button(context, lang, send_key, "send")
            below = [*([send_row] if summary.sendable else []), *([back] if back else [])]
            return summary.text, keyboard([*below, cancel])
        step = self.steps[number]
        if step.draw is not None:
            return await step.draw(update, context, lang, draft)
        rows = [self._choice(context, lang, c) for c in await self.choices(context, step, draft)]
        rows += self._ticks(context, lang, step)
        if step.skip:
            skip_data = self.skip_data.format(field=step.field)
            rows.append(self._button(context, lang, self.keys.skip, skip_data))
        if self.draft_of(context).get(HISTORY):  # «back» from the second answer on
            cancel = [*back, *cancel]
        question: str = t.get(lang, step.question, **step.params)
        if self.progress is not None:  # "6 of 15": the total is the steps on this path so far
            before = sum(1 for s in self.steps[:number] if applies(s, draft))
            total = max(len(self.path(draft)), before + 1)
            question = f"{t.get(lang, self.progress, number=before + 1, total=total)}\n{question}"
        return question, keyboard([*rows, cancel])

    def _choice(self, context: BotContext, lang: str, choice: Choice) -> list[Button]:
        if choice.name is not None:
            return [(choice.name, f"{self.prefix}:{choice.data}")]
        return self._button(context, lang, choice.label, choice.data)

    def _ticks(self, context: BotContext, lang: str, step: Step) -> list[list[Button]]:
        """A step of ticks: ☑️ or ⬜ after each label's sign, then its done button."""
        if not step.ticks:
            return []
        t, ticked = context.content.texts, self.draft_of(context).get(TICKED, [])
        rows = [
            [
                (
                    tick_label(t.raw(lang, c.label), c.value in ticked),
                    f"{self.prefix}:{c.data}",
                )
            ]
            for c in step.ticks
        ]
        if step.done is not None:
            rows.append(self._button(context, lang, step.done.label, step.done.data))
        return rows

    async def _show_current(
        self, update: Update, context: BotContext, above: str | None = None, *, edit: bool = False
    ) -> int:
        lang = await language_of(update, context)
        number = self.current(self.answers_of(context))
        text, markup = await self.screen(update, context, lang, number)
        if above:
            text = f"{above}\n\n{text}"
        await (show(update, text, markup) if edit else send(update, text, markup))
        return number

    # -- handlers -------------------------------------------------------------------------

    async def begin(self, update: Update, context: BotContext) -> int:
        """Starts the form anew (after its gate, if any) and asks the first question."""
        assert context.user_data is not None
        await answer(update)
        lang = await language_of(update, context)
        if self.gate is not None and (refused := await self.gate(update, context, lang)):
            await send(update, *refused)
            return ConversationHandler.END
        draft: Draft = {REQUEST_KEY: secrets.token_hex(16)} if self.keyed else {}
        if self.answers_in is not None:
            draft[self.answers_in] = {}
        if self.with_back:
            draft[HISTORY] = []
        context.user_data[self.draft] = draft
        t = context.content.texts
        if self.intro_apart and self.keys.intro:  # its own message, with the questions ahead
            await send(update, t.get(lang, self.keys.intro, total=len(self.path({}))))
            return await self._show_current(update, context)
        intro = t.get(lang, self.keys.intro) if self.keys.intro else None
        return await self._show_current(update, context, intro)

    async def typed(self, update: Update, context: BotContext) -> int | None:
        """A typed answer for the current step: kept and the next step asked, or why not."""
        assert update.message is not None
        lang = await language_of(update, context)
        t = context.content.texts
        draft = self.answers_of(context)
        number = self.current(draft)
        step = self.steps[number] if number < len(self.steps) else None
        if step is None or not step.typed:
            hint = self.keys.at_review if step is None else "input.use_buttons"
            await self._show_current(update, context, t.get(lang, hint))
            return None
        text = cleaned(update.message.text or "")
        if step.read is not None:
            value = step.read(text)
        else:
            assert step.read_with is not None
            value = step.read_with(context, draft, text)
        if isinstance(value, Wrong):
            await self._show_current(update, context, t.get(lang, value.key, **value.params))
            return None
        self._keep(context, step, value)
        return await self._show_current(update, context)

    async def pressed(self, update: Update, context: BotContext) -> int | None:
        """A button of the current step (or its skip): kept and the next step shown in place."""
        assert update.callback_query is not None
        data = (update.callback_query.data or "").removeprefix(f"{self.prefix}:")
        draft = self.answers_of(context)
        number = self.current(draft)
        step = self.steps[number] if number < len(self.steps) else None
        offered = await self.choices(context, step, draft) if step else []
        chosen = next((c for c in offered if c.data == data), None)
        if step is not None and chosen is None and self._tick(context, step, data):
            await answer(update)
            return await self._show_current(update, context, edit=True)
        picked = (
            await step.pick(update, context, data) if step and step.pick and not chosen else None
        )
        if picked is STAY:
            return None
        if isinstance(picked, Choice):  # a button the screen may not have had (found anew)
            chosen, picked = picked, None
        if step is not None and step.skip and data == self.skip_data.format(field=step.field):
            self._keep(context, step, None)
        elif step is not None and chosen is not None:
            self._keep(context, step, chosen.value, **chosen.also)
        elif step is not None and step.pick is not None and not isinstance(picked, Wrong):
            self._keep(context, step, picked)
        else:  # a stale press from another step, or a value no button offers
            popup = picked.key if isinstance(picked, Wrong) else "input.button_expired"
            await self.refuse(update, context, popup)
            return None
        await answer(update)
        return await self._show_current(update, context, edit=True)

    def _tick(self, context: BotContext, step: Step, data: str) -> bool:
        """A press of a step of ticks: a tick changed, or the ticked values kept (done)."""
        ticked: list[Any] = list(self.draft_of(context).get(TICKED, []))
        tick = next((c for c in step.ticks if c.data == data), None)
        if tick is not None:
            on = tick.value in ticked
            ticked = [v for v in ticked if v != tick.value] if on else [*ticked, tick.value]
            self.draft_of(context)[TICKED] = ticked
            return True
        if step.ticks and step.done is not None and data == step.done.data:
            self._keep(context, step, [c.value for c in step.ticks if c.value in ticked])
            return True
        return False

    async def take_back(self, update: Update, context: BotContext) -> int:
        """«Back»: takes back the last answer (and what came with it) and asks it again."""
        draft, answers = self.draft_of(context), self.answers_of(context)
        history: list[str] = draft.get(HISTORY, [])
        if history:
            last = history.pop()
            answers.pop(last, None)
            for step in self.steps:
                if step.field == last:
                    for companion in step.companions:
                        answers.pop(companion, None)
        draft.pop(TICKED, None)
        await answer(update)
        return await self._show_current(update, context, edit=True)

    async def refuse(
        self, update: Update, context: BotContext, popup: str = "input.button_expired"
    ) -> None:
        """Anything that does not fit the current step (a sticker, a stale press): it again."""
        lang = await language_of(update, context)
        t = context.content.texts
        if update.callback_query is not None:
            await answer(update, t.plain(lang, popup))
            await self._show_current(update, context)
            return
        number = self.current(self.answers_of(context))
        step = self.steps[number] if number < len(self.steps) else None
        if step is None:
            key = self.keys.at_review
        elif step.wrong is not None:
            key = step.wrong
        else:
            key = self.keys.type_words if step.typed else "input.use_buttons"
        await self._show_current(update, context, t.get(lang, key))

    async def send(self, update: Update, context: BotContext) -> int | None:
        """Stores the complete draft (once, by its request key), then thanks the person."""
        assert update.effective_user is not None and context.user_data is not None
        draft, answers = self.draft_of(context), self.answers_of(context)
        if self.current(answers) != self.review_step:
            await self.refuse(update, context)
            return None
        request_key = str(draft.get(REQUEST_KEY) or secrets.token_hex(16))
        stored = await self.store(update, context, answers, request_key)
        if isinstance(stored, Wrong):  # refused on a second look (who may, who would get it)
            await self.refuse(update, context, stored.key)
            return self.current(self.answers_of(context))
        # Forgotten and written now, before the notices go out: a crash while they do must
        # neither leave the answers in the draft nor let the old Send button store them again.
        if self.draft in context.user_data:  # unless the store forgot it first (forget)
            await self.forget(update, context)
        thanks_key = stored.thanks
        if stored.deliver is not None:
            thanks_key = await stored.deliver() or thanks_key
        await answer(update)
        lang = await language_of(update, context)
        thanks = context.content.texts.get(lang, thanks_key, **stored.params)
        markup = keyboard([[menu_button(context, lang)]])
        await (send(update, thanks, markup) if stored.again else show(update, thanks, markup))
        return ConversationHandler.END

    async def forget(self, update: Update, context: BotContext) -> None:
        """Drops the draft and writes that now (a store may, before its transaction)."""
        assert context.user_data is not None and update.effective_user is not None
        context.user_data.pop(self.draft, None)
        await flush_draft(context, update.effective_user.id)

    async def cancel(self, update: Update, context: BotContext) -> int:
        """Drops the draft: nothing is sent or kept."""
        assert context.user_data is not None
        context.user_data.pop(self.draft, None)
        await answer(update)
        lang = await language_of(update, context)
        text = context.content.texts.get(lang, self.keys.cancelled)
        await show(
            update, text, keyboard([[menu_button(context, lang)]]) if self.cancel_menu else None
        )
        return ConversationHandler.END

    def handler(self) -> ConversationHandler[BotContext]:
        """The conversation (persistent: a restart keeps the answers given so far)."""
        prefix = self.prefix
        mine = rf"^{prefix}:(?!{self.others})" if self.others else rf"^{prefix}:"
        handlers: list[BaseHandler[Update, BotContext, Any]] = [
            CallbackQueryHandler(self.cancel, pattern=rf"^{prefix}:cancel$"),
            CallbackQueryHandler(self.send, pattern=rf"^{prefix}:send$"),
            *(
                [CallbackQueryHandler(self.take_back, pattern=rf"^{prefix}:back$")]
                if self.with_back
                else []
            ),
            CallbackQueryHandler(self.pressed, pattern=mine),
            MessageHandler(PRIVATE_MESSAGE & filters.TEXT & ~filters.COMMAND, self.typed),
            MessageHandler(PRIVATE_MESSAGE & ~filters.COMMAND, self.refuse),
        ]
        entry_points: list[BaseHandler[Update, BotContext, Any]] = [
            CommandHandler(self.command, self.begin, filters=PRIVATE_MESSAGE)
        ]
        if self.open_button:
            entry_points.append(CallbackQueryHandler(self.begin, pattern=rf"^{prefix}:open$"))
        return ConversationHandler(
            entry_points=entry_points,
            states={number: handlers for number in range(len(self.steps) + 1)},
            fallbacks=leaving_handlers(self.draft),
            allow_reentry=True,
            name=self.name,
            persistent=True,
        )


def applies(step: Step, answers: Draft) -> bool:
    """Whether the answers so far call for this step."""
    return step.when is None or step.when(answers)


async def flush_draft(context: BotContext, user_id: int) -> None:
    """Writes the person's drafts now rather than after the update (see app.factory._flush)."""
    context.application.mark_data_for_update_persistence(user_ids=user_id)
    try:
        await context.application.update_persistence()
    except Exception as error:  # what Send stored is stored; the after-update flush will retry
        log.error("persistence_failed user=%s error=%s", user_id, type(error).__name__)
