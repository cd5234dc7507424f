"""The real bot as its own process (``python bot.py run``), talking HTTP to the fake Telegram.

For what only a separate process can show: SIGKILL, and a restart with nothing but the files.

    with FakeTelegramServer(FakeTelegram()) as server:
        bot = BotProcess(server, tmp_path)
        await bot.start()
        villager = bot.user(4001)
        await villager.send("/start")          # waits for the bot's answer
        await villager.click("ភាសាខ្មែរ")
        bot.kill()                             # SIGKILL
        await bot.start()

Each action of a person waits (up to ``ANSWER_WAIT`` seconds) until the bot has answered and
has taken the update off Telegram's queue; a wait that runs out fails with the bot's log.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from preview.botapi import ChatMessage, FakeTelegram, user_json
from preview.server import FakeTelegramServer
from tests.support.chat import TEST_TOKEN, _words_of

REPO = Path(__file__).resolve().parents[2]
ANSWER_WAIT = 20.0  # seconds: generous, a busy machine runs other tests at the same time
VISIBLE = ("message", "edit", "alert", "toast")


def write_config(
    directory: Path,
    *,
    staff: Sequence[int] = (),
    all_day: bool = False,
    sweep_interval: str = "1s",
) -> Path:
    """A config file for the bot process: its database in ``directory``, a quick sweep.

    ``all_day``: check-ins may go out at any hour, so a test run at night still sends them.
    """
    settings: dict[str, Any] = {
        "storage": {"database": str(directory / "bot.sqlite3")},
        "leaders": {"sweep_interval": sweep_interval},
        "staff": {"user_ids": list(staff)},
        "logging": {"level": "INFO"},
    }
    if all_day:
        settings["checkins"] = {"window_start": "00:00", "window_end": "23:59:59"}
    path = directory / "config.yaml"
    path.write_text(json.dumps(settings, ensure_ascii=False), encoding="utf-8")  # JSON is YAML
    return path


def query(database: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Reads the bot's database as an operator would, with sqlite3 (safe while the bot runs)."""
    db = sqlite3.connect(database, timeout=10)
    try:
        return list(db.execute(sql, params))
    finally:
        db.close()


