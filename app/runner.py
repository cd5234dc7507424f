"""Running the bot: long polling or webhook, until asked to stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from telegram import Update
from telegram.request import BaseRequest

from app.config import Config, no_staff_warning
from app.context import BotApplication
from app.factory import build_application, open_services
from conversations.commands import register_commands
from domain.clock import Clock

log = logging.getLogger(__name__)


async def serve(
    config: Config,
    clock: Clock,
    stop: asyncio.Event,
    *,
    request: BaseRequest | None = None,
    ready: asyncio.Event | None = None,
    started: Callable[[BotApplication], None] | None = None,
) -> None:
    """Opens everything, takes updates until ``stop`` is set, then shuts down cleanly.

    ``started`` is handed the running Application (the preview uses it to run a sweep at once
    when its clock is moved on).
    """
    services = await open_services(config, clock)
    if (warning := no_staff_warning(config)) is not None:
        log.warning("no_staff_configured: %s", warning)  # loudly: help would reach fewer people
    try:
        application = build_application(services, request=request)
        async with application:  # initialize … shutdown (flushes persistence)
            await register_commands(application, services)
            await application.start()
            updater = application.updater
            assert updater is not None
            if config.mode == "webhook":
                hook = config.webhook
                await updater.start_webhook(
                    listen=hook.listen,
                    port=hook.port,
                    url_path=hook.path,
                    webhook_url=f"{hook.url.rstrip('/')}/{hook.path}",
                    secret_token=hook.secret_token,
                    allowed_updates=Update.ALL_TYPES,
                )
            else:
                await updater.start_polling(allowed_updates=Update.ALL_TYPES, timeout=10)
            log.info("bot_started mode=%s database=%s", config.mode, config.database.name)
            if started is not None:
                started(application)
            if ready is not None:
                ready.set()
            await stop.wait()
            log.info("bot_stopping")
            await updater.stop()
            await application.stop()
    finally:
        await services.store.close()
