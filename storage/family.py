"""Family reports: a relative the family cannot reach, and what the relative lets them hear."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from storage.base import StoreBase, first_row, from_row
from storage.case_events import event_in
from storage.outbox import NewMessage, enqueue_in

_SELECT = (
    "SELECT report_id, alert_id, reporter_user_id, village_code, name, relationship, went_to,"
    " since, phone, relative_id, relative_answer, relative_message, created_at FROM family_reports"
)
ANSWERS = ("safe", "message", "nothing", "notme")  # notme: a wrong number, not her


@dataclass(frozen=True)
class FamilyReport:
    report_id: int
    alert_id: int | None
    reporter_user_id: int
    village_code: str | None
    name: str
    relationship: str
    went_to: str
    since: str
    phone: str | None
    relative_id: int | None  # the relative's own account, when the bot knows them
    relative_answer: str | None
    relative_message: str | None
    created_at: datetime


def _report(row: Any) -> FamilyReport:
    return from_row(FamilyReport, row, created_at=datetime.fromisoformat)


async def mark_of(db: aiosqlite.Connection, user_id: int) -> str:
    """A mark of a Telegram id that cannot be read back without the bot's own key (HMAC)."""
    row = await first_row(db, "SELECT value FROM bot_keys WHERE name = 'marks'")
    assert row is not None, "the migrations make the key"
    return hmac.new(bytes(row[0]), str(user_id).encode(), hashlib.sha256).hexdigest()


async def family_report_in(
    db: aiosqlite.Connection,
    alert_id: int,
    now: str,
    reporter: int,
    village_code: str | None,
    answers: dict[str, Any],
    relative_id: int | None,
    request_key: str | None = None,
) -> int:
    """Inside the case's transaction: the family's report, linked to its case, and the mark of
    who raised it (kept on the case while it is open: the limit of open reports holds even
    after the reporter erases their data and starts again)."""
    await db.execute(
        "UPDATE alerts SET raiser_mark = ? WHERE alert_id = ?",
        (await mark_of(db, reporter), alert_id),
    )
    cursor = await db.execute(
        "INSERT INTO family_reports (alert_id, reporter_user_id, village_code, name,"
        " relationship, went_to, since, phone, relative_id, created_at, request_key)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            alert_id,
            reporter,
            village_code,
            answers["name"],
            answers["relationship"],
            answers["went_to"],
            answers["since"],
            answers.get("phone"),
            relative_id,
            now,
            request_key,
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


class FamilyQueries(StoreBase):
    async def family_report(self, report_id: int) -> FamilyReport | None:
        return await self._one(f"{_SELECT} WHERE report_id = ?", (report_id,), _report)

    async def family_report_of_case(self, alert_id: int) -> FamilyReport | None:
        return await self._one(f"{_SELECT} WHERE alert_id = ?", (alert_id,), _report)

    async def open_family_reports(self, reporter: int) -> int:
        """How many cases this person raised with /missing are still open (a limit against
        misuse), counted by the mark on the case, so erasing one's data does not reset it."""
        mark = await mark_of(self._db, reporter)
        return await self._count(
            "SELECT COUNT(*) FROM alerts WHERE raiser_mark = ? AND resolved_at IS NULL", (mark,)
        )

    async def family_report_by_request(self, request_key: str) -> FamilyReport | None:
        """The report a form's Send already made (pressed again, or again after a crash)."""
        return await self._one(f"{_SELECT} WHERE request_key = ?", (request_key,), _report)

    async def relative_answers(
        self,
        report_id: int,
        relative_id: int,
        answer: str,
        message: str | None,
        messages: list[NewMessage],
    ) -> list[int] | None:
        """What the relative lets the family hear, with its line in the case; None if not theirs.

        The messages are queued claimed (the caller sends them now); each is made once.
        """
        if answer not in ANSWERS:
            raise ValueError(f"unknown answer {answer!r}")
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE family_reports SET relative_answer = ?, relative_message = ?,"
                " answered_at = ? WHERE report_id = ? AND relative_id = ?"
                " RETURNING alert_id",
                (answer, message, self._now(), report_id, relative_id),
            )
            row = await cursor.fetchone()
            if row is None:
                return None
            if row[0] is not None:
                await event_in(db, int(row[0]), self._now(), None, "relative", {"answer": answer})
            return await enqueue_in(db, messages, self._now(), claimed=True)
