"""/report_broker: a villager tells the village chief and staff about a suspicious recruiter.

Three typed answers (who, where and how they met, what was promised), then the choice to give
one's name or not, then a review to send or cancel. The answers live in the conversation's
draft until sent; a cancelled report leaves nothing. An anonymous report is stored without its
reporter, and the notice says only that someone chose not to give a name. Anyone may report,
even before onboarding (then only staff are told: there is no village to tell).

/broker_reports lists the newest reports to village leaders (their villages) and staff (all).

    WHO --text--> PLACE --text--> PROMISED --text--> NAMED --named|anon--> REVIEW --send--> end
    (every step: cancel ends it; stickers, wrong lengths and stale presses repeat the step)
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Coroutine, Iterable
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
from telegram.helpers import mention_html

from app.context import BotContext
from content.formatting import format_day
from content.texts import Html
from conversations.leaving import leaving_handlers
from conversations.roles import villages_in_scope
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, send, show
from delivery.broker_reports import district_of, neighbour_chiefs, report_messages, village_name
from delivery.drainer import deliver_now
from delivery.recipients import leader_chats
from domain.broker_marks import marks
from screens.buttons import keyboard, menu_button
from storage.broker_reports import Pattern
from storage.outbox import NewMessage
from storage.rows import BrokerReport

log = logging.getLogger(__name__)
PREFIX = "broker"
DRAFT = "broker_report"
LEAST, MOST = 2, 300  # characters of each typed answer, after trimming
LIST_AT_MOST = 20
PAGE_BUDGET = 3500  # characters per message of the list, under Telegram's 4,096
_EDGES = re.compile(r"^[\s\u200b-\u200d\u2060\ufeff]+|[\s\u200b-\u200d\u2060\ufeff]+$")

Screen = tuple[str, InlineKeyboardMarkup]


class Step(IntEnum):
    WHO = 0
    PLACE = 1
    PROMISED = 2
    NAMED = 3
    REVIEW = 4


# The typed steps: the draft field each fills, and its question.
TYPED = {Step.WHO: "who", Step.PLACE: "place", Step.PROMISED: "promised"}
QUESTIONS = {
    Step.WHO: "broker.ask_who",
    Step.PLACE: "broker.ask_place",
    Step.PROMISED: "broker.ask_promised",
}


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(DRAFT, {})
    return draft


def cleaned(text: str) -> str:
    """The answer as kept: without spaces (visible or not) at either end."""
    return _EDGES.sub("", text)


def _valid(value: object) -> bool:
    return isinstance(value, str) and LEAST <= len(cleaned(value)) <= MOST


def _next_missing(draft: dict[str, Any]) -> Step:
    """The first step whose answer the draft lacks (REVIEW when complete)."""
    for step, field in TYPED.items():
        if not _valid(draft.get(field)):
            return step
    return Step.REVIEW if isinstance(draft.get("anonymous"), bool) else Step.NAMED


# -- screens ---------------------------------------------------------------------------------


def _cancel_row(context: BotContext, lang: str) -> list[tuple[str, str]]:
    return [(context.content.texts.raw(lang, "broker.cancel"), f"{PREFIX}:cancel")]


def _screen(context: BotContext, lang: str, step: Step) -> Screen:
    """What the step shows, from the draft alone (so any step can be shown again)."""
    t = context.content.texts
    if step in QUESTIONS:
        return t.get(lang, QUESTIONS[step]), keyboard([_cancel_row(context, lang)])
    draft = _draft(context)
    if step == Step.NAMED:
        rows = [
            [(t.raw(lang, "broker.named"), f"{PREFIX}:named")],
            [(t.raw(lang, "broker.anonymous"), f"{PREFIX}:anon")],
            _cancel_row(context, lang),
        ]
        return t.get(lang, "broker.ask_named"), keyboard(rows)
    sender = t.raw(lang, "broker.sender_anonymous" if draft["anonymous"] else "broker.sender_named")
    text = t.get(
        lang,
        "broker.review",
        who=draft["who"],
        place=draft["place"],
        promised=draft["promised"],
        sender=sender,
    )
    rows = [[(t.raw(lang, "broker.send"), f"{PREFIX}:send")], _cancel_row(context, lang)]
    return text, keyboard(rows)


# -- steps -----------------------------------------------------------------------------------


async def begin(update: Update, context: BotContext) -> int:
    """Starts a new report: explains it, then asks who the recruiter is."""
    assert context.user_data is not None
    context.user_data[DRAFT] = {}
    await answer(update)
    lang = await language_of(update, context)
    text, markup = _screen(context, lang, Step.WHO)
    intro = context.content.texts.get(lang, "broker.intro")
    await send(update, f"{intro}\n\n{text}", markup)
    return Step.WHO


def _typed_step(step: Step) -> Callable[[Update, BotContext], Coroutine[Any, Any, int | None]]:
    async def type_answer(update: Update, context: BotContext) -> int | None:
        """Keeps a typed answer of the right length and asks the next question."""
        assert update.message is not None
        lang = await language_of(update, context)
        t = context.content.texts
        text = cleaned(update.message.text or "")
        problem = None
        if len(text) < LEAST:
            problem = t.get(lang, "broker.too_short", least=LEAST)
        elif len(text) > MOST:
            problem = t.get(lang, "broker.too_long", most=MOST)
        if problem is not None:
            screen, markup = _screen(context, lang, step)
            await send(update, f"{problem}\n\n{screen}", markup)
            return None
        _draft(context)[TYPED[step]] = text
        following = Step(step + 1)
        await send(update, *_screen(context, lang, following))
        return following

    return type_answer


async def choose_named(update: Update, context: BotContext) -> int | None:
    """Keeps whether the person gives their name, and shows the report to check."""
    assert update.callback_query is not None
    draft = _draft(context)
    if _next_missing(draft) < Step.NAMED:
        return await _refuse(update, context, Step.NAMED)
    draft["anonymous"] = update.callback_query.data == f"{PREFIX}:anon"
    await answer(update)
    await show(update, *_screen(context, await language_of(update, context), Step.REVIEW))
    return Step.REVIEW


async def send_report(update: Update, context: BotContext) -> int | None:
    """Stores the report, tells the leaders and staff, and thanks the person."""
    assert update.effective_user is not None and context.user_data is not None
    draft = _draft(context)
    if _next_missing(draft) != Step.REVIEW:
        return await _refuse(update, context, Step.REVIEW)
    user = update.effective_user
    anonymous = bool(draft["anonymous"])
    profile = await context.store.get_user(user.id)
    village = profile.village_code if profile is not None else None
    leaders = await leader_chats(context, village)
    neighbours = await neighbour_chiefs(context, village)
    reporter = None if anonymous else (user.id, user.full_name)

    def messages(report_id: int, patterns: list[Pattern]) -> list[NewMessage]:
        return report_messages(
            context,
            report_id,
            leaders=leaders,
            neighbours=neighbours,
            reporter=reporter,
            patterns=patterns,
        )

    report_id, ids = await context.store.file_broker_report(
        reporter_user_id=None if anonymous else user.id,
        village_code=village,
        who=draft["who"],
        place=draft["place"],
        promised=draft["promised"],
        district_code=district_of(context, village),
        marks=marks(draft["who"], draft["place"], draft["promised"]),
        messages=messages,
    )
    log.info("broker_report id=%s village=%s", report_id, village)
    # Forget the typed answers now, before the (slow) notices: a crash while they go out must
    # neither leave the text in the person's draft nor let the old Send button send it twice.
    context.user_data.pop(DRAFT, None)
    await flush_draft(context, user.id)
    sent = [r for r in await deliver_now(context, ids) if r.status == "sent"]
    if not sent:
        log.warning("broker_report_untold id=%s", report_id)
    await answer(update)
    lang = await language_of(update, context)
    t = context.content.texts
    thanks = t.get(lang, "broker.sent_anonymous" if anonymous else "broker.sent")
    await show(update, thanks, keyboard([[menu_button(context, lang)]]))
    return ConversationHandler.END


async def flush_draft(context: BotContext, user_id: int) -> None:
    """Writes the person's drafts now rather than after the update (see app.factory._flush)."""
    context.application.mark_data_for_update_persistence(user_ids=user_id)
    try:
        await context.application.update_persistence()
    except Exception as error:  # the report is stored; the after-update flush will retry
        log.error("persistence_failed user=%s error=%s", user_id, type(error).__name__)


