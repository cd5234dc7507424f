"""The form skeleton (conversations/forms.py), through a tiny form of its own: typed answers and
their checks, buttons, skip, stale presses, the review, Send once (a double press, a crash and a
retry), cancel, and a restart in the middle. Then three more tiny forms, each for what a real
form needs of it: a trip (/plan's: a step asked only after some answers, «back», a progress line,
ticks, buttons from today and from the store, typed answers read with the answers so far, and a
thanks told by delivery), a hub (/documents': each answer kept at once, the list again, an
opening from the press, the form ended when what it is about is gone) and a survey with no
review (the returnee questions': kept on its last answer, a step asked only when an earlier
answer allows, ticks drawn at the time, answers kept within a part of the draft)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

import app.factory
from app.context import BotContext
from app.factory import MAIN
from conversations.forms import (
    Choice,
    Closed,
    Draft,
    Form,
    Keys,
    Refusal,
    Screen,
    Step,
    Stored,
    Summary,
    Wrong,
    parsed,
    words,
)
from domain.departure import parse_date
from domain.parsing import parse_whole_number
from preview.botapi import ChatMessage
from screens.buttons import keyboard, tick_label
from tests.support.chat import Bot, Person
from tests.support.journeys import sweep_at

STORED: dict[str, dict[str, Any]] = {}  # what the tiny form's Send stored, by request key


NOBODY = "Nobody"  # an answer whose review may not be sent, and whose Send is refused
BARRED = 7099  # the person the gate turns away


async def _review(
    update: Update, context: BotContext, lang: str, draft: dict[str, Any]
) -> str | Summary:
    text = f"REVIEW {draft['what']} {draft['colour']} {draft['number']}"
    return Summary(text, sendable=False) if draft["what"] == NOBODY else text


async def _gate(update: Update, context: BotContext, lang: str) -> Refusal | None:
    assert update.effective_user is not None
    barred = update.effective_user.id == BARRED
    return (context.content.texts.get(lang, "announce.only_responders"), None) if barred else None


async def _store(
    update: Update, context: BotContext, draft: dict[str, Any], request_key: str
) -> Stored | Wrong:
    if draft["what"] == NOBODY:  # refused on a second look: the pop-up, the review again
        return Wrong("announce.nobody")
    if request_key in STORED:  # found, not made: said so (a test can tell the two apart)
        return Stored("broker.sent_anonymous")
    STORED[request_key] = {k: v for k, v in draft.items() if k != "request_key"}
    return Stored("broker.sent")


TINY = Form(
    name="tiny",
    prefix="tiny",
    draft="tiny",
    command="tiny",
    steps=(
        Step("what", "broker.ask_who", read=words(2, 10, "broker.too_short", "broker.too_long")),
        Step(
            "colour",
            "broker.ask_named",
            choices=(
                Choice("red", "red", "family.rel.child"),
                Choice("blue", "blue", "family.rel.friend"),
            ),
        ),
        Step(
            "number",
            "family.ask_number",
            read=parsed(parse_whole_number, "family.bad_number"),
            skip=True,
        ),
    ),
    keys=Keys("broker", with_intro=True, with_type_words=True, skip="family.skip"),
    review=_review,
    store=_store,
    gate=_gate,
    keyed=True,
    others="elsewhere:",  # presses under the prefix that the form leaves to other handlers
)


@pytest.fixture
def tiny_form(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The real Application with the tiny forms first among its handlers (as the forms are)."""
    add_handlers = app.factory._add_handlers

    def with_tiny(application: Any) -> None:
        add_handlers(application)
        forms = [TINY.handler(), TRIP.handler(), HUB.handler(), SURVEY.handler()]
        application.handlers[MAIN][0:0] = forms

    monkeypatch.setattr(app.factory, "_add_handlers", with_tiny)
    for kept in (STORED, SAVED, SURVEYED, GONE):
        kept.clear()
    yield
    for kept in (STORED, SAVED, SURVEYED, GONE):
        kept.clear()


@pytest.fixture
async def bot(tiny_form: None, tmp_path: Path) -> AsyncIterator[Bot]:
    harness = await Bot(tmp_path / "bot.sqlite3").start()
    yield harness
    await harness.stop()
    assert harness.telegram.refusals == [], harness.telegram.refusals


def say(bot: Bot, key: str, **values: object) -> str:
    """A text as the bot says it to someone not yet onboarded (in Khmer, the default)."""
    assert bot.services is not None
    return bot.services.content.texts.get("km", key, **values)


def label(bot: Bot, key: str) -> str:
    assert bot.services is not None
    return bot.services.content.texts.raw("km", key)


def form_draft(bot: Bot, person: Person, name: str) -> dict[str, Any]:
    """The person's draft of the form ``name``, as the bot keeps it ({} when there is none)."""
    assert bot.app is not None
    found = bot.app.user_data.get(person.id, {}).get(name, {})
    assert isinstance(found, dict)
    return found


