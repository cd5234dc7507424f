"""Every button of the four journeys starts with a sign, and no two buttons of one screen share
one (issue 25): a villager who cannot read tells the buttons apart by their signs alone.

Read from the catalogs, screen by screen, so a translator who drops a sign or gives two
buttons the same one finds out here, with the keys and the language. The signs and their one
meaning each are listed in docs/PICTURES.md ("One emoji, one meaning").
"""

from __future__ import annotations

from functools import cache

import pytest

from content.bundle import load_content
from content.texts import Texts
from conversations.returning import QUESTIONS
from domain.departure import FIELDS, SENSITIVE_REASONS
from screens.buttons import leading_sign, tick_label

PILOT = ("0906", "0901")


@cache
def _texts() -> Texts:
    return load_content(districts=PILOT).texts


def _plan_screens() -> dict[str, list[str]]:
    """Each question of /plan with the buttons it shows (besides «back» and «stop»)."""
    found = {}
    for spec in FIELDS:
        keys = [f"plan.opt.{spec.id}.{o}" for o in spec.options if spec.kind != "date"]
        keys += [f"plan.when.{spec.id}.{o}" for o in spec.options if spec.kind == "date"]
        keys += ["plan.done"] if spec.kind == "multi" else []
        keys += ["documents.dont_know"] if spec.kind == "expiry" else []
        keys += ["plan.agency_not_listed"] if spec.kind == "agency" else []
        keys += ["common.skip"] if spec.optional else []
        if keys:
            found[f"plan.{spec.id}"] = [*keys, "common.back", "plan.cancel"]
    found["plan.review"] = ["plan.send", "common.back", "plan.cancel"]
    found["plan.review_staff"] = ["plan.send_staff", "common.back", "plan.cancel"]
    return found


def _returning_screens() -> dict[str, list[str]]:
    return {
        f"returning.{field}": [*(f"returning.opt.{field}.{o}" for o in options), "common.skip"]
        for field, options in QUESTIONS
        if options
    }


SCREENS: dict[str, list[str]] = {
    # journey 1: start (the language buttons are checked below: one label per language)
    "consent": ["consent.agree", "consent.decline"],
    "village": ["onboarding.not_listed"],  # with the villages' names: data, see PICTURES.md
    "not_listed": ["onboarding.continue"],
    "poster": ["onboarding.poster_yes", "onboarding.not_listed"],
    "gender": ["gender.female", "gender.male", "common.skip"],
    "gender_all": ["gender.female", "gender.male", "gender.other"],
    "age": ["age.under_18", "age.18_24", "age.25_35", "age.36_plus", "common.skip"],
    # journey 2: plan
    **_plan_screens(),
    # journey 3: check-in and coming home
    "checkin": [
        "checkin.answer.fine",
        "checkin.answer.problem",
        "checkin.answer.help",
        "checkin.answer.home",
    ],
    "checkin.problems": ["checkin.problems_done", "checkin.clear"],
    **_returning_screens(),
    "returning.problems": ["plan.done", "common.skip"],
    # journey 4: help
    "sos.location": ["case.location_button", "case.location_no"],
    "sos.closed": ["case.still_need_help"],
    "documents.reminder": [
        "documents.answer.renew",
        "documents.answer.numbers",
        "documents.answer.help",
        "documents.answer.later",
    ],
}


def _screen_ids() -> list[str]:
    return sorted(SCREENS)


@pytest.mark.parametrize("lang", ["km", "en"])
@pytest.mark.parametrize("screen", _screen_ids())
def test_each_button_of_a_screen_has_its_own_sign(screen: str, lang: str) -> None:
    t = _texts()
    signs = {key: leading_sign(t.raw(lang, key)) for key in SCREENS[screen]}
    unmarked = [key for key, sign in signs.items() if sign is None]
    assert not unmarked, f"{screen} ({lang}): no leading sign on {unmarked}"
    shared = {s for s in signs.values() if list(signs.values()).count(s) > 1}
    assert not shared, f"{screen} ({lang}): {[k for k, s in signs.items() if s in shared]}"


def test_a_key_has_the_same_sign_in_khmer_and_english() -> None:
    t = _texts()
    keys = {key for keys in SCREENS.values() for key in keys}
    keys |= {k for k in t.keys("km") if k.startswith(("plan.opt.", "plan.when.", "menu."))}
    differ = [
        key
        for key in sorted(keys)
        if leading_sign(t.raw("km", key)) != leading_sign(t.raw("en", key))
    ]
    assert not differ


def test_every_plan_option_and_menu_button_has_a_sign() -> None:
    t = _texts()
    keys = [k for k in t.keys("km") if k.startswith(("plan.opt.", "plan.when.", "menu."))]
    keys = [k for k in keys if k not in ("menu.title", "menu.voice")]  # texts, not buttons
    assert not [k for k in sorted(keys) if leading_sign(t.raw("km", k)) is None]


def test_the_menu_buttons_differ() -> None:
    """A villager's, a chief's and staff's menu are parts of one list of menu.* buttons."""
    t = _texts()
    keys = [
        k for k in t.keys("km") if k.startswith("menu.") and k not in ("menu.title", "menu.voice")
    ]
    signs = [leading_sign(t.raw("km", k)) for k in keys]
    assert len(set(signs)) == len(signs), dict(zip(keys, signs, strict=True))


def test_a_reason_said_privately_keeps_the_reasons_sign() -> None:
    """«Violence at home (only the staff know where you go)» is still 👊 on the review."""
    t = _texts()
    for reason in SENSITIVE_REASONS:
        sign = leading_sign(t.raw("km", f"plan.opt.reason.{reason}"))
        for shown in ("private", "hidden"):
            assert leading_sign(t.raw("km", f"plan.opt.reason.{reason}_{shown}")) == sign


def test_the_language_buttons_are_told_apart_by_their_flags() -> None:
    t = _texts()
    flags = [leading_sign(t.raw(lang, "language.name")) for lang in t.languages]
    assert None not in flags and len(set(flags)) == len(flags) == 2


def test_the_problems_keep_their_own_sign_in_the_returnees_list() -> None:
    """The returnee ticks the check-in's problems: each still starts with its emoji, and the
    box says whether it is ticked."""
    problems = load_content(districts=PILOT).problems
    labels = [tick_label(f"{p.emoji} {p.labels['km']}", False) for p in problems]
    assert [leading_sign(label) for label in labels] == [p.emoji for p in problems]
    assert tick_label("📕 ប៉ាស្ព័រ", True) == "📕 ☑️ ប៉ាស្ព័រ"
    assert tick_label("ប៉ាស្ព័រ", False) == "⬜ ប៉ាស្ព័រ"
