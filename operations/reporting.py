"""The programme report for a scope and period: gathered from the store, shown as text, a
spreadsheet (CSV) and a chart (PNG) with labels in the reader's language.

Shared by /report in Telegram and ``python bot.py report`` on the command line.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from content.bundle import Content
from content.formatting import format_day
from content.texts import Html
from domain.clock import Clock
from domain.report import MASKED, Report, build_report, mask
from printables.drawing import DRAWING_LOCK
from storage.store import Store

MASK_BELOW = 3  # in a commune or village, counts of 1 and 2 could point at a person
CHART_TABLES = ("departures_destination", "departures_channel", "checkin_answers", "problems")
LABEL_KEYS = {
    "departures_gender": "plan.opt.gender.{}",
    "departures_place": "leader.place.{}",
    "departures_destination": "plan.opt.destination.{}",
    "departures_work": "plan.opt.work.{}",
    "departures_channel": "leader.channel.{}",
    "departures_duration": "plan.opt.duration.{}",
    "departures_reason": "plan.opt.reason.{}",
    "follow_up": "report.follow_up.{}",
    "alert_speed": "report.alert_speed.{}",
    "cases_feedback": "report.feedback.{}",
    "checkin_answers": "checkin.answer.{}",
    "alerts_kind": "report.alert_kind.{}",
    "cases_outcome": "case.outcome.{}",
    "cases_open_age": "report.case_age.{}",
    "returns_wage": "returning.opt.wage.{}",
    "returns_savings": "returning.opt.savings.{}",
    "awareness": "report.awareness.{}",
    "documents": "documents.report.{}",
    "outreach": "report.outreach.{}",
    "entries": "report.entry.{}",
}


@dataclass(frozen=True)
class Scope:
    code: str  # "" for every village
    villages: list[str] | None
    small: bool  # a commune or a village: small numbers are masked


def resolve_scope(content: Content, code: str) -> Scope | None:
    """All villages, a district, a commune or a village, by official code; None if unknown."""
    places = content.places
    if code in ("", "all"):
        return Scope("", None, False)
    if places.district(code) is not None:
        villages = [v.code for c in places.communes(code) for v in places.villages(c.code)]
        return Scope(code, villages, False)
    if places.commune(code) is not None:
        return Scope(code, [v.code for v in places.villages(code)], True)
    if places.village(code) is not None:
        return Scope(code, [code], True)
    return None


def scope_name(content: Content, lang: str, scope: Scope) -> str:
    places = content.places
    place = places.district(scope.code) or places.commune(scope.code) or places.village(scope.code)
    return place.name(lang) if place else content.texts.raw(lang, "report.scope_all")


async def gather(
    store: Store,
    clock: Clock,
    content: Content,
    scope: Scope,
    days: int | None,
    zone: object,
    take_on: tuple[timedelta, timedelta] | None = None,
    *,
    silence_days: int,
) -> tuple[Report, date, date]:
    """Counts everything for the scope over the last ``days`` days (None: since the start).

    ``silence_days`` is how long a silence lasts before its alert (``Config.silence_days``),
    for the label of those alerts."""
    now = clock.now()
    end = now + timedelta(microseconds=1)  # what happened at this very moment counts too
    start = now - timedelta(days=days) if days else datetime(2000, 1, 1, tzinfo=now.tzinfo)
    villages = scope.villages
    today = now.astimezone(zone).date()  # type: ignore[arg-type]
    entries, entry_posters = await store.entry_counts(villages, start, end)
    report = build_report(
        departures=await store.departure_rows(villages, start, end),
        away_now=await store.away_now(villages, today),
        checkins_sent=await store.checkins_sent(villages, start, end),
        answers=await store.checkin_answers(villages, start, end),
        problems=await store.problems_named(villages, start, end),
        alerts=await store.alert_rows(villages, start, end),
        open_cases=await store.open_case_starts(villages),
        now=now,
        out_of_contact=await store.out_of_contact(villages),
        returns=await store.return_rows(villages, start, end),
        awareness=await store.awareness_counts(villages, start, end),
        papers=await store.document_counts(villages, start, end, today),
        outreach={
            **await store.refresher_counts(villages, start, end),
            **await store.announcement_counts(villages, start, end),
        },
        entries=entries,
        entry_posters=entry_posters,
        take_on=take_on,
        silence_days=silence_days,
    )
    if scope.small:
        report = mask(report, MASK_BELOW)
    first = start.astimezone(zone).date() if days else today  # type: ignore[arg-type]
    return report, first, today


def label(content: Content, lang: str, report: Report, table_id: str, key: str) -> str:
    if table_id == "alerts_kind" and key == "silence":  # how long, from the settings
        return content.texts.plain(lang, "report.alert_kind.silence", days=report.silence_days)
    if table_id == "problems":
        problem = next((p for p in content.problems if p.id == key), None)
        return problem.labels[lang] if problem else key
    if table_id == "entries_poster":  # keyed by the poster's village code
        village = content.places.village(key)
        return village.name(lang) if village else key
    return content.texts.raw(lang, LABEL_KEYS[table_id].format(key))


def _count(content: Content, lang: str, count: int) -> str:
    if count == MASKED:
        return content.texts.plain(lang, "report.masked", below=MASK_BELOW)
    return content.texts.plain(lang, "report.count", count=count)


def render_text(
    content: Content,
    lang: str,
    report: Report,
    scope: Scope,
    first: date,
    last: date,
    all_time: bool,
) -> str:
    """The report as a Telegram message (HTML)."""
    t = content.texts
    period = (
        t.get(lang, "report.all_time")
        if all_time
        else t.get(lang, "report.period", start=format_day(first, lang), end=format_day(last, lang))
    )
    blocks: list[str] = [
        t.get(lang, "report.title", scope=scope_name(content, lang, scope), period=Html(period))
    ]
    for table in report.tables:
        if not table.rows:
            continue
        rows = [
            t.get(
                lang,
                "leader.stats_row",
                label=label(content, lang, report, table.id, key),
                count=Html(_count(content, lang, n)),
            )
            for key, n in table.rows
        ]
        heading = t.get(lang, "report.heading", title=t.raw(lang, f"report.table.{table.id}"))
        blocks.append("\n".join([heading, *rows]))
    if len(blocks) == 1:
        blocks.append(t.get(lang, "report.nothing"))
    if scope.small:
        blocks.append(t.get(lang, "report.masked_note", below=MASK_BELOW))
    return "\n\n".join(blocks)


def render_csv(content: Content, lang: str, report: Report) -> bytes:
    """Every table in long form (table, key, label, count) for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["table", "key", "label", "count"])
    for table in report.tables:
        for key, count in table.rows:
            shown = f"<{MASK_BELOW}" if count == MASKED else count
            writer.writerow([table.id, key, label(content, lang, report, table.id, key), shown])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _plain(text: str) -> str:
    """A label without emoji and flags, which the chart font does not have."""
    return "".join(c for c in text if ord(c) < 0x2190 or 0x1780 <= ord(c) <= 0x19FF).strip()