def draft(bot: Bot, person: Person) -> dict[str, Any]:
    return form_draft(bot, person, "tiny")


async def to_review(person: Person) -> None:
    await person.send("/tiny")
    await person.send("Sokha")
    await person.click(label(person.bot, "family.rel.friend"))
    await person.send("42")


async def test_a_walk_through_every_kind_of_answer(bot: Bot) -> None:
    person = bot.user(7001)
    await person.send("/tiny")
    ask_what = say(bot, "broker.ask_who")
    assert person.last_text() == f"{say(bot, 'broker.intro')}\n\n{ask_what}"
    assert person.buttons() == [label(bot, "broker.cancel")]
    assert "request_key" in draft(bot, person)

    await person.send(" x ")  # too short once trimmed: why, and the question again
    assert person.last_text() == f"{say(bot, 'broker.too_short', least=2)}\n\n{ask_what}"
    await person.send("far too long an answer")
    assert person.last_text() == f"{say(bot, 'broker.too_long', most=10)}\n\n{ask_what}"
    await person.send_sticker()
    assert person.last_text() == f"{say(bot, 'broker.type_words')}\n\n{ask_what}"

    await person.send("  Sokha ")
    assert draft(bot, person)["what"] == "Sokha"
    ask_colour = say(bot, "broker.ask_named")
    assert person.last_text() == ask_colour
    assert person.buttons() == [
        label(bot, "family.rel.child"),
        label(bot, "family.rel.friend"),
        label(bot, "broker.cancel"),
    ]
    await person.send("blue")  # typed where buttons are wanted
    assert person.last_text() == f"{say(bot, 'input.use_buttons')}\n\n{ask_colour}"
    await person.press("tiny:green")  # a value no button offers
    assert person.last_alert() == label(bot, "input.button_expired")
    assert person.last_text() == ask_colour
    assert "colour" not in draft(bot, person)

    await person.click(label(bot, "family.rel.friend"))
    ask_number = say(bot, "family.ask_number")
    assert person.last_text() == ask_number
    assert person.buttons() == [label(bot, "family.skip"), label(bot, "broker.cancel")]
    await person.send("many")
    assert person.last_text() == f"{say(bot, 'family.bad_number')}\n\n{ask_number}"
    await person.click(label(bot, "family.skip"))
    assert person.last_text() == "REVIEW Sokha blue None"
    assert person.buttons() == [label(bot, "broker.send"), label(bot, "broker.cancel")]

    await person.click(label(bot, "broker.send"))
    assert person.last_text() == say(bot, "broker.sent")
    assert list(STORED.values()) == [{"what": "Sokha", "colour": "blue", "number": None}]
    assert draft(bot, person) == {}


async def test_send_before_the_form_is_complete_shows_the_current_step(bot: Bot) -> None:
    person = bot.user(7002)
    await person.send("/tiny")
    await person.send("Sokha")
    await person.press("tiny:send")
    assert person.last_alert() == label(bot, "input.button_expired")
    assert person.last_text() == say(bot, "broker.ask_named")
    assert STORED == {}


async def test_send_pressed_twice_stores_once(bot: Bot) -> None:
    person = bot.user(7003)
    await to_review(person)
    assert person.last_text() == "REVIEW Sokha blue 42"
    await person.click(label(bot, "broker.send"))
    await person.press("tiny:send")  # the second tap of an impatient thumb: the form is over
    assert len(STORED) == 1


async def test_send_again_after_a_crash_finds_what_the_first_stored(bot: Bot) -> None:
    person = bot.user(7004)
    await to_review(person)
    assert bot.app is not None and bot.app.persistence is not None
    saved = copy.deepcopy(bot.app.user_data[person.id])  # the form as written at its review
    review = person._last_with_buttons()
    await person.press("tiny:send", review)
    # The process dies after Send stored but before the form's end was written: after the
    # restart the review is back, and the person presses Send again.
    await bot.app.persistence.update_user_data(person.id, saved)
    await bot.app.persistence.update_conversation("tiny", (person.id, person.id), 3)
    await bot.restart(crash=True)
    await person.press("tiny:send", review)
    assert person.last_text() == say(bot, "broker.sent_anonymous")
    assert len(STORED) == 1


async def test_a_restart_in_the_middle_keeps_the_answers_and_the_step(bot: Bot) -> None:
    person = bot.user(7005)
    await person.send("/tiny")
    await person.send("Sokha")
    await bot.restart()
    await person.click(label(bot, "family.rel.child"))
    assert person.last_text() == say(bot, "family.ask_number")
    await person.send("7")
    assert person.last_text() == "REVIEW Sokha red 7"


