"""What every handler can reach: services on a typed context, never globals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from telegram.ext import Application, CallbackContext, ExtBot

from app.config import Config
from content.bundle import Content
from domain.clock import Clock
from storage.store import Store

SERVICES_KEY = "services"


@dataclass(frozen=True)
class Services:
    config: Config
    store: Store
    content: Content
    clock: Clock


class BotContext(CallbackContext[ExtBot[None], dict[str, Any], dict[str, Any], dict[str, Any]]):
    """PTB's context with typed access to the bot's services."""

    @property
    def services(self) -> Services:
        return cast(Services, self.application.bot_data[SERVICES_KEY])

    @property
    def store(self) -> Store:
        return self.services.store

    @property
    def content(self) -> Content:
        return self.services.content

    @property
    def clock(self) -> Clock:
        return self.services.clock


BotApplication = Application[
    ExtBot[None], BotContext, dict[str, Any], dict[str, Any], dict[str, Any], Any
]
