"""Webhook mode: only Telegram, which knows the secret token, can hand the bot an update.

The real runner (app/runner.py) listens on 127.0.0.1 as in production behind a proxy; requests
come over HTTP with httpx. A request without the right ``X-Telegram-Bot-Api-Secret-Token`` gets
403 and its update is never processed. The settings refuse webhook mode without a usable secret.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import ConfigError, WebhookConfig, load_config
from app.runner import serve
from tests.support.chat import TEST_TOKEN, Bot

SECRET = "Webhook_secret-for-these-tests-0123456789"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_update(update_id: int, user_id: int) -> bytes:
    """What Telegram posts when someone sends /start."""
    user = {"id": user_id, "is_bot": False, "first_name": "Sokha"}
    update = {
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
    return json.dumps(update).encode()


async def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the bot did not answer")


@pytest.fixture
async def webhook(tmp_path: Path) -> AsyncIterator[tuple[Bot, str]]:
    """The bot served by the real runner in webhook mode; yields it and the URL to post to."""
    bot = Bot(tmp_path / "bot.sqlite3")  # only its fake Telegram and clock: serve() runs it
    hook = WebhookConfig(
        listen="127.0.0.1",
        port=free_port(),
        url="https://bot.example.org",
        path="telegram",
        secret_token=SECRET,
    )
    config = replace(
        load_config(None, environ={"TELEGRAM_BOT_TOKEN": TEST_TOKEN}),
        mode="webhook",
        webhook=hook,
        database=bot.database,
    )
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(config, bot.clock, stop, request=bot.telegram, ready=ready))
    await asyncio.wait_for(ready.wait(), 10)
    try:
        yield bot, f"http://127.0.0.1:{hook.port}/telegram"
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    assert bot.telegram.refusals == []


async def test_only_requests_with_the_secret_reach_the_bot(webhook: tuple[Bot, str]) -> None:
    bot, url = webhook
    assert bot.telegram.webhook["secret_token"] == SECRET  # Telegram was told the secret
    json_type = {"Content-Type": "application/json"}
    forged: list[dict[str, Any]] = [
        {},  # no header at all
        {HEADER: ""},
        {HEADER: "wrong"},
        {HEADER: SECRET.lower()},
        {HEADER: SECRET[:-1]},
        {HEADER: SECRET + "x"},
    ]
    async with httpx.AsyncClient() as client:
        for number, headers in enumerate(forged, start=1):
            answer = await client.post(
                url, content=start_update(number, 9100 + number), headers={**json_type, **headers}
            )
            assert answer.status_code == 403, headers
        right = await client.post(
            url, content=start_update(99, 9199), headers={**json_type, HEADER: SECRET}
        )
        assert right.status_code == 200

    greeted = bot.user(9199)
    await wait_for(lambda: bool(bot.telegram.chats.get(9199)))
    assert "🇰🇭 ភាសាខ្មែរ" in greeted.buttons()  # processed: the language screen
    # Updates are taken in order, so a forged one let through would have been answered first.
    for number in range(1, len(forged) + 1):
        assert bot.user(9100 + number).new_texts() == []


@pytest.mark.parametrize(
    ("secret", "named"),
    [
        ('""', "webhook mode needs both url and secret_token"),
        ('"   "', "webhook mode needs both url and secret_token"),
        ("", "webhook mode needs both url and secret_token"),  # the key left empty
        ('"two words"', "secret_token: use 1-256 characters"),
        ('"sécret"', "secret_token: use 1-256 characters"),
        ('"' + "x" * 257 + '"', "secret_token: use 1-256 characters"),
    ],
)
def test_webhook_mode_needs_a_secret_telegram_accepts(
    tmp_path: Path, secret: str, named: str
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "telegram:\n  mode: webhook\n  webhook:\n"
        f'    url: "https://bot.example.org"\n    secret_token: {secret}\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=named) as refused:
        load_config(path, environ={"TELEGRAM_BOT_TOKEN": TEST_TOKEN})
    assert "two words" not in str(refused.value)  # the secret itself is never shown


def test_a_good_secret_is_taken(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "telegram:\n  mode: webhook\n  webhook:\n"
        f'    url: "https://bot.example.org"\n    secret_token: "{SECRET}"\n',
        encoding="utf-8",
    )
    config = load_config(path, environ={"TELEGRAM_BOT_TOKEN": TEST_TOKEN})
    assert (config.mode, config.webhook.secret_token) == ("webhook", SECRET)