async def test_cancel_keeps_nothing(bot: Bot) -> None:
    person = bot.user(7006)
    await person.send("/tiny")
    await person.send("Sokha")
    await person.click(label(bot, "broker.cancel"))
    assert person.last_text() == say(bot, "broker.cancelled")
    assert draft(bot, person) == {}
    await person.send("Dara")  # no form is open: not kept as an answer
    assert draft(bot, person) == {}
    assert STORED == {}


async def test_a_form_left_too_long_is_erased_and_the_person_told_once(bot: Bot) -> None:
    person = bot.user(7007)
    await person.send("/tiny")
    await person.send("Sokha")
    start = bot.clock.now()
    await sweep_at(bot, start + timedelta(days=14, minutes=1))
    assert draft(bot, person) == {}
    assert await bot.store.load_conversations("tiny") == {}
    person.new_texts()
    await person.click(label(bot, "family.rel.child"))  # the old question's button
    assert person.new_texts()[0] == say(bot, "drafts.expired", days=14)
    assert STORED == {}


async def test_the_gate_turns_someone_away_before_any_draft(bot: Bot) -> None:
    person = bot.user(BARRED)
    await person.send("/tiny")
    assert person.last_text() == say(bot, "announce.only_responders")
    assert draft(bot, person) == {}
    await person.send("Sokha")  # no form is open
    assert draft(bot, person) == {}


async def test_a_review_that_may_not_be_sent_and_a_send_refused_on_a_second_look(
    bot: Bot,
) -> None:
    person = bot.user(7008)
    await person.send("/tiny")
    await person.send(NOBODY)
    await person.click(label(bot, "family.rel.child"))
    await person.click(label(bot, "family.skip"))
    assert person.last_text() == f"REVIEW {NOBODY} red None"
    assert person.buttons() == [label(bot, "broker.cancel")]  # no Send
    await person.press("tiny:send")  # forged: the store looks again and refuses
    assert person.last_alert() == label(bot, "announce.nobody")
    assert person.last_text() == f"REVIEW {NOBODY} red None"
    assert draft(bot, person)["what"] == NOBODY  # the form stays open, as it was
    assert STORED == {}


async def test_presses_left_to_other_handlers_do_not_touch_the_form(bot: Bot) -> None:
    person = bot.user(7009)
    await person.send("/tiny")
    await person.send("Sokha")
    person.new_texts()
    await person.press("tiny:elsewhere:1")
    assert person.new_texts() == []  # the form's refusal would show its step again
    await person.click(label(bot, "family.rel.child"))  # the form is where it was
    assert person.last_text() == say(bot, "family.ask_number")


def test_an_answer_the_draft_holds_is_checked_again_unless_its_read_made_it() -> None:
    age = Step("age", "family.ask_number", read=parsed(parse_whole_number, "family.bad_number"))
    assert age.kept({"age": 30})  # a number only the read makes: given
    assert not age.kept({}) and not age.kept({"age": None})
    assert not age.kept({"age": "many"})  # a text is read again: not an answer
    name = Step("name", "broker.ask_who", read=words(2, 10, "broker.too_short"))
    assert name.kept({"name": "Sokha"}) and not name.kept({"name": "x" * 11})
    assert words(2, 10, "family.bad_name")("x") == Wrong("family.bad_name", {"most": 10})


# -- a tiny trip: what /plan needs of the skeleton ---------------------------------------------

TRIPS: dict[str, dict[str, Any]] = {}  # what the trip's Send stored, by request key


def _today(context: BotContext) -> date:
    return context.clock.now().astimezone(context.services.config.timezone).date()


async def _days(context: BotContext, answers: Draft) -> Sequence[Choice]:
    """Today or tomorrow, from the injected clock."""
    today = _today(context)
    return [
        Choice(f"d:{n}", (today + timedelta(days=n)).isoformat(), f"plan.when.depart_on.{n}")
        for n in (0, 1)
    ]


def _leaving(context: BotContext, answers: Draft, text: str) -> object:
    day = parse_date(text, _today(context))
    return day.isoformat() if day else Wrong("plan.bad.date")


def _back_on(context: BotContext, answers: Draft, text: str) -> object:
    """A typed day, checked against the day of leaving (another answer)."""
    day = parse_date(text, _today(context))
    if day is None:
        return Wrong("plan.bad.date")
    return Wrong("plan.bad.arrive_before") if day.isoformat() < answers["leave"] else str(day)


async def _agencies(context: BotContext, answers: Draft) -> Sequence[Choice]:
    """The store's first agency by name, keeping its name with its number (a short list)."""
    return [
        Choice(f"a:{a.agency_id}", str(a.agency_id), "", a.name, {"agency_name": a.name})
        for a in (await context.store.agencies())[:1]
    ]


