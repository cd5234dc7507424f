"""For village leaders and staff: who is away, the village's numbers, the follow-up list.

A leader sees only their own village; staff see every village. A villager who tries these gets
a clear "only for village leaders and staff", and nothing else.
"""

from __future__ import annotations

import csv
import io
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from app.context import BotContext
from content.formatting import format_day
from content.texts import Html
from conversations.groups import private_or_staff_chat
from conversations.roles import leader_scope
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, show
from delivery.viewers import scope_viewer, visible_departures
from domain.departure import ABROAD, is_regular, shared_reason
from screens.buttons import keyboard, menu_button
from storage.documents import Document
from storage.rows import Departure

log = logging.getLogger(__name__)
PREFIX = "leader"
AWAY_AT_MOST = 30
PAPERS_SOON = timedelta(days=30)  # /away shows papers that end within this
EXPORT_COLUMNS = (
    "name",
    "age",
    "gender",
    "safe_or_unsafe",
    "destination",
    "work",
    "reason",
    "duration",
    "village",
    "depart_on",
    "arrive_on",
    "status",
)


async def _show_departures(
    update: Update,
    context: BotContext,
    action: str,
    screen: Callable[[BotContext, str, list[Departure]], Awaitable[str]],
    *,
    statuses: tuple[str, ...] = ("active",),
    names_shown: bool = False,
) -> None:
    """A leader's screen of their villages' departures (every village for staff), in place of
    the pressed one, with a menu button. A screen that shows names is recorded as viewed."""
    allowed, villages = await leader_scope(update, context, action)
    if not allowed:
        return
    await answer(update)
    lang = await language_of(update, context)
    if names_shown:
        assert update.effective_user is not None
        await context.store.record_view(update.effective_user.id, action, villages=villages)
    departures = visible_departures(
        await context.store.departures_in(villages, statuses), scope_viewer(villages)
    )
    text = await screen(context, lang, departures)
    await show(update, text, keyboard([[menu_button(context, lang)]]))


async def away(update: Update, context: BotContext) -> None:
    """Lists who from the village is away or about to leave."""
    await _show_departures(update, context, "away", _away_text, names_shown=True)


async def _away_text(context: BotContext, lang: str, departures: list[Departure]) -> str:
    t = context.content.texts
    lines = [t.get(lang, "leader.away_title", count=len(departures))]
    ending = await papers_ending(context, departures[:AWAY_AT_MOST])
    for departure in departures[:AWAY_AT_MOST]:
        lines.append(
            t.get(
                lang,
                "leader.away_line",
                mark="✅" if departure.acknowledged_at else "⏳",
                name=departure.name,
                age=departure.age,
                destination=t.raw(lang, f"plan.opt.destination.{departure.destination}"),
                depart=format_day(departure.depart_on, lang),
                arrive=format_day(departure.arrive_on, lang),
            )
        )
        if departure.departure_id in ending:
            lines.append(paper_line(context, lang, ending[departure.departure_id]))
    if len(departures) > AWAY_AT_MOST:
        lines.append(t.get(lang, "quiz.review_more", count=len(departures) - AWAY_AT_MOST))
    return "\n".join(lines)


async def papers_ending(
    context: BotContext, departures: list[Departure]
) -> dict[int, list[Document]]:
    """Papers of these trips that end within 30 days (none already past: a leader's screen is
    read by others, and an ended visa is not theirs to see)."""
    today = context.clock.now().astimezone(context.services.config.timezone).date()
    return await context.store.documents_ending(
        [d.departure_id for d in departures], today, today + PAPERS_SOON
    )


def paper_line(context: BotContext, lang: str, documents: list[Document]) -> Html:
    t = context.content.texts
    first = documents[0]
    assert first.expires_on is not None
    return t.get(
        lang,
        "documents.away_line",
        paper=t.raw(lang, f"documents.kind.{first.kind}"),
        date=format_day(first.expires_on, lang),
    )


