"""Logging that cannot leak: never the bot token, never what people type, at any level.

Our own log lines carry ids and event names only. The libraries underneath do not hold to that
at DEBUG: PTB logs the Bot API URL (the token is part of it), every request's parameters and
every answer (message texts, names, phone numbers), and each update it processes; httpx logs
request URLs already at INFO; aiosqlite logs each statement with its values (drafts hold
names). So those loggers are kept at a floor whatever ``logging.level`` says, and every record
has the token (and the webhook secret) replaced before any handler sees it. Libraries that say
nothing useful to whoever reads the log (fontTools, at each PDF) are kept at WARNING too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import quote

from telegram import Update

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
REDACTED = "[redacted]"
# Logger -> the lowest level it may log at. Children follow their parent unless named here.
FLOORS: dict[str, int] = {
    "telegram": logging.INFO,  # "Processing update …" (the whole update) is DEBUG
    "telegram.Bot": logging.WARNING,  # the API URL, request parameters and answers
    "telegram.ext.ExtBot": logging.WARNING,  # the same, for the bot the Application uses
    "telegram.ext.Updater": logging.WARNING,  # a webhook's request bodies
    "telegram.request": logging.WARNING,
    "httpx": logging.WARNING,  # every request URL, at INFO
    "httpcore": logging.WARNING,
    "aiosqlite": logging.WARNING,  # every statement with its values
    # Nothing an operator can use: fontTools writes about fifteen INFO lines for each PDF or
    # picture ("Glyph IDs", "subsetting"); matplotlib and Pillow talk of fonts and plugins.
    "fontTools": logging.WARNING,
    "matplotlib": logging.WARNING,
    "PIL": logging.WARNING,
}


def setup_logging(level: str, secrets: Iterable[str]) -> None:
    """Configures the root logger at ``level`` with the floors above and secrets redacted."""
    logging.basicConfig(format=FORMAT, level=level)
    logging.getLogger().setLevel(level)  # basicConfig does nothing if handlers already exist
    wanted = logging.getLevelName(level)
    for name, floor in FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, wanted if isinstance(wanted, int) else 0))
    redact_everywhere(secrets)


def redact_everywhere(secrets: Iterable[str]) -> None:
    """Makes every log record, from any logger, carry ``REDACTED`` instead of these secrets.

    Done where records are made (the record factory) rather than in one handler's filter, so a
    handler added later (a test's, a service manager's) gets redacted records too.
    """
    words = sorted(
        {form for secret in secrets if secret for form in (secret, quote(secret, safe=""))},
        key=len,
        reverse=True,
    )
    make_record = logging.getLogRecordFactory()

    def redacting_factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        _opaque(record)
        _redact(record, words)
        return record

    logging.setLogRecordFactory(redacting_factory)


# What PTB passes to a log line that is a person's data: an update, or the raw request body.
_PERSONAL = (Update, dict, list, bytes, bytearray)


def _opaque(record: logging.LogRecord) -> None:
    """PTB logs whole updates at CRITICAL in two places (a context it could not build, a webhook
    body it could not read), where no level floor helps: only their type is kept."""
    if not record.name.startswith("telegram"):
        return
    if isinstance(record.args, tuple):
        record.args = tuple(
            f"<{type(a).__name__}>" if isinstance(a, _PERSONAL) else a for a in record.args
        )
    elif isinstance(record.args, dict) and "%(" not in str(record.msg):
        record.args = ("<dict>",)  # logging keeps a lone mapping argument as the mapping


def _redact(record: logging.LogRecord, words: list[str]) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: logging reports it itself when it formats
        return
    if any(word in message for word in words):
        record.msg, record.args = _without(message, words), None
    if record.exc_info and not record.exc_text:
        # A traceback's text (an exception's message may quote a URL): formatted now, redacted.
        text = logging.Formatter().formatException(record.exc_info)
        if any(word in text for word in words):
            record.exc_text = _without(text, words)
    if record.stack_info and any(word in record.stack_info for word in words):
        record.stack_info = _without(record.stack_info, words)


def _without(text: str, words: list[str]) -> str:
    for word in words:
        text = text.replace(word, REDACTED)
    return text
