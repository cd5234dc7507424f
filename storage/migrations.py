"""Append-only, named schema migrations. Never edit one that has shipped; add the next."""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

# (name, statements). Names sort in order; each runs in its own transaction and is recorded.
MIGRATIONS: Sequence[tuple[str, Sequence[str]]] = (
    (
        "m001_initial",
        (
            # One row per person who finished onboarding. Only what a leader needs to help:
            # no name, no phone number. village_code is NULL when their village is not listed.
            """
            CREATE TABLE users (
                user_id       INTEGER PRIMARY KEY,
                language      TEXT NOT NULL CHECK (language IN ('km', 'en')),
                district_code TEXT,
                village_code  TEXT,
                gender        TEXT CHECK (gender IN ('female', 'male', 'other')),
                age_band      TEXT,
                consented_at  TEXT NOT NULL,
                created_at    TEXT NOT NULL,
                updated_at    TEXT NOT NULL
            )
            """,
            "CREATE INDEX users_village ON users (village_code)",
            # PTB ConversationHandler states, so a restart resumes at the same step.
            """
            CREATE TABLE conversations (
                name       TEXT NOT NULL,
                key        TEXT NOT NULL,
                user_id    INTEGER,
                state      TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (name, key)
            )
            """,
            "CREATE INDEX conversations_user ON conversations (user_id)",
            # Half-finished forms (PTB user_data). A form writes its real row only when complete.
            """
            CREATE TABLE drafts (
                user_id    INTEGER PRIMARY KEY,
                data       TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )
            """,
        ),
    ),
    (
        "m002_awareness",
        (
            """
            CREATE TABLE lesson_progress (
                user_id     INTEGER NOT NULL,
                lesson_id   TEXT NOT NULL,
                finished_at TEXT NOT NULL,
                PRIMARY KEY (user_id, lesson_id)
            )
            """,
            """
            CREATE TABLE statement_answers (
                user_id      INTEGER NOT NULL,
                statement_id TEXT NOT NULL,
                answer       TEXT NOT NULL CHECK (answer IN ('agree', 'disagree')),
                answered_at  TEXT NOT NULL,
                PRIMARY KEY (user_id, statement_id)
            )
            """,
            # One row per attempt; answers keep question and option ids (never their text).
            """
            CREATE TABLE quiz_attempts (
                attempt_id  INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id     INTEGER NOT NULL,
                started_at  TEXT NOT NULL,
                finished_at TEXT,
                score       INTEGER,
                total       INTEGER,
                passed      INTEGER
            )
            """,
            "CREATE INDEX quiz_attempts_user ON quiz_attempts (user_id)",
            """
            CREATE TABLE quiz_answers (
                attempt_id  INTEGER NOT NULL REFERENCES quiz_attempts (attempt_id)
                            ON DELETE CASCADE,
                user_id     INTEGER NOT NULL,
                question_id TEXT NOT NULL,
                option_id   TEXT NOT NULL,
                correct     INTEGER NOT NULL,
                answered_at TEXT NOT NULL,
                PRIMARY KEY (attempt_id, question_id)
            )
            """,
            "CREATE INDEX quiz_answers_user ON quiz_answers (user_id)",
            # Word of mouth (report, obs. 1): whose link brought whom, counted once per person.
            """
            CREATE TABLE referral_codes (
                user_id INTEGER PRIMARY KEY,
                code    TEXT NOT NULL UNIQUE
            )
            """,
            """
            CREATE TABLE referrals (
                referred_user_id INTEGER PRIMARY KEY,
                referrer_user_id INTEGER NOT NULL CHECK (referrer_user_id != referred_user_id),
                joined_at        TEXT NOT NULL
            )
            """,
            "CREATE INDEX referrals_referrer ON referrals (referrer_user_id)",
        ),
    ),
)


async def apply_migrations(db: aiosqlite.Connection, now_iso: str) -> list[str]:
    """Brings the schema up to date; returns the names of the migrations it applied."""
    await db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
    )
    async with db.execute("SELECT name FROM schema_migrations") as cursor:
        done = {row[0] async for row in cursor}
    applied = []
    for name, statements in MIGRATIONS:
        if name in done:
            continue
        await db.execute("BEGIN IMMEDIATE")
        try:
            for statement in statements:
                await db.execute(statement)
            await db.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", (name, now_iso)
            )
        except BaseException:
            await db.execute("ROLLBACK")
            raise
        await db.execute("COMMIT")
        applied.append(name)
    return applied
