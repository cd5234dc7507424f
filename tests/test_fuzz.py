"""Random input at every step of every conversation (property-based, with Hypothesis).

Whatever a person sends (any text: Khmer, emoji, invisible characters, 5,000 characters, a
stray or unknown command, HTML; a sticker, a photo, a voice note; or a button press with
made-up data, including forged data built from the bot's own prefixes), at any step:

1. no handler fails: nothing is logged at ERROR (the error handler logs ``handler_failed``);
2. the bot answers: a new message, an edit or a pop-up, and every press is answered;
3. Telegram refuses nothing the bot sends (bad HTML escaping would show here);
4. nothing invalid is stored: each conversation's draft and rows keep to its rules.

One bot serves a whole Hypothesis run on one event loop; each example is a new person, so the
examples stay independent without paying for a new bot each time. ``FUZZ_EXAMPLES=500`` runs
more examples per step for a deeper search.

Three bugs found this way (a lone "/", digits such as "²" in button ids, an over-long
/mydepartures) are fixed; the tests at the end of this file keep them fixed.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import sqlite3
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram.ext import AIORateLimiter

from conversations.broker_report import LEAST, MOST, cleaned
from conversations.onboarding import AGE_BANDS, GENDERS
from conversations.returning import QUESTIONS as RETURN_QUESTIONS
from conversations.returning import STORY_MAX
from conversations.share import referral_code_of
from domain.departure import (
    AGE_RANGE,
    BY_ID,
    DATE_WINDOW,
    WAGE_MAX,
    next_field,
    parse_name,
    parse_phone,
)
from domain.economics import DESTINATIONS, FIELDS, ROUTES
from domain.schedule import Next
from tests.support.chat import Bot, Person
from tests.support.journeys import STAFF_ID, VILLAGE, make_leader, onboard, register_departure

# ("text", what is typed) | ("sticker" | "photo" | "voice", "") | ("press", button data)
Input = tuple[str, str]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
WATCHED_LOGGERS = ("conversations", "app", "storage", "telegram")
# The one refusal the bot expects and recovers from: a press that would show the very screen
# it is on (a double tap, or a forged press on the newest message) makes ui.show() edit the
# message into itself; Telegram says "not modified" and show() sends the screen anew.
EXPECTED_REFUSALS = {("editMessageText", "Bad Request: message is not modified")}

# A licensed agency on the checked list, named so that showing it unescaped would break.
AGENCY = {
    "name": "Safe <Jobs> & Co",
    "licence": "LIC-<1>&2",
    "phone": None,
    "destinations": ("TH", "MY"),
    "last_verified": date(2026, 1, 15),
}
HTML_NAME = "Srey <b>Mom</b> & co"  # what the walks type as a name: shown on reviews, escaped

# -- what people send ------------------------------------------------------------------------

KHMER = st.text(st.characters(min_codepoint=0x1780, max_codepoint=0x17FF), min_size=1, max_size=60)
EMOJI = st.sampled_from(["🙂", "😟", "🚨", "🇰🇭", "🇹🇭", "👩‍👩‍👧", "🧑🏽‍🌾", "❤️", "🏳️‍🌈", "🫶🏾"])
INVISIBLE = st.sampled_from(
    ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u202e", "\u00ad", "\x00", "\t"]
)
HTML_BITS = st.sampled_from(
    [
        "<b>",
        "</b>",
        "<i>",
        "</i>",
        '<a href="tg://user?id=1">',
        "</a>",
        "<script>",
        "<",
        ">",
        "&",
        "&amp;",
        "&lt;",
        "&#60;",
        "&nbsp",
        "<<b>>",
        "<!--",
        "{name}",
        "%s",
    ]
)
NUMBERISH = st.text(st.sampled_from("0123456789០១២៣៤៥៦៧៨៩ /.-,+"), min_size=1, max_size=14)
MIXED = st.lists(
    st.one_of(KHMER, EMOJI, INVISIBLE, HTML_BITS, NUMBERISH, st.text(max_size=8)),
    min_size=1,
    max_size=12,
).map("".join)
# Very long text, at the limits the bot enforces (300 for a broker answer, 1,000 for a story,
# 4,096 for a Telegram message) and just past them.
LONG = st.builds(
    lambda unit, size: (unit * size)[:size],
    st.one_of(st.text(min_size=1, max_size=6), HTML_BITS, KHMER, EMOJI),
    st.sampled_from([60, 61, 300, 301, 1000, 1001, 4096, 4097, 5000]),
)
COMMANDS = (
    "start",
    "menu",
    "help",
    "mydata",
    "delete",
    "language",
    "learn",
    "quiz",
    "calc",
    "plan",
    "mydepartures",
    "share",
    "sos",
    "home",
    "report_broker",
    "broker_reports",
    "agency",
    "about",
    "away",
    "stats",
    "export",
    "alerts",
    "report",
    "status",
    "invite",
    "leaders",
    "nonsense",
)
ARGUMENTS = st.one_of(
    st.just(""),
    st.text(max_size=30).map(lambda text: " " + text),
    st.sampled_from([" l_", " r_", " l_" + "A" * 22, " r_abc", " all", " 0906 7", " all all"]),
    st.text(st.characters(codec="ascii"), max_size=40).map(lambda text: " l_" + text),
)
COMMAND = st.builds(
    lambda name, arguments: f"/{name}{arguments}", st.sampled_from(COMMANDS), ARGUMENTS
)
SLASHED = st.text(max_size=30).map(lambda text: "/" + text)
KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
NUMBERS = st.one_of(
    st.integers(-5, 10**10).map(str),
    st.integers(0, 10**10).map(lambda n: f"{n:,}"),  # thousands separators
    st.integers(0, 10**10).map(lambda n: str(n).translate(KHMER_DIGITS)),
    st.integers(0, 200).map(str),  # around every bound the forms use
)
TEXTS = st.one_of(
    st.text(min_size=1), KHMER, MIXED, LONG, COMMAND, SLASHED, NUMBERISH, NUMBERS, NUMBERS
)

# -- what buttons could say ------------------------------------------------------------------

PREFIXES = [
    *("onb:", "onb:lang:", "onb:consent:", "onb:district:", "onb:commune:", "onb:village:"),
    *("onb:unlisted", "onb:back", "onb:gender:", "onb:age:", "menu:", "help:country:"),
    "help:all:",
    *("privacy:", "privacy:erase:", "lang:set:", "learn:l:", "learn:l:passport:", "learn:s:"),
    *("learn:st:", "learn:sa:", "learn:sa:only_way:", "learn:done:", "quiz:a:", "quiz:a:1:0:"),
    *("quiz:q:", "quiz:r:", "quiz:rd:", "quiz:rd:1:", "quiz:l:", "quiz:l:passport:"),
    *("quiz:la:", "quiz:la:passport:0:0:", "quiz:lr:", "quiz:lr:passport:"),
    *("calc:dest:", "calc:route:", "calc:field:", "plan:c:"),
    *("plan:c:who:", "plan:c:gender:", "plan:m:documents:", "plan:d:depart_on:"),
    *("plan:d:arrive_on:", "plan:a:agency:", "plan:skip:", "dep:cancel:", "dep:cancel_yes:"),
    *("dep:dates:", "dep:d:depart_on:", "dep:d:arrive_on:", "leader:ack:", "leader:call:"),
    *("staff:revoke:", "al:ack:", "al:done:", "ci:", "ci:1:", "pb:", "pb:1:", "ret:start:"),
    *("ret:who:", "ret:a:", "ret:a:wage:", "ret:m:", "ret:consent:", "ret:story:", "broker:"),
    *("sos:", "about:", "share:", "leader:", "al:"),
]
# The bot's own fixed button data: pressing them anywhere must be safe too.
EXACT = [
    *("menu:home", "learn:home", "learn:stories", "quiz:intro", "quiz:start", "calc:open"),
    *("calc:edit", "calc:again", "calc:result", "calc:details", "plan:open", "plan:back"),
    *("plan:cancel",),
    *("plan:send", "dep:list", "dep:d:stop", "share:open", "help:home", "privacy:mydata"),
    *("privacy:delete", "privacy:erase:no", "privacy:erase:yes", "about:open", "lang:choose"),
    *("sos:now", "ret:home", "ret:story:skip", "ret:consent:yes", "ret:consent:no"),
    *("broker:open", "broker:named", "broker:anon", "broker:send", "broker:cancel"),
    *("onb:unlisted:ok", "onb:consent:yes", "onb:consent:no", "leader:away", "leader:stats"),
    *("onb:consent:kept", "onb:consent:erase"),
    *("leader:export", "al:list", "plan:m:documents:done", "ret:m:done"),
]
REAL_PARTS = st.sampled_from(
    [
        *("09060405", "09060402", "09010201", "090604", "0906", "0901", "99999999", "km", "en"),
        *("abroad", "city", "sez", "regular", "broker", "go_income", "months_away", "debt"),
        *("self", "family", "female", "male", "TH", "KH_PP", "passport", "done", "typed"),
        *("skip", "yes", "no", "fine", "problem", "help", "home", "clear", "debt", "other"),
        *("why_people_leave", "saray", "only_way", "agree", "under_18", "employer_phone"),
    ]
)
ID_LIKE = st.one_of(
    st.integers(0, 50).map(str),
    st.integers(10**10, 10**20).map(str),
    st.sampled_from(["-1", "00", "1e3", " 1", "១", "១២", "１", "٣", "0x1", "1.0", "0" * 30]),
)
SUFFIX = st.one_of(
    st.text(max_size=16),
    ID_LIKE,
    REAL_PARTS,
    st.lists(st.one_of(ID_LIKE, REAL_PARTS, st.text(max_size=4)), max_size=4).map(":".join),
)
CALLBACK = st.one_of(
    st.text(min_size=1, max_size=64),
    st.builds(str.__add__, st.sampled_from(PREFIXES), SUFFIX),
    st.sampled_from(EXACT),
).filter(lambda data: 1 <= len(data.encode()) <= 64)  # what Telegram lets a button carry


PRESS = CALLBACK.map(lambda data: ("press", data))
INPUT: st.SearchStrategy[Input] = st.one_of(
    TEXTS.map(lambda text: ("text", text)),
    st.sampled_from([("sticker", ""), ("photo", ""), ("voice", "")]),
    PRESS,
    PRESS,  # twice: forged presses are where the checks on the server matter most
)
INPUTS = st.lists(INPUT, min_size=1, max_size=6)


# -- the bot under fuzzing -------------------------------------------------------------------


class _Failures(logging.Handler):
    """Every ERROR record of the bot (and of PTB) while fuzzing."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.name}: {record.getMessage()}")


