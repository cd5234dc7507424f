"""What a villager who cannot read meets on the four journeys, counted: `bot.py check --literacy`.

Three counts, each with what it names, read from what the bot really uses (not a list kept by
hand): the forms' steps as data (conversations/forms.py: a step that only takes typed words),
the catalog's button labels (a label that does not start with an emoji or a symbol), and the
recordable items of the journeys with the recordings a deployment has (a screen she can neither
hear nor see). tests/test_without_reading.py walks the same journeys as a villager who only
taps, speaks and listens; this is its figure for the real content and recordings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from content.bundle import Content
from content.recordable import recordable_items
from conversations import departure, documents, returning
from conversations.forms import Form, Step
from screens.buttons import leading_sign

# The recordable sections of the four journeys (content/recordable.py), in their order.
JOURNEY_SECTIONS = ("sos", "help", "checkin", "start", "plan", "papers", "returning")
# The villager's forms on those journeys (the chief's form is his, not hers).
JOURNEY_FORMS: tuple[Form, ...] = (departure.FORM, documents.FORM, returning.FORM)
# The catalog keys of the journeys' buttons, by prefix.
BUTTON_PREFIXES = (
    "language.name",
    "consent.agree",
    "consent.decline",
    "consent.next",
    "onboarding.",
    "gender.",
    "age.",
    "menu.",
    "plan.opt.",
    "plan.when.",
    "plan.done",
    "plan.send",
    "plan.cancel",
    "plan.agency_not_listed",
    "common.skip",
    "common.back",
    "checkin.answer.",
    "checkin.problems_done",
    "checkin.clear",
    "case.still_need_help",
    "case.location_button",
    "case.location_no",
    "documents.answer.",
    "documents.dont_know",
    "returning.opt.",
    "media.listen",
    "media.rather_listen",
)
# Keys under those prefixes that are not buttons (texts of the same screens).
# Answers' words on the review and the notice, not buttons (a reason kept back).
SHOWN_ONLY = ("_hidden", "_private")
NOT_BUTTONS = ("onboarding.registered", "onboarding.done", "onboarding.confirm", "menu.title")


def typing_needed(step: Step) -> bool:
    """A step whose only answer is typed words (no buttons, keypad, voice or skip)."""
    if not step.typed or step.keypad is not None or step.voice is not None or step.skip:
        return False
    return not step.choices and step.buttons is None and step.draw is None


@dataclass(frozen=True)
class Literacy:
    typing: list[str]  # "form: field" of each step that needs typing
    unmarked: list[str]  # "key: label" of each button without a leading sign
    silent: list[str]  # item ids of the journeys' screens without a current recording
    items: int  # the journeys' recordable items
    all_items: int  # every recordable item

    def lines(self) -> list[str]:
        def listed(found: list[str]) -> str:
            return ": " + ", ".join(found) if found else ""

        return [
            f"Literacy: steps needing typing: {len(self.typing)}{listed(self.typing)}",
            f"Literacy: buttons without a leading emoji or symbol: {len(self.unmarked)}"
            + listed(self.unmarked),
            f"Literacy: screens of the four journeys without a recording: {len(self.silent)}"
            f" of {self.items} ({self.all_items} recordable items in all)",
        ]


LABEL_MOST = 64  # a button's label is one short line; longer texts of a prefix are screens


def button_keys(content: Content) -> list[str]:
    """The journeys' button keys: under the prefixes, one short line without a placeholder."""
    texts = content.texts

    def label(key: str) -> bool:
        text = texts.raw("km", key)
        short = len(text) <= LABEL_MOST and "\n" not in text and "{" not in text
        return short and not text.endswith("?")  # a question is the screen's, not a button

    return sorted(
        k
        for k in texts.keys("km")
        if k.startswith(BUTTON_PREFIXES)
        and not k.startswith(NOT_BUTTONS)
        and not k.endswith(SHOWN_ONLY)
        and label(k)
    )


def literacy(content: Content, recorded: Mapping[str, str] | None) -> Literacy:
    """The three counts for this content and these recordings (item id -> text hash)."""
    typing = [
        f"/{form.command or form.name}: {step.field}"
        for form in JOURNEY_FORMS
        for step in form.steps
        if typing_needed(step)
    ]
    texts = content.texts
    unmarked = [
        f"{key}: {texts.raw('km', key)}"
        for key in button_keys(content)
        if leading_sign(texts.raw("km", key)) is None
    ]
    items = recordable_items(content)
    journeys = [i for i in items if i.section in JOURNEY_SECTIONS]
    kept = recorded or {}
    silent = [i.item_id for i in journeys if kept.get(i.item_id) != i.text_hash]
    return Literacy(typing, unmarked, silent, len(journeys), len(items))
