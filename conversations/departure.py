"""/plan: register a departure and send it to the village leader, with an explicit yes.

One generic step walks the fields of domain/departure.py: the current question is always "the
first field without an answer", so a restart, a wrong input or a stale button simply shows it
again. Buttons name their field, so a press meant for another question is refused. Nothing is
written to ``departures`` until the person says yes on the review screen.
"""

from __future__ import annotations

import logging
import secrets
from datetime import date, timedelta
from enum import IntEnum
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
from delivery import notices as delivery_notices
from delivery.checkins import upcoming_for
from delivery.documents import first_reminder
from delivery.drainer import deliver_now
from domain.departure import (
    UNKNOWN,
    Field,
    applicable,
    next_field,
    parse_age,
    parse_date,
    parse_name,
    parse_phone,
    parse_wage,
    risk_flags,
    staff_only,
    stored_reason,
)
from domain.documents import NextReminder, parse_expiry
from screens.buttons import Button, column, keyboard, menu_button
from screens.departure_text import risk_advice, summary

log = logging.getLogger(__name__)
PREFIX = "plan"
DRAFT = "departure"


class Step(IntEnum):
    ASK = 0
    REVIEW = 1


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(DRAFT, {})
    draft.setdefault("answers", {})
    draft.setdefault("history", [])
    # Made with the form and kept with it, so Send after a crash finds the first registration.
    draft.setdefault("request_key", secrets.token_hex(16))
    return draft


def _today(context: BotContext) -> date:
    return context.clock.now().astimezone(context.services.config.timezone).date()


async def _question(
    context: BotContext, lang: str, spec: Field
) -> tuple[str, InlineKeyboardMarkup]:
    t, draft = context.content.texts, _draft(context)
    rows: list[list[Button]] = []
    if spec.kind == "choice":
        rows += column(
            [
                (t.raw(lang, f"plan.opt.{spec.id}.{o}"), f"{PREFIX}:c:{spec.id}:{o}")
                for o in spec.options
            ]
        )
    elif spec.kind == "multi":
        ticked = set(draft.get("ticked", []))
        rows += column(
            [
                (
                    ("☑️ " if o in ticked else "⬜ ") + t.raw(lang, f"plan.opt.{spec.id}.{o}"),
                    f"{PREFIX}:m:{spec.id}:{o}",
                )
                for o in spec.options
            ]
        )
        rows.append([(t.raw(lang, "plan.done"), f"{PREFIX}:m:{spec.id}:done")])
    elif spec.kind == "date":
        rows += column(
            [
                (t.raw(lang, f"plan.when.{spec.id}.{o}"), f"{PREFIX}:d:{spec.id}:{o}")
                for o in spec.options
            ]
        )
    elif spec.kind == "expiry":
        rows.append([(t.raw(lang, "documents.dont_know"), f"{PREFIX}:x:{spec.id}:{UNKNOWN}")])
    elif spec.kind == "agency":
        destination = draft["answers"].get("destination")
        known = [a for a in await context.store.agencies() if destination in a.destinations][:8]
        rows += column([(a.name, f"{PREFIX}:a:agency:{a.agency_id}") for a in known])
        rows.append([(t.raw(lang, "plan.agency_not_listed"), f"{PREFIX}:a:agency:typed")])
    if spec.optional:
        rows.append([(t.raw(lang, "common.skip"), f"{PREFIX}:skip:{spec.id}")])
    nav: list[Button] = []
    if draft["history"]:
        nav.append((t.raw(lang, "common.back"), f"{PREFIX}:back"))
    nav.append((t.raw(lang, "plan.cancel"), f"{PREFIX}:cancel"))
    rows.append(nav)
    # "6 of 15": the total is the questions on this person's path so far (an agency or a
    # reason kept from the chief adds one when it is chosen).
    number, total = len(draft["history"]) + 1, len(applicable(draft["answers"]))
    progress = t.get(lang, "plan.progress", number=number, total=max(total, number))
    return progress + "\n" + t.get(lang, f"plan.q.{spec.id}"), keyboard(rows)


