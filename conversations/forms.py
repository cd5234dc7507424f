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

Forms without a review (``review=None``) store as soon as the last step is answered: the
returnee questions (conversations/returning.py: a step asked only ``when`` an earlier answer
allows it, answers kept ``within`` a part of the draft, a draft ``opens`` from the press that
starts it). A ``hub`` stores each round and shows its first step again, the thanks above: the
list of papers (conversations/documents.py), where a paper's date is saved the moment it is
given. A step, a draw or a store that finds what the form is about gone raises ``Closed``.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
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
from screens.buttons import Button, keyboard, menu_button

log = logging.getLogger(__name__)
_EDGES = re.compile(r"^[\s\u200b-\u200d\u2060\ufeff]+|[\s\u200b-\u200d\u2060\ufeff]+$")
REQUEST_KEY = "request_key"  # the draft's field holding a keyed form's request key

Draft = dict[str, Any]
Screen = tuple[str, InlineKeyboardMarkup]


def cleaned(text: str) -> str:
    """A typed answer as kept: without spaces (visible or not) at either end."""
    return _EDGES.sub("", text)


@dataclass(frozen=True)
class Wrong:
    """A typed answer refused: the text key that says why, and its values; ``again``: the
    question shown again below it (else the why alone)."""

    key: str
    params: Mapping[str, object] = dataclasses.field(default_factory=dict)
    again: bool = True


class Closed(Exception):
    """What the form is about is gone (the trip ended meanwhile): raised by a step's draw, pick
    or read, or by the store. Its text is said alone, the draft dropped, the form over."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


# Reads a typed answer (already cleaned): the value to keep, or Wrong. A text it keeps must
# read the same again (that is how a draft's answer is checked when the form goes on).
Read = Callable[[str], object]
# The same, for an answer whose reading needs the context (today's date where the person is).
ReadIn = Callable[[BotContext, str], object]


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


STAY = object()  # what a step's own press reader returns when it showed a screen of its own

# A step's own screen, for one that depends on the person or on earlier answers.
Draw = Callable[[Update, BotContext, str, Draft], Awaitable[Screen]]
# A step's own press reader (the data after the prefix): the value to keep, Wrong (its key is
# the pop-up) or STAY.
Pick = Callable[[Update, BotContext, str], Awaitable[object]]


@dataclass(frozen=True)
class Step:
    """One question: typed (``read``) or buttons (``choices``), perhaps with a skip button.

    A step whose buttons depend on who asks draws its own screen (``draw``), reads its own
    presses (``pick``) and says which kept values are answers (``valid``). A choice may keep
    None (a skip button of its own data); a step may have both buttons and a typed answer.
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
    read_in: ReadIn | None = None  # a typed answer read with the context (instead of ``read``)
    when: Callable[[Draft], bool] | None = None  # asked only when the draft so far allows it
    within: str | None = None  # the part of the draft that holds the answer (else the draft)
    not_words: Wrong | None = None  # said for a sticker or photo (else the form's type_words)

    def answers(self, draft: Draft) -> dict[str, Any]:
        """Where this step's answer lives in the draft (made if it is missing)."""
        if self.within is None:
            return draft
        held: dict[str, Any] = draft.setdefault(self.within, {})
        return held

    @property
    def typed(self) -> bool:
        return self.read is not None or self.read_in is not None

    def kept(self, draft: Draft) -> bool:
        """Whether the draft holds an answer this step would have kept."""
        held = draft.get(self.within, {}) if self.within is not None else draft
        if not isinstance(held, dict) or self.field not in held:
            return False
        value = held[self.field]
        if self.valid is not None:
            return self.valid(value)
        if self.skip:
            return True  # None (skipped) is an answer too
        if any(value == c.value and type(value) is type(c.value) for c in self.choices):
            return True
        if not self.typed or value is None:
            return False
        # A text is read again (what a draft holds is checked, not trusted); anything else (a
        # number, a date) only its read made.
        if not isinstance(value, str) or self.read is None:
            return True
        return not isinstance(self.read(cleaned(value)), Wrong)


