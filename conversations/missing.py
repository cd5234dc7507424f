"""/missing: a family who cannot reach a relative tells the village chief and staff.

Someone may have left to escape a husband, a family or a creditor, so nothing here helps anyone
find them. The family types what they know and hears only "we are trying to reach them"; if the
relative uses the bot (their registration number, from /mydepartures), the bot asks them
privately how they are and what, if anything, the family may hear. Whether a number matched is
never shown to the family or to a chief.

    NAME --text--> RELATION --button--> WHERE --button--> SINCE --button--> PHONE --text|skip-->
    NUMBER --text|skip--> REVIEW --send--> end   (every step: cancel; anything else repeats it)
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from enum import IntEnum
from typing import Any

import aiosqlite
from telegram import ForceReply, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from app.context import BotContext
from conversations.forms import cleaned, flush_draft
from conversations.leaving import leaving_handlers
from conversations.menu import menu_button
from conversations.sos import current_departure, help_now
from conversations.ui import PRIVATE_MESSAGE, answer, keyboard, language_of, send, show
from delivery.alerting import queue_alert
from delivery.case_copies import refresh_case_copies
from delivery.drainer import deliver_now, drain_group
from delivery.recipients import to_person
from domain.departure import ABROAD, INSIDE, parse_phone
from domain.parsing import parse_whole_number
from domain.visibility import Piece
from storage.family import FamilyReport, family_report_in
from storage.outbox import NewMessage

log = logging.getLogger(__name__)
PREFIX = "fam"
DRAFT = "missing"
NAME_MAX = 60
MESSAGE_MAX = 300  # what a relative may send the family: a few words
OPEN_AT_MOST = 3  # reports with an open case per person: enough for a family, not for a hunt
RELATIONS = ("child", "partner", "sibling", "parent", "relative", "friend")
SINCE = ("week", "month", "months", "long")
PLACES = (*ABROAD, *INSIDE, "unknown")


class Step(IntEnum):
    NAME = 0
    RELATION = 1
    WHERE = 2
    SINCE = 3
    PHONE = 4
    NUMBER = 5
    REVIEW = 6


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(DRAFT, {})
    return draft


def _next_missing(draft: dict[str, Any]) -> Step:
    """The first step the draft cannot fill (REVIEW when complete)."""
    name = draft.get("name")
    if not isinstance(name, str) or not 2 <= len(name) <= NAME_MAX:
        return Step.NAME
    for step, field, allowed in (
        (Step.RELATION, "relationship", RELATIONS),
        (Step.WHERE, "went_to", PLACES),
        (Step.SINCE, "since", SINCE),
    ):
        if draft.get(field) not in allowed:
            return step
    if "phone" not in draft:
        return Step.PHONE
    if "number" not in draft:
        return Step.NUMBER
    return Step.REVIEW


def _cancel(context: BotContext, lang: str) -> list[tuple[str, str]]:
    return [(context.content.texts.raw(lang, "family.cancel"), f"{PREFIX}:cancel")]


def _choices(
    context: BotContext, lang: str, field: str, options: tuple[str, ...], label: str
) -> InlineKeyboardMarkup:
    t = context.content.texts
    rows = [[(t.raw(lang, label.format(o)), f"{PREFIX}:{field}:{o}")] for o in options]
    return keyboard([*rows, _cancel(context, lang)])


def _place_label(lang: str, context: BotContext, place: str) -> str:
    t = context.content.texts
    return t.raw(lang, "family.unknown" if place == "unknown" else f"plan.opt.destination.{place}")


def _screen(context: BotContext, lang: str, step: Step) -> tuple[str, InlineKeyboardMarkup]:
    """What the step shows, from the draft alone (so any step can be shown again)."""
    t = context.content.texts
    skip = [(t.raw(lang, "family.skip"), f"{PREFIX}:skip")]
    if step == Step.NAME:
        return t.get(lang, "family.ask_name"), keyboard([_cancel(context, lang)])
    if step == Step.RELATION:
        markup = _choices(context, lang, "rel", RELATIONS, "family.rel.{}")
        return t.get(lang, "family.ask_relation"), markup
    if step == Step.WHERE:
        rows = [[(_place_label(lang, context, p), f"{PREFIX}:where:{p}")] for p in PLACES]
        return t.get(lang, "family.ask_where"), keyboard([*rows, _cancel(context, lang)])
    if step == Step.SINCE:
        markup = _choices(context, lang, "since", SINCE, "family.since.{}")
        return t.get(lang, "family.ask_since"), markup
    if step == Step.PHONE:
        return t.get(lang, "family.ask_phone"), keyboard([skip, _cancel(context, lang)])
    if step == Step.NUMBER:
        return t.get(lang, "family.ask_number"), keyboard([skip, _cancel(context, lang)])
    draft = _draft(context)
    text = t.get(
        lang,
        "family.review",
        name=draft["name"],
        relationship=t.raw(lang, f"family.rel.{draft['relationship']}"),
        went=_place_label(lang, context, draft["went_to"]),
        since=t.raw(lang, f"family.since.{draft['since']}"),
        phone=draft["phone"] or t.raw(lang, "family.not_given"),
    )
    rows = [[(t.raw(lang, "family.send"), f"{PREFIX}:send")], _cancel(context, lang)]
    return text, keyboard(rows)


async def begin(update: Update, context: BotContext) -> int:
    """Starts a report: says what will and will not happen, then asks the relative's name."""
    assert update.effective_user is not None and context.user_data is not None
    await answer(update)
    lang = await language_of(update, context)
    t = context.content.texts
    if await context.store.get_user(update.effective_user.id) is None:
        await send(update, t.get(lang, "family.onboard_first"))
        return ConversationHandler.END
    if await context.store.open_family_reports(update.effective_user.id) >= OPEN_AT_MOST:
        await send(update, t.get(lang, "family.too_many"), keyboard([[menu_button(context, lang)]]))
        return ConversationHandler.END
    # The Send's key: pressed twice, or again after a crash, it finds the first report.
    context.user_data[DRAFT] = {"request_key": secrets.token_hex(16)}
    text, markup = _screen(context, lang, Step.NAME)
    await send(update, f"{t.get(lang, 'family.intro')}\n\n{text}", markup)
    return Step.NAME


