"""/report draws its chart off the event loop: while it draws, everyone else is still answered."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

import conversations.report
from operations.reporting import render_chart
from tests.support.chat import Bot
from tests.support.journeys import STAFF_ID, onboard, sent_departure

pytestmark = pytest.mark.staffed


async def test_people_are_answered_while_the_chart_is_drawn(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sent_departure(bot, bot.user(800))
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    villager = bot.user(801)
    await onboard(villager)

    # The real drawing, held until the villager has had an answer (a blocked event loop could
    # not give one, and the drawing would give up after 10 s without a chart).
    drawing, go_on = threading.Event(), threading.Event()
    loop_thread = threading.get_ident()
    drawn_in: list[int] = []

    def held_render(*args: Any) -> bytes:
        drawn_in.append(threading.get_ident())
        drawing.set()
        if not go_on.wait(10):
            raise TimeoutError("the event loop was blocked while drawing")
        return render_chart(*args)

    monkeypatch.setattr(conversations.report, "render_chart", held_render)
    report = asyncio.create_task(staff.send("/report all all"))
    assert await asyncio.to_thread(drawing.wait, 10)
    await villager.send("/help")
    assert bot.services is not None
    assert villager.last_text() == bot.services.content.texts.get("km", "help.intro")
    go_on.set()
    await report
    assert drawn_in and drawn_in[0] != loop_thread
    assert [m.kind for m in bot.telegram.chats[STAFF_ID][-2:]] == ["photo", "document"]


def test_two_charts_drawn_at_once_in_threads_are_both_whole(tmp_path: Path) -> None:
    """Drawing is thread-safe: two /report at the same time get two good pictures."""
    from collections import Counter
    from datetime import UTC, datetime

    from content.bundle import load_content
    from domain.report import build_report

    content = load_content(districts=("0906", "0901"))
    report = build_report(
        departures=[("female", "TH", "seafood", "broker", "", "short", "poverty")] * 4,
        away_now=4,
        checkins_sent=0,
        answers=Counter(),
        problems=Counter(),
        alerts=[],
        open_cases=[],
        now=datetime(2026, 3, 1, tzinfo=UTC),
        out_of_contact=0,
        returns=[],
        awareness={},
        silence_days=3,
    )
    alone = render_chart(content, "km", report, "ចំណងជើង")

    async def both() -> list[bytes]:
        return list(
            await asyncio.gather(
                *(asyncio.to_thread(render_chart, content, "km", report, "ចំណងជើង") for _ in "ab")
            )
        )

    assert asyncio.run(both()) == [alone, alone]