class Fuzzer:
    """One running bot on one event loop; each example talks to it as a new person."""

    def __init__(self, runner: asyncio.Runner, bot: Bot, failures: _Failures) -> None:
        self.runner = runner
        self.bot = bot
        self.failures = failures
        self._ids = itertools.count(100_000)
        self._mark = (0, 0)

    def run(self, example: Coroutine[Any, Any, None]) -> None:
        self.runner.run(example)

    def begin(self) -> None:
        """Marks where this example starts in the logs (an earlier failure is not its own)."""
        self._mark = (len(self.failures.messages), len(self.bot.telegram.refusals))

    def assert_clean(self, where: str) -> None:
        """Nothing failed and Telegram refused nothing since this example began (walk too)."""
        failures, refusals = self._mark
        assert self.failures.messages[failures:] == [], where
        refused = self.bot.telegram.refusals[refusals:]
        assert [r for r in refused if r not in EXPECTED_REFUSALS] == [], where

    def person(self, first_name: str = "Sokha") -> Person:
        """A new person, and a new example."""
        self.begin()
        return self.bot.user(next(self._ids), first_name)

    async def feed(
        self, person: Person, inputs: list[Input], check: Callable[[], Awaitable[None]]
    ) -> None:
        """Sends each input, checking the four properties after every one."""
        telegram = self.bot.telegram
        self.assert_clean("the walk to this step")  # it kept the rules too
        await check()
        for number, action in enumerate(inputs):
            shown = sum(1 for s in telegram.shown if s.chat_id == person.id)
            await deliver(person, action)
            where = f"input {number} {action!r:.300}"
            self.assert_clean(where)
            assert sum(1 for s in telegram.shown if s.chat_id == person.id) > shown, (
                f"no answer to {where}"
            )
            assert person.id not in telegram.callback_owner.values(), f"unanswered press {where}"
            assert await self.bot.store.led_villages(person.id) == [], where
            check_users(self.bot)
            await check()