async def typed(update: Update, context: BotContext) -> int | None:
    """A typed answer: the name, the phone or the registration number, by the step."""
    assert update.message is not None
    lang = await language_of(update, context)
    t = context.content.texts
    draft = _draft(context)
    step = _next_missing(draft)
    text = cleaned(update.message.text or "")
    problem = None
    if step == Step.NAME:
        if 2 <= len(text) <= NAME_MAX:
            draft["name"] = text
        else:
            problem = t.get(lang, "family.bad_name", most=NAME_MAX)
    elif step == Step.PHONE:
        phone = parse_phone(text)
        if phone is None:
            problem = t.get(lang, "family.bad_phone")
        else:
            draft["phone"] = phone
    elif step == Step.NUMBER:
        number = parse_whole_number(text)
        if number is None or not 0 < number < 10**9:
            problem = t.get(lang, "family.bad_number")
        else:
            draft["number"] = number
    else:
        problem = t.get(lang, "input.use_buttons")
    return await _next(update, context, lang, problem)


async def chose(update: Update, context: BotContext) -> int | None:
    """A button: relationship, place, how long, or skip (phone, number)."""
    assert update.callback_query is not None
    lang = await language_of(update, context)
    draft = _draft(context)
    step = _next_missing(draft)
    parts = (update.callback_query.data or "").split(":")
    choices = {
        Step.RELATION: ("rel", "relationship", RELATIONS),
        Step.WHERE: ("where", "went_to", PLACES),
        Step.SINCE: ("since", "since", SINCE),
    }
    expected = choices.get(step)
    if expected and len(parts) == 3 and parts[1] == expected[0] and parts[2] in expected[2]:
        draft[expected[1]] = parts[2]
    elif step in (Step.PHONE, Step.NUMBER) and parts[1:] == ["skip"]:
        draft["phone" if step == Step.PHONE else "number"] = None
    else:  # a stale press from another step, or a value no button offers
        await answer(update, context.content.texts.plain(lang, "input.button_expired"))
        await send(update, *_screen(context, lang, step))
        return None
    await answer(update)
    return await _next(update, context, lang, None, edit=True)