async def _review(context: BotContext, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    t, answers = context.content.texts, _draft(context)["answers"]
    blocks = [t.get(lang, "plan.review_title"), summary(context, lang, answers)]
    if advice := risk_advice(context, lang, answers):
        blocks.append(advice)
    alone = answers.get("reason_shared") == "staff"  # only staff may know where and when
    blocks.append(t.get(lang, "plan.ask_send_staff" if alone else "plan.ask_send"))
    rows = [
        [(t.raw(lang, "plan.send_staff" if alone else "plan.send"), f"{PREFIX}:send")],
        [(t.raw(lang, "common.back"), f"{PREFIX}:back")],
        [(t.raw(lang, "plan.cancel"), f"{PREFIX}:cancel")],
    ]
    return "\n\n".join(blocks), keyboard(rows)


async def _advance(
    update: Update, context: BotContext, *, new_message: bool = False, hint: str | None = None
) -> int:
    """Shows the next question, or the review when every question is answered."""
    lang = await language_of(update, context)
    spec = next_field(_draft(context)["answers"])
    if spec is None:
        text, markup = await _review(context, lang)
        step = Step.REVIEW
    else:
        text, markup = await _question(context, lang, spec)
        step = Step.ASK
    if hint:
        text = f"{hint}\n\n{text}"
    await (send(update, text, markup) if new_message or hint else show(update, text, markup))
    return step


def _set(context: BotContext, field_id: str, value: Any) -> None:
    draft = _draft(context)
    draft["answers"][field_id] = value
    draft["history"].append(field_id)
    draft.pop("ticked", None)


def _parts(update: Update) -> list[str]:
    assert update.callback_query is not None
    return (update.callback_query.data or "").split(":")


async def _refuse(update: Update, context: BotContext) -> int | None:
    """A press that is not for the current question: a pop-up, then the question anew."""
    lang = await language_of(update, context)
    await answer(update, context.content.texts.get(lang, "input.button_expired"))
    await _advance(update, context, new_message=True)
    return None


def _current(context: BotContext, field_id: str) -> Field | None:
    """The current field, if the press names it."""
    spec = next_field(_draft(context)["answers"])
    return spec if spec is not None and spec.id == field_id else None


# -- steps -----------------------------------------------------------------------------------


async def begin(update: Update, context: BotContext) -> int:
    """Starts the form; a person who has not chosen a village is asked to /start first."""
    assert update.effective_user is not None and context.user_data is not None
    await answer(update)
    if await context.store.get_user(update.effective_user.id) is None:
        lang = await language_of(update, context)
        await send(update, context.content.texts.get(lang, "input.start_first"))
        return ConversationHandler.END
    context.user_data[DRAFT] = {}
    lang = await language_of(update, context)
    await send(update, context.content.texts.get(lang, "plan.intro", total=len(applicable({}))))
    return await _advance(update, context, new_message=True)


async def choose(update: Update, context: BotContext) -> int | None:
    """Keeps a button answer for the current question."""
    parts = _parts(update)
    spec = _current(context, parts[2]) if len(parts) == 4 else None
    if spec is None or spec.kind != "choice" or parts[3] not in spec.options:
        return await _refuse(update, context)
    _set(context, spec.id, parts[3])
    await answer(update)
    return await _advance(update, context)


async def tick(update: Update, context: BotContext) -> int | None:
    """Ticks or unticks a document; "done" keeps the ticked ones (none is an answer too)."""
    parts = _parts(update)
    spec = _current(context, parts[2]) if len(parts) == 4 else None
    if spec is None or spec.kind != "multi" or parts[3] not in (*spec.options, "done"):
        return await _refuse(update, context)
    draft = _draft(context)
    ticked: list[str] = list(draft.get("ticked", []))
    await answer(update)
    if parts[3] == "done":
        _set(context, spec.id, [o for o in spec.options if o in ticked])
    else:
        ticked = [o for o in ticked if o != parts[3]] if parts[3] in ticked else [*ticked, parts[3]]
        draft["ticked"] = ticked
    return await _advance(update, context)


async def pick_date(update: Update, context: BotContext) -> int | None:
    """Keeps a date from a button: days after today (leaving) or after leaving (arriving)."""
    parts = _parts(update)
    spec = _current(context, parts[2]) if len(parts) == 4 else None
    if spec is None or spec.kind != "date" or parts[3] not in spec.options:
        return await _refuse(update, context)
    answers = _draft(context)["answers"]
    base = date.fromisoformat(answers["depart_on"]) if spec.id == "arrive_on" else _today(context)
    _set(context, spec.id, (base + timedelta(days=int(parts[3]))).isoformat())
    await answer(update)
    return await _advance(update, context)


async def dont_know(update: Update, context: BotContext) -> int | None:
    """Notes that the person does not know when a paper ends (they can add it with /documents)."""
    parts = _parts(update)
    spec = _current(context, parts[2]) if len(parts) == 4 else None
    if spec is None or spec.kind != "expiry" or parts[3] != UNKNOWN:
        return await _refuse(update, context)
    _set(context, spec.id, UNKNOWN)
    await answer(update)
    return await _advance(update, context)


async def pick_agency(update: Update, context: BotContext) -> int | None:
    """Keeps an agency from the verified list, or notes that the person will type one."""
    parts = _parts(update)
    spec = _current(context, "agency") if len(parts) == 4 else None
    if spec is None:
        return await _refuse(update, context)
    if parts[3] == "typed":
        _set(context, "agency", "typed")
    else:
        agency = (
            await context.store.agency(int(parts[3]))
            if parts[3].isascii() and parts[3].isdigit() and len(parts[3]) < 10
            else None
        )
        if agency is None:
            return await _refuse(update, context)
        _set(context, "agency", str(agency.agency_id))
        _draft(context)["answers"]["agency_label"] = agency.name
    await answer(update)
    return await _advance(update, context)


async def skip(update: Update, context: BotContext) -> int | None:
    """Leaves an optional question unanswered."""
    parts = _parts(update)
    spec = _current(context, parts[2]) if len(parts) == 3 else None
    if spec is None or not spec.optional:
        return await _refuse(update, context)
    _set(context, spec.id, None)
    await answer(update)
    return await _advance(update, context)


async def back(update: Update, context: BotContext) -> int:
    """Takes back the last answer and asks that question again."""
    draft = _draft(context)
    if draft["history"]:
        last = draft["history"].pop()
        draft["answers"].pop(last, None)
        if last == "agency":
            draft["answers"].pop("agency_label", None)
    draft.pop("ticked", None)
    await answer(update)
    return await _advance(update, context)


PARSERS = {"text": parse_name, "number": parse_age, "phone": parse_phone}


async def type_answer(update: Update, context: BotContext) -> int | None:
    """Reads a typed answer for the current question; a wrong one is explained, nothing kept."""
    assert update.message is not None
    lang = await language_of(update, context)
    t = context.content.texts
    spec = next_field(_draft(context)["answers"])
    text = update.message.text or ""
    value: Any = None
    if spec is None:
        return await _advance(update, context, new_message=True)
    if spec.id == "wage":
        value = parse_wage(text)
    elif spec.kind == "date":
        parsed = parse_date(text, _today(context))
        value = parsed.isoformat() if parsed else None
        answers = _draft(context)["answers"]
        if parsed and spec.id == "arrive_on" and parsed < date.fromisoformat(answers["depart_on"]):
            return await _advance(update, context, hint=t.get(lang, "plan.bad.arrive_before"))
    elif spec.kind == "expiry":
        until = parse_expiry(text, _today(context))
        value = until.isoformat() if until else None
    elif spec.kind in PARSERS:
        value = PARSERS[spec.kind](text)
    if value is None:
        return await _advance(update, context, hint=t.get(lang, _bad_key(spec)))
    _set(context, spec.id, value)
    return await _advance(update, context, new_message=True)


def _bad_key(spec: Field | None) -> str:
    """The retry prompt that fits the question (buttons, a name, a number, a phone, a date)."""
    if spec is None or spec.kind in ("choice", "multi", "agency"):
        return "input.use_buttons"
    if spec.id in ("name", "agency_name"):
        return "plan.bad.name"
    if spec.kind == "expiry":
        return "documents.bad_date"
    return f"plan.bad.{spec.kind if spec.id != 'wage' else 'wage'}"


async def not_text(update: Update, context: BotContext) -> int | None:
    """Stickers, photos or voice where an answer is expected: say what is wanted."""
    lang = await language_of(update, context)
    spec = next_field(_draft(context)["answers"])
    key = "plan.bad.review" if spec is None else _bad_key(spec)
    return await _advance(update, context, hint=context.content.texts.get(lang, key))


async def cancel(update: Update, context: BotContext) -> int:
    """Drops the form; nothing was sent or stored."""
    assert context.user_data is not None
    context.user_data.pop(DRAFT, None)
    await answer(update)
    lang = await language_of(update, context)
    await show(update, context.content.texts.get(lang, "plan.cancelled"))
    return ConversationHandler.END


async def send_to_leader(update: Update, context: BotContext) -> int:
    """Stores the departure and tells the village leader (or staff), after the explicit yes."""
    assert update.effective_user is not None and context.user_data is not None
    answers = dict(_draft(context)["answers"])
    if next_field(answers) is not None:
        return await _refuse(update, context) or Step.ASK
    profile = await context.store.get_user(update.effective_user.id)
    agency = answers.get("agency_label") or answers.get("agency_name")
    values = dict(
        {
            "user_id": update.effective_user.id,
            "for_self": answers["who"] == "self",
            "name": answers["name"],
            "gender": answers["gender"],
            "age": answers["age"],
            "village_code": profile.village_code if profile else None,
            "destination": answers["destination"],
            "work": answers["work"],
            "duration": answers["duration"],
            "channel": answers["channel"],
            "agency": agency,
            "documents": tuple(answers["documents"]),
            "employer_phone": answers.get("employer_phone"),
            "wage": answers.get("wage"),
            "depart_on": date.fromisoformat(answers["depart_on"]),
            "arrive_on": date.fromisoformat(answers["arrive_on"]),
            "reason": stored_reason(answers),
            "family_phone": answers.get("family_phone"),
            "risk_flags": risk_flags(answers),
        }
    )
    # The registration, its notices and its first check-in are one transaction; the form ends
    # only after it commits. The draft's key makes Send pressed twice, or again after a crash,
    # find the first registration instead of making a second.
    draft = _draft(context)
    request_key = str(draft["request_key"])
    alone = staff_only(values["reason"])  # they asked that only staff know where and when
    leaders, staff = await delivery_notices.notice_messages(
        context, values["village_code"], chiefs=not alone
    )
    first = upcoming_for(context, values["arrive_on"], values["destination"], None)
    departure_id, new, ids = await context.store.register_departure(
        values,
        request_key=request_key,
        first=first,
        messages=lambda d: delivery_notices.build_notices(
            d, values["user_id"], leaders, staff, staff_only=alone
        ),
        documents=_passport(context, answers),
    )
    context.user_data.pop(DRAFT, None)
    log.info(
        "departure_registered departure=%s user=%s new=%s",
        departure_id,
        update.effective_user.id,
        new,
    )
    await answer(update)
    await deliver_now(context, ids)
    rows = await context.store.outbox_group(f"notice:{departure_id}")
    reached = delivery_notices.outcome(rows)
    lang = await language_of(update, context)
    key = {
        "leader": "plan.sent_leader",
        "unreached": "plan.sent_unreached",
        "waiting": "plan.sent_waiting",
        "staff_waiting": "plan.sent_staff_waiting",
        "staff_only": "plan.sent_staff_only",
        "staff_only_waiting": "plan.sent_staff_only_waiting",
    }.get(reached, "plan.sent_staff")
    text = context.content.texts.get(lang, key)
    # Found, not made (Send again after a crash): said anew, the old screen may already say it.
    markup = keyboard([[menu_button(context, lang)]])
    await (show(update, text, markup) if new else send(update, text, markup))
    return ConversationHandler.END


def _passport(
    context: BotContext, answers: dict[str, Any]
) -> tuple[tuple[str, date | None, NextReminder | None], ...]:
    """The passport's date from the form, with its first reminder (nothing if not asked)."""
    until = answers.get("passport_until")
    if until is None or not any(f.id == "passport_until" for f in applicable(answers)):
        return ()  # not asked, or asked before the papers or the place were changed
    if until == UNKNOWN:
        return (("passport", None, None),)
    day = date.fromisoformat(until)
    return (("passport", day, first_reminder(context, day, answers["destination"])),)


def build_handler() -> ConversationHandler[BotContext]:
    """The departure form (persistent: a restart keeps every answer given so far)."""

    def press(callback: Any, suffix: str) -> CallbackQueryHandler[BotContext, Any]:
        return CallbackQueryHandler(callback, pattern=rf"^{PREFIX}:{suffix}")

    anything_else: list[BaseHandler[Update, BotContext, Any]] = [
        CallbackQueryHandler(_refuse, pattern=rf"^{PREFIX}:"),
        MessageHandler(PRIVATE_MESSAGE & ~filters.COMMAND & ~filters.TEXT, not_text),
    ]
    return ConversationHandler(
        entry_points=[
            CommandHandler("plan", begin, filters=PRIVATE_MESSAGE),
            press(begin, "open$"),
        ],
        states={
            Step.ASK: [
                press(choose, "c:"),
                press(tick, "m:"),
                press(pick_date, "d:"),
                press(pick_agency, "a:"),
                press(dont_know, "x:"),
                press(skip, "skip:"),
                press(back, "back$"),
                press(cancel, "cancel$"),
                MessageHandler(PRIVATE_MESSAGE & filters.TEXT & ~filters.COMMAND, type_answer),
                *anything_else,
            ],
            Step.REVIEW: [
                press(send_to_leader, "send$"),
                press(back, "back$"),
                press(cancel, "cancel$"),
                MessageHandler(PRIVATE_MESSAGE & ~filters.COMMAND, not_text),
                *anything_else,
            ],
        },
        fallbacks=leaving_handlers(DRAFT),
        allow_reentry=True,
        name="departure",
        persistent=True,
    )