@contextmanager
def fuzzing(directory: Path) -> Iterator[Fuzzer]:
    """A staffed bot with one village leader, running for the whole test."""
    failures = _Failures()
    loggers = [logging.getLogger(name) for name in WATCHED_LOGGERS]
    for logger in loggers:
        logger.addHandler(failures)
    try:
        with asyncio.Runner() as runner:
            bot = runner.run(
                Bot(directory / "bot.sqlite3").start(
                    staff_user_ids=frozenset({STAFF_ID}), sweep_interval=timedelta(days=1)
                )
            )
            # Telegram's flood limit (AIORateLimiter, 30 messages/s) is not under test here:
            # lifting it (as overall_max_rate=0 would) lets a minute hold many more examples.
            assert bot.app is not None
            limiter = bot.app.bot.rate_limiter
            if isinstance(limiter, AIORateLimiter):
                limiter._base_limiter = None
            try:
                runner.run(make_leader(bot, bot.user(99_001, "Chief <b>x</b> & co")))
                runner.run(bot.store.replace_agencies([AGENCY]))
                yield Fuzzer(runner, bot, failures)
            finally:
                runner.run(bot.stop())
    finally:
        for logger in loggers:
            logger.removeHandler(failures)


async def deliver(person: Person, action: Input) -> None:
    kind, value = action
    if kind == "text":
        await person.send(value)
    elif kind == "sticker":
        await person.send_sticker()
    elif kind == "photo":
        await person.send_photo()
    elif kind == "voice":
        await person.send_voice()
    else:
        await person.press(value)