async def _any_agency(update: Update, context: BotContext, data: str) -> object:
    """Any agency of the store by its number, listed or not (found anew, as a Choice)."""
    number = data.removeprefix("a:")
    agency = await context.store.agency(int(number)) if number.isdigit() else None
    if agency is None:
        return Wrong("input.button_expired")
    return Choice(data, str(agency.agency_id), "", also={"agency_name": agency.name})


async def _trip_review(update: Update, context: BotContext, lang: str, answers: Draft) -> Summary:
    shown = ", ".join(f"{k}={v}" for k, v in sorted(answers.items()))
    return Summary(f"TRIP {shown}", send="plan.send_staff")


async def _trip_store(
    update: Update, context: BotContext, answers: Draft, request_key: str
) -> Stored:
    found = request_key in TRIPS
    TRIPS.setdefault(request_key, dict(answers))

    async def deliver() -> str:  # the thanks that fits how the notices went
        return "plan.sent_leader"

    return Stored("plan.sent_staff", deliver=deliver, again=found)


TRIP = Form(
    name="trip",
    prefix="trip",
    draft="trip",
    command="trip",
    steps=(
        Step(
            "where",
            "plan.q.destination",
            choices=tuple(
                Choice(f"c:where:{p}", p, f"plan.opt.destination.{p}") for p in ("TH", "KH_PP")
            ),
        ),
        Step(  # papers, ticked: asked only for a trip abroad
            "papers",
            "plan.q.documents",
            choices=tuple(
                Choice(f"m:{d}", d, f"plan.opt.documents.{d}") for d in ("passport", "visa_permit")
            ),
            done=Choice("m:done", None, "plan.done"),
            when=lambda answers: answers.get("where") == "TH",
        ),
        Step(
            "leave",
            "plan.q.depart_on",
            buttons=_days,
            read_with=_leaving,
            wrong=Wrong("plan.bad.date"),
        ),
        Step(
            "back_on",
            "plan.q.arrive_on",
            read_with=_back_on,
            skip=True,
            wrong=Wrong("plan.bad.date"),
        ),
        Step(
            "agency",
            "plan.q.agency",
            buttons=_agencies,
            pick=_any_agency,
            companions=("agency_name",),
        ),
    ),
    keys=Keys("plan", with_intro=True, at_review="plan.bad.review"),
    review=_trip_review,
    store=_trip_store,
    keyed=True,
    answers_in="answers",
    with_back=True,
    progress="plan.progress",
    intro_apart=True,
    cancel_menu=False,
    skip_data="skip:{field}",
)


def trip(bot: Bot, person: Person) -> dict[str, Any]:
    return form_draft(bot, person, "trip")


def asked(bot: Bot, key: str, number: int, total: int) -> str:
    return f"{say(bot, 'plan.progress', number=number, total=total)}\n{say(bot, key)}"


def last_kind(bot: Bot, person: Person) -> str:
    """Whether the bot's last screen here was a new message or an edit of the old one."""
    return [s.kind for s in bot.telegram.shown if s.chat_id == person.id][-1]


def day(bot: Bot, days: int) -> date:
    assert bot.services is not None
    return (bot.clock.now().astimezone(bot.services.config.timezone) + timedelta(days)).date()


async def agencies(bot: Bot, *names: str) -> list[int]:
    await bot.store.replace_agencies(
        [
            {
                "name": name,
                "licence": f"L-{n}",
                "phone": None,
                "destinations": ("TH",),
                "last_verified": date(2026, 11, 1),
            }
            for n, name in enumerate(names)
        ]
    )
    return [a.agency_id for a in await bot.store.agencies()]


@pytest.fixture
def trips() -> Iterator[None]:
    TRIPS.clear()
    yield
    TRIPS.clear()


