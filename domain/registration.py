"""A departure's row from the form's answers: the one mapping /plan and a chief's registration
share (conversations/departure.py, conversations/assisted_open.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.departure import Answers, risk_flags, stored_reason


def departure_values(answers: Answers, user_id: int, village_code: str | None) -> dict[str, Any]:
    """What ``register_departure`` stores for these (complete) answers."""
    return {
        "user_id": user_id,
        "for_self": answers["who"] == "self",
        "name": answers["name"],
        "gender": answers["gender"],
        "age": answers["age"],
        "village_code": village_code,
        "destination": answers["destination"],
        "work": answers["work"],
        "duration": answers["duration"],
        "channel": answers["channel"],
        "agency": answers.get("agency_label") or answers.get("agency_name"),
        "documents": tuple(answers["documents"]),
        "employer_phone": answers.get("employer_phone"),
        "wage": answers.get("wage"),
        "depart_on": date.fromisoformat(answers["depart_on"]),
        "arrive_on": date.fromisoformat(answers["arrive_on"]),
        "reason": stored_reason(answers),
        "family_phone": answers.get("family_phone"),
        "risk_flags": risk_flags(answers),
        "name_voice": answers.get("name_voice"),
    }
