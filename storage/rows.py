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
