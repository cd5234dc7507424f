"""Who is looking at a record, and the policy's lens for them (``domain/visibility.py``).

Every screen that shows a person or a case gets its lens here: from the presser of a button,
or from the role and chat of a queued message when it is rendered. A chief is a chief of the
record's village *now*: a revoked chief, or one of another village, sees nothing of it.
"""

from __future__ import annotations

from dataclasses import replace

from app.context import BotContext
from delivery.recipients import staff_chats
from domain.departure import staff_only
from domain.visibility import Circumstances, Lens, Piece, Viewer, circumstances_of
from storage.family import FamilyReport
from storage.rows import Alert, Departure


async def viewer_of(
    context: BotContext, user_id: int, village_code: str | None, *, owner: int | None
) -> Viewer:
    """Who this account is, seen from a record of this village about ``owner``."""
    if owner is not None and user_id == owner:
        return Viewer.PERSON
    if user_id in context.services.config.staff_user_ids or user_id in staff_chats(context):
        return Viewer.STAFF
    villages = await context.store.led_villages(user_id)
    if village_code is not None and village_code in villages:
        return Viewer.CHIEF
    if village_code is not None and await context.store.revoked_from(user_id, village_code):
        return Viewer.REVOKED_CHIEF
    return Viewer.CHIEF_ELSEWHERE if villages else Viewer.STRANGER


async def row_viewer(
    context: BotContext, role: str, chat_id: int, village_code: str | None, owner: int | None
) -> Viewer:
    """The viewer of a queued message: its role, checked again against who the chat is now."""
    if role == "staff":
        return Viewer.STAFF
    if role == "person":
        return Viewer.PERSON if owner is None or chat_id == owner else Viewer.STRANGER
    return await viewer_of(context, chat_id, village_code, owner=owner)


async def relative_circumstances(context: BotContext, report: FamilyReport) -> Circumstances:
    """A family's report, seen from the relative it is about (if the bot knows them)."""
    reason = None
    if report.relative_id is not None:
        trips = await context.store.departures_of(report.relative_id)
        # The most protective of their trips: one kept from the chief protects them all.
        kept = [d for d in trips if staff_only(d.reason)]
        reason = (kept or trips)[0].reason if trips else None
    return circumstances_of(reason, relative_answer=report.relative_answer, family_case=True)


async def case_circumstances(context: BotContext, alert: Alert) -> Circumstances:
    """An alert's circumstances: its departure's reason (or the person's newest), erased, open."""
    if alert.kind == "family":
        report = await context.store.family_report_of_case(alert.alert_id)
        if report is not None:
            found = await relative_circumstances(context, report)
            return replace(found, case_open=alert.resolved_at is None)
        return circumstances_of(None, case_open=alert.resolved_at is None, family_case=True)
    departure = await context.store.departure(alert.departure_id) if alert.departure_id else None
    if departure is None and alert.user_id is not None:
        trips = await context.store.departures_of(alert.user_id)
        departure = next((d for d in trips if d.status == "active"), None)
    return circumstances_of(
        departure.reason if departure else None,
        erased=alert.erased_at is not None or alert.user_id is None,
        case_open=alert.resolved_at is None,
    )


async def case_lens(context: BotContext, alert: Alert, viewer: Viewer) -> Lens:
    return Lens(viewer, await case_circumstances(context, alert))


def departure_lens(departure: Departure, viewer: Viewer) -> Lens:
    return Lens(viewer, circumstances_of(departure.reason))


async def chiefs_may_know(context: BotContext, user_id: int, departure: Departure | None) -> bool:
    """Whether the village's chiefs may be told of this person now (an alert, a notice, news):
    not when they asked that only staff know where and when, on this trip or their current one.
    """
    trips = [departure] if departure is not None else []
    trips += [d for d in await context.store.departures_of(user_id) if d.status == "active"]
    return not any(staff_only(d.reason) for d in trips)


async def chats_that_may_see(
    context: BotContext, alert: Alert, chats: list[tuple[str, int]], piece: Piece
) -> list[tuple[str, int]]:
    """Of these (role, chat) copies of a case, those whose reader may see this piece now (a
    location or a voice: staff alone after violence at home; never a chief revoked since)."""
    circumstances = await case_circumstances(context, alert)
    kept = []
    for role, chat in chats:
        viewer = await row_viewer(context, role, chat, alert.village_code, alert.user_id)
        if Lens(viewer, circumstances).shows(piece):
            kept.append((role, chat))
    return kept


def visible_departures(departures: list[Departure], viewer: Viewer) -> list[Departure]:
    """The departures this viewer may know of at all (a chief: not one only staff may know of)."""
    return [d for d in departures if departure_lens(d, viewer).shows(Piece.NAME)]


def scope_viewer(scope: list[str] | None) -> Viewer:
    """The viewer of a list over villages in scope: staff (all) or a chief (theirs)."""
    return Viewer.STAFF if scope is None else Viewer.CHIEF


async def only_staff_may_relink(context: BotContext, user_id: int) -> bool:
    """Whether a new-phone code for this person is for staff alone to make: someone with an
    open case, or whose trip has a reason kept from the chief or one of those after which they
    chose who may know (violence at home, creditors). A chief sees as much of these as he may:
    the case, or "prefers not to say", so being refused tells him nothing new."""
    if await context.store.open_cases_of(user_id):
        return True
    for departure in await context.store.departures_of(user_id):
        c = circumstances_of(departure.reason)
        if c.violence or c.creditors or c.staff_only or c.reason_kept:
            return True
    return False
