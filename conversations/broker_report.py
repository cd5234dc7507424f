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
from collections.abc import Iterable
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler
from telegram.helpers import mention_html

from app.context import BotContext
from content.formatting import format_day
from content.texts import Html
from conversations.forms import Choice, Draft, Form, Keys, Step, Stored, cleaned, words
from conversations.roles import villages_in_scope
from conversations.ui import PRIVATE_MESSAGE, language_of, send
from delivery.broker_reports import district_of, neighbour_chiefs, report_messages, village_name
from delivery.drainer import deliver_now
from delivery.recipients import leader_chats
from domain.broker_marks import marks
from storage.broker_reports import Pattern
from storage.outbox import NewMessage
from storage.rows import BrokerReport

# cleaned: the trimming tests/test_fuzz.py checks reports against, kept here where it was.
__all__ = ["LEAST", "MOST", "build_handler", "build_handlers", "cleaned"]

log = logging.getLogger(__name__)
PREFIX = "broker"
DRAFT = "broker_report"
LEAST, MOST = 2, 300  # characters of each typed answer, after trimming
LIST_AT_MOST = 20
PAGE_BUDGET = 3500  # characters per message of the list, under Telegram's 4,096


async def _review(update: Update, context: BotContext, lang: str, draft: Draft) -> str:
    t = context.content.texts
    sender = t.raw(lang, "broker.sender_anonymous" if draft["anonymous"] else "broker.sender_named")
    return t.get(
        lang,
        "broker.review",
        who=draft["who"],
        place=draft["place"],
        promised=draft["promised"],
        sender=sender,
    )


async def _file(update: Update, context: BotContext, draft: Draft, request_key: str) -> Stored:
    """Stores the report with its notices to the leaders and staff (one transaction)."""
    assert update.effective_user is not None
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

    async def deliver() -> None:
        sent = [r for r in await deliver_now(context, ids) if r.status == "sent"]
        if not sent:
            log.warning("broker_report_untold id=%s", report_id)

    return Stored("broker.sent_anonymous" if anonymous else "broker.sent", deliver=deliver)


def _typed(field: str) -> Step:
    return Step(
        field, f"broker.ask_{field}", read=words(LEAST, MOST, "broker.too_short", "broker.too_long")
    )


FORM = Form(
    name="broker_report",
    prefix=PREFIX,
    draft=DRAFT,
    command="report_broker",
    steps=(
        _typed("who"),
        _typed("place"),
        _typed("promised"),
        Step(
            "anonymous",
            "broker.ask_named",
            choices=(
                Choice("named", False, "broker.named"),
                Choice("anon", True, "broker.anonymous"),
            ),
        ),
    ),
    keys=Keys("broker", with_intro=True, with_type_words=True),
    review=_review,
    store=_file,
)


def build_handler() -> ConversationHandler[BotContext]:
    """The report conversation (persistent: a restart keeps the answers typed so far)."""
    return FORM.handler()


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
