"""The database: migrations from blank, and the store's promises."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from domain.clock import ManualClock
from storage.migrations import MIGRATIONS
from storage.people import (
    ERASED_WITH_THEIR_ROW,
    PERSONAL_CHATS,
    PERSONAL_MENTIONS,
    PERSONAL_ROWS,
)
from storage.relinks import names_a_person
from storage.store import Store

CLOCK = ManualClock(datetime(2026, 3, 1, 2, 0, tzinfo=UTC))

EXPECTED_SCHEMA = {
    "schema_migrations": ["name", "applied_at"],
    "users": [
        "user_id",
        "language",
        "district_code",
        "village_code",
        "gender",
        "age_band",
        "consented_at",
        "created_at",
        "updated_at",
    ],
    "conversations": ["name", "key", "user_id", "state", "updated_at"],
    "drafts": ["user_id", "data", "updated_at"],
    "lesson_progress": ["user_id", "lesson_id", "finished_at"],
    "statement_answers": ["user_id", "statement_id", "answer", "answered_at"],
    "quiz_attempts": [
        "attempt_id",
        "user_id",
        "started_at",
        "finished_at",
        "score",
        "total",
        "passed",
    ],
    "sqlite_sequence": ["name", "seq"],
    "quiz_answers": [
        "attempt_id",
        "user_id",
        "question_id",
        "option_id",
        "correct",
        "answered_at",
    ],
    "referral_codes": ["user_id", "code"],
    "referrals": ["referred_user_id", "referrer_user_id", "joined_at"],
    "entries": ["user_id", "channel", "poster_village", "entered_at"],
    "departures": [
        *("departure_id", "user_id", "for_self", "name", "gender", "age", "village_code"),
        *("destination", "work", "duration", "channel", "agency", "documents"),
        *("employer_phone", "wage", "depart_on", "arrive_on", "reason", "family_phone"),
        *("risk_flags", "status", "created_at", "updated_at", "acknowledged_at"),
        *("acknowledged_by", "escalated_at", "request_key", "name_voice"),
    ],
    "leaders": ["leader_id", "user_id", "village_code", "display_name", "created_at", "revoked_at"],
    "leader_invites": [
        *("code_hash", "village_code", "created_at", "expires_at", "used_at", "used_by_user_id"),
    ],
    "notices": ["notice_id", "departure_id", "chat_id", "message_id", "sent_at"],
    "agencies": ["agency_id", "name", "licence", "phone", "destinations", "last_verified"],
    "checkins": [
        *("checkin_id", "departure_id", "user_id", "number", "catch_up", "due_at", "status"),
        *("attempts", "claimed_at", "sent_at", "message_ids", "reminders", "next_step_at"),
        *("answered_at", "answer"),
    ],
    "checkin_problems": ["checkin_id", "user_id", "problem_id", "answered_at"],
    "alerts": [
        *("alert_id", "kind", "user_id", "departure_id", "checkin_id", "village_code"),
        *("details", "created_at", "staff_due_at", "staff_told_at", "acknowledged_at"),
        *("acknowledged_by", "resolved_at", "resolved_by", "handler_chat_id", "outcome"),
        *("handed_to", "note_due_at", "erased_at"),
        # m014_who_sees_what (issue 22): who raised a family's case (a mark), take-on timers.
        *("raiser_mark", "take_on_due_at", "take_on_reminders"),
    ],
    "alert_messages": ["alert_id", "chat_id", "message_id"],
    "location_copies": ["alert_id", "chat_id", "message_id"],
    "case_events": ["event_id", "alert_id", "at", "actor_id", "kind", "detail"],
    "case_prompts": [
        *("chat_id", "message_id", "alert_id", "actor_user_id", "action", "created_at"),
    ],
    "family_reports": [
        *("report_id", "alert_id", "reporter_user_id", "village_code", "name", "relationship"),
        *("went_to", "since", "phone", "relative_id", "relative_answer", "relative_message"),
        *("created_at", "answered_at", "request_key"),
    ],
    "bot_keys": ["name", "value"],
    "case_views": ["view_id", "viewer_id", "what", "alert_id", "village_code", "at"],
    "returns": [
        *("return_id", "departure_id", "user_id", "returned_on", "wage_as_promised", "savings"),
        *("problems", "kept_documents", "would_advise", "story", "story_consent", "created_at"),
    ],
    "broker_reports": [
        *("report_id", "reporter_user_id", "village_code", "who", "place", "promised"),
        "created_at",
    ],
    "invite_attempts": ["user_id", "attempted_at"],
    "relinks": [
        *("relink_id", "code_hash", "user_id", "old_account_id", "new_account_id", "made_by"),
        *("made_at", "expires_at", "used_at"),
    ],
    "assisted_departures": [
        *("assisted_id", "code_hash", "made_by", "village_code", "answers", "request_key"),
        *("made_at", "expires_at", "outcome", "closed_at", "departure_id"),
    ],
    "outbox": [
        *("outbox_id", "key", "group_key", "kind", "role", "priority", "chat_id", "user_id"),
        *("ref_id", "payload", "status", "attempts", "due_at", "claimed_at", "sent_at"),
        *("message_id", "last_error", "created_at"),
    ],
    "documents": [
        *("document_id", "departure_id", "user_id", "kind", "expires_on", "renewals"),
        *("renewed_at", "created_at", "updated_at"),
    ],
    "document_reminders": [
        *("reminder_id", "document_id", "departure_id", "user_id", "number", "catch_up"),
        *("expires_on", "due_at", "status", "claimed_at", "sent_at", "message_id", "answer"),
        "answered_at",
    ],
    "message_choices": [
        *("user_id", "said_yes_at", "refreshers", "announcements", "next_refresher_at"),
        "updated_at",
    ],
    "refreshers": [
        *("refresher_id", "user_id", "item", "stage", "created_at", "sent_at", "acted_at"),
    ],
    "announcements": [
        *("announcement_id", "sent_by", "sender_role", "area", "audience", "text_km", "text_en"),
        *("planned", "reached", "unreached", "created_at", "reported_at", "queued_at"),
    ],
    "broker_marks": ["report_id", "district_code", "mark"],
    # m011_recordings (issue 18): Khmer recordings, takes, who listens, voice answers.
    "recordings": [
        *("item_id", "audio", "mime_type", "duration", "text_hash", "recorded_by"),
        *("recorded_at", "bot_id", "file_id"),
    ],
    "recording_takes": [
        *("user_id", "item_id", "text_hash", "audio", "mime_type", "duration", "file_id"),
        "created_at",
    ],
    "listening": ["user_id", "chosen_at"],
    "voice_answers": [
        *("voice_id", "alert_id", "user_id", "file_id", "file_unique_id", "media", "duration"),
        "created_at",
    ],
}
EXPECTED_INDEXES = {
    "users_village",
    "conversations_user",
    "quiz_attempts_user",
    "quiz_answers_user",
    "referrals_referrer",
    "entries_entered",
    "departures_user",
    "departures_village",
    "departures_listed",  # m016: the /relink list paged in SQL
    "departures_user_listed",
    "departures_waiting",
    "leaders_village",
    "notices_departure",
    "checkins_due",
    "checkins_waiting",
    "checkins_claimed",
    "checkins_departure",
    "checkins_user",
    "alerts_staff_due",
    "alerts_open",
    "alerts_user",
    "alert_messages_alert",
    "returns_user",
    "invite_attempts_user",
    "outbox_due",
    "outbox_claimed",
    "outbox_group",
    "outbox_user",
    "checkins_one_live",
    "checkins_problem_follow_up",
    "departures_request",
    "alerts_note_due",
    "case_events_alert",
    "case_events_actor",
    "case_prompts_actor",
    "family_reports_reporter",
    "family_reports_relative",
    "family_reports_alert",
    "location_copies_alert",
    "relinks_user",
    "relinks_made_by",
    "documents_user",
    "documents_expiry",
    "document_reminders_one_live",
    "document_reminders_due",
    "document_reminders_document",
    "document_reminders_user",
    "document_reminders_sent",
    "message_choices_due",
    "refreshers_user",
    "announcements_unreported",
    "announcements_unqueued",  # m015: an announcement a crash cut short
    "broker_marks_district",
    "voice_answers_user",
    "voice_answers_alert",
    "family_reports_request",
    "alerts_raiser",
    "alerts_take_on_due",
    "case_views_alert",
    "case_views_village",
    "case_views_viewer",
    "assisted_made_by",  # m017: a chief's registrations waiting for the villager's phone
    "assisted_open",
}


def schema(path: Path) -> tuple[dict[str, list[str]], set[str]]:
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        columns = {t: [c[1] for c in db.execute(f"PRAGMA table_info({t})")] for t in tables}
        indexes = {
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type='index' AND sql NOT NULL"
            )
        }
    return columns, indexes


async def test_a_blank_database_migrates_to_the_expected_schema(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "new" / "bot.sqlite3", CLOCK)
    await store.close()
    columns, indexes = schema(tmp_path / "new" / "bot.sqlite3")
    assert columns == EXPECTED_SCHEMA
    assert indexes == EXPECTED_INDEXES


async def test_migrations_run_once_and_are_recorded(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    for _ in range(2):
        store = await Store.open(path, CLOCK)
        await store.close()
    with sqlite3.connect(path) as db:
        names = [r[0] for r in db.execute("SELECT name FROM schema_migrations ORDER BY name")]
        mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    assert names == [name for name, _ in MIGRATIONS]
    assert mode == "wal"


async def test_drafts_and_conversations_round_trip(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3", CLOCK)
    await store.save_draft(7, {"onboarding": {"district": "0906"}, "language": "km"})
    await store.save_conversation("onboarding", (7, 7), 3)
    assert await store.load_drafts() == {7: {"onboarding": {"district": "0906"}, "language": "km"}}
    assert await store.load_conversations("onboarding") == {(7, 7): 3}
    await store.save_conversation("onboarding", (7, 7), None)
    await store.save_draft(7, {})
    assert await store.rows_about(7) == 0
    await store.close()


async def test_erase_removes_every_row_in_one_go(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3", CLOCK)
    await store.complete_onboarding(
        8, language="km", district_code="0906", village_code="09060405", consented_at=CLOCK.now()
    )
    await store.save_draft(8, {"x": 1})
    await store.save_conversation("onboarding", (8, 8), 6)
    assert await store.rows_about(8) == 3
    await store.erase_user(8)
    assert await store.rows_about(8) == 0
    await store.close()


async def test_set_language_of_an_unknown_person_changes_nothing(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3", CLOCK)
    assert await store.set_language(9, "en") is False
    assert await store.rows_about(9) == 0
    await store.close()


async def test_every_column_that_names_a_person_is_erased_by_delete(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3", CLOCK)
    await store.close()
    columns, _ = schema(tmp_path / "bot.sqlite3")
    personal = {
        (table, column)
        for table, names in columns.items()
        for column in names
        if column == "user_id" or column.endswith("_user_id")
    }
    assert personal <= set(PERSONAL_ROWS)
    # Every column holding a person's or a chat's id, an erased chief's chat included: each is
    # deleted with its row, emptied, or gone with the row it sits in (issue 22, defect 13).
    holding = {
        (table, column)
        for table, names in columns.items()
        for column in names
        if names_a_person(column)
    }
    handled = PERSONAL_ROWS + PERSONAL_MENTIONS + PERSONAL_CHATS + ERASED_WITH_THEIR_ROW
    assert holding <= set(handled), holding - set(handled)
    # acknowledged_by names a leader inside a villager's row: emptied on erase, not deleted
    assert "acknowledged_by" in columns["departures"]
    assert ("departures", "acknowledged_by") in PERSONAL_MENTIONS


async def test_referrals_count_once_and_never_oneself(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3", CLOCK)
    code = await store.referral_code(1)
    assert code == await store.referral_code(1)  # stable
    assert await store.referrer_of(code) == 1
    assert await store.record_referral(1, 1) is False
    assert await store.record_referral(1, 2) is True
    assert await store.record_referral(1, 2) is False
    assert await store.record_referral(3, 2) is False  # already counted for someone
    assert (await store.learning(1)).joined_through_me == 1
    await store.erase_user(2)
    assert (await store.learning(1)).joined_through_me == 0
    await store.close()


async def test_a_quiz_question_is_answered_once_per_attempt(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3", CLOCK)
    attempt = await store.start_quiz(5)
    assert await store.answer_quiz(attempt, 5, "q1", "a", True) is True
    assert await store.answer_quiz(attempt, 5, "q1", "b", False) is False
    await store.finish_quiz(attempt, 1, 1, True)
    stored = await store.quiz_attempt(attempt)
    assert stored is not None
    assert (stored.score, stored.total, stored.passed) == (1, 1, True)
    assert [a.option_id for a in stored.answers] == ["a"]
    await store.erase_user(5)
    assert await store.quiz_attempt(attempt) is None
    assert await store.rows_about(5) == 0
    await store.close()