class BotProcess:
    """``python bot.py --config … run`` against the fake Telegram served by ``server``."""

    def __init__(
        self, server: FakeTelegramServer, directory: Path, config: Path | None = None
    ) -> None:
        self.server = server
        self.telegram: FakeTelegram = server.telegram
        self.directory = directory
        self.config = config or write_config(directory)
        self.database = directory / "bot.sqlite3"
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0
        self._log: IO[bytes] | None = None

    # -- life ----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Starts the bot and waits until it asks Telegram for updates (it is ready)."""
        mark = len(self.telegram.calls)
        self._spawn()
        await self.eventually(
            lambda: any(name == "getUpdates" for name, _ in self.telegram.calls[mark:]),
            "the bot to poll for updates",
        )

    def _spawn(self) -> None:
        assert self.process is None, "already running"
        self.runs += 1
        self._log = (self.directory / f"bot-{self.runs}.log").open("wb")
        env = {
            "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
            "TELEGRAM_API_BASE_URL": self.server.base_url,
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.directory),
        }
        self.process = subprocess.Popen(
            [sys.executable, "bot.py", "--config", str(self.config), "run"],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """SIGKILL: the process dies at once, mid-whatever; nothing is flushed or closed."""
        process = self._running()
        process.kill()
        process.wait(10)
        self._ended()

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it: a clean shutdown, exit code 0."""
        process = self._running()
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
            raise
        finally:
            self._ended()
        assert code == 0, f"the bot exited with {code}:\n{self.log()}"

    def close(self) -> None:
        """For teardown: a bot still running is killed."""
        if self.process is not None:
            self.kill()

    def log(self) -> str:
        """Everything the bot wrote (stdout and stderr) in every run so far."""
        parts = []
        for run in range(1, self.runs + 1):
            path = self.directory / f"bot-{run}.log"
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace")
                parts.append(f"--- run {run} ---\n{text}")
        return "\n".join(parts)

    def _running(self) -> subprocess.Popen[bytes]:
        assert self.process is not None, "the bot is not running"
        return self.process

    def _ended(self) -> None:
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    # -- waiting -------------------------------------------------------------------------------

    async def eventually(
        self, condition: Callable[[], bool], what: str, seconds: float = ANSWER_WAIT
    ) -> None:
        """Waits until ``condition()`` holds; fails (with the bot's log) if it does not in time."""
        for _ in range(int(seconds / 0.02)):
            if condition():
                return
            if self.process is not None and self.process.poll() is not None:
                code = self.process.returncode
                self._ended()
                raise AssertionError(f"the bot exited ({code}) waiting for {what}:\n{self.log()}")
            await asyncio.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}:\n{self.log()[-6000:]}")

    def confirmed(self, update_id: int) -> bool:
        """The bot has asked for the updates after ``update_id``: it has that one."""
        return any(
            name == "getUpdates" and int(params.get("offset") or 0) > update_id
            for name, params in list(self.telegram.calls)
        )

    def draft(self, user_id: int) -> dict[str, Any]:
        """The person's half-finished forms as the database holds them now."""
        rows = query(self.database, "SELECT data FROM drafts WHERE user_id = ?", (user_id,))
        return dict(json.loads(rows[0][0])) if rows else {}

    # -- people --------------------------------------------------------------------------------

    def user(self, user_id: int, first_name: str = "Sokha", language_code: str = "km") -> Chatter:
        return Chatter(self, user_id, first_name, language_code)


class Chatter:
    """Someone in a private chat with the bot process; each action waits for the answer."""

    def __init__(self, bot: BotProcess, user_id: int, first_name: str, language_code: str) -> None:
        self.bot = bot
        self.id = user_id
        self.json = user_json(user_id, first_name, language_code)

    async def send(self, text: str) -> None:
        """Types and sends a text, then waits for the bot's answer."""
        telegram = self.bot.telegram

        def deliver() -> dict[str, Any]:
            message = telegram.user_message(self.json, text)
            return {"update_id": telegram.next_update_id(), "message": message}

        await self._act(deliver, f"an answer to {text!r}")

    async def click(self, label: str) -> None:
        """Taps the button with this label on the newest message that has it (waiting for it)."""
        found: list[tuple[ChatMessage, str]] = []

        def button() -> bool:
            for message in reversed(self.messages()):
                for text, data in message.buttons():
                    if text == label or _words_of(text) == label:  # as chat.Person.click
                        found.append((message, data))
                        return True
            return False

        await self.bot.eventually(button, f"a button {label!r} in chat {self.id}")
        message, data = found[-1]
        telegram = self.bot.telegram
        await self._act(
            lambda: telegram.user_press(self.json, message, data),
            f"an answer to the press of {label!r}",
        )

    async def _act(self, make: Callable[[], dict[str, Any]], what: str) -> None:
        """Queues the update ``make`` builds; waits for an answer and for the update's receipt.

        The receipt: the bot asks for updates after this one, so Telegram forgets it.
        """
        telegram = self.bot.telegram
        seen = len(self.shown())

        def push() -> int:
            update = make()
            telegram.push(update)
            return int(update["update_id"])

        update_id = self.bot.server.call(push)  # in the server's thread, between its calls
        await self.bot.eventually(
            lambda: len(self.shown()) > seen and self.bot.confirmed(update_id), what
        )

    # -- reading -------------------------------------------------------------------------------

    def shown(self) -> list[tuple[str, str]]:
        """(kind, text) of everything the bot showed in this chat: messages, edits, pop-ups."""
        return [
            (s.kind, s.text)
            for s in list(self.bot.telegram.shown)
            if s.chat_id == self.id and s.kind in VISIBLE
        ]

    def texts(self) -> list[str]:
        """Texts of the bot's messages and edits in this chat, in order."""
        return [text for kind, text in self.shown() if kind in ("message", "edit")]

    def last_text(self) -> str:
        texts = self.texts()
        assert texts, "the bot has shown nothing"
        return texts[-1]

    def messages(self) -> list[ChatMessage]:
        return [m for m in list(self.bot.telegram.chats.get(self.id, [])) if not m.deleted]

    def buttons(self) -> list[str]:
        """Labels of the newest bot message with buttons."""
        with_buttons = [m for m in self.messages() if m.from_bot and m.reply_markup]
        return [label for label, _ in with_buttons[-1].buttons()] if with_buttons else []
