"""A bot with no staff set says so loudly: at start (a WARNING) and in `bot.py check`."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path

import pytest

import bot as cli
from app.config import load_config
from app.runner import serve
from domain.clock import ManualClock
from preview.botapi import FakeTelegram
from tests.support.chat import START, TEST_TOKEN


def check(tmp_path: Path, settings: str, capsys: pytest.CaptureFixture[str]) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(settings, encoding="utf-8")
    assert cli.main(["--config", str(path), "check"]) == 0  # a warning, not an error
    return capsys.readouterr().out


def test_check_warns_when_no_staff_would_be_told(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = check(tmp_path, "staff: {user_ids: [], chat_id: 0}\n", capsys)
    assert (
        "Warning: No programme staff are set (staff.user_ids and staff.chat_id are both empty): "
        "an SOS, an alert or a departure notice then reaches only the village's leaders"
    ) in out
    assert "Warning" not in check(tmp_path, "staff: {user_ids: [7777]}\n", capsys)
    assert "Warning" not in check(tmp_path, "staff: {chat_id: -100}\n", capsys)


async def test_the_bot_warns_at_start_when_no_staff_are_set(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    config = replace(
        load_config(None, environ={"TELEGRAM_BOT_TOKEN": TEST_TOKEN}),
        database=tmp_path / "bot.sqlite3",
    )
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        serve(config, ManualClock(START), stop, request=FakeTelegram(), ready=ready)
    )
    await asyncio.wait_for(ready.wait(), 10)
    stop.set()
    await asyncio.wait_for(task, 10)
    [warning] = [
        r for r in caplog.records if r.name == "app.runner" and r.levelno == logging.WARNING
    ]
    assert "reaches only the village's leaders" in warning.getMessage()