def count_lines(context: BotContext, lang: str, departures: list[Departure]) -> list[str]:
    """The report's tables for these departures: by gender, place, destination, channel, length."""
    t = context.content.texts

    def table(title_key: str, counts: Counter[str], label: Any) -> str:
        rows = [
            t.get(lang, "leader.stats_row", label=label(k), count=n)
            for k, n in counts.most_common()
        ]
        return "\n".join([t.get(lang, title_key), *rows])

    return [
        table(
            "leader.by_gender",
            Counter(d.gender for d in departures),
            lambda k: t.raw(lang, f"plan.opt.gender.{k}"),
        ),
        table(
            "leader.by_place",
            Counter("abroad" if d.destination in ABROAD else "inside" for d in departures),
            lambda k: t.raw(lang, f"leader.place.{k}"),
        ),
        table(
            "leader.by_destination",
            Counter(d.destination for d in departures),
            lambda k: t.raw(lang, f"plan.opt.destination.{k}"),
        ),
        table(
            "leader.by_channel",
            Counter(
                "regular" if is_regular(d.channel, d.documents, d.destination) else "irregular"
                for d in departures
            ),
            lambda k: t.raw(lang, f"leader.channel.{k}"),
        ),
        table(
            "leader.by_duration",
            Counter(d.duration for d in departures),
            lambda k: t.raw(lang, f"plan.opt.duration.{k}"),
        ),
    ]


async def stats(update: Update, context: BotContext) -> None:
    """Shows the village's numbers (all villages for staff)."""
    await _show_departures(update, context, "stats", _stats_text, statuses=("active", "returned"))


async def _stats_text(context: BotContext, lang: str, departures: list[Departure]) -> str:
    blocks: list[str] = [
        context.content.texts.get(lang, "leader.stats_title", count=len(departures))
    ]
    if departures:
        blocks += count_lines(context, lang, departures)
    return "\n\n".join(blocks)


def export_csv(context: BotContext, lang: str, departures: list[Departure]) -> bytes:
    """The follow-up list the report asks for (obs. 4), one row per departure, spreadsheet-safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for departure in departures:
        path = context.content.places.village_path(departure.village_code or "")
        safe = is_regular(departure.channel, departure.documents, departure.destination)
        row = [
            departure.name,
            departure.age,
            departure.gender,
            "safe" if safe else "unsafe",
            departure.destination,
            departure.work,
            shared_reason(departure.reason),
            departure.duration,
            path[2].name(lang) if path else "",
            departure.depart_on.isoformat(),
            departure.arrive_on.isoformat(),
            departure.status,
        ]
        writer.writerow([_cell(v) for v in row])
    # A BOM so spreadsheet programs read Khmer names as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value: object) -> object:
    """Cells a spreadsheet would run as a formula are written as text (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


async def export(update: Update, context: BotContext) -> None:
    """Sends the follow-up list of the village (all villages for staff) as a CSV file."""
    if not private_or_staff_chat(update, context):
        # The group guard answers these before they get here; this only makes sure that names,
        # ages and destinations can never be posted where they do not belong.
        chat = update.effective_chat
        log.warning("export_refused chat=%s", chat.id if chat else None)
        return
    allowed, villages = await leader_scope(update, context, "export")
    if not allowed:
        return
    await answer(update)
    assert update.effective_chat is not None and update.effective_user is not None
    lang = await language_of(update, context)
    await context.store.record_view(update.effective_user.id, "export", villages=villages)
    statuses = ("active", "returned", "cancelled")
    departures = visible_departures(
        await context.store.departures_in(villages, statuses), scope_viewer(villages)
    )
    today = context.clock.now().astimezone(context.services.config.timezone).date()
    await update.effective_chat.send_document(
        export_csv(context, lang, departures),
        filename=f"departures-{today.isoformat()}.csv",
        caption=context.content.texts.get(lang, "leader.export_caption", count=len(departures)),
    )
    log.info("export user=%s rows=%s", update.effective_user.id, len(departures))


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("away", away, filters=PRIVATE_MESSAGE),
        CommandHandler("stats", stats, filters=PRIVATE_MESSAGE),
        # Private chats and the staff group (groups.guard refuses every other group first).
        CommandHandler("export", export, filters=filters.UpdateType.MESSAGE),
        CallbackQueryHandler(away, pattern=rf"^{PREFIX}:away$"),
        CallbackQueryHandler(stats, pattern=rf"^{PREFIX}:stats$"),
        CallbackQueryHandler(export, pattern=rf"^{PREFIX}:export$"),
    ]
