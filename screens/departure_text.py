"""How a departure reads: the villager's review and the leader's notice share these lines."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from app.context import BotContext
from content.formatting import format_day, format_usd
from domain.departure import FIELDS, PRIVATE, UNKNOWN, audience_of, base_reason, risk_flags
from domain.visibility import Lens, Piece
from storage.rows import Departure

# Fields not shown on their own line (folded into another, or only steering the form).
HIDDEN = {"who", "agency", "agency_name", "reason_shared"}


# Which piece of the policy each answer of the form is (domain/visibility.py).
PIECE_OF = {
    "name": Piece.NAME,
    "name_voice": Piece.NAME,  # the name as said
    "gender": Piece.GENDER,
    "age": Piece.AGE,
    "destination": Piece.DESTINATION,
    "work": Piece.WORK,
    "duration": Piece.WORK,
    "channel": Piece.WORK,
    "agency_label": Piece.WORK,
    "documents": Piece.WORK,
    "passport_until": Piece.PAPER_DATES,
    "employer_phone": Piece.EMPLOYER_PHONE,
    "wage": Piece.WORK,
    "depart_on": Piece.DATES,
    "arrive_on": Piece.DATES,
    "reason": Piece.REASON,
    "family_phone": Piece.FAMILY_PHONE,
}


def answers_of(departure: Departure, lens: Lens) -> dict[str, Any]:
    """A stored departure as form answers, as this viewer may read them (the policy's lens).

    A hidden piece is left out, so its line is not shown; a reason kept back reads "prefers not
    to say" (also for the person themselves, since whoever holds a shared phone can open
    /mydata, and for staff, since the person was told only they see it).
    """
    answers: dict[str, Any] = {
        "who": "self" if departure.for_self else "family",
        "name": departure.name,
        "gender": departure.gender,
        "age": departure.age,
        "destination": departure.destination,
        "work": departure.work,
        "duration": departure.duration,
        "channel": departure.channel,
        "agency_label": departure.agency,
        "documents": list(departure.documents),
        "employer_phone": departure.employer_phone,
        "wage": departure.wage,
        "depart_on": departure.depart_on.isoformat(),
        "arrive_on": departure.arrive_on.isoformat(),
        "reason": base_reason(departure.reason),
        "reason_shared": audience_of(departure.reason),
        "family_phone": departure.family_phone,
        "name_voice": departure.name_voice,
    }
    if lens.masks(Piece.REASON):
        answers["reason"], answers["reason_shared"] = PRIVATE, None
    return {
        field_id: value
        for field_id, value in answers.items()
        if field_id not in PIECE_OF or not lens.hides(PIECE_OF[field_id])
    }


def value_text(context: BotContext, lang: str, field_id: str, answers: Mapping[str, Any]) -> str:
    """One answer in words: option labels, dates, money; "not given" for a skipped one."""
    t = context.content.texts
    value = answers.get(field_id)
    agency = answers.get("agency_label") or answers.get("agency_name")
    if field_id == "channel" and value == "agency" and agency:
        return t.get(lang, "plan.agency_named", agency=agency)
    if field_id == "name" and answers.get("name_voice"):
        return t.raw(lang, "plan.name_said")  # the voice itself follows the notice
    if value is None or value == "":
        return t.raw(lang, "mydata.not_given")
    if field_id == "reason" and answers.get("reason_shared") == "staff":
        return t.raw(lang, f"plan.opt.reason.{value}_private")
    if field_id == "reason" and answers.get("reason_shared") == "no":
        return t.raw(lang, f"plan.opt.reason.{value}_hidden")
    spec = next(f for f in FIELDS if f.id == field_id)
    if spec.kind == "choice":
        return t.raw(lang, f"plan.opt.{field_id}.{value}")
    if spec.kind == "multi":
        chosen = [t.raw(lang, f"plan.opt.{field_id}.{v}") for v in value]
        return ", ".join(chosen) if chosen else t.raw(lang, "plan.opt.documents.none")
    if spec.kind == "date":
        return format_day(date.fromisoformat(value), lang)
    if spec.kind == "expiry":
        if value == UNKNOWN:
            return t.raw(lang, "documents.unknown")
        return format_day(date.fromisoformat(value), lang)
    if field_id == "wage":
        return t.get(lang, "plan.per_month", amount=format_usd(int(value), lang))
    if spec.kind == "number":
        return t.get(lang, "plan.number", value=int(value))
    return str(value)


def summary(context: BotContext, lang: str, answers: Mapping[str, Any]) -> str:
    """Every answer on its own line, user text escaped."""
    t = context.content.texts
    lines = []
    for spec in FIELDS:
        if spec.id in HIDDEN or not spec.when(answers) or spec.id not in answers:
            continue
        lines.append(
            t.get(
                lang,
                "plan.line",
                label=t.raw(lang, f"plan.label.{spec.id}"),
                value=value_text(context, lang, spec.id, answers),
            )
        )
    return "\n".join(lines)


def risk_advice(context: BotContext, lang: str, answers: Mapping[str, Any]) -> str:
    """Tailored advice for each risk the answers show (empty when there is none)."""
    t = context.content.texts
    flags = risk_flags(answers)
    if not flags:
        return ""
    return "\n\n".join(
        [t.get(lang, "plan.risk_title"), *(t.get(lang, f"plan.risk.{f}") for f in flags)]
    )


def flag_names(context: BotContext, lang: str, flags: tuple[str, ...]) -> str:
    t = context.content.texts
    return ", ".join(t.raw(lang, f"plan.flag.{flag}") for flag in flags)
