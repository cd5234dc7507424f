"""One skeleton for the forms: steps as data, a draft in ``user_data``, a review and one Send.

A form module says only its steps (the question, the kind of answer, what checks it and the
text that says why not), its review and what Send stores; this module does the rest the same
way for every form:

- The draft lives in ``user_data[form.draft]``, so PTB's persistence keeps it over a restart
  with the conversation's state, and the sweep (conversations/drafts.py) erases it when left
  too long; /menu and the like drop it (conversations/leaving.py), as does another form
  (conversations/switching.py, which the composition root hands ``form.draft``).
- The current step is always the first one (of those the answers so far call for) whose answer
  the draft lacks, so a restart, a wrong answer or a stale press simply shows it again; the
  conversation's state is that step's number (the review is the number after the last step),
  which is what persistence stores, so a state number an older version wrote resumes too.
- Send runs only on a complete draft. A keyed form makes its request key with the draft, so
  Send pressed twice, or again after a crash, finds what the first press stored; the draft is
  forgotten and written to disk before the (slow) notices go out, so a crash while they do
  cannot bring back a review whose Send would store it again.

    begin --opens, gate--> step 0 --answer--> step 1 ... --answer--> review --send--> end
    (every step: cancel ends it; anything that does not fit shows the current step again;
     no review: Send on the last answer; a hub: Send, then step 0 again below the thanks)

Which form shows what:

- conversations/broker_report.py, the plainest: typed steps (``read``), buttons (``choices``),
  a review and Send.
- conversations/missing.py: a ``gate``, a request key (``keyed``) and ``skip`` buttons.
- conversations/announce.py: steps whose buttons depend on who asks (they ``draw`` their own
  screen, ``pick`` their own presses and say which values are ``valid``), a review that may not
  be sent (``Summary.sendable``) and a store that looks again (it may return ``Wrong``).
- conversations/departure.py (/plan) and conversations/assisted.py (a chief's form on /plan's
  steps): the answers in a part of the draft (``answers_in``), steps asked only ``when`` the
  answers so far call for them, «back» (``with_back``: a history in the draft), a progress line
  (``progress``), an intro of its own (``intro_apart``), a cancel without the menu button
  (``cancel_menu``), skip data naming the step (``skip_data``), the review's own words for
  typing (``Keys.at_review``) and its own Send (``Summary.send``); a step of ticks (``done``),
  buttons drawn from today or the store (``buttons``: a ``Choice`` with a ``name`` and what it
  keeps ``also``, taken back with it as ``companions``), a ``pick`` that finds a button anew,
  typed answers read with the context and the answers so far (``read_with``), a step's own
  words for what is no answer (``wrong``), and a thanks told by how the notices went
  (``Stored.deliver``) or said anew when Send found what it had stored (``Stored.again``).
- conversations/documents.py (/documents): a ``hub`` with no review: each paper's date is
  stored the moment it is given and the list shown again, the thanks above; opened by
  /documents or a reminder's «new date» (``opens`` the draft with the trip, ``starts``), no
  cancel (``cancellable``), a stale press is its pop-up alone (``stale_again``), and a trip that
  ended meanwhile ends the form (``Closed``).
- conversations/returning.py (the returnee questions): no review (``review=None``): the consent,
  or the story skipped, stores them; started only by a press (``command=None``) that names the
  trip, in place of the message pressed (``in_place``); the five questions' answers kept
  ``within`` the draft's "answers" (where the older code kept them, beside the story), ticks
  drawn from the content (``buttons`` with ``done``, a ``name`` in each language), choices of
  their own that keep None, and a why said alone (``Wrong.alone``).
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
from conversations.listening import show_voiced
from conversations.media_input import seconds_of
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, send, show
from domain.parsing import to_khmer_digits
from screens.buttons import Button, keyboard, menu_button, tick_label
from screens.listen_button import item_for_key

log = logging.getLogger(__name__)
_EDGES = re.compile(r"^[\s\u200b-\u200d\u2060\ufeff]+|[\s\u200b-\u200d\u2060\ufeff]+$")
REQUEST_KEY = "request_key"  # the draft's field holding a keyed form's request key
HISTORY = "history"  # the draft's fields answered, in order (a form with «back»)
TICKED = "ticked"  # the draft's values ticked so far at a step of ticks
DIALLED = "dialled"  # the draft's digits tapped so far on a step's keypad
SAID = "🔊"  # the answer of a step said as a voice message (its file_id kept beside it)
KEYCAPS = tuple(f"{digit}\ufe0f\u20e3" for digit in "0123456789")  # 0️⃣ … 9️⃣
KEYPAD_MOST = 15  # digits: a phone number with its country code
VOICE_SECONDS = (1, 30)  # a name said: at least a second, at most half a minute

Draft = dict[str, Any]
Screen = tuple[str, InlineKeyboardMarkup]


def cleaned(text: str) -> str:
    """A typed answer as kept: without spaces (visible or not) at either end."""
    return _EDGES.sub("", text)


@dataclass(frozen=True)
class Wrong:
    """An answer refused: the text key that says why, and its values; ``alone``: said without
    the question below it."""

    key: str
    params: Mapping[str, object] = dataclasses.field(default_factory=dict)
    alone: bool = False


class Closed(Exception):
    """What the form is about is gone (the trip ended meanwhile): raised by a step's draw, pick
    or read, or by the store. Its text is said alone, the draft dropped, the form over."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


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
    # Shown as it is instead of the label's text: a name from the store, or (a mapping) the
    # content's own label in each language.
    name: str | Mapping[str, str] | None = None
    also: Mapping[str, object] = dataclasses.field(default_factory=dict)  # kept with the value


