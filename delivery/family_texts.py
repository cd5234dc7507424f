"""What those handling a family's report read: whom the family cannot reach, since when."""

from __future__ import annotations

from app.context import BotContext
from domain.visibility import Lens, Piece, Viewer
from storage.rows import Alert


async def family_blocks(context: BotContext, lang: str, alert: Alert, lens: Lens) -> list[str]:
    """The relative as the family described them, and how to reach the family (by the policy).

    A chief (maybe the family's neighbour) is asked to talk with the family, not to call the
    relative: staff try first, since someone may have left for a reason of their own, and the
    chief's card must read the same whether or not the relative answered the bot.
    """
    t = context.content.texts
    advice = t.get(
        lang,
        "alert.how_to_help_family"
        if lens.viewer is Viewer.STAFF
        else "alert.how_to_help_family_chief",
    )
    report = await context.store.family_report_of_case(alert.alert_id)
    if report is None or not lens.shows(Piece.REPORTED):  # the family erased their data
        return [advice]
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
    if report.phone and lens.shows(Piece.REPORTED_PHONE):
        blocks.append(t.get(lang, "family.case_phone", phone=report.phone))
    if lens.shows(Piece.REPORTER_CONTACT):
        blocks.append(t.get(lang, "family.case_contact", user_id=str(report.reporter_user_id)))
    blocks.append(advice)
    return blocks
