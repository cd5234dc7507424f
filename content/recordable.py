"""What staff can record in Khmer: every screen a person who reads little may want to hear.

Each item has a stable id (also the file name in ``bot.py media export``), the exact Khmer text
to read aloud, and the hash of that text: a recording made for another text is out of date.
Items are derived from the content, so a new lesson screen, a new ``plan.q.*`` or
``returning.q.*`` question, a new problem, country, paper or village is a new item without code
changes. Recordings in deployments are keyed by the ids: an id, once given, stays.

The order is the order staff record in (``/record``'s "next not yet recorded", the script of
``bot.py media script``), most important first, so an afternoon cut short still leaves the
screens that matter most spoken:

1. **Help** (journey 4): what /sos and "I need help now" answer, the location ask, "someone has
   seen your message", the case closed and "I still need help", then each country's numbers. A
   person asking for help is frightened and often hidden; reading is hardest then, and nobody
   can sit beside her.
2. **Check-in** (journey 3): the prompt that arrives unasked far from home, "fine", the problem
   list with each problem's advice, what is said once a problem is reported.
3. **Start** (journey 1): language, the three consent screens, district, commune, village,
   gender, age, and the menu (one recording that says what each button's picture is). It comes
   after help because it happens at home, where a chief or a friend can sit beside her.
4. **Plan a departure** (journey 2): each question with its buttons, the review's fixed words,
   the warnings, the "sent" screens. Also at home; a chief can register her beside her.
5. **Papers** (a paper reminder's fixed words) and **coming home** (the returnee questions).
6. Then what is learnt, not done: lessons, stories, statements, the quiz.

A part that changes per person (a name, a date, an amount, an embassy's number) is not read: the
text keeps only the fixed words, with "…" where such a part is shown on the screen, and the item
names the parts in ``varies`` (docs/RECORDING.md lists them).
"""

from __future__ import annotations

import hashlib
import html
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, replace

from content.bundle import Content
from content.texts import Texts
from domain.departure import FIELDS
from domain.parsing import to_khmer_digits

LANGUAGE = "km"  # the programme records Khmer; English readers read
SECTIONS = (
    "sos",
    "help",
    "checkin",
    "start",
    "plan",
    "papers",
    "returning",
    "lessons",
    "stories",
    "statements",
    "quiz",
)
_TAG = re.compile(r"<[^>]+>")
ITEM_ID = re.compile(r"^[a-z0-9_.-]{1,48}$")  # safe as a file name and in button data
GAP = "…"  # where the screen shows a part of its own (a name, a date): not read
TITLE_CHARS = 60  # of the first line, as the item's name in lists


@dataclass(frozen=True)
class Recordable:
    item_id: str
    section: str
    title: str  # a short Khmer name for the list
    text: str  # the exact Khmer text to read, without markup
    varies: tuple[str, ...] = ()  # the per-person parts the screen shows and the voice leaves out
    keys: tuple[str, ...] = ()  # the catalog keys it reads, so a sent text finds its voice

    @property
    def text_hash(self) -> str:
        return text_hash(self.text)


def text_hash(text: str) -> str:
    """A short fingerprint of the words: changes whenever the text read aloud changes."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:16]


def plain(text: str) -> str:
    """Telegram HTML as the words one reads aloud."""
    return html.unescape(_TAG.sub("", text)).strip()


def fixed_words(template: str) -> tuple[str, tuple[str, ...]]:
    """The template with each ``{placeholder}`` as "…", and the placeholders' names."""
    parts: list[str] = []
    names: list[str] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(literal)
        if name is not None:
            parts.append(GAP)
            names.append(name)
    return "".join(parts), tuple(dict.fromkeys(names))


# The three consent screens (conversations/onboarding.py), each its own recording: item id and
# the keys it shows. The first keeps the id "consent" it had as one screen.
CONSENT_SCREENS = (
    ("consent", ("consent.text",)),
    ("consent.kept", ("consent.kept", "consent.voice")),
    ("consent.erase", ("consent.erase",)),
)


def consent_text(content: Content, lang: str, keys: tuple[str, ...] = ("consent.text",)) -> str:
    """The words of one consent screen (the second with what it says about voice messages)."""
    return "\n\n".join(content.texts.raw(lang, key) for key in keys)


def checkin_text(content: Content, lang: str) -> str:
    return content.texts.raw(lang, "checkin.prompt")


def help_text(content: Content, lang: str, country: str) -> str:
    """The numbers of one country as the first screen of /help and /sos gives them, in order."""
    directory = content.contacts
    found = directory.country(country)
    lines = [found.names[lang]] if found is not None else []
    lines += [f"{c.shorts[lang]}: {c.phone}" for c in directory.first_for_country(country)]
    return "\n".join(lines)


