"""Awareness: lessons finished, statements answered, quiz attempts, and referrals."""

from __future__ import annotations

import secrets
from datetime import datetime

from storage.base import NOW, StoreBase, first_row
from storage.outbox import NewMessage, enqueue_in
from storage.rows import Learning, QuizAnswer, QuizAttempt


class AwarenessQueries(StoreBase):
    async def finish_lesson(self, user_id: int, lesson_id: str) -> None:
        """Marks a lesson finished (the first time counts)."""
        await self._write(
            "INSERT OR IGNORE INTO lesson_progress (user_id, lesson_id, finished_at)"
            " VALUES (?, ?, ?)",
            (user_id, lesson_id, NOW),
        )

    async def answer_statement(self, user_id: int, statement_id: str, answer: str) -> None:
        """Keeps the person's latest view on a gender statement."""
        await self._write(
            "INSERT INTO statement_answers (user_id, statement_id, answer, answered_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (user_id, statement_id) DO UPDATE"
            " SET answer = excluded.answer, answered_at = excluded.answered_at",
            (user_id, statement_id, answer, NOW),
        )

    async def start_quiz(self, user_id: int) -> int:
        """Opens a new attempt and returns its id."""
        return await self._insert(
            "INSERT INTO quiz_attempts (user_id, started_at) VALUES (?, ?)", (user_id, NOW)
        )

    async def quiz_attempt(self, attempt_id: int) -> QuizAttempt | None:
        row = await first_row(
            self._db,
            "SELECT attempt_id, user_id, started_at, finished_at, score, total, passed"
            " FROM quiz_attempts WHERE attempt_id = ?",
            (attempt_id,),
        )
        if row is None:
            return None
        answers = await self._all(
            "SELECT question_id, option_id, correct FROM quiz_answers WHERE attempt_id = ?"
            " ORDER BY answered_at, rowid",
            (attempt_id,),
            lambda row: QuizAnswer(row[0], row[1], bool(row[2])),
        )
        return QuizAttempt(
            attempt_id=row[0],
            user_id=row[1],
            started_at=datetime.fromisoformat(row[2]),
            finished_at=datetime.fromisoformat(row[3]) if row[3] else None,
            score=row[4],
            total=row[5],
            passed=None if row[6] is None else bool(row[6]),
            answers=tuple(answers),
        )

    async def open_quiz(self, user_id: int) -> QuizAttempt | None:
        """The person's newest attempt not finished yet: the check is answered in rounds."""
        row = await first_row(
            self._db,
            "SELECT MAX(attempt_id) FROM quiz_attempts WHERE user_id = ? AND finished_at IS NULL",
            (user_id,),
        )
        return await self.quiz_attempt(int(row[0])) if row and row[0] is not None else None

    async def answer_quiz(
        self, attempt_id: int, user_id: int, question_id: str, option_id: str, correct: bool
    ) -> bool:
        """Stores one answer; False when that question of the attempt was already answered."""
        return await self._changed(
            "INSERT OR IGNORE INTO quiz_answers"
            " (attempt_id, user_id, question_id, option_id, correct, answered_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (attempt_id, user_id, question_id, option_id, int(correct), NOW),
        )

    async def finish_quiz(self, attempt_id: int, score: int, total: int, passed: bool) -> None:
        await self._write(
            "UPDATE quiz_attempts SET finished_at = ?, score = ?, total = ?, passed = ?"
            " WHERE attempt_id = ? AND finished_at IS NULL",
            (NOW, score, total, int(passed), attempt_id),
        )

    async def referral_code(self, user_id: int) -> str:
        """The person's own invitation code, made on first use (unguessable, URL-safe)."""
        async with self._transaction() as db:
            row = await first_row(
                db, "SELECT code FROM referral_codes WHERE user_id = ?", (user_id,)
            )
            if row is not None:
                return str(row[0])
            code = secrets.token_urlsafe(9)  # 12 characters, 72 bits
            await db.execute(
                "INSERT INTO referral_codes (user_id, code) VALUES (?, ?)", (user_id, code)
            )
            return code

    async def referrer_of(self, code: str) -> int | None:
        return await self._one(
            "SELECT user_id FROM referral_codes WHERE code = ?", (code,), lambda row: int(row[0])
        )

    async def record_referral(self, referrer_user_id: int, referred_user_id: int) -> bool:
        """Counts a newcomer for whoever shared the link; once per newcomer, never oneself."""
        return await self.count_referral(referrer_user_id, referred_user_id, news=None) is not None

    async def count_referral(
        self, referrer_user_id: int, referred_user_id: int, *, news: NewMessage | None
    ) -> list[int] | None:
        """Counts a newcomer once and, in the same transaction, queues ``news`` for the sharer.

        Returns the queued ids (claimed: the caller sends them at once), or None when the
        newcomer was not counted (oneself, or counted already), so a replay tells no one twice.
        """
        if referrer_user_id == referred_user_id:
            return None
        async with self._transaction() as db:
            cursor = await db.execute(
                "INSERT OR IGNORE INTO referrals (referred_user_id, referrer_user_id, joined_at)"
                " VALUES (?, ?, ?)",
                (referred_user_id, referrer_user_id, self._now()),
            )
            if cursor.rowcount == 0:
                return None
            if news is None:
                return []
            return await enqueue_in(db, [news], self._now(), claimed=True)

    async def learning(self, user_id: int) -> Learning:
        """Everything the person did in the awareness part."""
        db = self._db
        lessons = await self._all(
            "SELECT lesson_id FROM lesson_progress WHERE user_id = ?", (user_id,), lambda r: r[0]
        )
        statements = await self._all(
            "SELECT statement_id, answer FROM statement_answers WHERE user_id = ?",
            (user_id,),
            lambda row: (row[0], row[1]),
        )
        attempts, best = await first_row(
            db, "SELECT COUNT(*), MAX(score) FROM quiz_attempts WHERE user_id = ?", (user_id,)
        ) or (0, None)
        best_quiz = None
        if best is not None:
            best_quiz = await self._one(
                "SELECT score, total FROM quiz_attempts WHERE user_id = ? AND score = ?"
                " ORDER BY finished_at LIMIT 1",
                (user_id, best),
                lambda row: (int(row[0]), int(row[1])),
            )
        code = await self._one(
            "SELECT code FROM referral_codes WHERE user_id = ?", (user_id,), lambda r: str(r[0])
        )
        joined = await self._count(
            "SELECT COUNT(*) FROM referrals WHERE referrer_user_id = ?", (user_id,)
        )
        return Learning(
            lessons_finished=frozenset(lessons),
            statements=dict(statements),
            quiz_attempts=int(attempts),
            best_quiz=best_quiz,
            referral_code=code,
            joined_through_me=joined,
        )
