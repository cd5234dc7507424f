"""The report's "economic analysis": going versus staying, per month and over the whole stay.

Pure arithmetic in whole dollars. Defaults come from the report's group exercise (monthly income
and expenses) and from sourced costs (CONTENT-FACTS: passport price list, UNODC route costs,
the report's broker fee); every one can be changed by the person.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

DESTINATIONS = ("abroad", "city", "sez")
ROUTES = ("regular", "broker")

# Report, economic analysis table (monthly, USD): income / expenses.
MONTHLY = {
    "abroad": (260, 218),
    "city": (170, 130),  # Phnom Penh or another province
    "sez": (200, 150),  # the SEZ or sugarcane fields (the report prints "$2000", a typo)
    "village": (200, 150),  # agriculture, poultry, fishing
}
# Months away: seasonal work lasts 4-6 months; workers in Thailand rarely visit home in 2-3 years.
MONTHS_AWAY = {"abroad": 24, "city": 6, "sez": 6}
PASSPORT_2018 = 100  # ordinary passport in 15 working days (2018 price list)
REGULAR_ROUTE_TOTAL = 600  # UNODC: the regular route to Thailand costs about $600-750
BROKER_FEE = 215  # report: brokers charge about $215 to cross and find a job
REGULAR_WAIT_MONTHS = 3  # UNODC: the regular route takes 3-6 months

# What a person may change, with the largest value that still makes sense (typos beyond it are
# refused rather than believed).
FIELDS: dict[str, int] = {
    "go_income": 100_000,
    "go_expenses": 100_000,
    "stay_income": 100_000,
    "stay_expenses": 100_000,
    "months_away": 120,
    "waiting_months": 36,
    "passport": 100_000,
    "fee": 100_000,
    "travel": 100_000,
    "debt": 1_000_000,
    "interest_percent": 100,
}


@dataclass(frozen=True)
class Plan:
    """One person's numbers (USD, whole numbers; interest is percent per month)."""

    destination: str
    route: str
    go_income: int
    go_expenses: int
    stay_income: int
    stay_expenses: int
    months_away: int
    waiting_months: int
    passport: int
    fee: int
    travel: int
    debt: int
    interest_percent: int

    def with_value(self, name: str, value: int) -> Plan:
        """The plan with one field changed; ValueError for an unknown field or a wild value."""
        if name not in FIELDS:
            raise ValueError(f"unknown field {name!r}")
        if not 0 <= value <= FIELDS[name]:
            raise ValueError(f"{name} must be between 0 and {FIELDS[name]}")
        if name == "months_away" and value == 0:
            raise ValueError("months_away must be at least 1")
        changes: dict[str, Any] = {name: value}
        return replace(self, **changes)

    @property
    def one_off(self) -> int:
        return self.passport + self.fee + self.travel


def default_plan(destination: str, route: str = "regular") -> Plan:
    """The report's figures for a destination; abroad, the route sets fees and waiting."""
    if destination not in DESTINATIONS or route not in ROUTES:
        raise ValueError(f"unknown destination {destination!r} or route {route!r}")
    go_income, go_expenses = MONTHLY[destination]
    stay_income, stay_expenses = MONTHLY["village"]
    abroad = destination == "abroad"
    regular = abroad and route == "regular"
    return Plan(
        destination=destination,
        route=route if abroad else "regular",
        go_income=go_income,
        go_expenses=go_expenses,
        stay_income=stay_income,
        stay_expenses=stay_expenses,
        months_away=MONTHS_AWAY[destination],
        waiting_months=REGULAR_WAIT_MONTHS if regular else 0,
        passport=PASSPORT_2018 if regular else 0,
        fee=(REGULAR_ROUTE_TOTAL - PASSPORT_2018) if regular else (BROKER_FEE if abroad else 0),
        travel=0,
        debt=0,
        interest_percent=0,
    )


@dataclass(frozen=True)
class Comparison:
    go_left_monthly: int
    stay_left_monthly: int
    interest: int  # total interest paid on the debt until coming home
    months: int  # the whole stay: waiting for papers plus months away
    go_total: int
    stay_total: int
    unpaid_two_months: int  # going, if two months' wages are never paid

    @property
    def difference(self) -> int:
        """How much more going leaves than staying (negative: staying leaves more)."""
        return self.go_total - self.stay_total


def compare(plan: Plan) -> Comparison:
    """Going and staying over the same months, so the two totals can be compared."""
    months = plan.waiting_months + plan.months_away
    stay_left = plan.stay_income - plan.stay_expenses
    go_left = plan.go_income - plan.go_expenses
    # Simple monthly interest on what was borrowed, paid until the person is back.
    interest = int(
        (Decimal(plan.debt) * plan.interest_percent * months / 100).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    )
    go_total = (
        plan.waiting_months * stay_left + plan.months_away * go_left - plan.one_off - interest
    )
    return Comparison(
        go_left_monthly=go_left,
        stay_left_monthly=stay_left,
        interest=interest,
        months=months,
        go_total=go_total,
        stay_total=months * stay_left,
        unpaid_two_months=go_total - 2 * plan.go_income,
    )
