"""The one sender of the outbox: urgent first, retried while a failure may pass, never lost.

A row is claimed, rendered in the recipient's language, sent, and marked sent only once Telegram
has taken it. What passes (the network, Telegram busy or failing, a 429, a timeout before the
request left) is tried again with backoff; what will not (blocked, no such chat) ends the row and
the rule for its kind runs (a leader unreachable: staff instead; a person unreachable: an alert).

Kinds differ on one point, a timeout after the request left, when nobody knows whether the
message arrived. Alerts are sent again (at least once: a cry for help seen twice is better than
one lost). Everything else counts it as sent (at most once): a lost check-in prompt is covered by
its reminders and then the silence alert, a lost notice by the escalation to staff when nobody
acknowledges it, and a doubled one would teach people to ignore the bot.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

import httpx
from telegram import InlineKeyboardMarkup, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from app.context import BotContext
from app.rate_limit import NO_WAITING
from delivery import rules
from delivery.recipients import MIGRATED_KEY
from delivery.render import Rendered, render
from storage.base import database_problem
from storage.outbox import BULK, OutboxRow

log = logging.getLogger(__name__)
AT_MOST_ONCE = frozenset(
    {"checkin", "reminder", "document", "notice", "text", "refresher", "announcement"}
    | {"broker_report", "broker_pattern"}
)
# Rows that rewrite a message already in a chat (a copy about someone who erased their data):
# an edit made twice changes nothing, so they are tried until Telegram says it is done.
EDITS = frozenset({"card"})
# After a crash nobody knows either whether a claimed row left. Prompts and reminders, sent by
# the thousand, count as sent; a notice or a message to the person (a few a day) is sent again:
# a crash at that very moment is rarer than a timeout, and a villager left without word worse.
SETTLED_AFTER_CRASH = frozenset({"checkin", "reminder", "document", "refresher", "announcement"})
BACKOFF = tuple(timedelta(seconds=s) for s in (10, 30, 60, 120, 300, 600, 900))
CONCURRENCY = 8  # sends in flight at once: the 30/s cap, not this, sets the pace
# Rows claimed at a time: no more than can be in flight, since a claimed prompt cut off by a
# crash counts as sent (at most once); urgent rows queued meanwhile come first in the next.
BATCH = CONCURRENCY
STALE_CLAIM = timedelta(minutes=5)
GIVE_UP_TRIES = 10  # a row is given up on only after this many tries (and outbox.give_up_after)
DRAIN_LOCK = "outbox_drain_lock"  # bot_data
NOT_NEEDED = "not_needed"  # why a row was cancelled: it no longer mattered when its turn came


class Outcome:
    SENT, RETRY, GONE, UNKNOWN = "sent", "retry", "gone", "unknown"


def classify(error: TelegramError) -> str:
    """What a failed send means for the message: try again, give up, or nobody knows."""
    if isinstance(error, Forbidden | BadRequest):
        return Outcome.GONE  # blocked, deactivated, no such chat, or text Telegram refuses
    if isinstance(error, TimedOut):
        # PTB raises TimedOut both when no connection was free (nothing left) and when the
        # answer was late (it may have arrived); the httpx error behind it tells them apart.
        cause = error.__cause__
        if isinstance(cause, httpx.PoolTimeout | httpx.ConnectTimeout):
            return Outcome.RETRY
        return Outcome.UNKNOWN
    return Outcome.RETRY  # NetworkError (connection refused, reset, 5xx), RetryAfter, others


def backoff(context: BotContext, attempts: int) -> timedelta:
    """The wait before the next try: growing, at most ``checkins.retry_after``."""
    return min(BACKOFF[min(attempts, len(BACKOFF) - 1)], context.services.config.retry_after)


async def deliver_now(context: BotContext, ids: Iterable[int]) -> list[OutboxRow]:
    """Sends rows the caller queued claimed, at once; returns their state after (the truth)."""
    wanted = list(ids)
    rows = [r for r in await context.store.outbox_rows(wanted) if r.status == "sending"]
    await _send_all(context, rows)
    return await context.store.outbox_rows(wanted)


async def drain(context: BotContext, *, most: int | None = None) -> int:
    """Sends whatever is due, urgent first; returns how many rows it handled.

    One drain at a time per bot (the sweep's and the outbox tick's): a second one returns at
    once, as the first goes on until nothing is due. So no more rows are claimed than can be
    in flight.
    """
    lock: asyncio.Lock = context.application.bot_data.setdefault(DRAIN_LOCK, asyncio.Lock())
    if lock.locked():
        return 0
    handled = 0
    async with lock:
        while most is None or handled < most:
            rows = await context.store.claim_outbox(context.clock.now(), BATCH)
            if not rows:
                break
            await _send_all(context, rows)
            handled += len(rows)
    return handled


async def drain_group(context: BotContext, group_key: str) -> list[OutboxRow]:
    """Sends the queued rows of one event now (a handler's news); returns them after."""
    rows = await context.store.outbox_group(group_key)
    claimed = [r.outbox_id for r in rows if r.status == "pending"]
    claimed = [i for i in claimed if await context.store.claim_outbox_row(i)]
    return await deliver_now(context, claimed)


async def recover_claims(context: BotContext, started_at: datetime) -> int:
    """Rows a dead process left claimed: sent again, or counted as sent (prompts, reminders)."""
    before = max(started_at, context.clock.now() - STALE_CLAIM)
    count = 0
    for row in await context.store.stale_outbox_claims(before):
        if row.kind in SETTLED_AFTER_CRASH:
            if await context.store.outbox_sent(row.outbox_id, None):
                await _after_sent(context, row, None)
        else:
            await context.store.release_outbox_claim(row.outbox_id)
        log.warning("outbox_claim_recovered outbox=%s kind=%s", row.outbox_id, row.kind)
        count += 1
    return count


async def _send_all(context: BotContext, rows: list[OutboxRow]) -> None:
    slots = asyncio.Semaphore(CONCURRENCY)  # fair: rows start in the order given

    async def one(row: OutboxRow) -> None:
        async with slots:
            await send_row(context, row)

    await asyncio.gather(*(one(row) for row in rows))


async def send_row(context: BotContext, row: OutboxRow, moved: bool = False) -> None:
    """Sends one claimed row and settles it; never raises (one row must not stop the others)."""
    try:
        await _send_row(context, row, moved)
    except Exception as error:
        # A database failure after Telegram took the message: the row stays claimed and
        # recover_claims settles it later. Anything else is a bug; the row waits and retries.
        problem = database_problem(error)
        if problem is not None:
            log.error("outbox_settle_failed outbox=%s %s", row.outbox_id, problem)
            return
        log.exception("outbox_send_crashed outbox=%s kind=%s", row.outbox_id, row.kind)
        try:
            await context.store.outbox_retry(
                row.outbox_id, context.clock.now() + backoff(context, row.attempts), "crash"
            )
        except Exception:
            log.error("outbox_settle_failed outbox=%s", row.outbox_id)


async def _send_row(context: BotContext, row: OutboxRow, moved: bool) -> None:
    store = context.store
    rendered = await render(context, row)
    if rendered is None:  # it no longer matters (answered, cancelled, the trip is over)
        await store.outbox_settle(row.outbox_id, "cancelled", NOT_NEEDED)
        log.info("outbox_cancelled outbox=%s kind=%s", row.outbox_id, row.kind)
        return
    try:
        # Bulk rows step aside on a 429 instead of holding every send up (app/rate_limit.py).
        limit = NO_WAITING if row.priority == BULK else None
        if row.kind in EDITS:
            message_id = await _edit(context, row, rendered.text, rendered.markup)
        elif row.kind == "location":
            message_id = await _pin(context, row, rendered.text)
        elif row.kind == "unpin":
            message_id = await _unpin(context, row)
        else:
            message = await _send_rendered(context, row.chat_id, rendered, limit)
            message_id = message.message_id
    except ChatMigrated as migration:
        new_chat = int(migration.new_chat_id)
        log.warning("chat_migrated chat=%s new_chat=%s", row.chat_id, new_chat)
        context.application.bot_data[MIGRATED_KEY] = new_chat
        await store.move_outbox_chat(row.outbox_id, new_chat)
        if not moved:
            await _send_row(context, _moved(row, new_chat), True)
        return
    except TelegramError as error:
        await _failed(context, row, error)
        return
    if await store.outbox_sent(row.outbox_id, message_id):
        log.info("outbox_sent outbox=%s kind=%s role=%s", row.outbox_id, row.kind, row.role)
        await _after_sent(context, row, message_id)


async def _edit(
    context: BotContext, row: OutboxRow, text: str, markup: InlineKeyboardMarkup | None
) -> int:
    """Rewrites a message the bot sent before (``payload.message_id``); done if already so."""
    message_id = int(row.payload["message_id"])
    try:
        await context.bot.edit_message_text(text, row.chat_id, message_id, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise
    return message_id


async def _pin(context: BotContext, row: OutboxRow, text: str) -> int:
    """A map pin of where the person said they are; ``text`` is its title, a newline, a line."""
    title, _, address = text.partition("\n")
    message = await context.bot.send_venue(
        row.chat_id,
        latitude=float(row.payload["latitude"]),
        longitude=float(row.payload["longitude"]),
        title=title,
        address=address or title,
    )
    return message.message_id


async def _unpin(context: BotContext, row: OutboxRow) -> int:
    """Takes a pin back (the person erased their data); gone already counts as done."""
    message_id = int(row.payload["message_id"])
    try:
        await context.bot.delete_message(row.chat_id, message_id)
    except BadRequest as error:
        # Telegram lets a bot delete only for 48 hours; after that the pin stays in that chat.
        log.warning("unpin_refused outbox=%s error=%s", row.outbox_id, type(error).__name__)
    return message_id


async def _send_rendered(
    context: BotContext, chat_id: int, rendered: Rendered, limit: int | None
) -> Message:
    """One request to Telegram: a text, or a voice or audio file by file_id with its caption."""
    # The context types the limiter's arguments as None (ExtBot[None]); ours takes int.
    bot, media = context.bot, rendered.media
    if media is None:
        return await bot.send_message(
            chat_id,
            rendered.text,
            reply_markup=rendered.markup,
            rate_limit_args=limit,  # type: ignore[arg-type]
        )
    send = bot.send_voice if media.kind == "voice" else bot.send_audio
    return await send(
        chat_id,
        media.file_id,
        caption=rendered.text,
        reply_markup=rendered.markup,
        rate_limit_args=limit,  # type: ignore[arg-type]
    )


async def _failed(context: BotContext, row: OutboxRow, error: TelegramError) -> None:
    store, now = context.store, context.clock.now()
    outcome = classify(error)
    name = type(error).__name__
    if outcome == Outcome.UNKNOWN and row.kind in AT_MOST_ONCE:
        log.warning("outbox_timed_out_counted_sent outbox=%s kind=%s", row.outbox_id, row.kind)
        if await store.outbox_sent(row.outbox_id, None):
            await _after_sent(context, row, None)
        return
    if outcome == Outcome.GONE or _given_up(context, row, now):
        log.warning(
            "outbox_failed outbox=%s kind=%s role=%s error=%s",
            row.outbox_id,
            row.kind,
            row.role,
            name,
        )
        if await store.outbox_settle(row.outbox_id, "failed", name):
            await _after_gone(context, row)
        return
    delay = backoff(context, row.attempts)
    if isinstance(error, RetryAfter):  # Telegram said how long: exactly that
        delay = _retry_after(error)
    log.warning(
        "outbox_retry outbox=%s kind=%s error=%s in=%ss",
        row.outbox_id,
        row.kind,
        name,
        int(delay.total_seconds()),
    )
    await store.outbox_retry(row.outbox_id, now + delay, name)


async def _after_sent(context: BotContext, row: OutboxRow, message_id: int | None) -> None:
    new = await rules.on_sent(context, row, message_id)
    await _send_now(context, new)


async def _after_gone(context: BotContext, row: OutboxRow) -> None:
    new = await rules.on_gone(context, row)
    await _send_now(context, new)


async def _send_now(context: BotContext, ids: list[int]) -> None:
    """Rows a rule queued claimed (staff instead of a leader): sent in the same breath."""
    if ids:
        rows = [r for r in await context.store.outbox_rows(ids) if r.status == "sending"]
        await _send_all(context, rows)


def _given_up(context: BotContext, row: OutboxRow, now: datetime) -> bool:
    """Old enough and tried often enough: after a long outage a row still gets its tries."""
    old = now - row.created_at >= context.services.config.give_up_after
    return old and row.attempts + 1 >= GIVE_UP_TRIES


def _retry_after(error: RetryAfter) -> timedelta:
    # PTB 22 warns that ``retry_after`` will become a timedelta; either form is read here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = error.retry_after
    return wait if isinstance(wait, timedelta) else timedelta(seconds=wait)


def _moved(row: OutboxRow, chat_id: int) -> OutboxRow:
    return replace(row, chat_id=chat_id)