async def cancel(update: Update, context: BotContext) -> int:
    """Drops the draft: nothing is sent or kept."""
    assert context.user_data is not None
    context.user_data.pop(DRAFT, None)
    await answer(update)
    lang = await language_of(update, context)
    text = context.content.texts.get(lang, "broker.cancelled")
    await show(update, text, keyboard([[menu_button(context, lang)]]))
    return ConversationHandler.END


async def _refuse(update: Update, context: BotContext, step: Step) -> int | None:
    """A press or message that does not fit this step: say so, show the step again."""
    lang = await language_of(update, context)
    t = context.content.texts
    shown = min(step, _next_missing(_draft(context)))  # never a screen the draft cannot fill
    text, markup = _screen(context, lang, shown)
    if update.callback_query is not None:
        await answer(update, t.get(lang, "input.button_expired"))
        await send(update, text, markup)
    elif shown in TYPED:
        await send(update, f"{t.get(lang, 'broker.type_words')}\n\n{text}", markup)
    else:
        await send(update, f"{t.get(lang, 'input.use_buttons')}\n\n{text}", markup)
    return None if shown == step else shown


def _stay(step: Step) -> list[BaseHandler[Update, BotContext, Any]]:
    async def refuse(update: Update, context: BotContext) -> int | None:
        """Answers anything unexpected at this step by showing the step again."""
        return await _refuse(update, context, step)

    return [
        CallbackQueryHandler(cancel, pattern=rf"^{PREFIX}:cancel$"),
        CallbackQueryHandler(refuse, pattern=rf"^{PREFIX}:"),
        MessageHandler(PRIVATE_MESSAGE & ~filters.COMMAND, refuse),
    ]


