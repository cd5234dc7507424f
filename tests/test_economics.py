"""The economic analysis against the report's own table, and its arithmetic."""

from __future__ import annotations

import pytest

from domain.economics import compare, default_plan


@pytest.mark.parametrize(
    ("destination", "left"),
    [("abroad", 42), ("city", 40), ("sez", 50)],
)
def test_money_left_each_month_is_the_reports(destination: str, left: int) -> None:
    result = compare(default_plan(destination))
    assert result.go_left_monthly == left
    assert result.stay_left_monthly == 50  # the village: $200 in, $150 out


def test_the_broker_route_is_cheaper_up_front() -> None:
    regular, broker = default_plan("abroad", "regular"), default_plan("abroad", "broker")
    assert (regular.one_off, broker.one_off) == (600, 215)
    assert (regular.waiting_months, broker.waiting_months) == (3, 0)


def test_whole_stay_abroad_by_the_legal_route() -> None:
    result = compare(default_plan("abroad", "regular"))
    # 3 months waiting at home (3 x 50) + 24 months away (24 x 42) - $600 of papers and fees
    assert result.months == 27
    assert result.go_total == 150 + 1008 - 600 == 558
    assert result.stay_total == 27 * 50 == 1350
    assert result.difference == -792
    assert result.unpaid_two_months == 558 - 520


def test_debt_interest_counts_every_month_until_home() -> None:
    plan = (
        default_plan("abroad", "broker").with_value("debt", 215).with_value("interest_percent", 5)
    )
    result = compare(plan)
    assert result.interest == round(215 * 0.05 * 24) == 258
    assert result.go_total == 24 * 42 - 215 - 258


def test_changing_a_value_keeps_the_rest() -> None:
    plan = default_plan("city").with_value("go_income", 300)
    assert (plan.go_income, plan.go_expenses, plan.months_away) == (300, 130, 6)
    assert compare(plan).go_total == 6 * 170


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("go_income", -1),
        ("months_away", 0),
        ("months_away", 121),
        ("interest_percent", 101),
        ("x", 1),
    ],
)
def test_wild_values_are_refused(name: str, value: int) -> None:
    with pytest.raises(ValueError):
        default_plan("sez").with_value(name, value)
