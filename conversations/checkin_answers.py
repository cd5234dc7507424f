"""Answers to a check-in: I'm fine / I have a problem / I need help now / I'm back home.

Every button names its check-in; only the person it was sent to may answer, once. An answer to
an old prompt after coming home is met kindly, never with an error.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler

from app.context import BotContext
from content.pictures import PROBLEMS_PICTURE, picture_file
from conversations import returning, sos
from conversations.alerts import Reached, raise_alert
from conversations.listening import show_voiced
from conversations.ui import answer, language_of, show
from delivery.checkins import next_step
from screens.buttons import Button, column, keyboard
from storage.rows import Checkin

log = logging.getLogger(__name__)
ANSWERS = ("fine", "problem", "help", "home")


async def _own(update: Update, context: BotContext, raw: str) -> Checkin | None:
    assert update.effective_user is not None
    if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        return None
    checkin = await context.store.checkin(int(raw))
    return checkin if checkin is not None and checkin.user_id == update.effective_user.id else None


async def _refuse(update: Update, context: BotContext) -> None:
    lang = await language_of(update, context)
    await answer(update, context.content.texts.plain(lang, "input.button_expired"))


def _clear_button(context: BotContext, lang: str, checkin_id: int) -> Button:
    return context.content.texts.raw(lang, "checkin.clear"), f"ci:{checkin_id}:clear"


async def respond(update: Update, context: BotContext) -> None:
    """Takes the answer to a check-in and does what it asks for."""
    assert update.callback_query is not None and update.effective_user is not None
    parts = (update.callback_query.data or "").split(":")
    checkin = await _own(update, context, parts[1]) if len(parts) == 3 else None
    if checkin is None or parts[2] not in (*ANSWERS, "clear"):
        log.warning("forged_press user=%s action=checkin", update.effective_user.id)
        return await _refuse(update, context)
    if parts[2] == "clear":
        return await clear(update, context, checkin)
    lang = await language_of(update, context)
    t = context.content.texts
    departure = await context.store.departure(checkin.departure_id)
    if departure is None or departure.status != "active":
        await answer(update)
        await show(update, t.get(lang, "checkin.closed"))
        return
    # "A problem" and nothing after it still tells someone: the sweep alerts if no problem is
    # picked by then (delivery/checkins.py, follow_up_problems).
    follow_up = (
        next_step(context, departure, context.services.config.reminder_after)
        if parts[2] == "problem"
        else None
    )
    answered = await context.store.answer_checkin(checkin.checkin_id, parts[2], follow_up)
    if not answered and parts[2] != "help":  # a double tap, or an older prompt; help never waits
        await answer(update, t.plain(lang, "checkin.already"))
        return
    log.info("checkin_answered checkin=%s answer=%s", checkin.checkin_id, parts[2])
    await answer(update)
    if parts[2] == "fine":
        markup = keyboard([[_clear_button(context, lang, checkin.checkin_id)]])
        await show_voiced(update, context, "checkin.fine", t.get(lang, "checkin.thanks"), markup)
    elif parts[2] == "problem":  # the picture, then the list with one recording of every problem
        await _problem_list(update, context, lang, checkin)
    elif parts[2] == "help":
        await sos.help_now(update, context, departure=departure, checkin_id=checkin.checkin_id)
    else:
        await returning.came_home(update, context, departure)


async def _problem_list(update: Update, context: BotContext, lang: str, checkin: Checkin) -> None:
    """The problems as one picture of their pictograms, then their buttons below it.

    One picture, not one per problem: a cheap phone downloads and shows one image once, and
    sees the whole list at a glance beside the buttons, each with the same emoji. The picture
    has no words, and is sent only now, after the tap on "a problem": a lock screen or a
    shared phone never shows «my papers were taken». Both messages join the check-in's, so
    "Clear these messages" takes them away too.
    """
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    # The prompt's own buttons are answered; the list comes below its picture, as new messages.
    with contextlib.suppress(TelegramError):
        await query.edit_message_reply_markup(None)
    picture = picture_file(context.content.content_dir, lang, PROBLEMS_PICTURE)
    shown: list[int] = []
    try:
        with picture.open("rb") as drawn:
            shown.append((await chat.send_photo(drawn, filename="problems.png")).message_id)
    except (OSError, TelegramError) as error:
        # The buttons carry the words and the emoji; a missing picture must not stop them.
        log.warning("problems_picture_failed error=%s", type(error).__name__)
    text, markup = _problem_screen(context, lang, checkin.checkin_id, [])
    listed = await show_voiced(update, context, "checkin.problems", text, markup, new=True)
    shown += [listed.message_id] if listed is not None else []
    for message_id in shown:  # once both are on the screen: a slow write never hides them
        await context.store.add_message_to_checkin(checkin.checkin_id, message_id)


def _problem_screen(
    context: BotContext, lang: str, checkin_id: int, chosen: list[str]
) -> tuple[str, Any]:
    t = context.content.texts
    # Its emoji first, always: the one drawn on its picture, so she matches picture to button.
    buttons: list[Button] = [
        (
            f"{p.emoji} " + ("☑️ " if p.id in chosen else "") + p.labels[lang],
            f"pb:{checkin_id}:{p.id}",
        )
        for p in context.content.problems
    ]
    rows = column(buttons)
    rows.append([(t.raw(lang, "checkin.problems_done"), f"pb:{checkin_id}:done")])
    advice = [p.advice[lang] for p in context.content.problems if p.id in chosen[-1:]]
    text = "\n\n".join([*advice, t.get(lang, "checkin.which_problem")])
    return text, keyboard(rows)


async def pick_problem(update: Update, context: BotContext) -> None:
    """Keeps one named problem and shows its advice; a serious one alerts at once.

    A problem picked is a problem reported: "done" only closes the list, so a person who picks
    "passport kept" and stops there has still told someone, and a double tap tells nobody twice.
    """
    assert update.callback_query is not None and update.effective_user is not None
    parts = (update.callback_query.data or "").split(":")
    checkin = await _own(update, context, parts[1]) if len(parts) == 3 else None
    problems = {p.id: p for p in context.content.problems}
    if checkin is None or checkin.answer != "problem" or parts[2] not in (*problems, "done"):
        return await _refuse(update, context)
    lang = await language_of(update, context)
    t = context.content.texts
    if parts[2] != "done":
        await answer(update)
        await context.store.add_checkin_problem(checkin.checkin_id, checkin.user_id, parts[2])
        chosen = await context.store.checkin_problems(checkin.checkin_id)
        chosen = [c for c in chosen if c != parts[2]] + [parts[2]]  # the latest one's advice
        text, markup = _problem_screen(context, lang, checkin.checkin_id, chosen)
        if problems[parts[2]].alert:
            reached = await _report(context, checkin, chosen)
            hint = t.get(lang, "media.voice_hint")  # a voice message now goes with the alert
            text = f"{t.get(lang, reached.key('checkin.problem'))}\n\n{hint}\n\n{text}"
        await show_voiced(update, context, f"problem.{parts[2]}", text, markup)
        return
    if _stale(update):  # "done" tapped twice: the list is already closed
        await answer(update, t.plain(lang, "checkin.already"))
        return
    chosen = await context.store.checkin_problems(checkin.checkin_id)
    markup = keyboard([[_clear_button(context, lang, checkin.checkin_id)]])
    if not any(problems[c].alert for c in chosen):
        await answer(update)
        noted = t.get(lang, "checkin.problem_noted")
        await show_voiced(update, context, "checkin.problem_noted", noted, markup)
        return
    await answer(update)
    reached = await _report(context, checkin, chosen)
    told = reached.key("checkin.problem")  # its item has the key's name (content/recordable.py)
    text = f"{t.get(lang, told)}\n\n{t.get(lang, 'media.voice_hint')}"
    await show_voiced(update, context, told, text, markup)


def _stale(update: Update) -> bool:
    """The press came from a message that no longer has that button (it was already used)."""
    query = update.callback_query
    message = query.message if query is not None else None
    markup = getattr(message, "reply_markup", None)
    if query is None or markup is None:
        return False
    return all(b.callback_data != query.data for row in markup.inline_keyboard for b in row)


async def _report(context: BotContext, checkin: Checkin, chosen: list[str]) -> Reached:
    """One alert per check-in for its serious problems: raised once, then added to."""
    problems = {p.id: p for p in context.content.problems}
    serious = tuple(c for c in chosen if problems[c].alert)
    existing = await context.store.alert_for_checkin(checkin.checkin_id, "problem")
    if existing is not None:
        await context.store.set_alert_details(existing.alert_id, serious)
        return Reached.of(await context.store.outbox_group(f"alert:{existing.alert_id}"))
    departure = await context.store.departure(checkin.departure_id)
    return await raise_alert(
        context,
        "problem",
        checkin.user_id,
        departure=departure,
        checkin_id=checkin.checkin_id,
        details=serious,
    )


async def clear(update: Update, context: BotContext, checkin: Checkin) -> None:
    """Deletes the bot's check-in messages from the chat (someone may read over the shoulder)."""
    assert update.effective_chat is not None
    await answer(update)
    ids = set(checkin.message_ids)
    if update.callback_query is not None and update.callback_query.message is not None:
        ids.add(update.callback_query.message.message_id)
    for message_id in sorted(ids):
        # Already gone, or too old to delete (48 h): nothing to do.
        with contextlib.suppress(BadRequest, Forbidden):
            await context.bot.delete_message(update.effective_chat.id, message_id)
    log.info("checkin_cleared checkin=%s", checkin.checkin_id)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CallbackQueryHandler(respond, pattern=r"^ci:"),
        CallbackQueryHandler(pick_problem, pattern=r"^pb:"),
    ]