async def _next(
    update: Update, context: BotContext, lang: str, problem: str | None, *, edit: bool = False
) -> int:
    step = _next_missing(_draft(context))
    text, markup = _screen(context, lang, step)
    if problem:
        text = f"{problem}\n\n{text}"
    await (show(update, text, markup) if edit else send(update, text, markup))
    return step


async def send_report(update: Update, context: BotContext) -> int | None:
    """Stores the report as a case for the village's chief and staff; asks the relative."""
    assert update.effective_user is not None and context.user_data is not None
    lang = await language_of(update, context)
    t = context.content.texts
    draft = _draft(context)
    if _next_missing(draft) != Step.REVIEW:
        await answer(update, t.plain(lang, "input.button_expired"))
        await send(update, *_screen(context, lang, _next_missing(draft)))
        return None
    reporter = update.effective_user.id
    request_key = str(draft.get("request_key") or secrets.token_hex(16))
    if await context.store.family_report_by_request(request_key) is None:
        await _file_report(context, reporter, draft, request_key)
    # Forgotten and written now, before the copies go out: a crash while they do must not
    # bring back a review whose Send would make a second case and ask the relative twice.
    context.user_data.pop(DRAFT, None)
    await flush_draft(context, reporter)
    report = await context.store.family_report_by_request(request_key)
    if report is not None and report.alert_id is not None:
        await drain_group(context, f"alert:{report.alert_id}")
        await drain_group(context, f"family:{report.report_id}:ask")
    await answer(update)
    text = t.get(lang, "family.sent", name=draft["name"])
    await show(update, text, keyboard([[menu_button(context, lang)]]))
    return ConversationHandler.END


async def _file_report(
    context: BotContext, reporter: int, draft: dict[str, Any], request_key: str
) -> None:
    """The report, its case, its copies and the relative's question: one transaction."""
    profile = await context.store.get_user(reporter)
    village = profile.village_code if profile else None
    relative = await _relative(context, draft.get("number"), reporter)
    answers = dict(draft)
    asked: list[NewMessage] = []

    async def attach(db: aiosqlite.Connection, alert_id: int, now: str) -> list[NewMessage]:
        report_id = await family_report_in(
            db, alert_id, now, reporter, village, answers, relative, request_key
        )
        asked.extend(_ask_relative(report_id, relative) if relative is not None else [])
        return asked

    alert_id, _ = await queue_alert(
        context, "family", reporter, departure=None, attach=attach, claimed=False
    )
    log.info("family_report alert=%s asked=%s", alert_id, bool(asked))


async def _relative(context: BotContext, number: object, reporter: int) -> int | None:
    """The relative's own account, if the number is a trip they registered for themselves."""
    if not isinstance(number, int):
        return None
    departure = await context.store.departure(number)
    if departure is None or not departure.for_self or departure.user_id == reporter:
        return None
    return departure.user_id


RELATIVE_CHOICES = (
    ("family.relative_safe", "safe"),
    ("family.relative_message", "message"),
    ("family.relative_nothing", "nothing"),
    ("family.relative_not_me", "notme"),
    ("family.relative_help", "help"),
)


