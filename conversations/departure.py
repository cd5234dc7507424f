"""/plan: register a departure and send it to the village leader, with an explicit yes.

A form on the skeleton (conversations/forms.py): one step per field of domain/departure.py,
asked only when it applies, so the current question is always "the first field without an
answer" and a restart, a wrong input or a stale button simply shows it again. Buttons name
their field, so a press meant for another question is refused; «back» takes back the last
answer. Nothing is written to ``departures`` until the person says yes on the review screen.

    who --> name --> ... --> family_phone --> REVIEW --send--> end
    (every step: back, cancel; anything that does not fit shows the current step again)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from app.context import BotContext
from conversations.forms import (
    Buttons,
    Choice,
    Draft,
    Form,
    Keys,
    Refusal,
    Step,
    Stored,
    Summary,
    Wrong,
    parsed,
)
from delivery import notices as delivery_notices
from delivery.checkins import upcoming_for
from delivery.documents import passport_dates
from delivery.drainer import deliver_now
from domain.departure import (
    FIELDS,
    UNKNOWN,
    Field,
    parse_age,
    parse_date,
    parse_name,
    parse_phone,
    parse_wage,
    staff_only,
)
from domain.documents import parse_expiry
from domain.registration import departure_values
from screens.departure_text import risk_advice, summary

log = logging.getLogger(__name__)
PREFIX = "plan"
DRAFT = "departure"
# The notices' outcome (delivery.notices.outcome) -> the thanks that says it.
SENT = {
    "leader": "plan.sent_leader",
    "unreached": "plan.sent_unreached",
    "waiting": "plan.sent_waiting",
    "staff_waiting": "plan.sent_staff_waiting",
    "staff_only": "plan.sent_staff_only",
    "staff_only_waiting": "plan.sent_staff_only_waiting",
}


def _today(context: BotContext) -> date:
    return context.clock.now().astimezone(context.services.config.timezone).date()


def _is_day(value: object) -> bool:
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def trip_review_text(context: BotContext, lang: str, answers: Draft, ask: str) -> str:
    """The review of a trip's answers: title, one line each, the risk advice, then ``ask``
    (shared with the chief's form, conversations/assisted.py)."""
    t = context.content.texts
    blocks = [t.get(lang, "plan.review_title"), summary(context, lang, answers)]
    if advice := risk_advice(context, lang, answers):
        blocks.append(advice)
    blocks.append(t.get(lang, ask))
    return "\n\n".join(blocks)


async def _review(update: Update, context: BotContext, lang: str, answers: Draft) -> Summary:
    alone = answers.get("reason_shared") == "staff"  # only staff may know where and when
    text = trip_review_text(
        context, lang, answers, "plan.ask_send_staff" if alone else "plan.ask_send"
    )
    voice = "plan.review_staff" if alone else "plan.review"  # content/recordable.py
    return Summary(text, send="plan.send_staff" if alone else "plan.send", voice=voice)


# -- the steps: each field of domain/departure.py, by its kind --------------------------------


def _dates(spec: Field) -> Buttons:
    """Days after today (leaving) or after leaving (arriving)."""

    async def buttons(context: BotContext, answers: Draft) -> Sequence[Choice]:
        arriving = spec.id == "arrive_on"
        base = date.fromisoformat(answers["depart_on"]) if arriving else _today(context)
        return [
            Choice(
                f"d:{spec.id}:{o}",
                (base + timedelta(days=int(o))).isoformat(),
                f"plan.when.{spec.id}.{o}",
            )
            for o in spec.options
        ]

    return buttons


def _typed_date(context: BotContext, answers: Draft, text: str) -> object:
    """A typed date; arriving cannot come before leaving."""
    day = parse_date(text, _today(context))
    if day is None:
        return Wrong("plan.bad.date")
    if "depart_on" in answers and day < date.fromisoformat(answers["depart_on"]):
        return Wrong("plan.bad.arrive_before")
    return day.isoformat()


def _typed_expiry(context: BotContext, answers: Draft, text: str) -> object:
    until = parse_expiry(text, _today(context))
    return until.isoformat() if until else Wrong("documents.bad_date")


async def _agencies(context: BotContext, answers: Draft) -> Sequence[Choice]:
    """The checked agencies that send people where this person goes, and "not listed"."""
    destination = answers.get("destination")
    known = [a for a in await context.store.agencies() if destination in a.destinations][:8]
    return [
        *(
            Choice(
                f"a:agency:{a.agency_id}", str(a.agency_id), "", a.name, {"agency_label": a.name}
            )
            for a in known
        ),
        Choice("a:agency:typed", "typed", "plan.agency_not_listed"),
    ]


async def _any_agency(update: Update, context: BotContext, data: str) -> object:
    """Any agency of the checked list, by its number (a list may have changed since)."""
    number = data.removeprefix("a:agency:")
    digits = number.isascii() and number.isdigit() and len(number) < 10  # not ², not huge
    agency = await context.store.agency(int(number)) if data != number and digits else None
    if agency is None:
        return Wrong("input.button_expired")
    return Choice(data, str(agency.agency_id), "", also={"agency_label": agency.name})


# The keypad of a kind of answer: an age or a wage in Khmer digits, a phone as it is dialled.
KEYPADS = {"number": "km", "phone": "latin"}
_READ = {
    "text": parsed(parse_name, "plan.bad.name"),
    "number": parsed(parse_age, "plan.bad.number"),
    "phone": parsed(parse_phone, "plan.bad.phone"),
}


def step_of(spec: Field) -> Step:
    """The skeleton's step for a field: its question, buttons or reading, and its checks."""
    question, kind = f"plan.q.{spec.id}", spec.kind
    common: dict[str, Any] = {"skip": spec.optional, "when": spec.when}
    if kind == "choice":
        options = tuple(
            Choice(f"c:{spec.id}:{o}", o, f"plan.opt.{spec.id}.{o}") for o in spec.options
        )
        return Step(spec.id, question, choices=options, **common)
    if kind == "multi":  # ticks: ☑️/⬜ options, «done» keeps the ticked ones
        ticks = tuple(
            Choice(f"m:{spec.id}:{o}", o, f"plan.opt.{spec.id}.{o}") for o in spec.options
        )
        done = Choice(f"m:{spec.id}:done", None, "plan.done")
        return Step(spec.id, question, choices=ticks, done=done, **common)
    if kind == "date":
        return Step(
            spec.id,
            question,
            buttons=_dates(spec),
            read_with=_typed_date,
            valid=_is_day,
            wrong=Wrong("plan.bad.date"),
            **common,
        )
    if kind == "expiry":
        return Step(
            spec.id,
            question,
            choices=(Choice(f"x:{spec.id}:{UNKNOWN}", UNKNOWN, "documents.dont_know"),),
            read_with=_typed_expiry,
            valid=lambda value: value == UNKNOWN or _is_day(value),
            wrong=Wrong("documents.bad_date"),
            **common,
        )
    if kind == "agency":
        return Step(
            spec.id,
            question,
            buttons=_agencies,
            pick=_any_agency,
            valid=lambda value: value == "typed" or str(value).isdecimal(),
            companions=("agency_label",),
            **common,
        )
    if spec.id == "wage":
        read, wrong = parsed(parse_wage, "plan.bad.wage"), "plan.bad.wage"
    else:
        read, wrong = _READ[kind], "plan.bad.name" if kind == "text" else f"plan.bad.{kind}"
    # Nothing needs typing (issue 25): the name may be said, a number or phone tapped.
    if spec.id == "name":
        common |= {"voice": "name_voice", "companions": ("name_voice",)}
    elif kind in KEYPADS:
        common |= {"keypad": KEYPADS[kind], "contact": kind == "phone"}
    return Step(spec.id, question, read=read, wrong=Wrong(wrong), **common)


# -- before and after ----------------------------------------------------------------------


async def _gate(update: Update, context: BotContext, lang: str) -> Refusal | None:
    """A person who has not chosen a village is asked to /start first."""
    assert update.effective_user is not None
    if await context.store.get_user(update.effective_user.id) is None:
        return context.content.texts.get(lang, "input.start_first"), None
    return None


async def _register(
    update: Update, context: BotContext, answers: Draft, request_key: str
) -> Stored:
    """Stores the departure and tells the village leader (or staff), after the explicit yes."""
    assert update.effective_user is not None
    profile = await context.store.get_user(update.effective_user.id)
    village = profile.village_code if profile else None
    values = departure_values(answers, update.effective_user.id, village)
    # The registration, its notices and its first check-in are one transaction; the form ends
    # only after it commits. The draft's key makes Send pressed twice, or again after a crash,
    # find the first registration instead of making a second.
    alone = staff_only(values["reason"])  # they asked that only staff know where and when
    leaders, staff = await delivery_notices.notice_messages(context, village, chiefs=not alone)
    first = upcoming_for(context, values["arrive_on"], values["destination"], None)
    departure_id, new, ids = await context.store.register_departure(
        values,
        request_key=request_key,
        first=first,
        messages=lambda d: delivery_notices.build_notices(
            d,
            values["user_id"],
            leaders,
            staff,
            staff_only=alone,
            name_voice=values["name_voice"] is not None,
        ),
        documents=passport_dates(context, answers),
    )
    log.info(
        "departure_registered departure=%s user=%s new=%s",
        departure_id,
        update.effective_user.id,
        new,
    )

    async def deliver() -> str:
        await deliver_now(context, ids)
        rows = await context.store.outbox_group(f"notice:{departure_id}")
        return SENT.get(delivery_notices.outcome(rows), "plan.sent_staff")

    # Found, not made (Send again after a crash): said anew, the old screen may already say it.
    return Stored("plan.sent_staff", deliver=deliver, again=not new)


# How a trip's form walks (also the chief's form): the answers apart in the draft, «back»,
# "6 of 15", the intro of its own, skip data naming the step, one keyed Send.
TRIP_WALK: dict[str, Any] = {
    "keyed": True,
    "answers_in": "answers",
    "with_back": True,
    "progress": "plan.progress",
    "intro_apart": True,
    "cancel_menu": False,
    "skip_data": "skip:{field}",
}

FORM = Form(
    name="departure",  # the conversation's name as persisted (its states were 0 and 1)
    prefix=PREFIX,
    draft=DRAFT,
    command="plan",
    steps=tuple(step_of(spec) for spec in FIELDS),
    keys=Keys("plan", with_intro=True, at_review="plan.bad.review"),
    review=_review,
    store=_register,
    gate=_gate,
    **TRIP_WALK,
)


def build_handler() -> ConversationHandler[BotContext]:
    """The departure form (persistent: a restart keeps every answer given so far)."""
    return FORM.handler()