# -- what may be stored ----------------------------------------------------------------------


def rows(bot: Bot, query: str, *params: object) -> list[tuple[Any, ...]]:
    """Rows as committed to the database, read over a separate read-only connection."""
    with closing(sqlite3.connect(f"file:{bot.database}?mode=ro", uri=True)) as db:
        return db.execute(query, params).fetchall()


def check_users(bot: Bot) -> None:
    """Every person kept has agreed, and lives in a village of places.yaml (or said "unlisted")."""
    assert bot.services is not None
    places, languages = bot.services.content.places, bot.services.content.texts.languages
    query = "SELECT user_id, language, district_code, village_code, gender, age_band, consented_at"
    for user_id, language, district, village, gender, age_band, consented in rows(
        bot, f"{query} FROM users"
    ):
        assert consented, user_id
        assert language in languages, user_id
        assert gender in (None, *GENDERS) and age_band in (None, *AGE_BANDS), user_id
        if village is not None:
            path = places.village_path(village)
            assert path is not None and path[0].code == district, (user_id, village)
        else:
            assert district is None or places.district(district) is not None, (user_id, district)


def draft_of(bot: Bot, person: Person, key: str) -> dict[str, Any]:
    assert bot.app is not None
    draft = bot.app.user_data.get(person.id, {}).get(key, {})
    assert isinstance(draft, dict)
    return draft


def check_departure_draft(bot: Bot, answers: dict[str, Any]) -> None:
    """Every answer kept in the form's draft is one the form itself would accept."""
    today = bot.clock.now().astimezone(bot.services.config.timezone).date()  # type: ignore[union-attr]
    for field_id, value in answers.items():
        if field_id == "agency_label":
            assert isinstance(value, str) and value
            continue
        if field_id == "name_voice":  # the name said (issue 25): its voice's file id, and 🔊
            assert isinstance(value, str) and value and answers.get("name") == "🔊", answers
            continue
        spec = BY_ID[field_id]
        if value is None:
            assert spec.optional, field_id
        elif spec.kind == "choice":
            assert value in spec.options, (field_id, value)
        elif spec.kind == "multi":
            assert set(value) <= set(spec.options), (field_id, value)
        elif spec.kind == "text":
            assert isinstance(value, str) and parse_name(value) == value, (field_id, value)
        elif field_id == "age":
            assert AGE_RANGE[0] <= value <= AGE_RANGE[1], value
        elif field_id == "wage":
            assert 0 <= value <= WAGE_MAX, value
        elif spec.kind == "phone":
            assert isinstance(value, str) and parse_phone(value) == value, (field_id, value)
        elif spec.kind == "date":
            assert abs(date.fromisoformat(value) - today) <= DATE_WINDOW + timedelta(days=7)
        elif spec.kind == "agency":
            assert value == "typed" or value.isdecimal(), value
    if "depart_on" in answers and "arrive_on" in answers:
        assert answers["arrive_on"] >= answers["depart_on"], answers


# -- onboarding ------------------------------------------------------------------------------

ONBOARDING_STEPS = (
    "language",
    "consent",
    "consent_kept",
    "consent_erase",
    "district",
    "commune",
    "village",
    "not_listed",
    "gender",
    "age",
)
ONBOARDING_DRAFT = {
    "district",
    "commune",
    "consented_at",
    "gender",
    "invited_by",
    "entry",  # how the person came (issue 16): share, poster, leader
    "poster_village",  # the scanned poster's village, to confirm
}
VILLAGES = (
    "09060405",  # Nesat, Chrouy Svay, Srae Ambel
    "09060402",
    "09010201",  # in Botum Sakor
)