def _relative_buttons(context: BotContext, lang: str, report_id: int) -> InlineKeyboardMarkup:
    t = context.content.texts
    return keyboard(
        [[(t.raw(lang, label), f"{PREFIX}:r:{c}:{report_id}")] for label, c in RELATIVE_CHOICES]
    )


def _ask_relative(report_id: int, relative: int) -> list[NewMessage]:
    """A gentle, private check-in: its first line (all a lock screen shows) says only that
    there is a message; nothing in it says who asked or what they said."""
    message = to_person(
        f"family:{report_id}:ask", relative, "family.relative_ask", {}, user_id=relative
    )
    message.payload["buttons"] = [["family.relative_read", f"{PREFIX}:r:read:{report_id}"]]
    return [message]


async def relative_answers(update: Update, context: BotContext) -> None:
    """The relative's private answer: safe, a message, nothing at all, not me, or help now."""
    assert update.callback_query is not None and update.effective_user is not None
    lang = await language_of(update, context)
    t = context.content.texts
    parts = (update.callback_query.data or "").split(":")
    raw = parts[3] if len(parts) == 4 else ""
    report = (
        await context.store.family_report(int(raw)) if raw.isdigit() and len(raw) < 12 else None
    )
    if report is None or report.relative_id != update.effective_user.id:
        log.warning("forged_press user=%s action=family", update.effective_user.id)
        await answer(update, t.plain(lang, "input.not_allowed"))
        return
    choice = parts[2]
    if choice == "read":  # the question itself, once she chose to open it
        await answer(update)
        question = t.get(lang, "family.relative_question")
        await show(update, question, _relative_buttons(context, lang, report.report_id))
        return
    if choice == "help":
        # The numbers, and staff alone: she may have left her village quietly, and its chief
        # is the one she would not want told (the question says so).
        await answer(update)
        await help_now(
            update,
            context,
            departure=await current_departure(context, update.effective_user.id),
            staff_only=True,
        )
        return
    if choice == "message":
        await answer(update)
        await _ask_for_message(update, context, report.report_id, report.alert_id)
        return
    if choice not in ("safe", "nothing", "notme"):
        await answer(update, t.plain(lang, "input.not_allowed"))
        return
    if report.relative_answer == choice:  # pressed again: already so, nothing new to send
        await answer(update, t.plain(lang, f"family.relative_done_{choice}"))
        return
    await answer(update)
    # The family hears "safe" when she says so, and nothing otherwise ("not me": a wrong
    # number, which is for staff to sort out, not for the family to hear).
    told = [_to_family(report.report_id, report, "safe", "")] if choice == "safe" else []
    ids = await context.store.relative_answers(
        report.report_id, update.effective_user.id, choice, None, told
    )
    await deliver_now(context, ids or [])
    # The choices stay: she may change her mind later (send a message, ask for help).
    done = t.get(lang, f"family.relative_done_{choice}")
    await show(update, done, _relative_buttons(context, lang, report.report_id))
    if report.alert_id is not None:  # the copies of those who may see her answer
        await refresh_case_copies(context, report.alert_id, piece=Piece.RELATIVE_ANSWER)


async def _ask_for_message(
    update: Update, context: BotContext, report_id: int, alert_id: int | None
) -> None:
    assert update.effective_chat is not None and update.effective_user is not None
    lang = await language_of(update, context)
    t = context.content.texts
    question = await update.effective_chat.send_message(
        t.get(lang, "family.relative_type", most=MESSAGE_MAX),
        reply_markup=ForceReply(selective=True),
    )
    if alert_id is not None:
        await context.store.add_case_prompt(
            update.effective_chat.id,
            question.message_id,
            alert_id,
            update.effective_user.id,
            f"relative:{report_id}",
        )


