"""The form skeleton (conversations/forms.py), through a tiny form of its own: typed answers and
their checks, buttons, skip, stale presses, the review, Send once (a double press, a crash and a
retry), cancel, and a restart in the middle."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

import app.factory
from app.context import BotContext
from app.factory import MAIN
from conversations.forms import (
    Choice,
    Form,
    Keys,
    Refusal,
    Step,
    Stored,
    Summary,
    Wrong,
    parsed,
    words,
)
from domain.parsing import parse_whole_number
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
    """The real Application with the tiny form first among its handlers (as the forms are)."""
    add_handlers = app.factory._add_handlers

    def with_tiny(application: Any) -> None:
        add_handlers(application)
        application.handlers[MAIN].insert(0, TINY.handler())

    monkeypatch.setattr(app.factory, "_add_handlers", with_tiny)
    STORED.clear()
    yield
    STORED.clear()


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


def draft(bot: Bot, person: Person) -> dict[str, Any]:
    assert bot.app is not None
    found = bot.app.user_data.get(person.id, {}).get("tiny", {})
    assert isinstance(found, dict)
    return found


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
