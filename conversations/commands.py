"""The command menu Telegram shows beside the text box, in each language."""

from __future__ import annotations

from telegram import BotCommand

from app.context import BotApplication, Services

# In the order people need them.
COMMANDS = (
    "start",
    "menu",
    "sos",
    "home",
    "learn",
    "quiz",
    "calc",
    "plan",
    "mydepartures",
    "documents",
    "agency",
    "report_broker",
    "missing",
    "share",
    "help",
    "mydata",
    "delete",
    "about",
    "language",
    "listen",
)


async def register_commands(application: BotApplication, services: Services) -> None:
    """Sets the commands for Khmer, English, and (in the default language) everyone else."""
    texts = services.content.texts

    def commands(language: str) -> list[BotCommand]:
        return [BotCommand(name, texts.raw(language, f"command.{name}")) for name in COMMANDS]

    for language in texts.languages:
        await application.bot.set_my_commands(commands(language), language_code=language)
    await application.bot.set_my_commands(commands(texts.default_language))