async def walk_onboarding(person: Person, step: str, lang: str, village: str) -> None:
    """/start, then the presses a person makes to reach ``step``."""
    presses = [  # (the step a press leads to, the press)
        ("consent", f"onb:lang:{lang}"),
        ("consent_kept", "onb:consent:kept"),
        ("consent_erase", "onb:consent:erase"),
        ("district", "onb:consent:yes"),
        ("commune", f"onb:district:{village[:4]}"),
        ("village", f"onb:commune:{village[:6]}"),
        ("gender", f"onb:village:{village}"),
        ("age", "onb:gender:skip"),
    ]
    if step == "not_listed":
        presses = [*presses[:6], ("not_listed", "onb:unlisted")]
    await person.send("/start")
    for reached, data in presses if step != "language" else []:
        await person.press(data)
        if reached == step:
            break
    first_button = {
        "language": "onb:lang:",
        "not_listed": "onb:unlisted:ok",
        "consent_kept": "onb:consent:erase",
        "consent_erase": "onb:consent:yes",
    }
    assert person.button_data()[0].startswith(first_button.get(step, f"onb:{step}:")), step


def test_onboarding_at_every_step(tmp_path: Path) -> None:
    with fuzzing(tmp_path) as fuzzer:
        assert fuzzer.bot.services is not None
        places = fuzzer.bot.services.content.places

        @FUZZ
        @given(
            step=st.sampled_from(ONBOARDING_STEPS),
            lang=st.sampled_from(["km", "en"]),
            village=st.sampled_from(VILLAGES),
            inputs=INPUTS,
        )
        def example(step: str, lang: str, village: str, inputs: list[Input]) -> None:
            async def story() -> None:
                person = fuzzer.person()
                await walk_onboarding(person, step, lang, village)
                profile = await fuzzer.bot.store.get_user(person.id)
                assert (profile is not None) == (step in ("gender", "age")), step

                async def check() -> None:
                    draft = draft_of(fuzzer.bot, person, "onboarding")
                    assert set(draft) <= ONBOARDING_DRAFT, draft  # never an accepted invite
                    district, commune = draft.get("district"), draft.get("commune")
                    assert district is None or places.district(district) is not None, draft
                    if commune is not None:  # a commune of the district chosen
                        assert places.commune(commune) is not None, draft
                        assert district is not None and commune.startswith(district), draft
                    assert draft.get("gender") in (None, *GENDERS), draft
                    assert referral_code_of("r_" + draft.get("invited_by", "x")), draft

                await fuzzer.feed(person, inputs, check)

            fuzzer.run(story())

        example()


# -- the calculator, waiting for a typed number ----------------------------------------------


def test_the_calculator_waiting_for_a_number(tmp_path: Path) -> None:
    with fuzzing(tmp_path) as fuzzer:

        @FUZZ
        @given(
            destination=st.sampled_from(DESTINATIONS),
            route=st.sampled_from(ROUTES),
            field=st.sampled_from(sorted(FIELDS)),
            inputs=INPUTS,
        )
        def example(destination: str, route: str, field: str, inputs: list[Input]) -> None:
            async def story() -> None:
                person = fuzzer.person()
                await person.send("/calc")
                await person.press(f"calc:dest:{destination}")
                if destination == "abroad":
                    await person.press(f"calc:route:{route}")
                await person.press("calc:edit")
                await person.press(f"calc:field:{field}")
                assert draft_of(fuzzer.bot, person, "calculator")["editing"] == field

                async def check() -> None:
                    draft = draft_of(fuzzer.bot, person, "calculator")
                    assert draft.get("destination", "abroad") in DESTINATIONS, draft
                    assert draft.get("route", "regular") in ROUTES, draft
                    assert draft.get("editing", "debt") in FIELDS, draft
                    for name, value in draft.get("values", {}).items():
                        assert name in FIELDS and isinstance(value, int), draft
                        least = 1 if name == "months_away" else 0
                        assert least <= value <= FIELDS[name], (name, value)

                await fuzzer.feed(person, inputs, check)

            fuzzer.run(story())

        example()


# -- the departure form, at a typed question or a button question ----------------------------

FORM_WALK: list[tuple[str, Input]] = [
    ("who", ("press", "plan:c:who:family")),
    ("name", ("text", HTML_NAME)),
    ("gender", ("press", "plan:c:gender:female")),
    ("age", ("text", "២០")),
    ("destination", ("press", "plan:c:destination:TH")),
    ("work", ("press", "plan:c:work:seafood")),
    ("duration", ("press", "plan:c:duration:short")),
    ("channel", ("press", "plan:c:channel:agency")),
    ("agency", ("press", "plan:a:agency:typed")),
    ("agency_name", ("text", "Good <Jobs> & Co")),
    ("documents", ("press", "plan:m:documents:done")),
    ("employer_phone", ("press", "plan:skip:employer_phone")),
    ("wage", ("text", "250")),
    ("depart_on", ("press", "plan:d:depart_on:1")),
    ("arrive_on", ("press", "plan:d:arrive_on:1")),
    ("reason", ("press", "plan:c:reason:poverty_debt")),
    ("family_phone", ("text", "012 345 678")),
]
TYPED_QUESTIONS = ("name", "age", "agency_name", "wage", "family_phone")
BUTTON_QUESTIONS = ("who", "destination", "agency", "documents", "employer_phone", "arrive_on")