async def test_a_trip_walked_with_ticks_days_back_and_a_thanks_from_delivery(
    bot: Bot, trips: None
) -> None:
    [listed] = await agencies(bot, "Licensed Example Agency")
    person = bot.user(7101)
    await person.send("/trip")
    intro, first = person.new_texts()
    assert intro == say(bot, "plan.intro", total=4)  # its own message: papers are not on it
    assert first == asked(bot, "plan.q.destination", 1, 4)
    assert label(bot, "common.back") not in person.buttons()  # nothing to take back yet
    assert trip(bot, person) == {
        "request_key": trip(bot, person)["request_key"],
        "answers": {},
        "history": [],
    }

    await person.click(label(bot, "plan.opt.destination.TH"))  # abroad: the papers are asked
    assert person.last_text() == asked(bot, "plan.q.documents", 2, 5)
    passport, visa = (label(bot, f"plan.opt.documents.{d}") for d in ("passport", "visa_permit"))
    # The box comes after a label's own sign (📕 ⬜ …), so the sign still leads (issue 25).
    assert person.buttons() == [
        tick_label(passport, False),
        tick_label(visa, False),
        label(bot, "plan.done"),
        label(bot, "common.back"),
        label(bot, "plan.cancel"),
    ]
    await person.click(tick_label(passport, False))
    assert person.buttons()[:2] == [tick_label(passport, True), tick_label(visa, False)]
    await person.click(tick_label(visa, False))
    await person.click(tick_label(visa, True))  # ticked, then unticked
    await person.send_sticker()  # not an answer: the buttons, and the ticks stay
    assert person.last_text() == f"{say(bot, 'input.use_buttons')}\n\n" + asked(
        bot, "plan.q.documents", 2, 5
    )
    await person.click(label(bot, "plan.done"))
    assert trip(bot, person)["answers"]["papers"] == ["passport"]

    assert person.last_text() == asked(bot, "plan.q.depart_on", 3, 5)
    assert person.button_data()[:2] == ["trip:d:0", "trip:d:1"]
    await person.send("31/02")  # no such day: why, and the question again
    assert person.last_text().startswith(say(bot, "plan.bad.date"))
    await person.send_sticker()  # the step's own words for what is not an answer
    assert person.last_text().startswith(say(bot, "plan.bad.date"))
    await person.click(label(bot, "plan.when.depart_on.1"))
    assert trip(bot, person)["answers"]["leave"] == day(bot, 1).isoformat()

    ask_back_on = asked(bot, "plan.q.arrive_on", 4, 5)
    await person.send(day(bot, 0).strftime("%d/%m/%Y"))  # before leaving: another answer says no
    assert person.last_text() == f"{say(bot, 'plan.bad.arrive_before')}\n\n{ask_back_on}"
    await person.send(day(bot, 3).strftime("%d/%m/%Y"))
    assert trip(bot, person)["answers"]["back_on"] == day(bot, 3).isoformat()

    assert person.last_text() == asked(bot, "plan.q.agency", 5, 5)
    assert person.buttons() == [
        "Licensed Example Agency",
        label(bot, "common.back"),
        label(bot, "plan.cancel"),
    ]
    await person.press("trip:a:999")  # no such agency
    assert person.last_alert() == label(bot, "input.button_expired")
    await person.click("Licensed Example Agency")
    answers = trip(bot, person)["answers"]
    assert (answers["agency"], answers["agency_name"]) == (str(listed), "Licensed Example Agency")
    review = person.last_text()
    assert review.startswith("TRIP agency=")
    assert person.buttons() == [
        label(bot, "plan.send_staff"),  # the review's own Send label
        label(bot, "common.back"),
        label(bot, "plan.cancel"),
    ]
    await person.send("anything")  # typed at the review: the review's own words
    assert person.last_text() == f"{say(bot, 'plan.bad.review')}\n\n{review}"

    await person.click(label(bot, "common.back"))  # the agency and its name are taken back
    assert "agency" not in answers and "agency_name" not in answers
    assert person.last_text() == asked(bot, "plan.q.agency", 5, 5)
    assert trip(bot, person)["history"] == ["where", "papers", "leave", "back_on"]
    await person.click("Licensed Example Agency")
    await person.click(label(bot, "plan.send_staff"))
    assert person.last_text() == say(bot, "plan.sent_leader")  # the key delivery returned
    assert last_kind(bot, person) == "edit"  # made now: the review becomes the thanks
    [stored] = TRIPS.values()
    assert stored["papers"] == ["passport"] and stored["agency_name"] == "Licensed Example Agency"
    assert trip(bot, person) == {}


async def test_back_over_a_step_only_some_answers_ask(bot: Bot, trips: None) -> None:
    await agencies(bot, "Licensed Example Agency")
    person = bot.user(7102)
    await person.send("/trip")
    await person.click(label(bot, "plan.opt.destination.TH"))
    await person.click(tick_label(label(bot, "plan.opt.documents.passport"), False))
    await person.click(label(bot, "common.back"))  # the ticks go, and the place is asked again
    assert person.last_text() == asked(bot, "plan.q.destination", 1, 4)
    assert label(bot, "common.back") not in person.buttons()
    assert trip(bot, person)["answers"] == {} and "ticked" not in trip(bot, person)
    await person.click(label(bot, "plan.opt.destination.KH_PP"))  # inside: no papers asked
    assert person.last_text() == asked(bot, "plan.q.depart_on", 2, 4)
    await person.click(label(bot, "plan.when.depart_on.0"))
    await person.click(label(bot, "common.skip"))  # the optional day back (skip:back_on)
    assert person.button_data()[-2:] == ["trip:back", "trip:cancel"]
    assert trip(bot, person)["answers"]["back_on"] is None
    await person.click(label(bot, "common.back"))
    assert person.last_text() == asked(bot, "plan.q.arrive_on", 3, 4)
    assert "back_on" not in trip(bot, person)["answers"]
    await person.press("trip:skip:leave")  # another step's skip: refused
    assert person.last_alert() == label(bot, "input.button_expired")
    assert person.last_text() == asked(bot, "plan.q.arrive_on", 3, 4)