@dataclass(frozen=True)
class Stored:
    """What Send stored: the thanks (text key and values) and the notices still to deliver."""

    thanks: str
    params: Mapping[str, object] = dataclasses.field(default_factory=dict)
    deliver: Callable[[], Awaitable[None]] | None = None


@dataclass(frozen=True)
class Summary:
    """The review's text, and whether it may be sent (a form may say there is nobody to tell)."""

    text: str
    sendable: bool = True


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
# What the draft starts with, read from the press or the person (the trip it is about), or a
# refusal: a screen that ends it, or Wrong (its key is the pop-up).
Opens = Callable[[Update, BotContext, str], Awaitable[Draft | Refusal | Wrong]]
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
    command: str | None  # None: only a press starts it
    steps: tuple[Step, ...]
    keys: Keys
    review: Review | None  # None: Send runs as soon as the last step is answered
    store: Store  # the one transaction of Send: (update, context, draft, request key)
    gate: Gate | None = None
    keyed: bool = False  # the storage finds a second Send by the draft's request key
    others: str | None = None  # presses under the prefix that other handlers answer (a regex)
    open_button: bool = True  # PREFIX:open starts it too (a menu's or a notice's button)
    starts: str | None = None  # more presses that start it (a regex after the prefix)
    opens: Opens | None = None  # what the draft starts with (from the press that starts it)
    in_place: bool = False  # started by a press, its first step replaces the pressed message
    hub: bool = False  # each Send keeps the draft's other fields and asks the first step again
    cancellable: bool = True  # a cancel button under its steps and review (and its press)
    stale_again: bool = True  # a stale press shows the current step again (else pop-up alone)

    # -- the draft ------------------------------------------------------------------------

    def draft_of(self, context: BotContext) -> Draft:
        assert context.user_data is not None
        draft: Draft = context.user_data.setdefault(self.draft, {})
        return draft

    def current(self, draft: Draft) -> int:
        """The first step the draft lacks (of those asked); ``len(steps)`` (the review) when
        complete."""
        for number, step in enumerate(self.steps):
            if (step.when is None or step.when(draft)) and not step.kept(draft):
                return number
        return len(self.steps)

    @property
    def review_step(self) -> int:
        return len(self.steps)

    # -- screens --------------------------------------------------------------------------

    def _button(self, context: BotContext, lang: str, key: str, data: str) -> list[Button]:
        return [(context.content.texts.raw(lang, key), f"{self.prefix}:{data}")]

    async def screen(self, update: Update, context: BotContext, lang: str, number: int) -> Screen:
        """What the step shows, from the draft alone (so any step can be shown again)."""
        t, draft = context.content.texts, self.draft_of(context)
        cancel = (
            [self._button(context, lang, self.keys.cancel, "cancel")] if self.cancellable else []
        )
        if number >= len(self.steps) and self.review is not None:
            review = await self.review(update, context, lang, draft)
            summary = review if isinstance(review, Summary) else Summary(review)
            send_row = [self._button(context, lang, self.keys.send, "send")]
            return summary.text, keyboard([*(send_row if summary.sendable else []), *cancel])
        step = self.steps[min(number, len(self.steps) - 1)]
        if step.draw is not None:
            return await step.draw(update, context, lang, draft)
        rows = [self._button(context, lang, c.label, c.data) for c in step.choices]
        if step.skip:
            rows.append(self._button(context, lang, self.keys.skip, "skip"))
        return t.get(lang, step.question, **step.params), keyboard([*rows, *cancel])

    async def _show_current(
        self, update: Update, context: BotContext, above: str | None = None, *, edit: bool = False
    ) -> int:
        lang = await language_of(update, context)
        number = self.current(self.draft_of(context))
        text, markup = await self.screen(update, context, lang, number)
        if above:
            text = f"{above}\n\n{text}"
        await (show(update, text, markup) if edit else send(update, text, markup))
        return number

    # -- handlers -------------------------------------------------------------------------

    async def _say(self, update: Update, context: BotContext, wrong: Wrong) -> None:
        """Why an answer does not fit: with the current step again, or alone."""
        lang = await language_of(update, context)
        why = context.content.texts.get(lang, wrong.key, **wrong.params)
        await (self._show_current(update, context, why) if wrong.again else send(update, why))

    async def _went_on(self, update: Update, context: BotContext, *, edit: bool) -> int | None:
        """After an answer kept: the next step, or (no review, all answered) Send at once."""
        if self.review is None and self.current(self.draft_of(context)) == self.review_step:
            return await self.send(update, context)
        await answer(update)
        return await self._show_current(update, context, edit=edit)

    async def begin(self, update: Update, context: BotContext) -> int:
        """Starts the form anew (after its gate, if any) and asks the first question."""
        assert context.user_data is not None
        lang = await language_of(update, context)
        opened: Draft | Refusal | Wrong = {}
        if self.opens is not None:
            opened = await self.opens(update, context, lang)
            if isinstance(opened, Wrong):  # a stale or forged press: the pop-up, no form
                await answer(update, context.content.texts.plain(lang, opened.key))
                return ConversationHandler.END
        await answer(update)
        refused = opened if isinstance(opened, tuple) else None
        if refused is None and self.gate is not None:
            refused = await self.gate(update, context, lang)
        if refused:
            await send(update, *refused)
            return ConversationHandler.END
        draft: Draft = {REQUEST_KEY: secrets.token_hex(16)} if self.keyed else {}
        draft.update(opened if isinstance(opened, dict) else {})
        context.user_data[self.draft] = draft
        intro = context.content.texts.get(lang, self.keys.intro) if self.keys.intro else None
        edit = self.in_place and update.callback_query is not None
        return await self._show_current(update, context, intro, edit=edit)

    async def typed(self, update: Update, context: BotContext) -> int | None:
        """A typed answer for the current step: kept and the next step asked, or why not."""
        assert update.message is not None
        lang = await language_of(update, context)
        t = context.content.texts
        draft = self.draft_of(context)
        number = self.current(draft)
        step = self.steps[number] if number < len(self.steps) else None
        text = cleaned(update.message.text or "")
        if step is not None and step.read is not None:
            value = step.read(text)
        elif step is not None and step.read_in is not None:
            value = step.read_in(context, text)
        else:
            await self._show_current(update, context, t.get(lang, "input.use_buttons"))
            return None
        if isinstance(value, Wrong):
            await self._say(update, context, value)
            return None
        step.answers(draft)[step.field] = value
        return await self._went_on(update, context, edit=False)

    async def pressed(self, update: Update, context: BotContext) -> int | None:
        """A button of the current step (or its skip): kept and the next step shown in place."""
        assert update.callback_query is not None
        data = (update.callback_query.data or "").removeprefix(f"{self.prefix}:")
        draft = self.draft_of(context)
        number = self.current(draft)
        step = self.steps[number] if number < len(self.steps) else None
        chosen = next((c for c in step.choices if c.data == data), None) if step else None
        picked = await step.pick(update, context, data) if step and step.pick else None
        if picked is STAY:
            return None
        if step is not None and step.skip and data == "skip":
            step.answers(draft)[step.field] = None
        elif step is not None and chosen is not None:
            step.answers(draft)[step.field] = chosen.value
        elif step is not None and step.pick is not None and not isinstance(picked, Wrong):
            step.answers(draft)[step.field] = picked
        else:  # a stale press from another step, or a value no button offers
            popup = picked.key if isinstance(picked, Wrong) else "input.button_expired"
            await self.refuse(update, context, popup)
            return None
        return await self._went_on(update, context, edit=True)

    async def refuse(
        self, update: Update, context: BotContext, popup: str = "input.button_expired"
    ) -> None:
        """Anything that does not fit the current step (a sticker, a stale press): it again."""
        lang = await language_of(update, context)
        t = context.content.texts
        if update.callback_query is not None:
            await answer(update, t.plain(lang, popup))
            if self.stale_again:
                await self._show_current(update, context)
            return
        number = self.current(self.draft_of(context))
        step = self.steps[number] if number < len(self.steps) else None
        if step is not None and step.typed and step.not_words is not None:
            await self._say(update, context, step.not_words)
            return
        key = self.keys.type_words if step is not None and step.typed else "input.use_buttons"
        await self._show_current(update, context, t.get(lang, key))

    async def send(self, update: Update, context: BotContext) -> int | None:
        """Stores the complete draft (once, by its request key), then thanks the person."""
        assert update.effective_user is not None and context.user_data is not None
        draft = self.draft_of(context)
        if self.current(draft) != self.review_step:
            await self.refuse(update, context)
            return None
        request_key = str(draft.get(REQUEST_KEY) or secrets.token_hex(16))
        stored = await self.store(update, context, draft, request_key)
        if isinstance(stored, Wrong):  # refused on a second look (who may, who would get it)
            await self.refuse(update, context, stored.key)
            return self.current(self.draft_of(context))
        if self.hub:  # this round is kept: its answers go, and the first step is asked again
            for step in self.steps:
                step.answers(draft).pop(step.field, None)
            await answer(update)
            lang = await language_of(update, context)
            thanks = context.content.texts.get(lang, stored.thanks, **stored.params)
            return await self._show_current(update, context, thanks)
        # Forgotten and written now, before the notices go out: a crash while they do must
        # neither leave the answers in the draft nor let the old Send button store them again.
        if self.draft in context.user_data:  # unless the store forgot it first (forget)
            await self.forget(update, context)
        if stored.deliver is not None:
            await stored.deliver()
        await answer(update)
        lang = await language_of(update, context)
        thanks = context.content.texts.get(lang, stored.thanks, **stored.params)
        await show(update, thanks, keyboard([[menu_button(context, lang)]]))
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
        await show(update, text, keyboard([[menu_button(context, lang)]]))
        return ConversationHandler.END

    async def closed(self, update: Update, context: BotContext, key: str) -> int:
        """What the form is about is gone (Closed): said alone, the draft dropped, over."""
        assert context.user_data is not None
        context.user_data.pop(self.draft, None)
        await answer(update)
        lang = await language_of(update, context)
        await send(update, context.content.texts.get(lang, key))
        return ConversationHandler.END

    def _closing(self, callback: Callable[[Update, BotContext], Awaitable[Any]]) -> Any:
        async def run(update: Update, context: BotContext) -> Any:
            try:
                return await callback(update, context)
            except Closed as closed:
                return await self.closed(update, context, closed.key)

        return run

    def handler(self) -> ConversationHandler[BotContext]:
        """The conversation (persistent: a restart keeps the answers given so far)."""
        prefix, run = self.prefix, self._closing
        mine = rf"^{prefix}:(?!{self.others})" if self.others else rf"^{prefix}:"
        cancel = [CallbackQueryHandler(self.cancel, pattern=rf"^{prefix}:cancel$")]
        handlers: list[BaseHandler[Update, BotContext, Any]] = [
            *(cancel if self.cancellable else []),
            CallbackQueryHandler(run(self.send), pattern=rf"^{prefix}:send$"),
            CallbackQueryHandler(run(self.pressed), pattern=mine),
            MessageHandler(PRIVATE_MESSAGE & filters.TEXT & ~filters.COMMAND, run(self.typed)),
            MessageHandler(PRIVATE_MESSAGE & ~filters.COMMAND, run(self.refuse)),
        ]
        entry_points: list[BaseHandler[Update, BotContext, Any]] = []
        if self.command is not None:
            entry_points.append(
                CommandHandler(self.command, run(self.begin), filters=PRIVATE_MESSAGE)
            )
        if self.open_button:
            entry_points.append(CallbackQueryHandler(run(self.begin), pattern=rf"^{prefix}:open$"))
        if self.starts is not None:
            pattern = rf"^{prefix}:(?:{self.starts})"
            entry_points.append(CallbackQueryHandler(run(self.begin), pattern=pattern))
        return ConversationHandler(
            entry_points=entry_points,
            states={number: handlers for number in range(len(self.steps) + 1)},
            fallbacks=leaving_handlers(self.draft),
            allow_reentry=True,
            name=self.name,
            persistent=True,
        )


async def flush_draft(context: BotContext, user_id: int) -> None:
    """Writes the person's drafts now rather than after the update (see app.factory._flush)."""
    context.application.mark_data_for_update_persistence(user_ids=user_id)
    try:
        await context.application.update_persistence()
    except Exception as error:  # what Send stored is stored; the after-update flush will retry
        log.error("persistence_failed user=%s error=%s", user_id, type(error).__name__)
