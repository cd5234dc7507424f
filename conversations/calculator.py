"""/calc: the migrate-or-stay calculator (the report's "economic analysis"), made interactive.

The person picks where they would go (and, abroad, how); the report's figures fill in the rest.
Any amount can be changed by typing it, in Latin or Khmer digits. Only the changed values are
kept, in the conversation's draft; nothing is written to the database.
"""

from __future__ import annotations

from collections.abc import Callable
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
from content.formatting import format_dollars, format_number, format_riel, format_usd
from conversations.calculator_picture import send_plan_picture
from conversations.leaving import leaving_handlers
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, send, show
from domain.economics import DESTINATIONS, FIELDS, ROUTES, Plan, compare, default_plan
from domain.parsing import parse_whole_number
from screens.buttons import Button, column, keyboard, menu_button

PREFIX = "calc"
DRAFT = "calculator"
MONEY_FIELDS = (
    "go_income",
    "go_expenses",
    "stay_income",
    "stay_expenses",
    "passport",
    "fee",
    "travel",
    "debt",
)


class Step(IntEnum):
    DESTINATION = 0
    ROUTE = 1
    RESULT = 2
    TYPING = 3


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(DRAFT, {})
    return draft


# A screen drawn from the plan: (text, keyboard).
PlanScreen = Callable[[BotContext, str, Plan], tuple[str, InlineKeyboardMarkup]]


def _plan(context: BotContext) -> Plan | None:
    """The person's plan: the defaults of their choice, with what they typed over them."""
    draft = _draft(context)
    if draft.get("destination") not in DESTINATIONS or draft.get("route") not in ROUTES:
        return None
    plan = default_plan(draft["destination"], draft["route"])
    for name, value in dict(draft.get("values", {})).items():
        try:
            plan = plan.with_value(name, int(value))
        except (TypeError, ValueError):
            continue  # a value from an older version of the rules: fall back to the default
    return plan


def _value(name: str, value: int, lang: str, context: BotContext) -> str:
    t = context.content.texts
    if name in MONEY_FIELDS:
        return format_usd(value, lang)
    if name == "interest_percent":
        return t.get(lang, "calc.percent", count=value)
    return t.get(lang, "calc.months", count=value)


# -- screens ---------------------------------------------------------------------------------