async def test_a_press_the_screen_did_not_offer_is_found_anew(bot: Bot, trips: None) -> None:
    ids = await agencies(bot, "Agency One", "Agency Two")
    person = bot.user(7103)
    await person.send("/trip")
    await person.click(label(bot, "plan.opt.destination.KH_PP"))
    await person.click(label(bot, "plan.when.depart_on.0"))
    await person.click(label(bot, "common.skip"))
    [shown] = person.buttons()[:-2]
    unlisted = next(i for i in ids if f"trip:a:{i}" not in person.button_data())
    await person.press(f"trip:a:{unlisted}")  # an agency of the store the list left out
    assert person.last_alert() is None
    answers = trip(bot, person)["answers"]
    assert answers["agency"] == str(unlisted) and answers["agency_name"] != shown
    assert person.last_text().startswith("TRIP")


async def test_cancel_shows_no_buttons_and_keeps_nothing(bot: Bot, trips: None) -> None:
    person = bot.user(7104)
    await person.send("/trip")
    await person.click(label(bot, "plan.opt.destination.KH_PP"))
    await person.click(label(bot, "plan.cancel"))
    assert person.last_text() == say(bot, "plan.cancelled")
    assert last_kind(bot, person) == "edit"
    assert person._messages()[-1].buttons() == []  # no menu button under it (cancel_menu)
    assert trip(bot, person) == {}


async def test_a_draft_and_state_written_by_an_older_form_resume(bot: Bot, trips: None) -> None:
    """A draft of the same shape, at the review, under a state number from before (1)."""
    [listed] = await agencies(bot, "Licensed Example Agency")
    person = bot.user(7105)
    await person.send("/trip")  # the chat has a message to press on
    old = {
        "answers": {
            "where": "KH_PP",
            "leave": day(bot, 1).isoformat(),
            "back_on": None,
            "agency": str(listed),
            "agency_name": "Licensed Example Agency",
        },
        "history": ["where", "leave", "back_on", "agency"],
        "request_key": "written-before",
    }
    assert bot.app is not None and bot.app.persistence is not None
    await bot.app.persistence.update_user_data(person.id, {"trip": old})
    await bot.app.persistence.update_conversation("trip", (person.id, person.id), 1)
    await bot.restart(crash=True)
    await person.press("trip:send")
    assert person.last_text() == say(bot, "plan.sent_leader")
    assert list(TRIPS) == ["written-before"]


async def test_send_that_finds_what_was_stored_says_it_anew(bot: Bot, trips: None) -> None:
    person = bot.user(7106)
    await agencies(bot, "Licensed Example Agency")
    await person.send("/trip")
    await person.click(label(bot, "plan.opt.destination.KH_PP"))
    await person.click(label(bot, "plan.when.depart_on.0"))
    await person.click(label(bot, "common.skip"))
    await person.click("Licensed Example Agency")
    TRIPS[trip(bot, person)["request_key"]] = {}  # as if a first Send had stored it
    review = person.last_text()
    await person.click(label(bot, "plan.send_staff"))
    assert last_kind(bot, person) == "message"  # found, not made: a new message
    thanks, before = person._messages()[-1], person._messages()[-2]
    assert thanks.text == say(bot, "plan.sent_leader")
    assert before.text == review  # the old screen is left as it was
    assert list(TRIPS.values()) == [{}] and trip(bot, person) == {}  # not stored a second time


# -- a hub: a list whose every answer is kept at once, and the list shown again --------------

SAVED: list[tuple[str, object]] = []  # what the hub kept, round by round
GONE: set[int] = set()  # people whose list is about something that ended meanwhile


async def _hub_opens(update: Update, context: BotContext, lang: str) -> Draft | Wrong:
    """/hub: about "home"; a press of hub:go:PLACE: about that place (a forged one: refused)."""
    if update.callback_query is None:
        return {"place": "home"}
    place = (update.callback_query.data or "").removeprefix("hub:go:")
    return {"place": place} if place in ("home", "away") else Wrong("input.button_expired")


async def _hub_list(update: Update, context: BotContext, lang: str, draft: Draft) -> Screen:
    assert update.effective_user is not None
    if update.effective_user.id in GONE:
        raise Closed("checkin.closed")
    buttons = keyboard([[("A", "hub:pick:a")], [("B", "hub:pick:b")]])
    return f"LIST {draft['place']} {len(SAVED)}", buttons


async def _hub_pick(update: Update, context: BotContext, data: str) -> object:
    return (
        data.removeprefix("pick:")
        if data in ("pick:a", "pick:b")
        else Wrong("input.button_expired")
    )