async def onboarded(bot: Bot, person: Person, lang: str = "km") -> None:
    """A person who finished onboarding in Nesat (written directly: the walk is tested above)."""
    await bot.store.complete_onboarding(
        person.id,
        language=lang,
        district_code=VILLAGE[:4],
        village_code=VILLAGE,
        consented_at=bot.clock.now(),
    )


@pytest.mark.parametrize("questions", [TYPED_QUESTIONS, (*BUTTON_QUESTIONS, "review")])
def test_the_departure_form_at_a_question(tmp_path: Path, questions: tuple[str, ...]) -> None:
    with fuzzing(tmp_path) as fuzzer:

        @FUZZ
        @given(question=st.sampled_from(questions), inputs=INPUTS)
        def example(question: str, inputs: list[Input]) -> None:
            async def story() -> None:
                bot, person = fuzzer.bot, fuzzer.person()
                await onboarded(bot, person)
                await person.send("/plan")
                for field_id, action in FORM_WALK:
                    if field_id == question:
                        break
                    await deliver(person, action)
                spec = next_field(draft_of(bot, person, "departure")["answers"])
                assert (spec.id if spec else "review") == question

                sent = ("press", "plan:send") in inputs

                async def check() -> None:
                    check_departure_draft(
                        bot, draft_of(bot, person, "departure").get("answers", {})
                    )
                    if not sent:  # nothing is stored before the explicit yes
                        assert await bot.store.departures_of(person.id) == []

                await fuzzer.feed(person, inputs, check)

            fuzzer.run(story())

        example()


# -- the returnee questions and story -----------------------------------------------------------

RETURN_WALK: list[tuple[str, Input]] = [
    ("wage", ("press", "ret:a:wage:partly")),
    ("savings", ("press", "ret:a:savings:skip")),
    ("problems", ("press", "ret:m:done")),
    ("documents", ("press", "ret:a:documents:no")),
    ("advise", ("press", "ret:a:advise:unsure")),
    ("story", ("text", "The work was hard but <they> paid & I am home.")),
]
FINISHING = {("press", "ret:story:skip"), ("press", "ret:consent:yes"), ("press", "ret:consent:no")}


def test_the_returnee_questions_and_story(tmp_path: Path) -> None:
    with fuzzing(tmp_path) as fuzzer:
        problems = {p.id for p in fuzzer.bot.services.content.problems}  # type: ignore[union-attr]
        options = dict(RETURN_QUESTIONS)

        @FUZZ
        @given(step=st.sampled_from([*[s for s, _ in RETURN_WALK], "consent"]), inputs=INPUTS)
        def example(step: str, inputs: list[Input]) -> None:
            async def story() -> None:
                bot, person = fuzzer.bot, fuzzer.person()
                await onboarded(bot, person)
                await register_departure(person, name=HTML_NAME)
                await person.press("plan:send")
                await person.send("/home")
                departure_id = (await bot.store.departures_of(person.id))[0].departure_id
                await person.press(f"ret:start:{departure_id}")
                for reached, action in RETURN_WALK:
                    if reached == step:
                        break
                    await deliver(person, action)
                assert draft_of(bot, person, "returning")["departure_id"] == departure_id
                finished = bool(FINISHING & set(inputs))

                async def check() -> None:
                    draft = draft_of(bot, person, "returning")
                    for question, value in draft.get("answers", {}).items():
                        allowed = problems if question == "problems" else options[question]
                        assert value is None or set(
                            value if question == "problems" else [value]
                        ) <= set(allowed)
                    assert set(draft.get("ticked", [])) <= problems
                    story_text = draft.get("story")
                    assert story_text is None or 0 < len(story_text) <= STORY_MAX
                    kept = rows(
                        bot,
                        "SELECT story, story_consent FROM returns WHERE user_id = ?",
                        person.id,
                    )
                    assert finished or kept == []
                    for text, consent in kept:  # a story is kept only with the person's yes
                        assert text is None or (consent == 1 and 0 < len(text) <= STORY_MAX)

                await fuzzer.feed(person, inputs, check)

            fuzzer.run(story())

        example()