def _destination_screen(context: BotContext, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    t = context.content.texts
    buttons = [(t.raw(lang, f"calc.dest.{d}"), f"{PREFIX}:dest:{d}") for d in DESTINATIONS]
    return t.get(lang, "calc.ask_destination"), keyboard(column(buttons))


def _route_screen(context: BotContext, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    t = context.content.texts
    buttons = [(t.raw(lang, f"calc.route.{r}"), f"{PREFIX}:route:{r}") for r in ROUTES]
    return t.get(lang, "calc.ask_route"), keyboard(column(buttons))


# The result is two screens (review E3): first the two totals, which leaves more and by how much,
# and one risk, short enough to read in one breath (content/budget.py); "🔎 details" then shows
# every figure that is not 0 (W5). Sentences write dollars one way, «៧៩៣ ដុល្លារ» (SOURCES.md);
# the picture above and the buttons keep «$», read at a glance.
def _result_screen(context: BotContext, lang: str, plan: Plan) -> tuple[str, InlineKeyboardMarkup]:
    t = context.content.texts
    result = compare(plan)

    def money(amount: int) -> str:
        return format_dollars(t, amount, lang)

    blocks = [
        t.get(
            lang,
            "calc.summary",
            months=result.months,
            place=t.raw(lang, f"calc.place.{plan.destination}"),
            go_total=money(result.go_total),
            stay_total=money(result.stay_total),
        )
    ]
    if result.difference > 0:
        blocks.append(t.get(lang, "calc.more_going", amount=money(result.difference)))
    elif result.difference < 0:
        blocks.append(t.get(lang, "calc.more_staying", amount=money(-result.difference)))
    else:
        blocks.append(t.get(lang, "calc.same"))
    # Below nothing, "only −100 dollars left" does not read as a loss (reader 2, row 7).
    unpaid = result.unpaid_two_months
    risk = "calc.risk_unpaid" if unpaid >= 0 else "calc.risk_unpaid_loss"
    blocks.append(t.get(lang, risk, amount=money(abs(unpaid))))
    rows: list[list[Button]] = [
        [(t.raw(lang, "calc.details"), f"{PREFIX}:details")],
        [(t.raw(lang, "calc.change"), f"{PREFIX}:edit")],
        [menu_button(context, lang)],
    ]
    return "\n".join(blocks), keyboard(rows)


def _details_screen(context: BotContext, lang: str, plan: Plan) -> tuple[str, InlineKeyboardMarkup]:
    t, rate = context.content.texts, context.services.config.riel_per_dollar
    result = compare(plan)

    def money(amount: int) -> str:
        return format_dollars(t, amount, lang)

    def both(amount: int) -> str:
        riel = format_riel(t, amount * rate, lang)
        return t.get(lang, "calc.usd_riel", usd=money(amount), riel=riel)

    place = t.raw(lang, f"calc.place.{plan.destination}")
    blocks: list[str] = [t.get(lang, "calc.detail.title", place=place)]
    blocks.append(
        t.get(
            lang,
            "calc.detail.monthly",
            go_income=money(plan.go_income),
            go_expenses=money(plan.go_expenses),
            go_left=money(result.go_left_monthly),
            stay_income=money(plan.stay_income),
            stay_expenses=money(plan.stay_expenses),
            stay_left=money(result.stay_left_monthly),
        )
    )
    lines: list[str] = []  # what it takes to go: only the rows that are not 0
    costs = [(n, getattr(plan, n)) for n in ("passport", "fee", "travel") if getattr(plan, n)]
    if plan.one_off:
        items = " ".join(t.get(lang, f"calc.detail.{n}", amount=money(v)) for n, v in costs)
        lines.append(t.get(lang, "calc.detail.before", one_off=money(plan.one_off), items=items))
    months = [("waiting", plan.waiting_months), ("away", plan.months_away)]
    said = [t.get(lang, f"calc.detail.{n}", count=v) for n, v in months if v]
    if said:
        lines.append(" ".join(said))
    if plan.debt and plan.interest_percent:
        lines.append(
            t.get(
                lang,
                "calc.detail.debt_interest",
                debt=money(plan.debt),
                interest_percent=plan.interest_percent,
                interest=money(result.interest),
            )
        )
    elif plan.debt:
        lines.append(t.get(lang, "calc.detail.debt", debt=money(plan.debt)))
    if lines:
        blocks.append("\n".join(lines))
    blocks.append(
        t.get(
            lang,
            "calc.detail.totals",
            months=result.months,
            go_total=both(result.go_total),
            stay_total=both(result.stay_total),
        )
    )
    if plan.destination == "abroad":
        blocks.append(t.get(lang, f"calc.note_{plan.route}"))
    blocks.append(t.get(lang, "calc.rate", rate=format_number(rate, lang)))
    rows: list[list[Button]] = [
        [(t.raw(lang, "common.back"), f"{PREFIX}:result")],
        [(t.raw(lang, "calc.change"), f"{PREFIX}:edit")],
        [(t.raw(lang, "calc.again"), f"{PREFIX}:again")],
        [menu_button(context, lang)],
    ]
    return "\n\n".join(blocks), keyboard(rows)


def _fields_screen(context: BotContext, lang: str, plan: Plan) -> tuple[str, InlineKeyboardMarkup]:
    t = context.content.texts
    buttons: list[Button] = [
        (
            t.plain(
                lang,
                "calc.field_button",
                label=t.raw(lang, f"calc.field.{name}"),
                value=_value(name, getattr(plan, name), lang, context),
            ),
            f"{PREFIX}:field:{name}",
        )
        for name in FIELDS
    ]
    rows = column(buttons)
    rows.append([(t.raw(lang, "common.back"), f"{PREFIX}:result")])
    return t.get(lang, "calc.which_field"), keyboard(rows)


def _typing_screen(
    context: BotContext, lang: str, plan: Plan, name: str
) -> tuple[str, InlineKeyboardMarkup]:
    t = context.content.texts
    text = t.get(
        lang,
        "calc.type_value",
        label=t.raw(lang, f"calc.field.{name}"),
        value=_value(name, getattr(plan, name), lang, context),
    )
    return text, keyboard([[(t.raw(lang, "common.back"), f"{PREFIX}:result")]])


async def _current(
    update: Update, context: BotContext, step: Step
) -> tuple[str, InlineKeyboardMarkup]:
    """The screen of the step the person is at (for repeating it after wrong input)."""
    lang = await language_of(update, context)
    plan = _plan(context)
    if step == Step.DESTINATION or (plan is None and step != Step.ROUTE):
        return _destination_screen(context, lang)
    if step == Step.ROUTE or plan is None:
        return _route_screen(context, lang)
    editing = _draft(context).get("editing")
    if step == Step.TYPING and editing in FIELDS:
        return _typing_screen(context, lang, plan, editing)
    return _result_screen(context, lang, plan)


# -- steps -----------------------------------------------------------------------------------


def _choice(update: Update) -> str:
    assert update.callback_query is not None
    return (update.callback_query.data or "").rsplit(":", 1)[-1]


async def begin(update: Update, context: BotContext) -> int:
    """Starts afresh: where would the person go?"""
    assert context.user_data is not None
    context.user_data[DRAFT] = {}
    await answer(update)
    text, markup = _destination_screen(context, await language_of(update, context))
    await show(update, text, markup)
    return Step.DESTINATION


async def choose_destination(update: Update, context: BotContext) -> int | None:
    """Keeps the destination; abroad asks how, elsewhere the sums come at once."""
    destination = _choice(update)
    if destination not in DESTINATIONS:
        return await _refuse(update, context, Step.DESTINATION)
    draft = _draft(context)
    draft.update(destination=destination, values={})
    await answer(update)
    lang = await language_of(update, context)
    if destination == "abroad":
        draft.pop("route", None)
        await show(update, *_route_screen(context, lang))
        return Step.ROUTE
    draft["route"] = "regular"
    return await _show_result(update, context)


async def choose_route(update: Update, context: BotContext) -> int | None:
    """Keeps the route abroad and shows the sums."""
    route = _choice(update)
    if route not in ROUTES:
        return await _refuse(update, context, Step.ROUTE)
    _draft(context).update(route=route, values={})
    await answer(update)
    return await _show_result(update, context)


async def _show_result(update: Update, context: BotContext, *, new_message: bool = False) -> int:
    plan = _plan(context)
    lang = await language_of(update, context)
    if plan is None:
        await show(update, *_destination_screen(context, lang))
        return Step.DESTINATION
    _draft(context).pop("editing", None)
    text, markup = _result_screen(context, lang, plan)
    if await send_plan_picture(update, context, _draft(context), plan, lang):
        new_message = True  # the sums go below their picture, not into the screen above it
    await (send(update, text, markup) if new_message else show(update, text, markup))
    return Step.RESULT


async def back_to_result(update: Update, context: BotContext) -> int:
    """Shows the sums again without changing anything."""
    await answer(update)
    return await _show_result(update, context)


async def _plan_screen(update: Update, context: BotContext, screen: PlanScreen) -> int:
    """One screen of the person's plan, in place; with no plan left (expired), the start."""
    plan = _plan(context)
    if plan is None:
        return await begin(update, context)
    await answer(update)
    await show(update, *screen(context, await language_of(update, context), plan))
    return Step.RESULT


async def show_details(update: Update, context: BotContext) -> int:
    """Every figure behind the result (the rows that are 0 left out), with the notes."""
    return await _plan_screen(update, context, _details_screen)


async def list_fields(update: Update, context: BotContext) -> int:
    """Lists every amount with its value, to pick one to change."""
    return await _plan_screen(update, context, _fields_screen)


async def pick_field(update: Update, context: BotContext) -> int | None:
    """Asks for the new value of one amount."""
    name = _choice(update)
    plan = _plan(context)
    if name not in FIELDS or plan is None:
        return await _refuse(update, context, Step.RESULT)
    _draft(context)["editing"] = name
    await answer(update)
    await show(update, *_typing_screen(context, await language_of(update, context), plan, name))
    return Step.TYPING


async def type_value(update: Update, context: BotContext) -> int | None:
    """Reads a typed amount (Latin or Khmer digits); a wrong one is explained, nothing changes."""
    assert update.message is not None
    draft, plan = _draft(context), _plan(context)
    name = draft.get("editing")
    lang = await language_of(update, context)
    t = context.content.texts
    if plan is None or name not in FIELDS:
        return await _show_result(update, context, new_message=True)
    value = parse_whole_number(update.message.text or "")
    problem = None
    if value is None:
        problem = t.get(lang, "calc.not_a_number")
    else:
        try:
            plan.with_value(name, value)
        except ValueError:
            problem = t.get(
                lang, "calc.out_of_range", most=_value(name, FIELDS[name], lang, context)
            )
    if problem is not None or value is None:
        text, markup = _typing_screen(context, lang, plan, name)
        await send(update, f"{problem}\n\n{text}", markup)
        return None
    draft.setdefault("values", {})[name] = value
    return await _show_result(update, context, new_message=True)


async def _refuse(update: Update, context: BotContext, step: Step) -> int | None:
    """A press or message that does not fit this step: say so, show the step again."""
    lang = await language_of(update, context)
    t = context.content.texts
    text, markup = await _current(update, context, step)
    if update.callback_query is not None:
        await answer(update, t.get(lang, "input.button_expired"))
        await send(update, text, markup)
    elif step == Step.TYPING:
        await send(update, f"{t.get(lang, 'calc.not_a_number')}\n\n{text}", markup)
    else:
        await send(update, f"{t.get(lang, 'input.use_buttons')}\n\n{text}", markup)
    return None


def _stay(step: Step) -> list[BaseHandler[Update, BotContext, Any]]:
    async def refuse(update: Update, context: BotContext) -> int | None:
        """Answers anything unexpected at this step by showing the step again."""
        return await _refuse(update, context, step)

    return [
        CallbackQueryHandler(refuse, pattern=rf"^{PREFIX}:"),
        MessageHandler(PRIVATE_MESSAGE & ~filters.COMMAND, refuse),
    ]


def build_handler() -> ConversationHandler[BotContext]:
    """The calculator conversation (persistent: a restart keeps the person's numbers)."""

    def press(callback: Any, suffix: str) -> CallbackQueryHandler[BotContext, Any]:
        return CallbackQueryHandler(callback, pattern=rf"^{PREFIX}:{suffix}")

    return ConversationHandler(
        entry_points=[
            CommandHandler("calc", begin, filters=PRIVATE_MESSAGE),
            press(begin, "open$"),
        ],
        states={
            Step.DESTINATION: [press(choose_destination, "dest:"), *_stay(Step.DESTINATION)],
            Step.ROUTE: [press(choose_route, "route:"), *_stay(Step.ROUTE)],
            Step.RESULT: [
                press(show_details, "details$"),
                press(list_fields, "edit$"),
                press(pick_field, "field:"),
                press(back_to_result, "result$"),
                press(begin, "again$"),
                *_stay(Step.RESULT),
            ],
            Step.TYPING: [
                MessageHandler(PRIVATE_MESSAGE & filters.TEXT & ~filters.COMMAND, type_value),
                press(back_to_result, "result$"),
                *_stay(Step.TYPING),
            ],
        },
        fallbacks=leaving_handlers(DRAFT),
        allow_reentry=True,
        name="calculator",
        persistent=True,
    )