def _year(context: BotContext, answers: Draft, text: str) -> object:
    """A year not after this one (which only the context knows)."""
    value = parse_whole_number(text)
    if value is None or value > context.clock.now().year:
        return Wrong("family.bad_number")
    return value


async def _hub_store(
    update: Update, context: BotContext, draft: dict[str, Any], request_key: str
) -> Stored:
    assert update.effective_user is not None
    if update.effective_user.id in GONE:
        raise Closed("checkin.closed")
    SAVED.append((draft["which"], draft["year"]))
    return Stored("documents.saved_unknown", {"paper": draft["which"]})


HUB = Form(
    name="hub",
    prefix="hub",
    draft="hub",
    command="hub",
    steps=(
        Step(
            "which", "broker.ask_who", draw=_hub_list, pick=_hub_pick, valid=("a", "b").__contains__
        ),
        Step(
            "year",
            "family.ask_number",
            read_with=_year,
            choices=(Choice("unknown", None, "documents.dont_know"),),
            wrong=Wrong("documents.bad_date"),
        ),
    ),
    keys=Keys("broker"),
    review=None,
    store=_hub_store,
    hub=True,
    starts="go:",
    opens=_hub_opens,
    cancellable=False,
    stale_again=False,
)


# -- a form with no review: kept on its last answer --------------------------------------------

SURVEYED: list[dict[str, Any]] = []


async def _survey_opens(update: Update, context: BotContext, lang: str) -> Draft | Wrong:
    data = update.callback_query.data if update.callback_query is not None else None
    return {"answers": {}, "number": 1} if data == "survey:start:1" else Wrong("announce.nobody")


async def _colours(context: BotContext, answers: Draft) -> Sequence[Choice]:
    """Ticks drawn at the time, named as they are (as the content's labels are)."""
    return [Choice(f"m:{c}", c, "", c.title()) for c in ("red", "blue")]


def _note(text: str) -> object:
    return text if len(text) <= 10 else TOO_LONG


async def _survey_store(
    update: Update, context: BotContext, draft: dict[str, Any], request_key: str
) -> Stored:
    SURVEYED.append(copy.deepcopy(draft))
    return Stored("returning.thanks")


TOO_LONG = Wrong("broker.too_long", {"most": 10}, alone=True)  # said alone, not the question
SURVEY = Form(
    name="survey",
    prefix="survey",
    draft="survey",
    command=None,
    steps=(
        Step(
            "size",
            "broker.ask_named",
            choices=(
                Choice("big", "big", "family.rel.child"),
                Choice("size:skip", None, "common.skip"),
            ),
            within="answers",
        ),
        Step(
            "colours",
            "broker.ask_who",
            buttons=_colours,
            done=Choice("m:done", None, "plan.done"),
            within="answers",
        ),
        Step(
            "note",
            "family.ask_name",
            read=_note,
            choices=(Choice("note:none", None, "common.skip"),),
            wrong=TOO_LONG,
        ),
        Step(
            "share",
            "returning.q.consent",
            choices=(
                Choice("yes", True, "returning.share_yes"),
                Choice("no", False, "returning.share_no"),
            ),
            when=lambda draft: draft.get("note") is not None,
        ),
    ),
    keys=Keys("broker"),
    review=None,
    store=_survey_store,
    open_button=False,
    starts="start:",
    opens=_survey_opens,
    in_place=True,
    cancellable=False,
    stale_again=False,
)


def a_message_with(bot: Bot, person: Person, data: str) -> ChatMessage:
    """A message in the person's chat with one button (as a notice or an old screen has)."""
    message = ChatMessage(person.id, bot.telegram.new_message_id(person.id), "COME IN", True)
    message.reply_markup = {"inline_keyboard": [[{"text": "Go", "callback_data": data}]]}
    return bot.telegram.add(message)


async def test_a_hub_keeps_each_answer_at_once_and_shows_the_list_again(bot: Bot) -> None:
    person = bot.user(7111)
    await person.send("/hub")
    assert person.last_text() == "LIST home 0"  # what it opened with is in the draft
    assert person.buttons() == ["A", "B"]  # no cancel: the hub is left by /menu
    await person.send("hello")
    assert person.last_text() == f"{say(bot, 'input.use_buttons')}\n\nLIST home 0"

    await person.click("A")
    ask = say(bot, "family.ask_number")
    assert person.last_text() == ask
    assert person.buttons() == [label(bot, "documents.dont_know")]
    await person.send_sticker()  # the step's own words for what is not typed
    assert person.last_text() == f"{say(bot, 'documents.bad_date')}\n\n{ask}"
    await person.send("2999")  # read with the context: after this year
    assert person.last_text() == f"{say(bot, 'family.bad_number')}\n\n{ask}"
    await person.send("2020")
    saved = say(bot, "documents.saved_unknown", paper="a")
    assert person.last_text() == f"{saved}\n\nLIST home 1"
    assert SAVED == [("a", 2020)]
    assert form_draft(bot, person, "hub") == {"place": "home"}  # the round's answers are gone

    await person.click("B")
    await person.click(label(bot, "documents.dont_know"))  # a button that keeps None
    assert person.last_text() == f"{say(bot, 'documents.saved_unknown', paper='b')}\n\nLIST home 2"
    assert SAVED[-1] == ("b", None)

    person.new_texts()
    await person.press("hub:unknown")  # a press of the other step: the pop-up alone
    assert person.last_alert() == label(bot, "input.button_expired")
    assert person.new_texts() == []