# -- the broker report's typed steps ----------------------------------------------------------

BROKER_WALK: list[tuple[str, Input]] = [
    ("who", ("text", "Mr Sok <broker> & sons")),
    ("place", ("text", "At the market, by phone")),
    ("promised", ("text", "A job in Thailand, $400 a month")),
    ("named", ("press", "broker:anon")),
]


def test_the_broker_report_at_each_step(tmp_path: Path) -> None:
    with fuzzing(tmp_path) as fuzzer:

        @FUZZ
        @given(
            step=st.sampled_from([*[s for s, _ in BROKER_WALK], "review"]),
            registered=st.booleans(),
            inputs=INPUTS,
        )
        def example(step: str, registered: bool, inputs: list[Input]) -> None:
            async def story() -> None:
                bot, person = fuzzer.bot, fuzzer.person()
                if registered:
                    await onboarded(bot, person, "en")
                await person.send("/report_broker")
                for reached, action in BROKER_WALK:
                    if reached == step:
                        break
                    await deliver(person, action)
                before = len(rows(bot, "SELECT report_id FROM broker_reports"))
                sent = ("press", "broker:send") in inputs

                async def check() -> None:
                    draft = draft_of(bot, person, "broker_report")
                    for field in ("who", "place", "promised"):
                        value = draft.get(field)
                        assert value is None or (
                            value == cleaned(value) and LEAST <= len(value) <= MOST
                        ), (field, value)
                    assert draft.get("anonymous", True) in (True, False)
                    kept = rows(bot, "SELECT who, place, promised FROM broker_reports")
                    assert sent or len(kept) == before  # nothing before the explicit send
                    for answer in (a for row in kept for a in row):
                        assert LEAST <= len(answer) <= MOST

                await fuzzer.feed(person, inputs, check)

            fuzzer.run(story())

        example()


# -- outside any conversation -----------------------------------------------------------------


def test_outside_any_conversation(tmp_path: Path) -> None:
    with fuzzing(tmp_path) as fuzzer:

        @FUZZ
        @given(who=st.sampled_from(["villager", "stranger", "away"]), inputs=INPUTS)
        def example(who: str, inputs: list[Input]) -> None:
            async def story() -> None:
                bot, person = fuzzer.bot, fuzzer.person("<b>x</b> & co")
                if who == "villager":
                    await onboarded(bot, person)
                elif who == "away":  # a departure under way: the menu has SOS and "back home"
                    await onboard(person)
                    await register_departure(person, name="<i>Dara</i> & co")
                    await person.press("plan:send")
                await person.send("/menu")

                agreed = ("press", "onb:consent:yes") in inputs

                async def check() -> None:
                    if who == "stranger" and not agreed:  # nothing kept before the consent
                        assert await bot.store.get_user(person.id) is None

                await fuzzer.feed(person, inputs, check)

            fuzzer.run(story())

        example()


def test_staff_commands_with_random_arguments(tmp_path: Path) -> None:
    staff_inputs = st.one_of(
        INPUT,
        st.builds(
            lambda name, arguments: ("text", f"/{name}{arguments}"),
            st.sampled_from(["report", "invite", "status", "leaders", "alerts", "broker_reports"]),
            ARGUMENTS,
        ),
    )
    with fuzzing(tmp_path) as fuzzer:
        staff = fuzzer.bot.user(STAFF_ID, "Staff", "en")
        assert fuzzer.bot.services is not None
        places = fuzzer.bot.services.content.places

        @FUZZ
        @given(inputs=st.lists(staff_inputs, min_size=1, max_size=6))
        def example(inputs: list[Input]) -> None:
            async def story() -> None:
                fuzzer.begin()
                await staff.send("/menu")

                async def check() -> None:
                    for (village,) in rows(fuzzer.bot, "SELECT village_code FROM leader_invites"):
                        assert places.village_path(village) is not None, village

                await fuzzer.feed(staff, inputs, check)

            fuzzer.run(story())

        example()


# -- bugs found by fuzzing, now fixed: these keep them fixed ------------------------------------

LONE_SLASH_BUG = (
    "A message that is only '/' (plus spaces) raises IndexError twice: "
    "conversations/status.py _kind() and conversations/switching.py Switchboard._entered() take "
    "text[1:].split(maxsplit=1)[0] of an empty split; the person gets the error apology"
)
UNICODE_DIGIT_BUG = (
    "An id part such as '²' or '①' passes str.isdigit() but int() raises ValueError, so a forged "
    "press gets the error apology instead of a refusal (ui.pressed, returning._own, "
    "my_departures._own_active, checkin_answers._own, quiz._own_open_attempt and result, "
    "staff.revoke, departure.pick_agency, learn._index, report.report's days)"
)