def build_handler() -> ConversationHandler[BotContext]:
    """The report conversation (persistent: a restart keeps the answers typed so far)."""
    typing = PRIVATE_MESSAGE & filters.TEXT & ~filters.COMMAND
    states: dict[object, list[BaseHandler[Update, BotContext, Any]]] = {
        step: [MessageHandler(typing, _typed_step(step)), *_stay(step)] for step in TYPED
    }
    states[Step.NAMED] = [
        CallbackQueryHandler(choose_named, pattern=rf"^{PREFIX}:(named|anon)$"),
        *_stay(Step.NAMED),
    ]
    states[Step.REVIEW] = [
        CallbackQueryHandler(send_report, pattern=rf"^{PREFIX}:send$"),
        *_stay(Step.REVIEW),
    ]
    return ConversationHandler(
        entry_points=[
            CommandHandler("report_broker", begin, filters=PRIVATE_MESSAGE),
            CallbackQueryHandler(begin, pattern=rf"^{PREFIX}:open$"),
        ],
        states=states,
        fallbacks=leaving_handlers(DRAFT),
        allow_reentry=True,
        name="broker_report",
        persistent=True,
    )


# -- the list for leaders and staff ----------------------------------------------------------


def _list_entry(context: BotContext, lang: str, report: BrokerReport) -> str:
    t = context.content.texts
    if report.reporter_user_id is None:
        sender = t.get(lang, "broker.list_anonymous")
    else:
        link = Html(mention_html(report.reporter_user_id, t.raw(lang, "broker.list_reporter")))
        sender = t.get(lang, "broker.from_named", person=link)
    day = report.created_at.astimezone(context.services.config.timezone).date()
    return t.get(
        lang,
        "broker.list_entry",
        number=report.report_id,
        date=format_day(day, lang),
        village=village_name(context, lang, report.village_code),
        who=report.who,
        place=report.place,
        promised=report.promised,
        sender=sender,
    )


def _pages(blocks: Iterable[str]) -> list[str]:
    """Blocks joined into as few messages as fit Telegram's length limit."""
    pages: list[str] = []
    for block in blocks:
        if pages and len(pages[-1]) + 2 + len(block) <= PAGE_BUDGET:
            pages[-1] += f"\n\n{block}"
        else:
            pages.append(block)
    return pages


async def reports_command(update: Update, context: BotContext) -> None:
    """Lists the newest reports of the villages this person leads (staff: all)."""
    assert update.effective_user is not None
    lang = await language_of(update, context)
    t = context.content.texts
    scope = await villages_in_scope(context, update.effective_user.id)
    if scope is not None and not scope:
        await send(update, t.get(lang, "broker.only_leaders"))
        return
    reports = await context.store.broker_reports(scope, limit=LIST_AT_MOST)
    log.info("broker_reports_listed user=%s count=%s", update.effective_user.id, len(reports))
    if not reports:
        await send(update, t.get(lang, "broker.list_empty"))
        return
    title = t.get(lang, "broker.list_title", count=len(reports))
    entries = [_list_entry(context, lang, report) for report in reports]
    for page in _pages([title, *entries]):
        await send(update, page)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [CommandHandler("broker_reports", reports_command, filters=PRIVATE_MESSAGE)]
