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
from typing import Any

import aiosqlite
from telegram import ForceReply, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from app.context import BotContext
from conversations.forms import (
    Choice,
    Draft,
    Form,
    Keys,
    Refusal,
    Step,
    Stored,
    Wrong,
    cleaned,
    parsed,
    words,
)
from conversations.sos import current_departure, help_now
from conversations.ui import answer, language_of, show
from delivery.alerting import queue_alert
from delivery.case_copies import refresh_case_copies
from delivery.drainer import deliver_now, drain_group
from delivery.recipients import to_person
from domain.departure import ABROAD, INSIDE, parse_phone
from domain.parsing import parse_whole_number
from domain.visibility import Piece
from screens.buttons import keyboard, menu_button
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


def _place_label(context: BotContext, lang: str, place: str) -> str:
    t = context.content.texts
    return t.raw(lang, _place_key(place))


def _place_key(place: str) -> str:
    return "family.unknown" if place == "unknown" else f"plan.opt.destination.{place}"


def _choices(field: str, options: tuple[str, ...], label: str) -> tuple[Choice, ...]:
    return tuple(Choice(f"{field}:{o}", o, label.format(o)) for o in options)


def _number(text: str) -> object:
    """A registration number (from /mydepartures): a whole number, up to nine digits."""
    number = parse_whole_number(text)
    return number if number is not None and 0 < number < 10**9 else Wrong("family.bad_number")


async def _review(update: Update, context: BotContext, lang: str, draft: Draft) -> str:
    t = context.content.texts
    return t.get(
        lang,
        "family.review",
        name=draft["name"],
        relationship=t.raw(lang, f"family.rel.{draft['relationship']}"),
        went=_place_label(context, lang, draft["went_to"]),
        since=t.raw(lang, f"family.since.{draft['since']}"),
        phone=draft["phone"] or t.raw(lang, "family.not_given"),
    )


async def _gate(update: Update, context: BotContext, lang: str) -> Refusal | None:
    """Only someone onboarded, with fewer than OPEN_AT_MOST reports still open."""
    assert update.effective_user is not None
    t = context.content.texts
    if await context.store.get_user(update.effective_user.id) is None:
        return t.get(lang, "family.onboard_first"), None
    if await context.store.open_family_reports(update.effective_user.id) >= OPEN_AT_MOST:
        return t.get(lang, "family.too_many"), keyboard([[menu_button(context, lang)]])
    return None


async def _send(update: Update, context: BotContext, draft: Draft, request_key: str) -> Stored:
    """Stores the report as a case for the village's chief and staff; asks the relative."""
    assert update.effective_user is not None
    # The Send's key: pressed twice, or again after a crash, it finds the first report.
    if await context.store.family_report_by_request(request_key) is None:
        await _file_report(context, update.effective_user.id, draft, request_key)

    async def deliver() -> None:
        report = await context.store.family_report_by_request(request_key)
        if report is not None and report.alert_id is not None:
            await drain_group(context, f"alert:{report.alert_id}")
            await drain_group(context, f"family:{report.report_id}:ask")

    return Stored("family.sent", {"name": draft["name"]}, deliver)


FORM = Form(
    name="missing",
    prefix=PREFIX,
    draft=DRAFT,
    command="missing",
    steps=(
        Step("name", "family.ask_name", read=words(2, NAME_MAX, "family.bad_name")),
        Step(
            "relationship",
            "family.ask_relation",
            choices=_choices("rel", RELATIONS, "family.rel.{}"),
        ),
        Step(
            "went_to",
            "family.ask_where",
            choices=tuple(Choice(f"where:{p}", p, _place_key(p)) for p in PLACES),
        ),
        Step("since", "family.ask_since", choices=_choices("since", SINCE, "family.since.{}")),
        Step("phone", "family.ask_phone", read=parsed(parse_phone, "family.bad_phone"), skip=True),
        Step("number", "family.ask_number", read=_number, skip=True),
    ),
    keys=Keys("family", with_intro=True, skip="family.skip"),
    review=_review,
    store=_send,
    gate=_gate,
    keyed=True,
    others="r:",  # the relative's answers (build_handlers): outside the form
)


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


def build_handler() -> ConversationHandler[BotContext]:
    """The report conversation (persistent: a restart keeps the answers typed so far)."""
    return FORM.handler()


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """The relative's answers (outside the form: they come days later, to someone else)."""
    return [
        CallbackQueryHandler(relative_answers, pattern=rf"^{PREFIX}:r:[a-z]+:[0-9]+$"),
    ]
