"""Fixtures: a running bot on a temporary database, and the people who talk to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.chat import Bot


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    harness = await Bot(tmp_path / "bot.sqlite3").start()
    yield harness
    await harness.stop()
    # Telegram refused nothing the bot sent: every text, button and edit was valid.
    assert harness.telegram.refusals == [], harness.telegram.refusals