def quiz_text(content: Content, lang: str, question_id: str) -> str:
    """The question with its options, each after its letter (ក ខ គ), as the screen shows them."""
    question = next(q for q in content.awareness.questions if q.id == question_id)
    letters = content.texts.raw(lang, "quiz.letters").split()
    options = [f"{letters[i]}. {o.texts[lang]}" for i, o in enumerate(question.options)]
    return "\n".join([question.texts[lang], *options])


class _Items:
    """Collects items in order; each screen is built from its catalog keys and button labels."""

    def __init__(self, texts: Texts) -> None:
        self.t = texts
        self.items: list[Recordable] = []

    def has(self, key: str) -> bool:
        return key in self.t.keys(LANGUAGE)

    def add(self, item: Recordable) -> None:
        self.items.append(item)

    def screen(
        self,
        item_id: str,
        section: str,
        keys: list[str],
        buttons: Iterable[str] = (),
        *,
        labels: Iterable[str] = (),
        title: str | None = None,
    ) -> None:
        """One screen: the fixed words of ``keys`` (a blank line between), then one button label
        a line (``labels`` first: those not from the catalog), as the person sees them under it.
        Keys the catalog lacks are left out."""
        blocks: list[str] = []
        varies: list[str] = []
        for key in keys:
            if self.has(key):
                words, names = fixed_words(self.t.raw(LANGUAGE, key))
                blocks.append(words)
                varies += names
        lines = [*labels]
        lines += [fixed_words(self.t.raw(LANGUAGE, key))[0] for key in buttons if self.has(key)]
        if lines:
            blocks.append("\n".join(lines))
        if not blocks:
            return
        text = "\n\n".join(blocks)
        name = title if title is not None else plain(text).split("\n")[0][:TITLE_CHARS]
        read = tuple(key for key in keys if self.has(key))
        self.add(Recordable(item_id, section, name, text, tuple(dict.fromkeys(varies)), read))


def _help(found: _Items, content: Content) -> None:
    """Journey 4: /sos (also "I need help now" and the menu's button) to the case closed."""
    t = found.t
    for key in t.keys_starting(LANGUAGE, "sos."):  # what was done: told, unreached, already…
        found.screen(key, "sos", [key])
    location = ["case.location_button", "case.location_no"]
    found.screen("sos.location", "sos", ["case.location_offer", "media.voice_hint"], location)
    found.screen(
        "sos.location_staff", "sos", ["case.location_offer_staff", "media.voice_hint"], location
    )
    for what in ("sent", "waiting", "declined"):
        found.screen(f"sos.location_{what}", "sos", [f"case.location_{what}"])
    for who in ("", "_staff"):  # the map in her chat: she may remove it
        remove = ["case.location_remove"]
        found.screen(
            f"sos.location_remove{who}", "sos", [f"case.location_remove_offer{who}"], remove
        )
    found.screen("case.taken", "sos", ["case.person_taken"])
    found.screen("case.taken_quiet", "sos", ["case.person_taken_quiet"], ["menu.sos"])
    found.screen("case.closed", "sos", ["case.person_closed"], ["case.still_need_help"])
    feedback = [f"case.feedback.{a}" for a in ("yes", "partly", "no")]
    found.screen("case.feedback", "sos", ["case.feedback_ask"], feedback)
    for key in ("case.person_reopened", "case.person_reopened_waiting", "case.person_still_open"):
        found.screen(key.replace("person_", ""), "sos", [key])
    for country in content.contacts.countries:
        found.add(
            Recordable(
                f"help.{country.code.lower()}",
                "help",
                country.names[LANGUAGE],
                help_text(content, LANGUAGE, country.code),
            )
        )


def _checkin(found: _Items, content: Content) -> None:
    """Journey 3: a check-in answered "fine", then "a problem" with problems picked."""
    t = found.t
    found.add(
        Recordable(
            "checkin",
            "checkin",
            t.raw(LANGUAGE, "media.item.checkin"),
            checkin_text(content, LANGUAGE),
        )
    )
    found.screen("checkin.reminder", "checkin", ["checkin.reminder"])
    found.screen("checkin.fine", "checkin", ["checkin.thanks"])
    # The list itself: each problem's button (its label is in checkin.yaml, not the catalog).
    found.screen(
        "checkin.problems",
        "checkin",
        ["checkin.which_problem"],
        ["checkin.problems_done"],
        labels=[p.labels[LANGUAGE] for p in content.problems],
        title=plain(t.raw(LANGUAGE, "checkin.answer.problem")),
    )
    for problem in content.problems:
        found.add(
            Recordable(
                f"problem.{problem.id}",
                "checkin",
                problem.labels[LANGUAGE],
                problem.advice[LANGUAGE],
            )
        )
    for key in t.keys_starting(LANGUAGE, "checkin.problem."):  # told, told_leader, unreached…
        found.screen(key, "checkin", [key])
    found.screen("checkin.problem_noted", "checkin", ["checkin.problem_noted"])


