"""The money left each month, as bars: the report's figures for the lesson, a person's own
figures for /calc. Amounts are written as the calculator writes them (Khmer digits in Khmer).
"""

from __future__ import annotations

from dataclasses import dataclass

from content.formatting import format_usd
from content.texts import Texts
from domain.economics import MONTHLY, Plan, compare
from printables.drawing import GREEN, INK, MUTED, PALE_GREEN, PALE_RED, RED, Canvas

WIDTH = 800
ROW = 172
BAR_LEFT, BAR_LONGEST = 40, 470
REPORT_ROWS = ("abroad", "city", "sez", "village")  # the order of the lesson's screen


@dataclass(frozen=True)
class MoneyRow:
    label: str
    left: int
    detail: str = ""  # e.g. "earn $260, spend $218"


def _height(rows: list[MoneyRow]) -> int:
    """Rows without a detail line under their bar are shorter."""
    return sum(ROW if row.detail else ROW - 45 for row in rows)


def _rows(canvas: Canvas, y: float, rows: list[MoneyRow], lang: str) -> float:
    largest = max((abs(row.left) for row in rows), default=0) or 1
    for row in rows:
        canvas.text(BAR_LEFT, y + 30, row.label, size=36, colour=INK, max_width=WIDTH - 80)
        length = max(BAR_LONGEST * abs(row.left) / largest, 12)
        colour = GREEN if row.left >= 0 else RED
        canvas.box(BAR_LEFT, y + 62, length, 46, fill=colour, radius=10)
        amount = format_usd(row.left, lang)
        canvas.text(
            BAR_LEFT + length + 18,
            y + 84,
            amount,
            size=50,
            colour=colour,
            bold=True,
            max_width=WIDTH - BAR_LEFT - length - 30,
        )
        if row.detail:
            canvas.text(BAR_LEFT, y + 130, row.detail, size=32, colour=MUTED, max_width=WIDTH - 80)
        y += ROW if row.detail else ROW - 45
    return y


def draw_money(
    t: Texts,
    lang: str,
    monthly: list[MoneyRow],
    *,
    subtitle: str = "",
    totals_heading: str = "",
    totals: list[MoneyRow] | None = None,
    footer: str = "",
    smallest: bool = True,
) -> bytes:
    """Bars of what is left each month, optionally a second block of totals, and a footer."""
    height = 130 + (60 if subtitle else 0) + _height(monthly) + 40
    if totals:
        height += 90 + _height(totals)
    if footer:
        height += 60
    canvas = Canvas(WIDTH, int(height))
    canvas.text(
        WIDTH / 2,
        65,
        t.raw(lang, "picture.money.title"),
        size=50,
        align="center",
        max_width=WIDTH - 60,
        bold=True,
    )
    y = 120.0
    if subtitle:
        canvas.text(
            WIDTH / 2, y + 20, subtitle, size=34, align="center", colour=MUTED, max_width=WIDTH - 60
        )
        y += 60
    canvas.box(20, y, WIDTH - 40, _height(monthly) + 20, fill=PALE_GREEN, radius=22)
    y = _rows(canvas, y + 10, monthly, lang) + 30
    if totals:
        canvas.text(
            WIDTH / 2,
            y + 40,
            totals_heading,
            size=36,
            align="center",
            bold=True,
            max_width=WIDTH - 60,
        )
        y += 80
        canvas.box(20, y, WIDTH - 40, _height(totals) + 10, fill=PALE_RED, radius=22)
        y = _rows(canvas, y + 5, totals, lang) + 10
    if footer:
        canvas.text(
            WIDTH / 2, y + 25, footer, size=32, align="center", colour=MUTED, max_width=WIDTH - 60
        )
    return canvas.png(smallest=smallest)


def _earn_spend(t: Texts, lang: str, income: int, expenses: int) -> str:
    return t.plain(
        lang,
        "picture.money.earn_spend",
        income=format_usd(income, lang),
        expenses=format_usd(expenses, lang),
    )


def draw_report_money(t: Texts, lang: str) -> bytes:
    """The report's group exercise (lesson planning): what is left each month, four ways."""
    rows = [
        MoneyRow(
            t.raw(lang, f"picture.money.{place}"),
            MONTHLY[place][0] - MONTHLY[place][1],
            _earn_spend(t, lang, *MONTHLY[place]),
        )
        for place in REPORT_ROWS
    ]
    return draw_money(t, lang, rows, footer=t.raw(lang, "picture.money.source"))


def draw_plan_money(t: Texts, lang: str, plan: Plan) -> bytes:
    """The calculator's result with the person's own figures: each month, then the whole stay."""
    result = compare(plan)
    going = t.raw(lang, f"picture.money.{plan.destination}")
    staying = t.raw(lang, "picture.money.village")
    monthly = [
        MoneyRow(
            going, result.go_left_monthly, _earn_spend(t, lang, plan.go_income, plan.go_expenses)
        ),
        MoneyRow(
            staying,
            result.stay_left_monthly,
            _earn_spend(t, lang, plan.stay_income, plan.stay_expenses),
        ),
    ]
    totals = [MoneyRow(going, result.go_total), MoneyRow(staying, result.stay_total)]
    return draw_money(
        t,
        lang,
        monthly,
        subtitle=t.raw(lang, "picture.money.yours"),
        totals_heading=t.plain(lang, "picture.money.whole_stay", months=result.months),
        totals=totals,
        smallest=False,  # drawn while the person waits
    )


def plan_figures(plan: Plan) -> tuple[int, ...]:
    """What the person's picture shows: a new picture is drawn only when one of these changes."""
    result = compare(plan)
    return (
        plan.go_income,
        plan.go_expenses,
        plan.stay_income,
        plan.stay_expenses,
        result.months,
        result.go_total,
        result.stay_total,
    )
