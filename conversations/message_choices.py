"""A person's say over messages nobody asked for: refreshers (opt-in) and announcements (opt-out).

"Remind me now and then" starts refreshers; "Stop these" in every refresher, and the buttons on
/mydata, stop them. "Stop these messages" under every announcement stops announcements for every
later one. Each press is checked on the server: a refresher's buttons work only for the person
it was sent to. What was chosen is shown on /mydata and erased by /delete.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from app.context import BotContext
from content.formatting import format_day
from conversations.ui import answer, language_of, send, show
from screens import refreshers as screens
from screens.announcement import ANNOUNCE_START, ANNOUNCE_STOP
from screens.buttons import Button, keyboard, menu_button

log = logging.getLogger(__name__)


async def _refuse(update: Update, context: BotContext) -> None:
    lang = await language_of(update, context)
    await answer(update, context.content.texts.get(lang, "input.button_expired"))


async def opt_in(update: Update, context: BotContext) -> None:
    """Starts refreshers: the first comes one interval from now, in the daytime."""
    assert update.effective_user is not None
    user_id = update.effective_user.id
    lang = await language_of(update, context)
    t = context.content.texts
    if await context.store.get_user(user_id) is None:  # no village, no language chosen yet
        await answer(update)
        await send(update, t.get(lang, "input.start_first"))
        return
    every = context.services.config.refresher_every
    started = await context.store.start_refreshers(user_id, context.clock.now() + every)
    log.info("refreshers_on user=%s new=%s", user_id, started)
    await answer(update)
    key = "refresher.on" if started else "refresher.already_on"
    await send(update, t.get(lang, key, days=every.days), keyboard([[menu_button(context, lang)]]))


async def opt_out(update: Update, context: BotContext) -> None:
    """Stops refreshers (from /mydata)."""
    assert update.effective_user is not None
    await context.store.stop_refreshers(update.effective_user.id)
    log.info("refreshers_off user=%s", update.effective_user.id)
    await answer(update)
    await _stopped(update, context)


async def _stopped(update: Update, context: BotContext) -> None:
    lang = await language_of(update, context)
    t = context.content.texts
    rows = [[(t.raw(lang, "refresher.start_again"), screens.OPT_IN)], [menu_button(context, lang)]]
    await send(update, t.get(lang, "refresher.stopped"), keyboard(rows))


async def press(update: Update, context: BotContext) -> None:
    """A button in a refresher: counted as acted on, then opens what it names (or stops them)."""
    assert update.effective_user is not None and update.callback_query is not None
    parts = (update.callback_query.data or "").split(":")
    if len(parts) != 3 or not (parts[1].isascii() and parts[1].isdigit()) or len(parts[1]) > 12:
        return await _refuse(update, context)
    action = parts[2]
    refresher = await context.store.refresher(int(parts[1]))
    if (
        refresher is None
        or refresher.user_id != update.effective_user.id
        or action not in screens.ACTIONS
    ):
        return await _refuse(update, context)  # someone else's, erased, or forged
    if action == "stop":
        await context.store.stop_refreshers(refresher.user_id)
        log.info("refreshers_off user=%s from=%s", refresher.user_id, refresher.refresher_id)
        await answer(update)
        return await _stopped(update, context)
    lang = await language_of(update, context)
    kind, _, item_id = refresher.item.partition(":")
    screen = {
        "read": lambda: screens.item_screen(context, lang, refresher.refresher_id, refresher.item),
        "lesson": lambda: (
            screens.lesson_screen(context, lang, item_id) if kind == "lesson" else None
        ),
        "question": lambda: (
            screens.question_of(context, lang, item_id) if kind == "lesson" else None
        ),
        "story": lambda: screens.story_screen(context, lang, item_id) if kind == "story" else None,
        "help": lambda: screens.numbers_screen(context, lang, item_id) if kind == "help" else None,
    }[action]()
    if screen is None:
        return await _refuse(update, context)
    if await context.store.refresher_acted(refresher.refresher_id):
        log.info("refresher_acted refresher=%s action=%s", refresher.refresher_id, action)
    await answer(update)
    await show(update, *screen)


async def _choose_announcements(update: Update, context: BotContext, *, wanted: bool) -> str:
    """Keeps whether the person wants announcements, logs it and acknowledges the press;
    returns their language for the answer."""
    assert update.effective_user is not None
    await context.store.set_announcements(update.effective_user.id, wanted)
    log.info("announcements_%s user=%s", "on" if wanted else "off", update.effective_user.id)
    await answer(update)
    return await language_of(update, context)


async def stop_announcements(update: Update, context: BotContext) -> None:
    """No more announcements for this person, from any area or sender."""
    lang = await _choose_announcements(update, context, wanted=False)
    t = context.content.texts
    rows = [[(t.raw(lang, "announce.start_again"), ANNOUNCE_START)], [menu_button(context, lang)]]
    await send(update, t.get(lang, "announce.stopped"), keyboard(rows))


async def start_announcements(update: Update, context: BotContext) -> None:
    """Announcements again, from the next one on."""
    lang = await _choose_announcements(update, context, wanted=True)
    t = context.content.texts
    await send(update, t.get(lang, "announce.started"), keyboard([[menu_button(context, lang)]]))


async def mydata_part(
    context: BotContext, lang: str, user_id: int
) -> tuple[list[str], list[list[Button]]]:
    """/mydata: what the person chose, and buttons to change it."""
    t = context.content.texts
    choice = await context.store.message_choice(user_id)
    lines: list[str] = []
    rows: list[list[Button]] = []
    if choice is not None and choice.refreshers and choice.next_refresher_at is not None:
        day = choice.next_refresher_at.astimezone(context.services.config.timezone).date()
        lines.append(t.get(lang, "mydata.refreshers_on", date=format_day(day, lang)))
        rows.append([(t.raw(lang, "refresher.stop"), screens.OPT_OUT)])
    else:
        lines.append(t.get(lang, "mydata.refreshers_off"))
        rows.append([(t.raw(lang, "refresher.offer"), screens.OPT_IN)])
    if choice is not None and not choice.announcements:
        lines.append(t.get(lang, "mydata.announcements_off"))
        rows.append([(t.raw(lang, "announce.start_again"), ANNOUNCE_START)])
    else:
        lines.append(t.get(lang, "mydata.announcements_on"))
        rows.append([(t.raw(lang, "announce.stop"), ANNOUNCE_STOP)])
    return lines, rows


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CallbackQueryHandler(opt_in, pattern=rf"^{screens.OPT_IN}$"),
        CallbackQueryHandler(opt_out, pattern=rf"^{screens.OPT_OUT}$"),
        CallbackQueryHandler(press, pattern=rf"^{screens.PREFIX}:\d+:"),
        CallbackQueryHandler(stop_announcements, pattern=rf"^{ANNOUNCE_STOP}$"),
        CallbackQueryHandler(start_announcements, pattern=rf"^{ANNOUNCE_START}$"),
    ]
