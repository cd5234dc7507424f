"""The run path of bot.py: long polling and webhook, started and stopped for real."""

from __future__ import annotations

import asyncio
import json
import socket
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import WebhookConfig, load_config
from app.runner import serve
from domain.clock import ManualClock
from preview.botapi import FakeTelegram
from tests.support.chat import START, TEST_TOKEN

SECRET = "s3cret-token_for-tests"


def start_update(update_id: int, user_id: int = 9001) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "Sokha"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_772_330_400,
            "chat": {"id": user_id, "type": "private"},
            "from": user,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_for(condition: Any, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def run_bot(config: Any, telegram: FakeTelegram) -> tuple[asyncio.Task[None], asyncio.Event]:
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        serve(config, ManualClock(START), stop, request=telegram, ready=ready)
    )
    await asyncio.wait_for(ready.wait(), 10)
    return task, stop


def greeted(telegram: FakeTelegram, user_id: int) -> bool:
    return any(m.from_bot and m.buttons() for m in telegram.chats.get(user_id, []))


async def test_long_polling_answers_and_stops_cleanly(tmp_path: Path) -> None:
    config = replace(
        load_config(None, environ={"TELEGRAM_BOT_TOKEN": TEST_TOKEN}),
        database=tmp_path / "bot.sqlite3",
    )
    telegram = FakeTelegram()
    telegram.pending_updates.append(start_update(1))
    task, stop = await run_bot(config, telegram)

    await wait_for(lambda: greeted(telegram, 9001))

    stop.set()
    await asyncio.wait_for(task, 10)
    assert telegram.refusals == []
    assert (tmp_path / "bot.sqlite3").exists()


@pytest.fixture
def webhook_config(tmp_path: Path) -> Any:
    base = load_config(None, environ={"TELEGRAM_BOT_TOKEN": TEST_TOKEN})
    hook = WebhookConfig(
        listen="127.0.0.1",
        port=free_port(),
        url="https://bot.example.org",
        path="telegram",
        secret_token=SECRET,
    )
    return replace(base, mode="webhook", webhook=hook, database=tmp_path / "bot.sqlite3")


async def test_webhook_takes_updates_only_with_the_secret(webhook_config: Any) -> None:
    telegram = FakeTelegram()
    task, stop = await run_bot(webhook_config, telegram)
    url = f"http://127.0.0.1:{webhook_config.webhook.port}/telegram"
    body = json.dumps(start_update(1)).encode()
    headers = {"Content-Type": "application/json"}
    try:
        assert telegram.webhook["url"] == "https://bot.example.org/telegram"
        assert telegram.webhook["secret_token"] == SECRET
        async with httpx.AsyncClient() as client:
            refused = await client.post(url, content=body, headers=headers)
            wrong = await client.post(
                url, content=body, headers={**headers, "X-Telegram-Bot-Api-Secret-Token": "no"}
            )
            assert (refused.status_code, wrong.status_code) == (403, 403)
            assert not greeted(telegram, 9001)
            accepted = await client.post(
                url, content=body, headers={**headers, "X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
            assert accepted.status_code == 200
        await wait_for(lambda: greeted(telegram, 9001))
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    assert telegram.refusals == []
