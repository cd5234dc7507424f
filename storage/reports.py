"""Programme numbers: the report's tables, counted from live data for a period and villages.

Every query counts rows; none returns names or messages. ``villages`` None means every village.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from domain.report import CaseRow
from domain.take_on import high_risk
from storage.base import StoreBase, when, within


def _case_row(row: Any) -> CaseRow:
    kind, created, taken, resolved, outcome, details, first, feedback = row
    return CaseRow(
        str(kind),
        datetime.fromisoformat(created),
        when(taken),
        when(resolved),
        outcome,
        high_risk(str(kind), tuple(d for d in str(details).split(",") if d)),
        when(first),
        str(feedback) if feedback else None,
    )


class ReportQueries(StoreBase):
    async def _counter(self, query: str, params: list[Any]) -> Counter[str]:
        async with self._db.execute(query, params) as cursor:
            return Counter({str(key): int(count) async for key, count in cursor if key is not None})

    async def departure_rows(
        self, villages: list[str] | None, start: datetime, end: datetime
    ) -> list[tuple[str, str, str, str, str, str, str]]:
        """(gender, destination, work, channel, documents, duration, reason) of the period."""
        where, params = within("village_code", villages)
        async with self._db.execute(
            "SELECT gender, destination, work, channel, documents, duration, reason FROM departures"
            " WHERE status != 'cancelled' AND created_at >= ? AND created_at < ?" + where,
            [start.isoformat(), end.isoformat(), *params],
        ) as cursor:
            return [tuple(str(v) for v in row) async for row in cursor]  # type: ignore[misc]

    async def away_now(self, villages: list[str] | None, today: date) -> int:
        where, params = within("village_code", villages)
        return await self._count(
            "SELECT COUNT(*) FROM departures WHERE status = 'active' AND depart_on <= ?" + where,
            [today.isoformat(), *params],
        )

    async def checkin_answers(
        self, villages: list[str] | None, start: datetime, end: datetime
    ) -> Counter[str]:
        where, params = within("d.village_code", villages)
        return await self._counter(
            "SELECT c.answer, COUNT(*) FROM checkins c JOIN departures d USING (departure_id)"
            " WHERE c.answered_at >= ? AND c.answered_at < ?" + where + " GROUP BY c.answer",
            [start.isoformat(), end.isoformat(), *params],
        )

    async def checkins_sent(
        self, villages: list[str] | None, start: datetime, end: datetime
    ) -> int:
        where, params = within("d.village_code", villages)
        return await self._count(
            "SELECT COUNT(*) FROM checkins c JOIN departures d USING (departure_id)"
            " WHERE c.sent_at >= ? AND c.sent_at < ?" + where,
            [start.isoformat(), end.isoformat(), *params],
        )

    async def problems_named(
        self, villages: list[str] | None, start: datetime, end: datetime
    ) -> Counter[str]:
        where, params = within("d.village_code", villages)
        return await self._counter(
            "SELECT p.problem_id, COUNT(*) FROM checkin_problems p"
            " JOIN checkins c USING (checkin_id) JOIN departures d USING (departure_id)"
            " WHERE p.answered_at >= ? AND p.answered_at < ?" + where + " GROUP BY p.problem_id",
            [start.isoformat(), end.isoformat(), *params],
        )

    async def alert_rows(
        self, villages: list[str] | None, start: datetime, end: datetime
    ) -> list[CaseRow]:
        """Cases raised in the period: kind, raised, taken on (now and first), closed, outcome,
        whether high-risk, the person's last word on the help they got."""
        where, params = within("village_code", villages)
        return await self._all(
            "SELECT kind, created_at, acknowledged_at, resolved_at, outcome, details,"
            " (SELECT MIN(at) FROM case_events e WHERE e.alert_id = alerts.alert_id"
            "  AND e.kind = 'taken'),"
            " (SELECT json_extract(detail, '$.answer') FROM case_events e"
            "  WHERE e.alert_id = alerts.alert_id AND e.kind = 'feedback'"
            "  ORDER BY event_id DESC LIMIT 1)"
            " FROM alerts WHERE created_at >= ? AND created_at < ?" + where,
            [start.isoformat(), end.isoformat(), *params],
            _case_row,
        )

    async def open_case_starts(self, villages: list[str] | None) -> list[datetime]:
        """When each case still open was raised (the report shows how long they wait)."""
        where, params = within("village_code", villages)
        return await self._all(
            "SELECT created_at FROM alerts WHERE resolved_at IS NULL" + where,
            params,
            lambda row: datetime.fromisoformat(row[0]),
        )

    async def out_of_contact(self, villages: list[str] | None) -> int:
        """Active departures with an open silence or unreachable alert."""
        where, params = within("village_code", villages)
        return await self._count(
            "SELECT COUNT(DISTINCT departure_id) FROM alerts WHERE kind IN ('silence', 'blocked')"
            " AND resolved_at IS NULL AND departure_id IN"
            " (SELECT departure_id FROM departures WHERE status = 'active')" + where,
            params,
        )

    async def return_rows(
        self, villages: list[str] | None, start: datetime, end: datetime
    ) -> list[tuple[str | None, str | None]]:
        """(wage as promised, savings) of returnee answers given in the period."""
        where, params = within("d.village_code", villages)
        return await self._all(
            "SELECT r.wage_as_promised, r.savings FROM returns r"
            " LEFT JOIN departures d USING (departure_id)"
            " WHERE r.created_at >= ? AND r.created_at < ?" + where,
            [start.isoformat(), end.isoformat(), *params],
            lambda row: (row[0], row[1]),
        )

    async def awareness_counts(
        self, villages: list[str] | None, start: datetime, end: datetime
    ) -> dict[str, int]:
        """People onboarded, lessons finished, quiz attempts and passes, joined through sharing."""
        where, params = within("u.village_code", villages)
        period = [start.isoformat(), end.isoformat()]
        queries = {
            "onboarded": "SELECT COUNT(*) FROM users u"
            " WHERE u.created_at >= ? AND u.created_at < ?",
            "lessons": "SELECT COUNT(*) FROM lesson_progress l JOIN users u USING (user_id)"
            " WHERE l.finished_at >= ? AND l.finished_at < ?",
            "quiz_attempts": "SELECT COUNT(*) FROM quiz_attempts q JOIN users u USING (user_id)"
            " WHERE q.finished_at >= ? AND q.finished_at < ?",
            "quiz_passed": "SELECT COUNT(*) FROM quiz_attempts q JOIN users u USING (user_id)"
            " WHERE q.passed = 1 AND q.finished_at >= ? AND q.finished_at < ?",
            "shared_joined": "SELECT COUNT(*) FROM referrals r"
            " JOIN users u ON u.user_id = r.referred_user_id"
            " WHERE r.joined_at >= ? AND r.joined_at < ?",
        }
        counts = {}
        for name, query in queries.items():
            counts[name] = await self._count(query + where, [*period, *params])
        return counts

    async def entry_counts(
        self, villages: list[str] | None, start: datetime, end: datetime
    ) -> tuple[Counter[str], Counter[str]]:
        """Onboardings of the period by channel, and poster onboardings by the poster's village.

        Scoped by the village the person chose, as every other count here.
        """
        where, params = within("u.village_code", villages)
        period = [start.isoformat(), end.isoformat()]
        joined = (
            " FROM entries e JOIN users u USING (user_id)"
            " WHERE e.entered_at >= ? AND e.entered_at < ?" + where
        )
        channels = await self._counter(
            "SELECT e.channel, COUNT(*)" + joined + " GROUP BY e.channel", [*period, *params]
        )
        posters = await self._counter(
            "SELECT e.poster_village, COUNT(*)" + joined + " AND e.channel = 'poster'"
            " GROUP BY e.poster_village",
            [*period, *params],
        )
        return channels, posters

    async def status_counts(self, now: datetime) -> dict[str, int]:
        """For /status: prompts due now, prompts waiting for an answer, open alerts, people."""
        queries = {
            "due": (
                "SELECT COUNT(*) FROM checkins WHERE status = 'planned' AND due_at <= ?",
                [now.isoformat()],
            ),
            "waiting": ("SELECT COUNT(*) FROM checkins WHERE status = 'sent'", []),
            "alerts": ("SELECT COUNT(*) FROM alerts WHERE resolved_at IS NULL", []),
            "people": ("SELECT COUNT(*) FROM users", []),
            "away": ("SELECT COUNT(*) FROM departures WHERE status = 'active'", []),
        }
        counts = {}
        for name, (query, params) in queries.items():
            counts[name] = await self._count(query, params)
        return counts