def handler_failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "conversations.errors"]


@pytest.mark.parametrize("typed", ["/", "/ ", "/\n"])
async def test_a_lone_slash_is_answered_without_an_error(
    bot: Bot, caplog: pytest.LogCaptureFixture, typed: str
) -> None:
    villager = bot.user(8001)
    await onboard(villager)
    villager.new_texts()
    await villager.send(typed)
    assert handler_failures(caplog) == []
    assert [t for t in villager.new_texts() if t.startswith("សូមទោស មានបញ្ហាខាងយើង")] == []


FORGED_WITH_ODD_DIGITS = [
    "leader:ack:²",
    "leader:call:①",
    "al:ack:²",
    "al:done:²",
    "dep:cancel:²",
    "dep:cancel_yes:²",
    "dep:dates:²",
    "ci:²:fine",
    "pb:²:done",
    "quiz:a:²:0:a",
    "quiz:q:1:²",
    "quiz:r:²",
    "quiz:rd:1:²",
    "quiz:l:passport:²:0",
    "quiz:lr:passport:²",
    "ret:start:²",
    "ret:who:²",
    "learn:l:why_people_leave:²",
]


@pytest.mark.parametrize("data", FORGED_WITH_ODD_DIGITS)
async def test_a_forged_id_in_unicode_digits_is_refused_without_an_error(
    bot: Bot, caplog: pytest.LogCaptureFixture, data: str
) -> None:
    villager = bot.user(8002)
    await onboard(villager)
    await villager.press(data)
    assert handler_failures(caplog) == []
    assert villager.last_alert() is not None  # refused with a pop-up, as for any forged press


async def test_an_agency_id_in_unicode_digits_is_refused_without_an_error(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    villager = bot.user(8003)
    await onboard(villager)
    await villager.send("/plan")
    for field_id, action in FORM_WALK:
        if field_id == "agency":
            break
        await deliver(villager, action)
    await villager.press("plan:a:agency:²")
    assert handler_failures(caplog) == []


@pytest.mark.parametrize("action", ["/report all ²", "staff:revoke:²"])
async def test_staff_input_in_unicode_digits_is_refused_without_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, action: str
) -> None:
    harness = await Bot(tmp_path / "bot.sqlite3").start(staff_user_ids=frozenset({STAFF_ID}))
    try:
        staff = harness.user(STAFF_ID, "Staff", "en")
        await staff.send("/leaders")
        await (staff.send(action) if action.startswith("/") else staff.press(action))
        assert handler_failures(caplog) == []
    finally:
        await harness.stop()


LONG_LIST_BUG = (
    "conversations/my_departures.py _list_screen() puts every departure a person ever "
    "registered (cancelled and returned ones too) into one message, with no cap: from about 31 "
    "departures with 60-character names the text passes 4,096 characters, Telegram refuses it "
    "and /mydepartures fails with handler_failed (ui.send catches only Forbidden)"
)


async def test_a_long_history_of_departures_still_opens(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    harness = await Bot(tmp_path / "bot.sqlite3").start()
    try:
        villager = harness.user(8004)
        await onboard(villager)
        for n in range(35):  # e.g. seasonal work for several relatives over some years
            await harness.store.register_departure(
                {
                    "user_id": villager.id,
                    "for_self": False,
                    "name": "ស្រីមុំ" * 10,  # 60 characters, the most a name may have
                    "gender": "female",
                    "age": 20,
                    "village_code": VILLAGE,
                    "destination": "KH_PROVINCE",
                    "work": "farm",
                    "duration": "short",
                    "channel": "own",
                    "agency": None,
                    "documents": (),
                    "employer_phone": None,
                    "wage": None,
                    "depart_on": date(2026, 3, 2),
                    "arrive_on": date(2026, 3, 3),
                    "reason": "other",
                    "family_phone": None,
                    "risk_flags": (),
                },
                request_key=f"history-{n}",
                first=Next(datetime(2026, 3, 4, 1, tzinfo=UTC), 0, False),
                messages=lambda _departure_id: [],
            )
        await villager.send("/mydepartures")
        assert handler_failures(caplog) == []
        assert harness.telegram.refusals == []
        assert "ស្រីមុំ" in villager.last_text()
    finally:
        await harness.stop()
