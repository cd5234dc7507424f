"""Fixtures: a running bot on a temporary database, and the people who talk to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.chat import Bot
from tests.support.journeys import STAFF_ID


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "staffed: the bot has one programme staff member (STAFF_ID)")


@pytest.fixture
async def bot(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Bot]:
    """A running bot; ``pytestmark = pytest.mark.staffed`` gives it a staff member too."""
    staff = frozenset({STAFF_ID}) if request.node.get_closest_marker("staffed") else frozenset()
    harness = await Bot(tmp_path / "bot.sqlite3").start(staff_user_ids=staff)
    yield harness
    await harness.stop()
    # Telegram refused nothing the bot sent: every text, button and edit was valid.
    assert harness.telegram.refusals == [], harness.telegram.refusals