async def test_a_hub_resumes_after_a_restart_and_ends_when_what_it_is_about_is_gone(
    bot: Bot,
) -> None:
    person = bot.user(7112)
    await person.send("/hub")
    await person.click("A")
    await bot.restart(crash=True)
    await person.send("2021")
    assert person.last_text().endswith("LIST home 1") and SAVED == [("a", 2021)]

    await person.click("B")
    GONE.add(person.id)  # what the list is about ended meanwhile
    await person.send("2022")
    assert person.last_text() == say(bot, "checkin.closed")  # said alone, the form over
    assert form_draft(bot, person, "hub") == {}
    await person.send("2023")  # not taken as an answer
    assert SAVED == [("a", 2021)]


async def test_a_press_opens_a_form_with_what_it_names_and_a_forged_one_opens_nothing(
    bot: Bot,
) -> None:
    person = bot.user(7113)
    await person.press("hub:go:moon", a_message_with(bot, person, "hub:go:moon"))
    assert person.last_alert() == label(bot, "input.button_expired")
    assert form_draft(bot, person, "hub") == {}
    await person.press("hub:go:away", a_message_with(bot, person, "hub:go:away"))
    assert person.last_text() == "LIST away 0"


async def test_a_form_without_review_is_kept_on_its_last_answer(bot: Bot) -> None:
    person = bot.user(7114)
    start = a_message_with(bot, person, "survey:start:1")
    await person.press("survey:start:1", start)
    assert start.text == say(bot, "broker.ask_named")  # in place of the message pressed
    assert person.buttons() == [label(bot, "family.rel.child"), label(bot, "common.skip")]
    person.new_texts()
    await person.press("survey:yes")  # a later step's button: the pop-up alone
    assert person.last_alert() == label(bot, "input.button_expired")
    assert person.new_texts() == []

    await person.click(label(bot, "common.skip"))  # a skip of its own data, kept as None
    assert form_draft(bot, person, "survey")["answers"] == {"size": None}  # within "answers"
    assert person.last_text() == say(bot, "broker.ask_who")
    assert person.buttons() == ["⬜ Red", "⬜ Blue", label(bot, "plan.done")]
    await person.click("⬜ Red")
    await person.click("⬜ Blue")
    await bot.restart()  # the ticks so far are in the draft
    await person.click("☑️ Red")
    assert person.buttons() == ["⬜ Red", "☑️ Blue", label(bot, "plan.done")]
    await person.click(label(bot, "plan.done"))
    assert form_draft(bot, person, "survey")["answers"] == {"size": None, "colours": ["blue"]}
    assert "ticked" not in form_draft(bot, person, "survey")

    assert person.last_text() == say(bot, "family.ask_name")
    await person.send("far too long")
    assert person.last_text() == say(bot, "broker.too_long", most=10)  # alone
    await person.send_sticker()
    assert person.last_text() == say(bot, "broker.too_long", most=10)
    await person.send("ok")
    assert person.last_text() == say(bot, "returning.q.consent")  # asked: there is a note
    assert SURVEYED == []
    await person.click(label(bot, "returning.share_yes"))
    assert person.last_text() == say(bot, "returning.thanks")
    assert SURVEYED == [
        {"answers": {"size": None, "colours": ["blue"]}, "number": 1, "note": "ok", "share": True}
    ]
    assert form_draft(bot, person, "survey") == {}


async def test_a_step_asked_only_when_an_earlier_answer_allows_it(bot: Bot) -> None:
    person = bot.user(7115)
    await person.press("survey:start:2", a_message_with(bot, person, "survey:start:2"))
    assert person.last_alert() == label(bot, "announce.nobody")  # the opening's own refusal
    await person.press("survey:start:1", a_message_with(bot, person, "survey:start:1"))
    await person.click(label(bot, "family.rel.child"))
    await person.click(label(bot, "plan.done"))  # nothing ticked is an answer too
    await person.click(label(bot, "common.skip"))  # no note: nothing to share, kept at once
    assert person.last_text() == say(bot, "returning.thanks")
    assert SURVEYED == [{"answers": {"size": "big", "colours": []}, "number": 1, "note": None}]
