"""What the store hands out: frozen rows, never cursors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
