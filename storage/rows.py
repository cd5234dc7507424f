"""What the store hands out: frozen rows, never cursors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class UserProfile:
    """A person who finished onboarding."""

    user_id: int
    language: str
    district_code: str | None
    village_code: str | None
    gender: str | None
    age_band: str | None
    consented_at: datetime
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PersonalData:
    """Everything kept about one person, for /mydata."""

    profile: UserProfile | None
    draft: dict[str, Any]
    open_conversations: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return self.profile is None and not self.draft and not self.open_conversations


@dataclass(frozen=True)
class QuizAnswer:
    question_id: str
    option_id: str
    correct: bool


@dataclass(frozen=True)
class QuizAttempt:
    """One go at the pre-departure quiz."""

    attempt_id: int
    user_id: int
    started_at: datetime
    finished_at: datetime | None
    score: int | None
    total: int | None
    passed: bool | None
    answers: tuple[QuizAnswer, ...]


@dataclass(frozen=True)
class Learning:
    """What a person has done in the awareness part, for /mydata and progress screens."""

    lessons_finished: frozenset[str]
    statements: dict[str, str]  # statement id -> "agree" | "disagree"
    quiz_attempts: int
    best_quiz: tuple[int, int] | None  # (score, total) of the best finished attempt
    referral_code: str | None
    joined_through_me: int


@dataclass(frozen=True)
class Departure:
    """A planned departure as registered (and maybe told to the village leader)."""

    departure_id: int
    user_id: int
    for_self: bool
    name: str
    gender: str
    age: int
    village_code: str | None
    destination: str
    work: str
    duration: str
    channel: str
    agency: str | None
    documents: tuple[str, ...]
    employer_phone: str | None
    wage: int | None
    depart_on: date
    arrive_on: date
    reason: str
    family_phone: str | None
    risk_flags: tuple[str, ...]
    status: str
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: int | None
    escalated_at: datetime | None
    name_voice: str | None = None  # the name as a voice message (its file_id), if said


@dataclass(frozen=True)
class Leader:
    leader_id: int
    user_id: int
    village_code: str
    display_name: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class Agency:
    """A licensed recruitment agency from the staff's verified list."""

    agency_id: int
    name: str
    licence: str
    phone: str | None
    destinations: tuple[str, ...]  # country codes: "TH", "MY", "KR", …
    last_verified: date


@dataclass(frozen=True)
class BrokerReport:
    report_id: int
    reporter_user_id: int | None  # None: reported anonymously
    village_code: str | None
    who: str
    place: str
    promised: str
    created_at: datetime


@dataclass(frozen=True)
class Checkin:
    """One planned or sent check-in prompt."""

    checkin_id: int
    departure_id: int
    user_id: int
    number: int
    catch_up: bool
    due_at: datetime
    status: str
    attempts: int
    sent_at: datetime | None
    message_ids: tuple[int, ...]
    reminders: int
    next_step_at: datetime | None
    answer: str | None


@dataclass(frozen=True)
class Alert:
    """A case: a cry for help, a reported problem or a silence, from raised to an outcome.

    ``acknowledged_*`` is who took it on; ``resolved_*`` who closed it, with ``outcome``.
    ``user_id`` is None once the person erased their data while it was open.
    """

    alert_id: int
    kind: str
    user_id: int | None
    departure_id: int | None
    village_code: str | None
    details: tuple[str, ...]
    created_at: datetime
    staff_due_at: datetime | None
    staff_told_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: int | None
    resolved_at: datetime | None
    resolved_by: int | None = None
    handler_chat_id: int | None = None
    outcome: str | None = None
    handed_to: str | None = None
    note_due_at: datetime | None = None
    erased_at: datetime | None = None
    take_on_due_at: datetime | None = None  # when, untaken, it next reminds everyone
    take_on_reminders: int = 0

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


@dataclass(frozen=True)
class CaseEvent:
    """One line of a case's history."""

    event_id: int
    alert_id: int
    at: datetime
    actor_id: int | None
    kind: str  # raised, delivered, taken, note, handed, closed, reopened, erased, location
    detail: dict[str, Any]