async def relative_message(update: Update, context: BotContext, report_id: int) -> bool:
    """The words the relative chose to send their family (and nothing else about them).

    Returns whether the question it answers is closed (a bad answer is asked again anew).
    """
    assert update.message is not None and update.effective_user is not None
    lang = await language_of(update, context)
    t = context.content.texts
    report = await context.store.family_report(report_id)
    text = cleaned(update.message.text or "")
    if report is None or report.relative_id != update.effective_user.id:
        await update.message.reply_text(t.get(lang, "input.not_allowed"))
        return True  # not theirs: the question is closed
    if not 1 <= len(text) <= MESSAGE_MAX:
        # Asked again as a new "reply to this" question (the old one is closed), so the
        # answer to it is read, wherever the person taps reply.
        await _ask_for_message(update, context, report_id, report.alert_id)
        return True
    told = [_to_family(report_id, report, "message", text)]
    ids = await context.store.relative_answers(
        report_id, update.effective_user.id, "message", text, told
    )
    await deliver_now(context, ids or [])
    await update.message.reply_text(t.get(lang, "family.relative_done_message"))
    if report.alert_id is not None:  # the copies of those who may read her words: staff
        await refresh_case_copies(context, report.alert_id, piece=Piece.RELATIVE_WORDS)
    return True


def _to_family(report_id: int, report: FamilyReport, what: str, words: str) -> NewMessage:
    """To the family: only what the relative chose (each distinct message once)."""
    digest = hashlib.sha256(words.encode()).hexdigest()[:12]
    params: dict[str, Any] = {"name": report.name}
    if words:
        params["message"] = words
    return to_person(
        f"family:{report_id}:told:{what}:{digest}",
        report.reporter_user_id,
        f"family.family_{what}",
        params,
        user_id=report.reporter_user_id,
    )


async def cancel(update: Update, context: BotContext) -> int:
    """Drops the draft: nothing is sent or kept."""
    assert context.user_data is not None
    context.user_data.pop(DRAFT, None)
    await answer(update)
    lang = await language_of(update, context)
    text = context.content.texts.get(lang, "family.cancelled")
    await show(update, text, keyboard([[menu_button(context, lang)]]))
    return ConversationHandler.END


async def _repeat(update: Update, context: BotContext) -> None:
    """Anything that does not fit the step (a sticker, a stale press): the step again."""
    lang = await language_of(update, context)
    t = context.content.texts
    step = _next_missing(_draft(context))
    text, markup = _screen(context, lang, step)
    if update.callback_query is not None:
        await answer(update, t.plain(lang, "input.button_expired"))
    await send(update, f"{t.get(lang, 'input.use_buttons')}\n\n{text}", markup)


def build_handler() -> ConversationHandler[BotContext]:
    """The report conversation (persistent: a restart keeps the answers typed so far)."""
    typing = PRIVATE_MESSAGE & filters.TEXT & ~filters.COMMAND
    handlers: list[BaseHandler[Update, BotContext, Any]] = [
        CallbackQueryHandler(cancel, pattern=rf"^{PREFIX}:cancel$"),
        CallbackQueryHandler(send_report, pattern=rf"^{PREFIX}:send$"),
        CallbackQueryHandler(chose, pattern=rf"^{PREFIX}:(?:rel|where|since|skip)"),
        MessageHandler(typing, typed),
        CallbackQueryHandler(_repeat, pattern=rf"^{PREFIX}:(?!r:)"),
        MessageHandler(PRIVATE_MESSAGE & ~filters.COMMAND, _repeat),
    ]
    return ConversationHandler(
        entry_points=[
            CommandHandler("missing", begin, filters=PRIVATE_MESSAGE),
            CallbackQueryHandler(begin, pattern=rf"^{PREFIX}:open$"),
        ],
        states={step: handlers for step in Step},
        fallbacks=leaving_handlers(DRAFT),
        allow_reentry=True,
        name="missing",
        persistent=True,
    )


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """The relative's answers (outside the form: they come days later, to someone else)."""
    return [
        CallbackQueryHandler(relative_answers, pattern=rf"^{PREFIX}:r:[a-z]+:[0-9]+$"),
    ]