def _start(found: _Items, content: Content) -> None:
    """Journey 1: language, consent, the place, gender, age, the menu."""
    t, places = found.t, content.places
    names = [t.raw(code, "language.name") for code in t.languages]
    found.add(
        Recordable(
            "start.language",
            "start",
            plain(t.raw(LANGUAGE, "language.choose")),
            "\n\n".join([t.raw(LANGUAGE, "language.choose"), "\n".join(names)]),
        )
    )
    for n, (item_id, keys) in enumerate(CONSENT_SCREENS, start=1):
        title = (
            f"{t.raw(LANGUAGE, 'media.item.consent')} "
            f"{to_khmer_digits(f'{n}/{len(CONSENT_SCREENS)}')}"
        )
        found.add(Recordable(item_id, "start", title, consent_text(content, LANGUAGE, keys)))
    found.screen(
        "start.poster",
        "start",
        ["onboarding.poster_confirm"],
        ["onboarding.poster_yes", "onboarding.poster_no"],
    )
    # The place: one recording for each list, with the names on its buttons (a place's name is
    # the same for everyone who sees that list, so it is read). One district: never asked.
    districts = places.districts()
    if len(districts) > 1:
        question = t.raw(LANGUAGE, "onboarding.choose_district")
        listed = "\n".join(d.name(LANGUAGE) for d in districts)
        found.add(Recordable("start.district", "start", question, f"{question}\n\n{listed}"))
    for district in districts:
        question = t.plain(LANGUAGE, "onboarding.choose_commune", district=district.name(LANGUAGE))
        listed = "\n".join(c.name(LANGUAGE) for c in places.communes(district.code))
        found.add(
            Recordable(
                f"start.commune.{district.code}", "start", question, f"{question}\n\n{listed}"
            )
        )
    not_listed = t.raw(LANGUAGE, "onboarding.not_listed")
    for district in districts:
        for commune in places.communes(district.code):
            question = t.plain(
                LANGUAGE, "onboarding.choose_village", commune=commune.name(LANGUAGE)
            )
            listed = "\n".join(
                [*(v.name(LANGUAGE) for v in places.villages(commune.code)), not_listed]
            )
            found.add(
                Recordable(
                    f"start.village.{commune.code}", "start", question, f"{question}\n\n{listed}"
                )
            )
    found.screen(
        "start.not_listed", "start", ["onboarding.not_listed_text"], ["onboarding.continue"]
    )
    skip = "common.skip"
    found.screen(
        "start.gender", "start", ["onboarding.ask_gender"], ["gender.female", "gender.male", skip]
    )
    bands = [f"age.{band}" for band in ("under_18", "18_24", "25_35", "36_plus")]
    found.screen("start.age", "start", ["onboarding.ask_age"], [*bands, skip])
    found.screen(
        "start.menu",
        "start",
        ["menu.voice"],
        title=plain(t.raw(LANGUAGE, "menu.title")).split("\n")[0],
    )


def _plan(found: _Items) -> None:
    """Journey 2: /plan from its first words to Send; each question with its buttons."""
    t = found.t
    found.screen("plan.intro", "plan", ["plan.intro"])
    asked = []
    for spec in FIELDS:
        buttons = [f"plan.opt.{spec.id}.{o}" for o in spec.options]
        buttons += [f"plan.when.{spec.id}.{o}" for o in spec.options]
        if spec.kind == "multi":
            buttons.append("plan.done")
        if spec.kind == "expiry":
            buttons.append("documents.dont_know")
        if spec.kind == "agency":
            buttons.append("plan.agency_not_listed")  # the agencies' names are data, not read
        if spec.optional:
            buttons.append("common.skip")
        found.screen(f"plan.q.{spec.id}", "plan", [f"plan.q.{spec.id}"], buttons)
        asked.append(f"plan.q.{spec.id}")
    for key in t.keys_starting(LANGUAGE, "plan.q."):  # a question the form does not know yet
        if key not in asked:
            found.screen(key, "plan", [key])
    # The review: her own answers are hers (not read); the title, the warnings, the question.
    found.screen("plan.review", "plan", ["plan.review_title", "plan.ask_send"], ["plan.send"])
    found.screen(
        "plan.review_staff",
        "plan",
        ["plan.review_title", "plan.ask_send_staff"],
        ["plan.send_staff"],
    )
    for key in t.keys_starting(LANGUAGE, "plan.risk."):
        found.screen(key, "plan", [key])
    for key in t.keys_starting(LANGUAGE, "plan.sent_"):
        found.screen(key, "plan", [key])
    found.screen("plan.cancelled", "plan", ["plan.cancelled"])


