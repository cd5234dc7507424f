"""Khmer recordings made by staff, their takes, and who would rather listen than read.

A recording's bytes live in the database (backups carry them; a Telegram file_id belongs to one
bot token), with the hash of the text it was recorded for, so a changed text shows it is out of
date. Telegram's file_id is cached per bot so each recording is uploaded once per bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.base import NOW, StoreBase, first_row, from_row


@dataclass(frozen=True)
class RecordingInfo:
    """What is known of a recording without its bytes (for lists, coverage and playing)."""

    item_id: str
    text_hash: str
    mime_type: str
    duration: int | None
    recorded_at: datetime
    bot_id: int | None
    file_id: str | None


@dataclass(frozen=True)
class Recording:
    info: RecordingInfo
    audio: bytes


@dataclass(frozen=True)
class Take:
    """A staff member's recording in the making: the item, and the audio once it came."""

    user_id: int
    item_id: str
    text_hash: str
    audio: bytes | None
    mime_type: str | None
    duration: int | None
    file_id: str | None


_INFO = "item_id, text_hash, mime_type, duration, recorded_at, bot_id, file_id"


def _info(row: Any) -> RecordingInfo:
    return from_row(RecordingInfo, row[:7], recorded_at=datetime.fromisoformat)


def _recording(row: Any) -> Recording:
    return Recording(_info(row), bytes(row[7]))


class RecordingQueries(StoreBase):
    # -- recordings ---------------------------------------------------------------------------

    async def recording_infos(self) -> dict[str, RecordingInfo]:
        """Every recording by item id, without the bytes."""
        infos = await self._all(f"SELECT {_INFO} FROM recordings", (), _info)
        return {info.item_id: info for info in infos}

    async def recording_info(self, item_id: str) -> RecordingInfo | None:
        return await self._one(
            f"SELECT {_INFO} FROM recordings WHERE item_id = ?", (item_id,), _info
        )

    async def recording(self, item_id: str) -> Recording | None:
        return await self._one(
            f"SELECT {_INFO}, audio FROM recordings WHERE item_id = ?", (item_id,), _recording
        )

    async def all_recordings(self) -> list[Recording]:
        """Every recording with its bytes (for export), in item order."""
        return await self._all(
            f"SELECT {_INFO}, audio FROM recordings ORDER BY item_id", (), _recording
        )

    async def put_recording(
        self,
        item_id: str,
        audio: bytes,
        *,
        mime_type: str,
        duration: int | None,
        text_hash: str,
        recorded_by: int | None,
        bot_id: int | None = None,
        file_id: str | None = None,
    ) -> None:
        """Keeps a recording for an item, replacing the one before."""
        async with self._transaction() as db:
            await _put(
                db,
                item_id,
                audio,
                mime_type,
                duration,
                text_hash,
                recorded_by,
                self._now(),
                bot_id,
                file_id,
            )

    async def remember_file_id(self, item_id: str, bot_id: int, file_id: str) -> None:
        """Telegram's id for the uploaded recording, so this bot need not upload it again."""
        await self._write(
            "UPDATE recordings SET bot_id = ?, file_id = ? WHERE item_id = ?",
            (bot_id, file_id, item_id),
        )

    # -- takes ----------------------------------------------------------------------------------

    async def start_take(self, user_id: int, item_id: str, text_hash: str) -> None:
        """A staff member picked an item: the bot now waits for their voice message."""
        await self._write(
            "INSERT INTO recording_takes (user_id, item_id, text_hash, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
            " item_id = excluded.item_id, text_hash = excluded.text_hash, audio = NULL,"
            " mime_type = NULL, duration = NULL, file_id = NULL,"
            " created_at = excluded.created_at",
            (user_id, item_id, text_hash, NOW),
        )

    async def take_of(self, user_id: int) -> Take | None:
        return await self._one(
            "SELECT user_id, item_id, text_hash, audio, mime_type, duration, file_id"
            " FROM recording_takes WHERE user_id = ?",
            (user_id,),
            lambda row: from_row(
                Take, row, audio=lambda audio: bytes(audio) if audio is not None else None
            ),
        )

    async def fill_take(
        self, user_id: int, item_id: str, audio: bytes, mime_type: str, duration: int | None
    ) -> bool:
        """The voice message came: kept with the take until it is kept or recorded again."""
        return await self._changed(
            "UPDATE recording_takes SET audio = ?, mime_type = ?, duration = ?, file_id = NULL"
            " WHERE user_id = ? AND item_id = ?",
            (audio, mime_type, duration, user_id, item_id),
        )

    async def take_played(self, user_id: int, file_id: str) -> None:
        """Telegram's id of the take as played back, reused when it is kept."""
        await self._write(
            "UPDATE recording_takes SET file_id = ? WHERE user_id = ?", (file_id, user_id)
        )

    async def keep_take(self, user_id: int, item_id: str, bot_id: int) -> bool:
        """Makes the take the item's recording, in one transaction; False if there is none."""
        async with self._transaction() as db:
            row = await first_row(
                db,
                "SELECT audio, mime_type, duration, text_hash, file_id FROM recording_takes"
                " WHERE user_id = ? AND item_id = ? AND audio IS NOT NULL",
                (user_id, item_id),
            )
            if row is None:
                return False
            file_bot = bot_id if row[4] else None
            audio, mime, duration, text_hash, file_id = bytes(row[0]), *row[1:]
            now = self._now()
            await _put(
                db, item_id, audio, mime, duration, text_hash, user_id, now, file_bot, file_id
            )
            await db.execute("DELETE FROM recording_takes WHERE user_id = ?", (user_id,))
            return True

    async def drop_take(self, user_id: int) -> None:
        await self._write("DELETE FROM recording_takes WHERE user_id = ?", (user_id,))

    # -- listening ------------------------------------------------------------------------------

    async def listens(self, user_id: int) -> bool:
        """Whether the person chose to hear the voice with each screen."""
        return await self._exists("SELECT 1 FROM listening WHERE user_id = ?", (user_id,))

    async def set_listening(self, user_id: int, listen: bool) -> None:
        async with self._transaction() as db:
            if listen:
                await db.execute(
                    "INSERT OR IGNORE INTO listening (user_id, chosen_at) VALUES (?, ?)",
                    (user_id, self._now()),
                )
            else:
                await db.execute("DELETE FROM listening WHERE user_id = ?", (user_id,))


async def _put(
    db: Any,
    item_id: str,
    audio: bytes,
    mime_type: str,
    duration: int | None,
    text_hash: str,
    recorded_by: int | None,
    now: str,
    bot_id: int | None,
    file_id: str | None,
) -> None:
    await db.execute(
        "INSERT INTO recordings (item_id, audio, mime_type, duration, text_hash, recorded_by,"
        " recorded_at, bot_id, file_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (item_id) DO UPDATE SET audio = excluded.audio,"
        " mime_type = excluded.mime_type, duration = excluded.duration,"
        " text_hash = excluded.text_hash, recorded_by = excluded.recorded_by,"
        " recorded_at = excluded.recorded_at, bot_id = excluded.bot_id,"
        " file_id = excluded.file_id",
        (item_id, audio, mime_type, duration, text_hash, recorded_by, now, bot_id, file_id),
    )
