"""/mydepartures: a person's own registrations — see them, change the dates, cancel them.

Every press names a departure; it is accepted only from the person who registered it, and only
while it is active. The village's leaders are told of every change.
"""

from __future__ import annotations

import logging
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
from content.formatting import format_day
from conversations.leaving import leaving_handlers
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, send, show
from delivery.checkins import upcoming_for
from delivery.drainer import drain_group
from delivery.recipients import village_news
from domain.departure import ABROAD, BY_ID, parse_date, staff_only
from screens.buttons import Button, column, keyboard, menu_button
from storage.rows import Departure

log = logging.getLogger(__name__)
PREFIX = "dep"
DRAFT = "departure_dates"
MAX_SHOWN = 8
STATUS_MARK = {"active": "🧳", "cancelled": "✖️", "returned": "🏡"}


async def _own_active(update: Update, context: BotContext, raw: str) -> Departure | None:
    assert update.effective_user is not None
    if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        return None
    departure = await context.store.departure(int(raw))
    if (
        departure is None
        or departure.user_id != update.effective_user.id
        or departure.status != "active"
    ):
        return None
    return departure


def _raw_id(update: Update) -> str:
    assert update.callback_query is not None
    return (update.callback_query.data or "").rsplit(":", 1)[-1]


async def _refuse(update: Update, context: BotContext) -> None:
    lang = await language_of(update, context)
    await answer(update, context.content.texts.get(lang, "input.button_expired"))


