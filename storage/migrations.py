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
    (
        "m003_departures_and_leaders",
        (
            # A planned departure, told to the village leader. Only what a leader needs to help
            # (the report's follow-up list, obs. 4) plus optional numbers to reach someone.
            """
            CREATE TABLE departures (
                departure_id     INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id          INTEGER NOT NULL,
                for_self         INTEGER NOT NULL,
                name             TEXT NOT NULL,
                gender           TEXT NOT NULL,
                age              INTEGER NOT NULL,
                village_code     TEXT,
                destination      TEXT NOT NULL,
                work             TEXT NOT NULL,
                duration         TEXT NOT NULL CHECK (duration IN ('short', 'long')),
                channel          TEXT NOT NULL,
                agency           TEXT,
                documents        TEXT NOT NULL,
                employer_phone   TEXT,
                wage             INTEGER,
                depart_on        TEXT NOT NULL,
                arrive_on        TEXT NOT NULL,
                reason           TEXT NOT NULL,
                family_phone     TEXT,
                risk_flags       TEXT NOT NULL,
                status           TEXT NOT NULL DEFAULT 'active'
                                 CHECK (status IN ('active', 'cancelled', 'returned')),
                created_at       TEXT NOT NULL,
                updated_at       TEXT NOT NULL,
                acknowledged_at  TEXT,
                acknowledged_by  INTEGER,
                escalated_at     TEXT
            )
            """,
            "CREATE INDEX departures_user ON departures (user_id)",
            "CREATE INDEX departures_village ON departures (village_code, status)",
            # Partial index: the staff-fallback sweep only ever looks at unacknowledged ones.
            """
            CREATE INDEX departures_waiting ON departures (created_at)
            WHERE acknowledged_at IS NULL AND escalated_at IS NULL AND status = 'active'
            """,
            # Village leaders, made only through one-time invites; several per village.
            """
            CREATE TABLE leaders (
                leader_id    INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id      INTEGER NOT NULL,
                village_code TEXT NOT NULL,
                display_name TEXT NOT NULL,
                created_at   TEXT NOT NULL,
                revoked_at   TEXT,
                UNIQUE (user_id, village_code)
            )
            """,
            "CREATE INDEX leaders_village ON leaders (village_code)",
            # Invite codes are stored hashed: a leaked database does not leak usable invites.
            """
            CREATE TABLE leader_invites (
                code_hash    TEXT PRIMARY KEY,
                village_code TEXT NOT NULL,
                created_at   TEXT NOT NULL,
                expires_at   TEXT NOT NULL,
                used_at      TEXT,
                used_by_user_id INTEGER
            )
            """,
            # Which message went to which responder, to update them all when one acts.
            """
            CREATE TABLE notices (
                notice_id    INTEGER PRIMARY KEY AUTOINCREMENT,
                departure_id INTEGER NOT NULL REFERENCES departures (departure_id)
                             ON DELETE CASCADE,
                chat_id      INTEGER NOT NULL,
                message_id   INTEGER NOT NULL,
                sent_at      TEXT NOT NULL
            )
            """,
            "CREATE INDEX notices_departure ON notices (departure_id)",
            # Licensed recruitment agencies, imported by staff, shown with their check date.
            """
            CREATE TABLE agencies (
                agency_id     INTEGER PRIMARY KEY AUTOINCREMENT,
                name          TEXT NOT NULL,
                licence       TEXT NOT NULL UNIQUE,
                phone         TEXT,
                destinations  TEXT NOT NULL,
                last_verified TEXT NOT NULL
            )
            """,
            # Suspicious recruiters reported by villagers; user_id NULL when anonymous.
            """
            CREATE TABLE broker_reports (
                report_id    INTEGER PRIMARY KEY AUTOINCREMENT,
                reporter_user_id INTEGER,
                village_code TEXT,
                who          TEXT NOT NULL,
                place        TEXT NOT NULL,
                promised     TEXT NOT NULL,
                created_at   TEXT NOT NULL
            )
            """,
        ),
    ),
    (
        "m004_checkins_and_alerts",
        (
            # One row per planned prompt; the next one is planned when this one goes out.
            """
            CREATE TABLE checkins (
                checkin_id   INTEGER PRIMARY KEY AUTOINCREMENT,
                departure_id INTEGER NOT NULL REFERENCES departures (departure_id)
                             ON DELETE CASCADE,
                user_id      INTEGER NOT NULL,
                number       INTEGER NOT NULL,
                catch_up     INTEGER NOT NULL,
                due_at       TEXT NOT NULL,
                status       TEXT NOT NULL CHECK (status IN
                             ('planned', 'sending', 'sent', 'answered', 'cancelled', 'failed')),
                attempts     INTEGER NOT NULL DEFAULT 0,
                claimed_at   TEXT,
                sent_at      TEXT,
                message_ids  TEXT NOT NULL DEFAULT '',
                reminders    INTEGER NOT NULL DEFAULT 0,
                next_step_at TEXT,
                answered_at  TEXT,
                answer       TEXT
            )
            """,
            # Partial indexes: the sweep reads only what is due, however many rows there are.
            "CREATE INDEX checkins_due ON checkins (due_at) WHERE status = 'planned'",
            "CREATE INDEX checkins_waiting ON checkins (next_step_at) WHERE status = 'sent'",
            "CREATE INDEX checkins_claimed ON checkins (claimed_at) WHERE status = 'sending'",
            "CREATE INDEX checkins_departure ON checkins (departure_id)",
            "CREATE INDEX checkins_user ON checkins (user_id)",
            # What a person said was wrong (ILO forced-labour indicators), by id.
            """
            CREATE TABLE checkin_problems (
                checkin_id  INTEGER NOT NULL REFERENCES checkins (checkin_id) ON DELETE CASCADE,
                user_id     INTEGER NOT NULL,
                problem_id  TEXT NOT NULL,
                answered_at TEXT NOT NULL,
                PRIMARY KEY (checkin_id, problem_id)
            )
            """,
            # Cries for help and silences, until someone acknowledges and resolves them.
            """
            CREATE TABLE alerts (
                alert_id        INTEGER PRIMARY KEY AUTOINCREMENT,
                kind            TEXT NOT NULL
                                CHECK (kind IN ('sos', 'help', 'problem', 'silence', 'blocked')),
                user_id         INTEGER NOT NULL,
                departure_id    INTEGER REFERENCES departures (departure_id) ON DELETE SET NULL,
                checkin_id      INTEGER,
                village_code    TEXT,
                details         TEXT NOT NULL DEFAULT '',
                created_at      TEXT NOT NULL,
                staff_due_at    TEXT,
                staff_told_at   TEXT,
                acknowledged_at TEXT,
                acknowledged_by INTEGER,
                resolved_at     TEXT,
                resolved_by     INTEGER
            )
            """,
            """
            CREATE INDEX alerts_staff_due ON alerts (staff_due_at)
            WHERE staff_told_at IS NULL AND acknowledged_at IS NULL
            """,
            "CREATE INDEX alerts_open ON alerts (village_code) WHERE resolved_at IS NULL",
            "CREATE INDEX alerts_user ON alerts (user_id)",
            """
            CREATE TABLE alert_messages (
                alert_id   INTEGER NOT NULL REFERENCES alerts (alert_id) ON DELETE CASCADE,
                chat_id    INTEGER NOT NULL,
                message_id INTEGER NOT NULL
            )
            """,
            "CREATE INDEX alert_messages_alert ON alert_messages (alert_id)",
            # Coming home: what really happened (report: returnees share their experience).
            """
            CREATE TABLE returns (
                return_id        INTEGER PRIMARY KEY AUTOINCREMENT,
                departure_id     INTEGER REFERENCES departures (departure_id) ON DELETE CASCADE,
                user_id          INTEGER NOT NULL,
                returned_on      TEXT NOT NULL,
                wage_as_promised TEXT,
                savings          TEXT,
                problems         TEXT NOT NULL DEFAULT '',
                kept_documents   TEXT,
                would_advise     TEXT,
                story            TEXT,
                story_consent    INTEGER NOT NULL DEFAULT 0,
                created_at       TEXT NOT NULL
            )
            """,
            "CREATE INDEX returns_user ON returns (user_id)",
        ),
    ),
    (
        "m005_invite_attempts",
        (
            # Invite codes that did not work (unknown, used, expired), per person: a few a day
            # are allowed (access/invites.py), so codes cannot be guessed by trying many.
            # Personal data: listed in storage/people.py, erased by /delete.
            """
            CREATE TABLE invite_attempts (
                user_id      INTEGER NOT NULL,
                attempted_at TEXT NOT NULL
            )
            """,
            "CREATE INDEX invite_attempts_user ON invite_attempts (user_id, attempted_at)",
        ),
    ),
    (
        "m006_outbox",
        (
            # Every message that must reach a person, written in the same transaction as the
            # change that causes it. ``key`` says what it is about (one alert copy to one chat,
            # one check-in prompt), so a double tap or a replay cannot make a second row.
            # ``group_key`` ties the copies of one event together (fall back to staff when no
            # leader copy can be delivered). The text is rendered when it is sent, in the
            # recipient's language then; ``user_id`` is the person it is about (erased with them).
            """
            CREATE TABLE outbox (
                outbox_id  INTEGER PRIMARY KEY AUTOINCREMENT,
                key        TEXT NOT NULL UNIQUE,
                group_key  TEXT NOT NULL,
                kind       TEXT NOT NULL,
                role       TEXT NOT NULL CHECK (role IN ('person', 'leader', 'staff')),
                priority   INTEGER NOT NULL,
                chat_id    INTEGER NOT NULL,
                user_id    INTEGER,
                ref_id     INTEGER,
                payload    TEXT NOT NULL DEFAULT '{}',
                status     TEXT NOT NULL CHECK (status IN
                           ('pending', 'sending', 'sent', 'failed', 'cancelled')),
                attempts   INTEGER NOT NULL DEFAULT 0,
                due_at     TEXT NOT NULL,
                claimed_at TEXT,
                sent_at    TEXT,
                message_id INTEGER,
                last_error TEXT,
                created_at TEXT NOT NULL
            )
            """,
            # The drainer reads only what is due, urgent first, however long the table grows.
            "CREATE INDEX outbox_due ON outbox (priority, due_at) WHERE status = 'pending'",
            "CREATE INDEX outbox_claimed ON outbox (claimed_at) WHERE status = 'sending'",
            "CREATE INDEX outbox_group ON outbox (group_key)",
            "CREATE INDEX outbox_user ON outbox (user_id)",
            # One live prompt per departure: a schedule that cannot fork. Older databases may
            # hold a fork already; the earliest live prompt of each departure is kept.
            """
            UPDATE checkins SET status = 'cancelled', next_step_at = NULL
            WHERE status IN ('planned', 'sending') AND checkin_id NOT IN (
                SELECT MIN(checkin_id) FROM checkins
                WHERE status IN ('planned', 'sending') GROUP BY departure_id
            )
            """,
            """
            CREATE UNIQUE INDEX checkins_one_live ON checkins (departure_id)
            WHERE status IN ('planned', 'sending')
            """,
            # "A problem" answered with none named: followed up by the sweep.
            """
            CREATE INDEX checkins_problem_follow_up ON checkins (next_step_at)
            WHERE status = 'answered' AND next_step_at IS NOT NULL
            """,
            # A registration is made once: Send pressed twice, or again after a crash, finds it.
            "ALTER TABLE departures ADD COLUMN request_key TEXT",
            """
            CREATE UNIQUE INDEX departures_request ON departures (request_key)
            WHERE request_key IS NOT NULL
            """,
        ),
    ),
    (
        "m007_cases",
        (
            # Every alert is a case, followed from the first message to an outcome. The alerts
            # table is rebuilt: its kinds are checked in Python now (content names them), and a
            # case the person erased stays open without them (user_id NULL). Its one child is
            # moved aside first: dropping a parent with foreign keys on would cascade.
            "CREATE TABLE alert_messages_keep AS SELECT alert_id, chat_id, message_id"
            " FROM alert_messages",
            "DROP TABLE alert_messages",
            """
            CREATE TABLE alerts_new (
                alert_id        INTEGER PRIMARY KEY AUTOINCREMENT,
                kind            TEXT NOT NULL,
                user_id         INTEGER,
                departure_id    INTEGER REFERENCES departures (departure_id) ON DELETE SET NULL,
                checkin_id      INTEGER,
                village_code    TEXT,
                details         TEXT NOT NULL DEFAULT '',
                created_at      TEXT NOT NULL,
                staff_due_at    TEXT,
                staff_told_at   TEXT,
                acknowledged_at TEXT,
                acknowledged_by INTEGER,
                resolved_at     TEXT,
                resolved_by     INTEGER,
                handler_chat_id INTEGER,
                outcome         TEXT,
                handed_to       TEXT,
                note_due_at     TEXT,
                erased_at       TEXT
            )
            """,
            """
            INSERT INTO alerts_new (alert_id, kind, user_id, departure_id, checkin_id,
                village_code, details, created_at, staff_due_at, staff_told_at,
                acknowledged_at, acknowledged_by, resolved_at, resolved_by, outcome)
            SELECT alert_id, kind, user_id, departure_id, checkin_id, village_code, details,
                created_at, staff_due_at, staff_told_at, acknowledged_at, acknowledged_by,
                resolved_at, resolved_by, CASE WHEN resolved_at IS NULL THEN NULL ELSE 'other' END
            FROM alerts
            """,
            # An id is never given twice (an old button must not act on a newer case).
            """
            INSERT INTO sqlite_sequence (name, seq)
            SELECT 'alerts_new', seq FROM sqlite_sequence WHERE name = 'alerts'
            AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'alerts_new')
            """,
            """
            UPDATE sqlite_sequence SET seq = MAX(seq,
                (SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'alerts'))
            WHERE name = 'alerts_new'
            """,
            "DROP TABLE alerts",
            "ALTER TABLE alerts_new RENAME TO alerts",
            """
            CREATE INDEX alerts_staff_due ON alerts (staff_due_at)
            WHERE staff_told_at IS NULL AND acknowledged_at IS NULL
            """,
            "CREATE INDEX alerts_open ON alerts (village_code) WHERE resolved_at IS NULL",
            "CREATE INDEX alerts_user ON alerts (user_id)",
            # A case taken on with no note for a while: its handler is reminded.
            "CREATE INDEX alerts_note_due ON alerts (note_due_at) WHERE resolved_at IS NULL",
            """
            CREATE TABLE alert_messages (
                alert_id   INTEGER NOT NULL REFERENCES alerts (alert_id) ON DELETE CASCADE,
                chat_id    INTEGER NOT NULL,
                message_id INTEGER NOT NULL
            )
            """,
            "CREATE INDEX alert_messages_alert ON alert_messages (alert_id)",
            "INSERT INTO alert_messages SELECT alert_id, chat_id, message_id"
            " FROM alert_messages_keep",
            "DROP TABLE alert_messages_keep",
            # A case's history: raised, taken on, notes, handed on, closed, reopened, erased.
            # ``detail`` is JSON (a note's words, an organisation's id, an outcome).
            """
            CREATE TABLE case_events (
                event_id INTEGER PRIMARY KEY AUTOINCREMENT,
                alert_id INTEGER NOT NULL REFERENCES alerts (alert_id) ON DELETE CASCADE,
                at       TEXT NOT NULL,
                actor_id INTEGER,
                kind     TEXT NOT NULL,
                detail   TEXT NOT NULL DEFAULT '{}'
            )
            """,
            "CREATE INDEX case_events_alert ON case_events (alert_id, event_id)",
            "CREATE INDEX case_events_actor ON case_events (actor_id)",
            # "Reply to this message with your note": the bot's question, so a reply in a staff
            # group (where the bot sees only replies to it) finds its case after a restart too.
            """
            CREATE TABLE case_prompts (
                chat_id    INTEGER NOT NULL,
                message_id INTEGER NOT NULL,
                alert_id      INTEGER NOT NULL REFERENCES alerts (alert_id) ON DELETE CASCADE,
                actor_user_id INTEGER NOT NULL,
                action        TEXT NOT NULL,
                created_at TEXT NOT NULL,
                PRIMARY KEY (chat_id, message_id)
            )
            """,
            "CREATE INDEX case_prompts_actor ON case_prompts (actor_user_id)",
            # Map pins of a person's location sent to those handling their case: deleted from
            # those chats when the person erases their data (the location is theirs).
            """
            CREATE TABLE location_copies (
                alert_id   INTEGER NOT NULL REFERENCES alerts (alert_id) ON DELETE CASCADE,
                chat_id    INTEGER NOT NULL,
                message_id INTEGER NOT NULL
            )
            """,
            "CREATE INDEX location_copies_alert ON location_copies (alert_id)",
            # A family who cannot reach a relative (/missing). The case is the reporter's
            # (they wait to hear); ``relative_id`` is the relative's account when the bot knows
            # them, asked privately what the family may hear: nothing goes without their yes.
            """
            CREATE TABLE family_reports (
                report_id        INTEGER PRIMARY KEY AUTOINCREMENT,
                alert_id         INTEGER REFERENCES alerts (alert_id) ON DELETE SET NULL,
                reporter_user_id INTEGER NOT NULL,
                village_code     TEXT,
                name             TEXT NOT NULL,
                relationship     TEXT NOT NULL,
                went_to          TEXT NOT NULL,
                since            TEXT NOT NULL,
                phone            TEXT,
                relative_id      INTEGER,
                relative_answer  TEXT CHECK (relative_answer IN ('safe', 'message', 'nothing')),
                relative_message TEXT,
                created_at       TEXT NOT NULL,
                answered_at      TEXT
            )
            """,
            "CREATE INDEX family_reports_reporter ON family_reports (reporter_user_id)",
            "CREATE INDEX family_reports_relative ON family_reports (relative_id)",
            "CREATE INDEX family_reports_alert ON family_reports (alert_id)",
        ),
    ),
    (
        "m008_documents",
        (
            # The dates a legal stay hangs on, per departure: passport, visa, work permit,
            # contract. ``expires_on`` NULL is "I don't know". ``renewed_at`` is the last time a
            # later date replaced an earlier one (the report counts renewals).
            # Personal data: listed in storage/people.py, erased by /delete, shown by /mydata.
            """
            CREATE TABLE documents (
                document_id  INTEGER PRIMARY KEY AUTOINCREMENT,
                departure_id INTEGER NOT NULL REFERENCES departures (departure_id),
                user_id      INTEGER NOT NULL,
                kind         TEXT NOT NULL
                             CHECK (kind IN ('passport', 'visa', 'work_permit', 'contract')),
                expires_on   TEXT,
                renewals     INTEGER NOT NULL DEFAULT 0,
                renewed_at   TEXT,
                created_at   TEXT NOT NULL,
                updated_at   TEXT NOT NULL,
                UNIQUE (departure_id, kind)
            )
            """,
            "CREATE INDEX documents_user ON documents (user_id)",
            "CREATE INDEX documents_expiry ON documents (expires_on) WHERE expires_on IS NOT NULL",
            # Reminders before a date, planned like check-ins: ``number`` is the step (120, 30, 7
            # days before, from the settings). One live (planned or queued) reminder per step of a
            # document, so planning twice, a replay or a restart cannot make a second.
            """
            CREATE TABLE document_reminders (
                reminder_id  INTEGER PRIMARY KEY AUTOINCREMENT,
                document_id  INTEGER NOT NULL REFERENCES documents (document_id),
                departure_id INTEGER NOT NULL,
                user_id      INTEGER NOT NULL,
                number       INTEGER NOT NULL,
                catch_up     INTEGER NOT NULL DEFAULT 0,
                expires_on   TEXT NOT NULL,
                due_at       TEXT NOT NULL,
                status       TEXT NOT NULL CHECK (status IN
                             ('planned', 'sending', 'sent', 'answered', 'cancelled', 'failed')),
                claimed_at   TEXT,
                sent_at      TEXT,
                message_id   INTEGER,
                answer       TEXT,
                answered_at  TEXT
            )
            """,
            """
            CREATE UNIQUE INDEX document_reminders_one_live ON document_reminders
            (document_id, number) WHERE status IN ('planned', 'sending')
            """,
            """
            CREATE INDEX document_reminders_due ON document_reminders (due_at)
            WHERE status = 'planned'
            """,
            "CREATE INDEX document_reminders_document ON document_reminders (document_id)",
            "CREATE INDEX document_reminders_user ON document_reminders (user_id)",
            "CREATE INDEX document_reminders_sent ON document_reminders (sent_at)",
        ),
    ),
    (
        "m009_entries",
        (
            # How each person first came to the bot (a village's poster, a friend's link, a
            # leader's invite, or by its name), for the report's "which channel works". One row
            # per person, written when they first finish onboarding; erased with them.
            """
            CREATE TABLE entries (
                user_id        INTEGER PRIMARY KEY,
                channel        TEXT NOT NULL CHECK (channel IN
                               ('poster', 'share', 'leader', 'typed')),
                poster_village TEXT,
                entered_at     TEXT NOT NULL
            )
            """,
            "CREATE INDEX entries_entered ON entries (entered_at)",
        ),
    ),
    (
        "m010_refreshers",
        (
            # What a person chose about messages the bot sends without being asked. Nobody gets
            # a refresher without saying yes (said_yes_at); announcements stop with one tap.
            """
            CREATE TABLE message_choices (
                user_id           INTEGER PRIMARY KEY,
                said_yes_at       TEXT,
                refreshers        INTEGER NOT NULL DEFAULT 0 CHECK (refreshers IN (0, 1)),
                announcements     INTEGER NOT NULL DEFAULT 1 CHECK (announcements IN (0, 1)),
                next_refresher_at TEXT,
                updated_at        TEXT NOT NULL
            )
            """,
            """
            CREATE INDEX message_choices_due ON message_choices (next_refresher_at)
            WHERE refreshers = 1
            """,
            # Each refresher sent: which content item, for which stage of the person's trip, and
            # whether a button in it was pressed (Telegram does not tell a bot what was read).
            """
            CREATE TABLE refreshers (
                refresher_id INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id      INTEGER NOT NULL,
                item         TEXT NOT NULL,
                stage        TEXT NOT NULL,
                created_at   TEXT NOT NULL,
                sent_at      TEXT,
                acted_at     TEXT
            )
            """,
            "CREATE INDEX refreshers_user ON refreshers (user_id)",
            # A warning from staff or a leader to an area, kept with who sent it and its reach.
            """
            CREATE TABLE announcements (
                announcement_id INTEGER PRIMARY KEY AUTOINCREMENT,
                sent_by         INTEGER,
                sender_role     TEXT NOT NULL CHECK (sender_role IN ('staff', 'leader')),
                area            TEXT NOT NULL,
                audience        TEXT NOT NULL CHECK (audience IN ('yes', 'away', 'leaders')),
                text_km         TEXT NOT NULL,
                text_en         TEXT,
                planned         INTEGER NOT NULL,
                reached         INTEGER NOT NULL DEFAULT 0,
                unreached       INTEGER NOT NULL DEFAULT 0,
                created_at      TEXT NOT NULL,
                reported_at     TEXT
            )
            """,
            """
            CREATE INDEX announcements_unreported ON announcements (announcement_id)
            WHERE reported_at IS NULL
            """,
            # Phone numbers and names a broker report mentions, normalised, to see a pattern
            # across a district; erased with the report.
            """
            CREATE TABLE broker_marks (
                report_id     INTEGER NOT NULL REFERENCES broker_reports (report_id)
                              ON DELETE CASCADE,
                district_code TEXT NOT NULL,
                mark          TEXT NOT NULL,
                PRIMARY KEY (report_id, mark)
            )
            """,
            "CREATE INDEX broker_marks_district ON broker_marks (district_code, mark)",
        ),
    ),
    (
        "m011_recordings",
        (
            # The programme's own Khmer voice for a screen, recorded by staff: the bytes are kept
            # here (a Telegram file_id belongs to one bot token), so backups carry them and
            # `bot.py media export` can move them. ``text_hash`` is of the text read aloud: when
            # the text changes, the recording is out of date. ``file_id`` caches Telegram's id
            # for the bot ``bot_id`` that uploaded it, so it is uploaded once per bot.
            """
            CREATE TABLE recordings (
                item_id     TEXT PRIMARY KEY,
                audio       BLOB NOT NULL,
                mime_type   TEXT NOT NULL,
                duration    INTEGER,
                text_hash   TEXT NOT NULL,
                recorded_by INTEGER,
                recorded_at TEXT NOT NULL,
                bot_id      INTEGER,
                file_id     TEXT
            )
            """,
            # A staff member's take before they keep it: one at a time per person. No audio yet
            # means the bot waits for their voice message for ``item_id``.
            """
            CREATE TABLE recording_takes (
                user_id    INTEGER PRIMARY KEY,
                item_id    TEXT NOT NULL,
                text_hash  TEXT NOT NULL,
                audio      BLOB,
                mime_type  TEXT,
                duration   INTEGER,
                file_id    TEXT,
                created_at TEXT NOT NULL
            )
            """,
            # People who would rather listen: the voice comes with each screen. A row is a yes.
            """
            CREATE TABLE listening (
                user_id   INTEGER PRIMARY KEY,
                chosen_at TEXT NOT NULL
            )
            """,
            # A voice message sent as the answer to a cry for help: only Telegram's file_id (the
            # bot forwards it to leader and staff; no bytes are kept), erased with the person.
            """
            CREATE TABLE voice_answers (
                voice_id       INTEGER PRIMARY KEY AUTOINCREMENT,
                alert_id       INTEGER NOT NULL REFERENCES alerts (alert_id) ON DELETE CASCADE,
                user_id        INTEGER NOT NULL,
                file_id        TEXT NOT NULL,
                file_unique_id TEXT NOT NULL,
                media          TEXT NOT NULL CHECK (media IN ('voice', 'audio')),
                duration       INTEGER,
                created_at     TEXT NOT NULL,
                UNIQUE (alert_id, file_unique_id)
            )
            """,
            "CREATE INDEX voice_answers_user ON voice_answers (user_id)",
            "CREATE INDEX voice_answers_alert ON voice_answers (alert_id)",
        ),
    ),
    (
        "m013_relink",
        (
            # A new phone: a one-time code a leader or staff member makes for a person, stored
            # hashed like leader invites; opened from the new Telegram account it moves the
            # person's whole record there (storage/relinks.py). The row stays as the history of
            # the move. ``user_id`` is the person's account now (moved with them at each later
            # re-link, erased by /delete); ``old_account_id`` and ``new_account_id`` are the
            # accounts of this move; ``made_by`` the leader or staff member who made the code.
            """
            CREATE TABLE relinks (
                relink_id      INTEGER PRIMARY KEY AUTOINCREMENT,
                code_hash      TEXT NOT NULL UNIQUE,
                user_id        INTEGER NOT NULL,
                old_account_id INTEGER NOT NULL,
                new_account_id INTEGER,
                made_by        INTEGER,
                made_at        TEXT NOT NULL,
                expires_at     TEXT NOT NULL,
                used_at        TEXT
            )
            """,
            "CREATE INDEX relinks_user ON relinks (user_id)",
            "CREATE INDEX relinks_made_by ON relinks (made_by)",
        ),
    ),
    (
        "m014_who_sees_what",
        (
            # A relative may say "this is not about me" (a mistyped number: the search goes on),
            # kept as its own answer; a report's Send carries a request key, so Send pressed again
            # after a crash finds the first report instead of making a second. The table is
            # rebuilt for its CHECK; its id sequence is carried over (ids are in outbox keys).
            """
            CREATE TABLE family_reports_new (
                report_id        INTEGER PRIMARY KEY AUTOINCREMENT,
                alert_id         INTEGER REFERENCES alerts (alert_id) ON DELETE SET NULL,
                reporter_user_id INTEGER NOT NULL,
                village_code     TEXT,
                name             TEXT NOT NULL,
                relationship     TEXT NOT NULL,
                went_to          TEXT NOT NULL,
                since            TEXT NOT NULL,
                phone            TEXT,
                relative_id      INTEGER,
                relative_answer  TEXT
                    CHECK (relative_answer IN ('safe', 'message', 'nothing', 'notme')),
                relative_message TEXT,
                created_at       TEXT NOT NULL,
                answered_at      TEXT,
                request_key      TEXT
            )
            """,
            """
            INSERT INTO family_reports_new (report_id, alert_id, reporter_user_id, village_code,
                name, relationship, went_to, since, phone, relative_id, relative_answer,
                relative_message, created_at, answered_at)
            SELECT report_id, alert_id, reporter_user_id, village_code, name, relationship,
                went_to, since, phone, relative_id, relative_answer, relative_message,
                created_at, answered_at
            FROM family_reports
            """,
            """
            INSERT INTO sqlite_sequence (name, seq)
            SELECT 'family_reports_new', seq FROM sqlite_sequence WHERE name = 'family_reports'
            AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'family_reports_new')
            """,
            """
            UPDATE sqlite_sequence SET seq = MAX(seq,
                (SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'family_reports'))
            WHERE name = 'family_reports_new'
            """,
            "DROP TABLE family_reports",
            "ALTER TABLE family_reports_new RENAME TO family_reports",
            "CREATE INDEX family_reports_reporter ON family_reports (reporter_user_id)",
            "CREATE INDEX family_reports_relative ON family_reports (relative_id)",
            "CREATE INDEX family_reports_alert ON family_reports (alert_id)",
            """
            CREATE UNIQUE INDEX family_reports_request ON family_reports (request_key)
            WHERE request_key IS NOT NULL
            """,
            # Keys the bot makes for itself: ``marks`` turns a Telegram id into a mark that
            # cannot be read back without it (app/marks.py).
            "CREATE TABLE bot_keys (name TEXT PRIMARY KEY, value BLOB NOT NULL)",
            "INSERT INTO bot_keys (name, value) VALUES ('marks', randomblob(32))",
            # Who raised a family's case, as such a mark, kept only while the case is open: the
            # limit of open reports a person may have must not reset when they erase their data
            # and start again (the case stays open without them).
            "ALTER TABLE alerts ADD COLUMN raiser_mark TEXT",
            "CREATE INDEX alerts_raiser ON alerts (raiser_mark) WHERE raiser_mark IS NOT NULL",
            # When an untaken case next reminds every chief and staff (cases.take_on, 1 h for a
            # high-risk case, 3 h for others), and how many times it has.
            "ALTER TABLE alerts ADD COLUMN take_on_due_at TEXT",
            "ALTER TABLE alerts ADD COLUMN take_on_reminders INTEGER NOT NULL DEFAULT 0",
            """
            CREATE INDEX alerts_take_on_due ON alerts (take_on_due_at)
            WHERE acknowledged_at IS NULL AND resolved_at IS NULL
            """,
            # Who looked at what (a case's history, a list, a location, a voice): ids and when,
            # never content. Staff read it per case; /delete erases the viewer's rows.
            """
            CREATE TABLE case_views (
                view_id      INTEGER PRIMARY KEY AUTOINCREMENT,
                viewer_id    INTEGER NOT NULL,
                what         TEXT NOT NULL,
                alert_id     INTEGER REFERENCES alerts (alert_id) ON DELETE CASCADE,
                village_code TEXT,
                at           TEXT NOT NULL
            )
            """,
            "CREATE INDEX case_views_alert ON case_views (alert_id)",
            "CREATE INDEX case_views_village ON case_views (village_code, at)",
            "CREATE INDEX case_views_viewer ON case_views (viewer_id)",
        ),
    ),
    (
        "m015_announcement_queued",
        (
            # An announcement is queued in chunks, each its own short transaction (an SOS
            # raised meanwhile waits for one chunk, not for 100,000 rows): ``queued_at`` is set
            # when the last chunk is in. NULL means a crash cut its queuing short, and the sweep
            # queues the rest (storage/announcements.py). Those before this were queued whole.
            "ALTER TABLE announcements ADD COLUMN queued_at TEXT",
            "UPDATE announcements SET queued_at = created_at",
            # What the sweep asks at each tick, without reading the table.
            "CREATE INDEX announcements_unqueued ON announcements (created_at)"
            " WHERE queued_at IS NULL",
        ),
    ),
    (
        "m016_relink_list",
        (
            # The /relink list, one page at a time in SQL (storage/departures.py relink_page):
            # trips in the list's order, and each person's trips, with the columns it filters
            # on, so page 1 reads 8 rows and not 100,000.
            "CREATE INDEX departures_listed ON departures (depart_on, departure_id, village_code,"
            " user_id) WHERE status IN ('active', 'returned')",
            "CREATE INDEX departures_user_listed ON departures (user_id, depart_on, village_code)"
            " WHERE status IN ('active', 'returned')",
        ),
    ),
    (
        "m017_assisted_departures",
        (
            # A departure a chief wrote down with the villager beside him (storage/assisted.py):
            # his answers wait under the hash of a one-time code until she opens it on her own
            # phone. ``answers`` is NULL once it is claimed (then it is her departure), declined
            # or expired; the row stays as the history of what happened to it.
            """
            CREATE TABLE assisted_departures (
                assisted_id   INTEGER PRIMARY KEY AUTOINCREMENT,
                code_hash     TEXT NOT NULL UNIQUE,
                made_by       INTEGER,
                village_code  TEXT,
                answers       TEXT,
                request_key   TEXT NOT NULL UNIQUE,
                made_at       TEXT NOT NULL,
                expires_at    TEXT NOT NULL,
                outcome       TEXT,
                closed_at     TEXT,
                departure_id  INTEGER
            )
            """,
            "CREATE INDEX assisted_made_by ON assisted_departures (made_by)",
            "CREATE INDEX assisted_open ON assisted_departures (expires_at) WHERE outcome IS NULL",
        ),
    ),
    (
        "m018_name_voice",
        (
            # A name said rather than typed (issue 25: no typing for someone who cannot write):
            # the voice message's Telegram file_id, kept with the departure and sent to the chief
            # with the notice; ``name`` then holds the 🔊 mark.
            "ALTER TABLE departures ADD COLUMN name_voice TEXT",
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
            # SQLite may have rolled back already (a full disk does); a second ROLLBACK would
            # then fail and hide the real error.
            if db.in_transaction:
                await db.execute("ROLLBACK")
            raise
        await db.execute("COMMIT")
        applied.append(name)
    return applied
