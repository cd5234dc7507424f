"""The preview (``bot.py preview``) started by tests: in the test's loop, or in a thread for a
browser test, on a free port of 127.0.0.1, with its database in a temporary folder and its clock
starting at a fixed moment so scheduled check-ins fall where the test expects them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from types import TracebackType

from app.config import Config, load_config
from domain.clock import ManualClock, ShiftedClock
from preview.run import run_preview
from tests.support.chat import START


def preview_settings(folder: Path) -> Config:
    """The defaults with no token (as on a fresh clone), the database in ``folder``."""
    return replace(load_config(None, environ={}), database=folder / "bot.sqlite3")


@asynccontextmanager
async def running_preview(folder: Path, clock: ShiftedClock | None = None) -> AsyncIterator[str]:
    """``async with running_preview(tmp_path) as url:`` the page's address while it runs."""
    stop, ready = asyncio.Event(), asyncio.Event()
    pages: list[str] = []
    task = asyncio.create_task(
        run_preview(
            preview_settings(folder),
            stop,
            port=0,
            ready=ready,
            announce=pages.append,
            clock=clock or ShiftedClock(ManualClock(START)),
        )
    )
    await asyncio.wait_for(ready.wait(), 20)
    try:
        yield pages[0]
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


class PreviewThread:
    """``with PreviewThread(tmp_path) as url:`` the preview in its own thread and event loop."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="preview", daemon=True)

    def __enter__(self) -> str:
        self._thread.start()
        if not self._ready.wait(30) or not self.url:
            raise RuntimeError(f"the preview did not start: {self._error!r}")
        return self.url

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            async with running_preview(self.folder) as url:
                self.url = url
                self._ready.set()
                await self._stop.wait()

        try:
            asyncio.run(main())
        except BaseException as error:  # reported by __enter__ when it never started
            self._error = error
            self._ready.set()