STAY = object()  # what a step's own press reader returns when it showed a screen of its own

# A step's own screen, for one that depends on the person or on earlier answers.
Draw = Callable[[Update, BotContext, str, Draft], Awaitable[Screen]]
# A step's own press reader (the data after the prefix): the value to keep, a Choice (its value
# and its ``also``), Wrong (its key is the pop-up) or STAY.
Pick = Callable[[Update, BotContext, str], Awaitable[object]]
# A typed answer read with what it depends on (today, the answers so far): value or Wrong.
ReadWith = Callable[[BotContext, Draft, str], object]
# Buttons drawn when the step is shown and again when pressed (from today, the store, content).
Buttons = Callable[[BotContext, Draft], Awaitable[Sequence[Choice]]]


@dataclass(frozen=True)
class Step:
    """One question: typed (``read``) or buttons (``choices``), perhaps with a skip button.

    A step whose buttons depend on who asks draws its own screen (``draw``), reads its own
    presses (``pick``) and says which kept values are answers (``valid``).

    A step may also be asked only when earlier answers call for it (``when``), draw buttons
    from today, the store or the content (``buttons``), tick several of its buttons (``done``
    keeps the ticked values as a list), read a typed answer with the context (``read_with``),
    say its own words for input that is no answer (``wrong``: a sticker, a voice), and keep
    its answer in a part of the answers (``within``). A choice may keep None (a skip of its own
    data); a step may have both buttons and a typed answer.
    """

    field: str  # the answers' key it fills
    question: str  # the text key of its screen
    read: Read | None = None
    choices: tuple[Choice, ...] = ()
    skip: bool = False  # a skip button keeps None
    params: Mapping[str, object] = dataclasses.field(default_factory=dict)  # the question's values
    draw: Draw | None = None
    pick: Pick | None = None
    valid: Callable[[object], bool] | None = None
    when: Callable[[Draft], bool] | None = None  # asked only when this holds of the answers
    done: Choice | None = None  # a step of ticks: ☑️/⬜ buttons, and this one keeps the list
    buttons: Buttons | None = None
    read_with: ReadWith | None = None
    wrong: Wrong | None = None  # said for input that is no answer (else the form's words)
    companions: tuple[str, ...] = ()  # the answers a Choice's ``also`` keeps, taken back with it
    within: str | None = None  # the part of the answers holding this one (else the answers)
    # No typing needed: digits tapped on a keypad (0️⃣–9️⃣, ⌫, ✅) read as if typed, shown as
    # they grow in "km" (Khmer) or "latin" digits (a number to dial); or a voice message, whose
    # file_id is kept under ``voice`` (list it in ``companions`` too) and the answer is SAID.
    keypad: str | None = None
    voice: str | None = None
    contact: bool = False  # a contact shared (Telegram's 📎 → Contact): its number, read as typed

    def held(self, answers: Draft) -> Draft:
        """Where this step's answer lives among the answers (made if it is missing)."""
        if self.within is None:
            return answers
        held: Draft = answers.setdefault(self.within, {})
        return held

    @property
    def typed(self) -> bool:
        """Whether it takes a typed answer."""
        return self.read is not None or self.read_with is not None

    def kept(self, answers: Draft) -> bool:
        """Whether the answers hold one this step would have kept."""
        held = answers.get(self.within, {}) if self.within is not None else answers
        if not isinstance(held, dict) or self.field not in held:
            return False
        value = held[self.field]
        if self.voice is not None and value == SAID:  # said, not typed: its voice beside it
            return isinstance(held.get(self.voice), str)
        if self.valid is not None:
            return self.valid(value)
        if self.skip:
            return True  # None (skipped) is an answer too
        if self.done is not None:  # ticks: a list of values offered (drawn ones: only done made)
            offered = [c.value for c in self.choices]
            listed = isinstance(value, list | tuple)
            return listed and (self.buttons is not None or all(v in offered for v in value))
        if any(value == c.value and type(value) is type(c.value) for c in self.choices):
            return True
        if value is None:
            return False
        if self.read is None:  # only what its read or its buttons made (else: ``valid``)
            return self.read_with is not None or self.buttons is not None
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
    voice: str | None = None  # the recorded item that reads it (content/recordable.py)


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
# Send's one transaction: (update, context, answers, request key) -> Stored, or Wrong (refused:
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
    store: Store  # the one transaction of Send: (update, context, answers, request key)
    gate: Gate | None = None
    keyed: bool = False  # the storage finds a second Send by the draft's request key
    others: str | None = None  # presses under the prefix that other handlers answer (a regex)
    open_button: bool = True  # PREFIX:open starts it too (a menu's or a notice's button)
    starts: str | None = None  # more presses that start it (a regex after the prefix)
    opens: Opens | None = None  # what the draft starts with (from the press that starts it)
    in_place: bool = False  # started by a press, its first step replaces the pressed message
    answers_in: str | None = None  # the draft's key holding the answers (None: the draft)
    with_back: bool = False  # «back» takes back the last answer (HISTORY in the draft)
    progress: str | None = None  # a text key above each question, given {number} and {total}
    intro_apart: bool = False  # the intro is a message of its own, given {total}
    hub: bool = False  # each Send keeps the draft's other fields and asks the first step again
    cancellable: bool = True  # a cancel button under its steps and review (and its press)
    cancel_menu: bool = True  # cancelled: the menu button under the text
    stale_again: bool = True  # a stale press shows the current step again (else pop-up alone)
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

    def current(self, answers: Draft) -> int:
        """The first step the answers lack; ``len(steps)`` (the review) when complete."""
        for number, step in enumerate(self.steps):
            if applies(step, answers) and not step.kept(answers):
                return number
        return len(self.steps)

    def path(self, answers: Draft) -> list[Step]:
        """The steps these answers call for (so far: a later answer may add one)."""
        return [step for step in self.steps if applies(step, answers)]

    def _keep(self, context: BotContext, step: Step, value: object, **also: object) -> None:
        """Keeps an answer (with what it brings along) and, with «back», notes it was given."""
        draft, held = self.draft_of(context), step.held(self.answers_of(context))
        held[step.field] = value
        held.update(also)
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

    def _label(self, context: BotContext, lang: str, choice: Choice) -> str:
        if isinstance(choice.name, str):
            return choice.name
        if choice.name is not None:
            return choice.name[lang]
        return context.content.texts.raw(lang, choice.label)

    async def screen(self, update: Update, context: BotContext, lang: str, number: int) -> Screen:
        """What the step shows, from the draft alone (so any step can be shown again)."""
        text, markup, _ = await self.voiced_screen(update, context, lang, number)
        return text, markup

    async def voiced_screen(
        self, update: Update, context: BotContext, lang: str, number: int
    ) -> tuple[str, InlineKeyboardMarkup, str | None]:
        """The step's screen and the recorded item that reads it, if any (content/recordable.py:
        a step's item is its question's key; the review names its own)."""
        t, answers = context.content.texts, self.answers_of(context)
        cancel = self._button(context, lang, self.keys.cancel, "cancel") if self.cancellable else []
        back = self._button(context, lang, "common.back", "back") if self.with_back else []
        if number >= len(self.steps) and self.review is not None:
            review = await self.review(update, context, lang, answers)
            summary = review if isinstance(review, Summary) else Summary(review)
            send_key = summary.send or self.keys.send
            send_row = self._button(context, lang, send_key, "send")
            below = [send_row] if summary.sendable else []
            markup = keyboard([r for r in (*below, back, cancel) if r])
            return summary.text, markup, summary.voice
        step = self.steps[min(number, len(self.steps) - 1)]
        voice = item_for_key(context, step.question)
        if step.draw is not None:
            return (*await step.draw(update, context, lang, answers), voice)
        ticked = self.draft_of(context).get(TICKED, []) if step.done is not None else None
        offered = await self.choices(context, step, answers)
        rows = [self._choice(context, lang, c, ticked) for c in offered]
        rows += self._keypad(step)
        if step.done is not None:
            rows.append(self._button(context, lang, step.done.label, step.done.data))
        if step.skip:
            skip_data = self.skip_data.format(field=step.field)
            rows.append(self._button(context, lang, self.keys.skip, skip_data))
        if self.draft_of(context).get(HISTORY):  # «back» from the second answer on
            cancel = [*back, *cancel]
        question: str = t.get(lang, step.question, **step.params)
        if step.keypad is not None:  # the digits tapped so far, large, as they will be kept
            dialled = str(self.draft_of(context).get(DIALLED, ""))
            shown = to_khmer_digits(dialled) if step.keypad == "km" else dialled
            question = f"{question}\n\n<b>{shown or '…'}</b>"
        if self.progress is not None:  # "6 of 15": the total is the steps on this path so far
            before = sum(1 for s in self.steps[:number] if applies(s, answers))
            total = max(len(self.path(answers)), before + 1)
            question = f"{t.get(lang, self.progress, number=before + 1, total=total)}\n{question}"
        return question, keyboard([*rows, *([cancel] if cancel else [])]), voice

    def _keypad(self, step: Step) -> list[list[Button]]:
        """A keypad's buttons, as on a phone: 1️⃣ 2️⃣ 3️⃣ … then ⌫ 0️⃣ ✅."""
        if step.keypad is None:
            return []
        key = [(KEYCAPS[d], f"{self.prefix}:k:{d}") for d in range(10)]
        rows = [key[1:4], key[4:7], key[7:10]]
        return [*rows, [("⌫", f"{self.prefix}:k:del"), key[0], ("✅", f"{self.prefix}:k:ok")]]

    def _choice(
        self, context: BotContext, lang: str, choice: Choice, ticked: list[Any] | None
    ) -> list[Button]:
        """A button; at a step of ticks (``ticked``), ☑️ or ⬜ after its label's own sign."""
        label = self._label(context, lang, choice)
        if ticked is not None:
            label = tick_label(label, choice.value in ticked)
        return [(label, f"{self.prefix}:{choice.data}")]

    async def _show_current(
        self, update: Update, context: BotContext, above: str | None = None, *, edit: bool = False
    ) -> int:
        lang = await language_of(update, context)
        number = self.current(self.answers_of(context))
        text, markup, voice = await self.voiced_screen(update, context, lang, number)
        if above:
            text = f"{above}\n\n{text}"
        await self._display(update, context, voice, text, markup, edit=edit)
        return number

    async def _display(
        self,
        update: Update,
        context: BotContext,
        voice: str | None,
        text: str,
        markup: InlineKeyboardMarkup | None,
        *,
        edit: bool,
    ) -> None:
        """A screen, with 🔊 when staff recorded it (played at once for a listener)."""
        if voice is not None:
            await show_voiced(update, context, voice, text, markup, new=not edit)
        else:
            await (show(update, text, markup) if edit else send(update, text, markup))

    async def _say(self, update: Update, context: BotContext, wrong: Wrong) -> None:
        """Why an answer does not fit: with the current step again, or alone."""
        lang = await language_of(update, context)
        why = context.content.texts.get(lang, wrong.key, **wrong.params)
        await (send(update, why) if wrong.alone else self._show_current(update, context, why))

    async def _went_on(self, update: Update, context: BotContext, *, edit: bool) -> int | None:
        """After an answer kept: the next step, or (no review, all answered) Send at once."""
        if self.review is None and self.current(self.answers_of(context)) == self.review_step:
            return await self.send(update, context)
        await answer(update)
        return await self._show_current(update, context, edit=edit)

    # -- handlers -------------------------------------------------------------------------

    async def begin(self, update: Update, context: BotContext) -> int:
        """Starts the form anew (after its opening and gate, if any) and asks the first step."""
        assert context.user_data is not None
        lang = await language_of(update, context)
        t = context.content.texts
        opened: Draft | Refusal | Wrong = {}
        if self.opens is not None:
            opened = await self.opens(update, context, lang)
            if isinstance(opened, Wrong):  # a stale or forged press: the pop-up, no form
                await answer(update, t.plain(lang, opened.key))
                return ConversationHandler.END
        await answer(update)
        refused = opened if isinstance(opened, tuple) else None
        if refused is None and self.gate is not None:
            refused = await self.gate(update, context, lang)
        if refused:
            await send(update, *refused)
            return ConversationHandler.END
        draft: Draft = {REQUEST_KEY: secrets.token_hex(16)} if self.keyed else {}
        if self.answers_in is not None:
            draft[self.answers_in] = {}
        if self.with_back:
            draft[HISTORY] = []
        draft.update(opened if isinstance(opened, dict) else {})
        context.user_data[self.draft] = draft
        edit = self.in_place and update.callback_query is not None
        if self.intro_apart and self.keys.intro:  # its own message, with the questions ahead
            intro_text = t.get(lang, self.keys.intro, total=len(self.path({})))
            intro_voice = item_for_key(context, self.keys.intro)
            await self._display(update, context, intro_voice, intro_text, None, edit=False)
            return await self._show_current(update, context, edit=edit)
        intro = t.get(lang, self.keys.intro) if self.keys.intro else None
        return await self._show_current(update, context, intro, edit=edit)

    async def typed(self, update: Update, context: BotContext) -> int | None:
        """A typed answer for the current step: kept and the next step asked, or why not."""
        assert update.message is not None
        lang = await language_of(update, context)
        answers = self.answers_of(context)
        number = self.current(answers)
        step = self.steps[number] if number < len(self.steps) else None
        if step is None or not step.typed:
            hint = self.keys.at_review if step is None else "input.use_buttons"
            await self._show_current(update, context, context.content.texts.get(lang, hint))
            return None
        return await self._read(update, context, step, cleaned(update.message.text or ""))

    async def _read(
        self, update: Update, context: BotContext, step: Step, text: str, *, edit: bool = False
    ) -> int | None:
        """Reads an answer written (typed, or tapped on the keypad): kept, or why not."""
        answers = self.answers_of(context)
        if step.read is not None:
            value = step.read(text)
        else:
            assert step.read_with is not None
            value = step.read_with(context, answers, text)
        if isinstance(value, Wrong):
            await answer(update)
            await self._say(update, context, value)
            return None
        self.draft_of(context).pop(DIALLED, None)
        self._keep(context, step, value)
        return await self._went_on(update, context, edit=edit)

    async def _dial(self, update: Update, context: BotContext, step: Step, key: str) -> int | None:
        """A keypad's press: a digit added, the last taken away, or ✅ (read as if typed)."""
        draft = self.draft_of(context)
        dialled = str(draft.get(DIALLED, ""))
        if key == "ok":
            return await self._read(update, context, step, dialled, edit=True)
        before = dialled
        if key == "del":
            dialled = dialled[:-1]
        elif key.isascii() and key.isdigit() and len(key) == 1 and len(dialled) < KEYPAD_MOST:
            dialled += key
        await answer(update)
        if dialled == before:  # a forged key, a full pad, nothing to take away: as it was
            return None
        draft[DIALLED] = dialled
        return await self._show_current(update, context, edit=True)

    async def shared(self, update: Update, context: BotContext) -> int | None:
        """A contact shared: its phone number is the answer of a step that takes a phone."""
        assert update.message is not None and update.message.contact is not None
        number = self.current(self.answers_of(context))
        step = self.steps[number] if number < len(self.steps) else None
        if step is None or not step.contact:
            await self.refuse(update, context)
            return None
        phone = update.message.contact.phone_number
        return await self._read(update, context, step, cleaned(phone))

    async def spoken(self, update: Update, context: BotContext) -> int | None:
        """A voice message: the answer of a step that may be said, else what is wanted."""
        assert update.message is not None and update.message.voice is not None
        number = self.current(self.answers_of(context))
        step = self.steps[number] if number < len(self.steps) else None
        if step is None or step.voice is None:
            await self.refuse(update, context)
            return None
        voice, seconds = update.message.voice, seconds_of(update.message.voice) or 0
        least, most = VOICE_SECONDS
        if not least <= seconds <= most:
            key = "input.voice_short" if seconds < least else "input.voice_long"
            await self._say(update, context, Wrong(key))
            return None
        self._keep(context, step, SAID, **{step.voice: voice.file_id})
        return await self._went_on(update, context, edit=False)

    async def pressed(self, update: Update, context: BotContext) -> int | None:
        """A button of the current step (or its skip): kept and the next step shown in place."""
        assert update.callback_query is not None
        data = (update.callback_query.data or "").removeprefix(f"{self.prefix}:")
        answers = self.answers_of(context)
        number = self.current(answers)
        step = self.steps[number] if number < len(self.steps) else None
        if step is not None and step.keypad is not None and data.startswith("k:"):
            return await self._dial(update, context, step, data.removeprefix("k:"))
        offered = await self.choices(context, step, answers) if step else []
        chosen = next((c for c in offered if c.data == data), None)
        if step is not None and step.done is not None and (chosen or data == step.done.data):
            return await self._tick(update, context, step, offered, chosen)
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
        return await self._went_on(update, context, edit=True)

    async def _tick(
        self,
        update: Update,
        context: BotContext,
        step: Step,
        offered: Sequence[Choice],
        tick: Choice | None,
    ) -> int | None:
        """A press of a step of ticks: a tick changed (the step again), or done (``tick`` None):
        the values ticked kept, in the order offered (none is an answer too)."""
        draft = self.draft_of(context)
        ticked: list[Any] = list(draft.get(TICKED, []))
        if tick is None:
            self._keep(context, step, [c.value for c in offered if c.value in ticked])
            return await self._went_on(update, context, edit=True)
        on = tick.value in ticked
        draft[TICKED] = [v for v in ticked if v != tick.value] if on else [*ticked, tick.value]
        await answer(update)
        return await self._show_current(update, context, edit=True)

    async def take_back(self, update: Update, context: BotContext) -> int:
        """«Back»: takes back the last answer (and what came with it) and asks it again."""
        draft, answers = self.draft_of(context), self.answers_of(context)
        history: list[str] = draft.get(HISTORY, [])
        if history:
            last = history.pop()
            for step in self.steps:
                if step.field == last:
                    held = step.held(answers)
                    for field in (last, *step.companions):
                        held.pop(field, None)
        draft.pop(TICKED, None)
        draft.pop(DIALLED, None)
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
            if self.stale_again:
                await self._show_current(update, context)
            return
        number = self.current(self.answers_of(context))
        step = self.steps[number] if number < len(self.steps) else None
        if step is not None and step.wrong is not None:
            await self._say(update, context, step.wrong)
            return
        if step is None:
            key = self.keys.at_review
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
        if self.hub:  # this round is kept: its answers go, and the first step is asked again
            for step in self.steps:
                step.held(answers).pop(step.field, None)
        # Forgotten and written now, before the notices go out: a crash while they do must
        # neither leave the answers in the draft nor let the old Send button store them again.
        elif self.draft in context.user_data:  # unless the store forgot it first (forget)
            await self.forget(update, context)
        thanks_key = stored.thanks
        if stored.deliver is not None:
            thanks_key = await stored.deliver() or thanks_key
        await answer(update)
        lang = await language_of(update, context)
        thanks = context.content.texts.get(lang, thanks_key, **stored.params)
        if self.hub:
            return await self._show_current(update, context, thanks)
        markup = keyboard([[menu_button(context, lang)]])
        voice = item_for_key(context, thanks_key)
        await self._display(update, context, voice, thanks, markup, edit=not stored.again)
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

    async def closed(self, update: Update, context: BotContext, key: str) -> int:
        """What the form is about is gone (Closed): said alone, the draft dropped, over."""
        assert context.user_data is not None
        context.user_data.pop(self.draft, None)
        await answer(update)
        lang = await language_of(update, context)
        await send(update, context.content.texts.get(lang, key))
        return ConversationHandler.END

    def _closing(self, callback: Callable[[Update, BotContext], Awaitable[Any]]) -> Any:
        """The handler, ending the form when it finds what the form is about gone."""

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
        back = [CallbackQueryHandler(run(self.take_back), pattern=rf"^{prefix}:back$")]
        handlers: list[BaseHandler[Update, BotContext, Any]] = [
            *(cancel if self.cancellable else []),
            CallbackQueryHandler(run(self.send), pattern=rf"^{prefix}:send$"),
            *(back if self.with_back else []),
            CallbackQueryHandler(run(self.pressed), pattern=mine),
            MessageHandler(PRIVATE_MESSAGE & filters.TEXT & ~filters.COMMAND, run(self.typed)),
            MessageHandler(PRIVATE_MESSAGE & filters.VOICE, run(self.spoken)),
            MessageHandler(PRIVATE_MESSAGE & filters.CONTACT, run(self.shared)),
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
