"""What those handling a family's report read: whom the family cannot reach, since when."""

from __future__ import annotations

from app.context import BotContext
from storage.rows import Alert


async def family_blocks(context: BotContext, lang: str, alert: Alert) -> list[str]:
    """The relative as the family described them, and how to reach the family."""
    t = context.content.texts
    report = await context.store.family_report_of_case(alert.alert_id)
    if report is None:  # the family erased their data: the case is all that is left
        return [t.get(lang, "alert.how_to_help_family")]
    went = (
        t.raw(lang, "family.case_unknown")
        if report.went_to == "unknown"
        else t.raw(lang, f"plan.opt.destination.{report.went_to}")
    )
    blocks: list[str] = [
        t.get(
            lang,
            "family.case_who",
            name=report.name,
            relationship=t.raw(lang, f"family.case_rel.{report.relationship}"),
            went=went,
            since=t.raw(lang, f"family.since.{report.since}"),
        )
    ]
    if report.phone:
        blocks.append(t.get(lang, "family.case_phone", phone=report.phone))
    blocks.append(t.get(lang, "family.case_contact", user_id=str(report.reporter_user_id)))
    blocks.append(t.get(lang, "alert.how_to_help_family"))
    return blocks
