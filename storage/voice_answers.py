"""Voice messages sent as the answer to a cry for help, and the copies that carry them.

Only Telegram's file_id is kept (the same bot forwards it); the row and its outbox copies are
written in one transaction, keyed by the voice, so a replayed update makes no second copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.alerts import _ALERT, _alert
from storage.base import StoreBase, first_row, from_row
from storage.outbox import NewMessage, enqueue_in
from storage.rows import Alert


@dataclass(frozen=True)
class VoiceAnswer:
    voice_id: int
    alert_id: int
    user_id: int
    file_id: str
    media: str  # voice | audio
    duration: int | None
    created_at: datetime


def _voice(row: Any) -> VoiceAnswer:
    return from_row(VoiceAnswer, row, created_at=datetime.fromisoformat)


_VOICE = (
    "SELECT voice_id, alert_id, user_id, file_id, media, duration, created_at FROM voice_answers"
)


class VoiceAnswerQueries(StoreBase):
    async def alert_awaiting_voice(
        self, user_id: int, kinds: tuple[str, ...], since: datetime
    ) -> Alert | None:
        """The person's newest unresolved cry for help raised since ``since``, if any."""
        marks = ", ".join("?" for _ in kinds)
        return await self._one(
            f"{_ALERT} WHERE user_id = ? AND kind IN ({marks}) AND resolved_at IS NULL"
            " AND created_at >= ? ORDER BY alert_id DESC LIMIT 1",
            (user_id, *kinds, since.isoformat()),
            _alert,
        )

    async def add_voice_answer(
        self,
        alert_id: int,
        user_id: int,
        file_id: str,
        file_unique_id: str,
        media: str,
        duration: int | None,
        messages: Callable[[int], list[NewMessage]],
    ) -> tuple[int, list[int]]:
        """Keeps the voice and queues its copies (claimed) in one transaction.

        The same voice again (a replayed update) keeps its first row and queues nothing new.
        """
        async with self._transaction() as db:
            row = await first_row(
                db,
                "INSERT INTO voice_answers (alert_id, user_id, file_id, file_unique_id, media,"
                " duration, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (alert_id, file_unique_id) DO NOTHING RETURNING voice_id",
                (alert_id, user_id, file_id, file_unique_id, media, duration, self._now()),
            )
            if row is None:
                again = await first_row(
                    db,
                    "SELECT voice_id FROM voice_answers WHERE alert_id = ? AND file_unique_id = ?",
                    (alert_id, file_unique_id),
                )
                assert again is not None
                return int(again[0]), []
            voice_id = int(row[0])
            ids = await enqueue_in(db, messages(voice_id), self._now(), claimed=True)
        return voice_id, ids

    async def voice_answer(self, voice_id: int) -> VoiceAnswer | None:
        return await self._one(f"{_VOICE} WHERE voice_id = ?", (voice_id,), _voice)

    async def voice_answers_of_alert(self, alert_id: int) -> list[VoiceAnswer]:
        return await self._all(
            f"{_VOICE} WHERE alert_id = ? ORDER BY voice_id", (alert_id,), _voice
        )