async def _list_screen(update: Update, context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    assert update.effective_user is not None
    lang = await language_of(update, context)
    t = context.content.texts
    departures = await context.store.departures_of(update.effective_user.id)
    if not departures:
        rows = [[(t.raw(lang, "menu.plan"), "plan:open")], [menu_button(context, lang)]]
        return t.get(lang, "mydep.none"), keyboard(rows)
    lines = [t.get(lang, "mydep.title")]
    buttons: list[Button] = []
    # Active ones first, then the latest few others: one message must stay under 4,096 chars.
    active = [d for d in departures if d.status == "active"][:MAX_SHOWN]
    others = [d for d in departures if d.status != "active"][: max(0, MAX_SHOWN - len(active))]
    for departure in active + others:
        if departure.status == "active" and departure.for_self:
            # The number a family can give with /missing if they cannot reach this person.
            lines.append(t.get(lang, "mydep.number", number=departure.departure_id))
        lines.append(
            t.get(
                lang,
                "mydep.line",
                mark=STATUS_MARK[departure.status],
                name=departure.name,
                destination=t.raw(lang, f"plan.opt.destination.{departure.destination}"),
                depart=format_day(departure.depart_on, lang),
                arrive=format_day(departure.arrive_on, lang),
                status=t.raw(lang, f"mydep.status.{departure.status}"),
            )
        )
        if departure.status == "active":
            buttons.append(
                (
                    t.plain(lang, "mydep.change_dates", name=departure.name),
                    f"{PREFIX}:dates:{departure.departure_id}",
                )
            )
            buttons.append(
                (
                    t.plain(lang, "mydep.cancel", name=departure.name),
                    f"{PREFIX}:cancel:{departure.departure_id}",
                )
            )
    rows = column(buttons)
    if any(d.destination in ABROAD for d in active):  # the dates of papers (/documents)
        rows.append([(t.raw(lang, "documents.open"), "doc:open")])
    rows.append([menu_button(context, lang)])
    return "\n\n".join(lines), keyboard(rows)


async def list_command(update: Update, context: BotContext) -> None:
    """Shows the person's registrations, with ways to change or cancel the active ones."""
    await send(update, *await _list_screen(update, context))


async def open_list(update: Update, context: BotContext) -> None:
    """Shows the registrations in place of the pressed screen."""
    await answer(update)
    await show(update, *await _list_screen(update, context))


async def ask_cancel(update: Update, context: BotContext) -> None:
    """Asks to confirm cancelling a departure."""
    departure = await _own_active(update, context, _raw_id(update))
    if departure is None:
        return await _refuse(update, context)
    await answer(update)
    lang = await language_of(update, context)
    t = context.content.texts
    markup = keyboard(
        [
            [(t.raw(lang, "mydep.cancel_yes"), f"{PREFIX}:cancel_yes:{departure.departure_id}")],
            [(t.raw(lang, "common.back"), f"{PREFIX}:list")],
        ]
    )
    await show(update, t.get(lang, "mydep.cancel_confirm", name=departure.name), markup)


async def cancel(update: Update, context: BotContext) -> None:
    """Cancels the departure and tells the village's leaders."""
    departure = await _own_active(update, context, _raw_id(update))
    if departure is None:
        return await _refuse(update, context)
    news = await village_news(
        context,
        f"departure:{departure.departure_id}:cancelled",
        departure.village_code,
        "mydep.cancelled_notice",
        {"name": departure.name},
        user_id=departure.user_id,
        chiefs=not staff_only(departure.reason),
    )
    # Cancelled, its check-ins stopped and its leaders' news queued: one transaction.
    if not await context.store.set_departure_status(departure.departure_id, "cancelled", news):
        return await _refuse(update, context)
    log.info("departure_cancelled departure=%s", departure.departure_id)
    await answer(update)
    t = context.content.texts
    await drain_group(context, f"departure:{departure.departure_id}:cancelled")
    lang = await language_of(update, context)
    await show(
        update,
        t.get(lang, "mydep.cancelled", name=departure.name),
        keyboard([[menu_button(context, lang)]]),
    )


# -- changing the dates (a small persistent conversation) -----------------------------------------


class Step(IntEnum):
    LEAVE = 0
    ARRIVE = 1


def _date_screen(
    context: BotContext, lang: str, field_id: str, options: tuple[str, ...]
) -> tuple[str, Any]:
    t = context.content.texts
    rows = column(
        [(t.raw(lang, f"plan.when.{field_id}.{o}"), f"{PREFIX}:d:{field_id}:{o}") for o in options]
    )
    rows.append([(t.raw(lang, "plan.cancel"), f"{PREFIX}:d:stop")])
    return t.get(lang, f"plan.q.{field_id}"), keyboard(rows)


# The same day buttons as /plan's (domain/departure.py): no typing here either.
LEAVE_OPTIONS, ARRIVE_OPTIONS = BY_ID["depart_on"].options, BY_ID["arrive_on"].options


def _today(context: BotContext) -> date:
    return context.clock.now().astimezone(context.services.config.timezone).date()


async def begin_dates(update: Update, context: BotContext) -> int:
    """Starts changing the dates of one of the person's active departures."""
    assert context.user_data is not None
    departure = await _own_active(update, context, _raw_id(update))
    if departure is None:
        await _refuse(update, context)
        return ConversationHandler.END
    context.user_data[DRAFT] = {"id": departure.departure_id}
    await answer(update)
    await show(
        update,
        *_date_screen(context, await language_of(update, context), "depart_on", LEAVE_OPTIONS),
    )
    return Step.LEAVE


async def _keep(update: Update, context: BotContext, value: date | None, step: Step) -> int | None:
    """Keeps a leaving or arriving date, or explains what is wrong and asks again."""
    assert context.user_data is not None
    lang = await language_of(update, context)
    t = context.content.texts
    draft = context.user_data.get(DRAFT, {})
    field_id, options = (
        ("depart_on", LEAVE_OPTIONS) if step == Step.LEAVE else ("arrive_on", ARRIVE_OPTIONS)
    )
    problem = None
    if value is None:
        problem = t.get(lang, "plan.bad.date")
    elif step == Step.ARRIVE and value < date.fromisoformat(draft["depart_on"]):
        problem = t.get(lang, "plan.bad.arrive_before")
    if problem is not None or value is None:
        text, markup = _date_screen(context, lang, field_id, options)
        await send(update, f"{problem}\n\n{text}", markup)
        return None
    if step == Step.LEAVE:
        draft["depart_on"] = value.isoformat()
        await show(update, *_date_screen(context, lang, "arrive_on", ARRIVE_OPTIONS))
        return Step.ARRIVE
    departure = await context.store.departure(int(draft["id"]))
    depart_on = date.fromisoformat(draft["depart_on"])
    context.user_data.pop(DRAFT, None)
    if departure is None:
        await send(update, t.get(lang, "input.button_expired"))
        return ConversationHandler.END
    group = f"departure:{departure.departure_id}:dates:{depart_on}:{value}"
    news = await village_news(
        context,
        group,
        departure.village_code,
        "mydep.dates_notice",
        {"name": departure.name, "depart": depart_on.isoformat(), "arrive": value.isoformat()},
        user_id=departure.user_id,
        days=("depart", "arrive"),
        chiefs=not staff_only(departure.reason),
    )
    # The new dates, the re-planned check-ins (a prompt on its way included) and the leaders'
    # news are one transaction.
    first = upcoming_for(context, value, departure.destination, None)
    if not await context.store.change_departure_dates(
        departure.departure_id, depart_on, value, first, news
    ):
        await send(update, t.get(lang, "input.button_expired"))
        return ConversationHandler.END
    log.info("departure_dates_changed departure=%s", departure.departure_id)
    await drain_group(context, group)
    done = t.get(
        lang,
        "mydep.dates_changed",
        depart=format_day(depart_on, lang),
        arrive=format_day(value, lang),
    )
    await send(update, done, keyboard([[menu_button(context, lang)]]))
    return ConversationHandler.END


async def date_button(update: Update, context: BotContext) -> int | None:
    """A date chosen by button: days after today (leaving) or after leaving (arriving)."""
    assert update.callback_query is not None and context.user_data is not None
    parts = (update.callback_query.data or "").split(":")
    step = (
        Step.LEAVE
        if DRAFT in context.user_data and "depart_on" not in context.user_data[DRAFT]
        else Step.ARRIVE
    )
    expected = ("depart_on", LEAVE_OPTIONS) if step == Step.LEAVE else ("arrive_on", ARRIVE_OPTIONS)
    if len(parts) != 4 or parts[2] != expected[0] or parts[3] not in expected[1]:
        await _refuse(update, context)
        return None
    await answer(update)
    draft = context.user_data[DRAFT]
    base = _today(context) if step == Step.LEAVE else date.fromisoformat(draft["depart_on"])
    return await _keep(update, context, base + timedelta(days=int(parts[3])), step)


def _typed(step: Step) -> Any:
    async def typed(update: Update, context: BotContext) -> int | None:
        """A typed date (day first; Khmer digits welcome); anything else is explained."""
        text = update.message.text if update.message and update.message.text else ""
        return await _keep(update, context, parse_date(text, _today(context)), step)

    return typed


async def stop(update: Update, context: BotContext) -> int:
    """Leaves the dates as they were."""
    assert context.user_data is not None
    context.user_data.pop(DRAFT, None)
    await answer(update)
    await show(update, *await _list_screen(update, context))
    return ConversationHandler.END


def build_dates_handler() -> ConversationHandler[BotContext]:
    """Changing a departure's dates (persistent)."""
    steps: dict[object, list[BaseHandler[Update, BotContext, Any]]] = {
        step: [
            CallbackQueryHandler(stop, pattern=rf"^{PREFIX}:d:stop$"),
            CallbackQueryHandler(date_button, pattern=rf"^{PREFIX}:d:"),
            MessageHandler(PRIVATE_MESSAGE & ~filters.COMMAND, _typed(step)),
        ]
        for step in Step
    }
    return ConversationHandler(
        entry_points=[CallbackQueryHandler(begin_dates, pattern=rf"^{PREFIX}:dates:")],
        states=steps,
        fallbacks=leaving_handlers(DRAFT),
        allow_reentry=True,
        name="departure_dates",
        persistent=True,
    )


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("mydepartures", list_command, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(open_list, pattern=rf"^{PREFIX}:list$"),
        CallbackQueryHandler(ask_cancel, pattern=rf"^{PREFIX}:cancel:"),
        CallbackQueryHandler(cancel, pattern=rf"^{PREFIX}:cancel_yes:"),
    ]
