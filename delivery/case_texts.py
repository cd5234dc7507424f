"""What a case looks like to those handling it: the alert, where it stands, its buttons."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardMarkup

from app.context import BotContext
from content.formatting import format_day
from delivery.texts import alert_text
from delivery.viewers import case_lens
from domain.report import OUTCOMES
from domain.visibility import Lens, Piece, Viewer
from screens.buttons import keyboard
from storage.rows import Alert, CaseEvent

CASE_PREFIX = "case"


def _day(context: BotContext, when: datetime, lang: str) -> str:
    return format_day(when.astimezone(context.services.config.timezone).date(), lang)


def _last(events: list[CaseEvent], kind: str) -> CaseEvent | None:
    return next((e for e in reversed(events) if e.kind == kind), None)


def handler_name(context: BotContext, lang: str, events: list[CaseEvent]) -> str:
    """The name the handler gave when taking the case on (or a neutral word once erased)."""
    taken = _last(events, "taken")
    name = taken.detail.get("name") if taken else None
    return str(name) if name else context.content.texts.raw(lang, "case.someone")


def organisation_name(context: BotContext, lang: str, org: str) -> str:
    t = context.content.texts
    contact = next((c for c in context.content.contacts.contacts if c.id == org), None)
    return contact.names[lang] if contact else t.raw(lang, "case.org_other")


def case_status(
    context: BotContext, lang: str, alert: Alert, events: list[CaseEvent], lens: Lens
) -> str:
    """Where the case stands, a line each: taken on, handed on, notes, closed, erased.

    What a relative the family asked about answered privately, and whether they answered at
    all, is as the policy says: staff see it; a chief (maybe the family's neighbour) sees only
    that they said they are safe.
    """
    t = context.content.texts
    lines = [t.get(lang, "case.number", number=alert.alert_id)]
    if alert.erased_at is not None:
        lines.append(t.get(lang, "case.erased_line"))
    if alert.acknowledged_at is not None:
        lines.append(
            t.get(
                lang,
                "case.taken_line",
                name=handler_name(context, lang, events),
                date=_day(context, alert.acknowledged_at, lang),
            )
        )
    if alert.handed_to:
        lines.append(
            t.get(lang, "case.handed_line", org=organisation_name(context, lang, alert.handed_to))
        )
    notes = [e for e in events if e.kind == "note"]
    if notes and not lens.hides(Piece.NOTES):
        lines.append(
            t.get(lang, "case.notes_line", count=len(notes), date=_day(context, notes[-1].at, lang))
        )
    answered = _last(events, "relative")
    if answered is not None and lens.shows(Piece.RELATIVE_ANSWER):
        lines.append(t.get(lang, f"case.relative.{answered.detail.get('answer', 'nothing')}"))
    if alert.resolved_at is not None:
        closed = _last(events, "closed")
        lines.append(
            t.get(
                lang,
                "case.closed_line",
                outcome=t.raw(lang, f"case.outcome.{alert.outcome or 'other'}"),
                name=str(closed.detail.get("name") or "") if closed else "",
                date=_day(context, alert.resolved_at, lang),
            )
        )
    else:
        reopened = _last(events, "reopened")
        if reopened is not None:
            lines.append(t.get(lang, "case.reopened_line", date=_day(context, reopened.at, lang)))
    return "\n".join(lines)


def case_buttons(context: BotContext, lang: str, alert: Alert) -> InlineKeyboardMarkup | None:
    """Take it on (while nobody has), note, hand on, close; nothing once it is closed."""
    if alert.resolved_at is not None:
        return None
    t = context.content.texts
    n = alert.alert_id
    rows: list[list[tuple[str, str]]] = []
    if alert.acknowledged_at is None:
        rows.append([(t.raw(lang, "case.take"), f"{CASE_PREFIX}:take:{n}")])
    rows.append(
        [
            (t.raw(lang, "case.note"), f"{CASE_PREFIX}:note:{n}"),
            (t.raw(lang, "case.hand"), f"{CASE_PREFIX}:hand:{n}"),
        ]
    )
    rows.append(
        [
            (t.raw(lang, "case.history"), f"{CASE_PREFIX}:hist:{n}"),
            (t.raw(lang, "case.close"), f"{CASE_PREFIX}:close:{n}"),
        ]
    )
    return keyboard(rows)


FEEDBACK = ("yes", "partly", "no")


def closed_buttons(
    context: BotContext, lang: str, alert_id: int, feedback: object = False
) -> InlineKeyboardMarkup:
    """Under "it is finished": I still need help; and did you get the help you needed?"""
    t = context.content.texts
    rows = [[(t.raw(lang, "case.still_need_help"), f"{CASE_PREFIX}:again:{alert_id}")]]
    if feedback:
        rows.append(
            [
                (t.raw(lang, f"case.feedback.{a}"), f"{CASE_PREFIX}:fb:{alert_id}:{a}")
                for a in FEEDBACK
            ]
        )
    return keyboard(rows)


def outcome_rows(context: BotContext, lang: str, alert_id: int) -> list[list[tuple[str, str]]]:
    """One outcome a row (what happened, for the report), then "back"."""
    t = context.content.texts
    rows = [
        [(t.raw(lang, f"case.outcome.{o}"), f"{CASE_PREFIX}:out:{alert_id}:{o}")] for o in OUTCOMES
    ]
    return [*rows, [(t.raw(lang, "case.back"), f"{CASE_PREFIX}:back:{alert_id}")]]


async def case_card(
    context: BotContext, lang: str, alert: Alert, viewer: Viewer
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """The alert as this handler sees it now: what happened, where it stands, buttons.

    None when the policy lets this viewer see nothing of it (a revoked chief, a chief of a
    record only staff may know of).
    """
    lens = await case_lens(context, alert, viewer)
    if viewer not in (Viewer.CHIEF, Viewer.STAFF) or not lens.sees_anything():
        return None
    events = await context.store.case_events(alert.alert_id)
    status = case_status(context, lang, alert, events, lens)
    text = f"{await alert_text(context, lang, alert, lens)}\n\n{status}"
    return text, case_buttons(context, lang, alert)