# matplotlib's font cache and text layout are shared by every figure: one drawing at a time,
# the lesson and calculator pictures included.
_CHART_LOCK = DRAWING_LOCK


@cache
def _font() -> str:
    """Registers the Noto Sans Khmer font shipped with its PyPI package (never fetched)."""
    from fontpkg_noto_sans_khmer import ROOT
    from matplotlib import font_manager

    path = next((ROOT / "files").glob("*.ttf"))
    font_manager.fontManager.addfont(str(path))
    return str(font_manager.FontProperties(fname=str(path)).get_name())


def render_chart(content: Content, lang: str, report: Report, title: str) -> bytes:
    """Bar charts a person reads at a glance: where people go, how, and what check-ins say.

    Safe to call from a worker thread (/report draws off the event loop): it uses a Figure of
    its own rather than pyplot's shared state, one drawing at a time.
    """
    with _CHART_LOCK:
        return _render_chart(content, lang, report, title)


def _render_chart(content: Content, lang: str, report: Report, title: str) -> bytes:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    family = _font()
    tables = [report.table(t) for t in CHART_TABLES]
    figure = Figure(figsize=(11, 8), dpi=100)
    axes = figure.subplots(2, 2)
    figure.suptitle(title, fontfamily=family, fontsize=15)
    for axis, table in zip(axes.flat, tables, strict=True):
        assert table is not None
        axis.set_title(
            content.texts.raw(lang, f"report.table.{table.id}"),
            fontfamily=family,
            fontsize=12,
        )
        named = [(label(content, lang, report, table.id, k), n) for k, n in table.rows[:8]]
        rows = [(_plain(text), max(n, 0)) for text, n in named]
        if not rows:
            axis.text(
                0.5,
                0.5,
                content.texts.plain(lang, "report.nothing"),
                ha="center",
                fontfamily=family,
            )
            axis.set_axis_off()
            continue
        labels, counts = zip(*reversed(rows), strict=True)
        bars = axis.barh(range(len(counts)), counts, color="#2f7d6d")
        axis.set_yticks(range(len(labels)), labels=labels, fontfamily=family, fontsize=10)
        masked = [n == MASKED for _, n in reversed(table.rows[:8])]
        for bar, count, hidden in zip(bars, counts, masked, strict=True):
            text = f"<{MASK_BELOW}" if hidden else str(count)
            axis.text(
                bar.get_width(),
                bar.get_y() + bar.get_height() / 2,
                f" {text}",
                va="center",
                fontsize=10,
            )
        axis.spines[["top", "right"]].set_visible(False)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # people come in whole numbers
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")  # a Figure not made by pyplot needs no closing
    return buffer.getvalue()