def _papers(found: _Items) -> None:
    """A paper reminder: the sealed line, then what the opened one says, paper by paper."""
    t = found.t
    found.screen(
        "paper.sealed",
        "papers",
        ["documents.reminder.lead", "documents.reminder.tap"],
        ["documents.reminder.read"],
    )
    found.screen("paper.reminder", "papers", ["documents.reminder.title"])
    for key in t.keys_starting(LANGUAGE, "documents.todo."):
        found.screen(f"paper.todo.{key.rsplit('.', 1)[-1]}", "papers", [key])
    for ask in ("ask", "ask_no_embassy", "ask_kept", "ask_kept_no_embassy"):
        found.screen(f"paper.{ask}", "papers", [f"documents.{ask}"])
    found.screen("paper.passed", "papers", ["documents.reminder.passed", "documents.passed.stay"])
    found.screen("paper.passed_contract", "papers", ["documents.passed.contract"])


def _returning(found: _Items, content: Content) -> None:
    """Coming home: the welcome, then each returnee question with its buttons."""
    t = found.t
    found.screen("returning.welcome", "returning", ["returning.welcome"], ["returning.start"])
    for key in t.keys_starting(LANGUAGE, "returning.q."):
        field = key.removeprefix("returning.q.")
        buttons = t.keys_starting(LANGUAGE, f"returning.opt.{field}.")
        # "What did you meet?" offers the check-in's problems, ticked one by one, then Done.
        problems = [p.labels[LANGUAGE] for p in content.problems] if field == "problems" else []
        found.screen(
            key,
            "returning",
            [key],
            [*buttons, *(["plan.done"] if problems else [])],
            labels=problems,
        )
    found.screen("returning.thanks", "returning", ["returning.thanks"])


def _learning(found: _Items, content: Content) -> None:
    """Lessons, stories, statements and the quiz, as they were recorded before the journeys."""
    t, awareness, km = found.t, content.awareness, LANGUAGE
    for lesson in awareness.lessons:
        for n, screen in enumerate(lesson.screens[km]):
            title = f"{lesson.titles[km]} {to_khmer_digits(f'{n + 1}/{lesson.length}')}"
            found.add(Recordable(f"lesson.{lesson.id}.{n + 1}", "lessons", title, screen))
    for story in awareness.stories:
        for n, screen in enumerate(story.screens[km]):
            title = f"{story.titles[km]} {to_khmer_digits(f'{n + 1}/{story.length}')}"
            found.add(Recordable(f"story.{story.id}.{n + 1}", "stories", title, screen))
    for number, statement in enumerate(awareness.statements, start=1):
        title = t.plain(km, "media.item.statement", number=number)
        found.add(Recordable(f"statement.{statement.id}", "statements", title, statement.texts[km]))
    for number, question in enumerate(awareness.questions, start=1):
        title = t.plain(km, "media.item.question", number=number)
        found.add(
            Recordable(f"quiz.{question.id}", "quiz", title, quiz_text(content, km, question.id))
        )


def recordable_items(content: Content) -> tuple[Recordable, ...]:
    """Every recordable item, most important first (the module's docstring says why)."""
    found = _Items(content.texts)
    _help(found, content)
    _checkin(found, content)
    _start(found, content)
    _plan(found)
    _papers(found)
    _returning(found, content)
    _learning(found, content)
    return tuple(replace(i, title=plain(i.title), text=plain(i.text)) for i in found.items)


def item_map(content: Content) -> dict[str, Recordable]:
    return {item.item_id: item for item in recordable_items(content)}


def items_by_key(items: Iterable[Recordable]) -> dict[str, str]:
    """catalog key -> item id, for the items whose screen starts with that key's words (a text
    queued for later names its key, not its item)."""
    found: dict[str, str] = {}
    for item in items:
        if item.keys:
            found.setdefault(item.keys[0], item.item_id)
    return found


def check_item_ids(items: tuple[Recordable, ...]) -> list[str]:
    """Item ids that could not be file names or button data, or that two items share (content
    ids that need fixing: a new ``sos.*`` key named like a screen built here, say)."""
    seen: set[str] = set()
    wrong = []
    for item in items:
        if not ITEM_ID.match(item.item_id) or item.item_id in seen:
            wrong.append(item.item_id)
        seen.add(item.item_id)
    return wrong
