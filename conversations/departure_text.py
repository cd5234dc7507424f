"""How a departure reads: the villager's review and the leader's notice share these lines."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from app.context import BotContext
from content.formatting import format_day, format_usd
from domain.departure import (
    FIELDS,
    UNKNOWN,
    family_phone_passed_on,
    risk_flags,
    shared_reason,
)
from storage.rows import Departure

# Fields not shown on their own line (folded into another, or only steering the form).
HIDDEN = {"who", "agency", "agency_name", "reason_shared"}


def answers_of(departure: Departure, *, for_owner: bool = False) -> dict[str, Any]:
    """A stored departure as form answers, so it reads the same as the review did.

    Everyone gets the reason a leader may see: a reason kept from the chief reads "prefers not
    to say", also for the person themselves (``for_owner``, /mydata), since whoever holds a
    shared phone can open that. A leader does not get the family phone of someone who left
    violence at home; the person does.
    """
    reason = shared_reason(departure.reason)
    kept_back = reason.endswith("_private")
    phone = (
        departure.family_phone if for_owner or family_phone_passed_on(departure.reason) else None
    )
    return {
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
        "reason": reason.removesuffix("_private"),
        "reason_shared": "no" if kept_back else None,
        "family_phone": phone,
    }


def value_text(context: BotContext, lang: str, field_id: str, answers: Mapping[str, Any]) -> str:
    """One answer in words: option labels, dates, money; "not given" for a skipped one."""
    t = context.content.texts
    value = answers.get(field_id)
    agency = answers.get("agency_label") or answers.get("agency_name")
    if field_id == "channel" and value == "agency" and agency:
        return t.get(lang, "plan.agency_named", agency=agency)
    if value is None or value == "":
        return t.raw(lang, "mydata.not_given")
    if field_id == "reason" and answers.get("reason_shared") == "no":
        return t.raw(lang, f"plan.opt.reason.{value}_private")
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
