"""Broker reports through the outbox: the village chief and staff, the commune's other chiefs
(without the reporter), and a "pattern" alert to staff when reports from different people in a
district share a phone number or a name.

Rendered when sent, from the stored report: a report erased since (its named reporter used
/delete) is not sent. The reporter's Telegram name, their village and where they met the
broker travel only in the copies for their own village's chiefs and staff, never in a
neighbour's.
"""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.helpers import mention_html

from app.context import BotContext
from content.texts import Html
from delivery.recipients import copies, leader_chats, staff_chats
from domain.broker_marks import mark_kind, mark_value
from storage.broker_reports import Pattern
from storage.outbox import NORMAL, NewMessage, OutboxRow

Rendered = tuple[str, InlineKeyboardMarkup | None]


def village_name(context: BotContext, lang: str, village_code: str | None) -> Html:
    """The village by name and commune (safe HTML), for the people who read a report."""
    t = context.content.texts
    if village_code is None:
        return t.get(lang, "broker.no_village")
    path = context.content.places.village_path(village_code)
    if path is None:  # a village no longer offered: its code still says which one
        return Html(html.escape(village_code))
    _, commune, village = path
    return t.get(lang, "broker.village", village=village.name(lang), commune=commune.name(lang))


async def neighbour_chiefs(context: BotContext, village_code: str | None) -> list[int]:
    """Leaders of the other villages of the same commune (not those who lead this one too)."""
    path = context.content.places.village_path(village_code) if village_code else None
    if path is None:
        return []
    _, commune, _ = path
    own = set(await leader_chats(context, village_code))
    chats: set[int] = set()
    for village in context.content.places.villages(commune.code):
        if village.code != village_code:
            chats.update(await leader_chats(context, village.code))
    return sorted(chats - own)


def district_of(context: BotContext, village_code: str | None) -> str | None:
    path = context.content.places.village_path(village_code) if village_code else None
    return path[0].code if path else None


def report_messages(
    context: BotContext,
    report_id: int,
    *,
    leaders: list[int],
    neighbours: list[int],
    reporter: tuple[int, str] | None,
    patterns: list[Pattern],
) -> list[NewMessage]:
    """The copies of one report, and one pattern alert per mark it completes."""
    group = f"broker:{report_id}"
    named: dict[str, Any] = {"reporter": list(reporter)} if reporter else {}
    user_id = reporter[0] if reporter else None
    about: dict[str, Any] = {"user_id": user_id, "ref_id": report_id}
    messages = copies(group, "broker_report", "leader", leaders, payload=named, **about)
    messages += copies(
        group, "broker_report", "staff", staff_chats(context), payload=named, **about
    )
    # The neighbours' copies carry no reporter at all, not even their id.
    messages += copies(
        group,
        "broker_report",
        "leader",
        neighbours,
        payload={"neighbour": True},
        ref_id=report_id,
        suffix=":near",
    )
    for pattern in patterns:
        messages += copies(
            f"broker_pattern:{report_id}:{pattern.mark}",
            "broker_pattern",
            "staff",
            staff_chats(context),
            priority=NORMAL,
            ref_id=report_id,
            payload={"mark": pattern.mark, "reports": list(pattern.report_ids)},
        )
    return messages


async def render_broker_report(context: BotContext, lang: str, row: OutboxRow) -> Rendered | None:
    report = await context.store.broker_report(row.ref_id or 0)
    if report is None:
        return None
    t = context.content.texts
    if row.payload.get("neighbour"):
        # Who and what only: not the reporter, not where they met, and not their village
        # (review N4): a broker approaches a handful of people in a village, so the village
        # points to her. broker.intro tells the reporter exactly this.
        text = t.get(
            lang,
            "broker.neighbour_notice",
            number=report.report_id,
            who=report.who,
            promised=report.promised,
        )
        return text, None
    village = village_name(context, lang, report.village_code)
    reporter = row.payload.get("reporter")
    if reporter:
        person = Html(mention_html(int(reporter[0]), str(reporter[1])))
        sender = t.get(lang, "broker.from_named", person=person)
    else:
        sender = t.get(lang, "broker.from_anonymous")
    text = t.get(
        lang,
        "broker.notice",
        number=report.report_id,
        village=village,
        who=report.who,
        place=report.place,
        promised=report.promised,
        sender=sender,
    )
    return text, None


async def render_pattern(context: BotContext, lang: str, row: OutboxRow) -> Rendered | None:
    report = await context.store.broker_report(row.ref_id or 0)
    if report is None:
        return None
    t = context.content.texts
    mark = str(row.payload["mark"])
    district = context.content.places.district(district_of(context, report.village_code) or "")
    numbers = ", ".join(f"{int(n)}" for n in row.payload.get("reports", []))
    text = t.get(
        lang,
        "broker.pattern",
        count=len(row.payload.get("reports", [])),
        district=district.name(lang) if district else "",
        what=t.raw(lang, f"broker.pattern_{mark_kind(mark)}"),
        mark=mark_value(mark),
        reports=numbers,
    )
    return text, None
