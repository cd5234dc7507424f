"""/learn: lessons screen by screen, the two stories, and the four gender statements.

No conversation state: every button carries where it leads (``learn:l:<lesson>:<screen>``), and
every press is checked against the content, so an old or forged button can only be refused.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from app.context import BotContext
from content.awareness import Lesson, Story
from content.texts import Html
from conversations.lesson_quiz import round_button
from conversations.listening import show_voiced
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, show
from screens.buttons import Button, html, keyboard, menu_button
from screens.lessons import paged_text
from screens.refreshers import offer_rows

log = logging.getLogger(__name__)
PREFIX = "learn"
ANSWERS = ("agree", "disagree")


def _parts(update: Update) -> list[str]:
    assert update.callback_query is not None
    return (update.callback_query.data or "").split(":")


async def _refuse(update: Update, context: BotContext) -> None:
    lang = await language_of(update, context)
    await answer(update, context.content.texts.get(lang, "input.button_expired"))


def _index(text: str, length: int) -> int | None:
    """A screen number from button data, if it is one of this item's screens."""
    return (
        int(text)
        if text.isascii() and text.isdigit() and len(text) < 4 and int(text) < length
        else None
    )


async def _home_screen(update: Update, context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    assert update.effective_user is not None
    lang = await language_of(update, context)
    t, awareness = context.content.texts, context.content.awareness
    done = (await context.store.learning(update.effective_user.id)).lessons_finished
    rows: list[list[Button]] = [
        [
            (
                ("✅ " if lesson.id in done else "📖 ") + lesson.titles[lang],
                f"{PREFIX}:l:{lesson.id}:0",
            )
        ]
        for lesson in awareness.lessons
    ]
    rows.append([(t.raw(lang, "learn.stories"), f"{PREFIX}:stories")])
    rows.append([(t.raw(lang, "learn.statements"), f"{PREFIX}:st:{awareness.statements[0].id}")])
    rows.append([(t.raw(lang, "menu.quiz"), "quiz:intro")])
    rows.append([menu_button(context, lang)])
    finished = len(done & {lesson.id for lesson in awareness.lessons})
    text = t.get(lang, "learn.home", done=finished, total=len(awareness.lessons))
    return text, keyboard(rows)


async def open_home(update: Update, context: BotContext) -> None:
    """Lists the lessons, marking those already finished: in place of the pressed screen, or
    as a new message after /learn (``show`` sends one when nothing was pressed)."""
    await answer(update)
    text, markup = await _home_screen(update, context)
    await show(update, text, markup)


def _pager(
    context: BotContext, lang: str, code: str, item: Lesson | Story, n: int, last: Button
) -> InlineKeyboardMarkup:
    t = context.content.texts
    row: list[Button] = []
    if n > 0:
        # Back to a lesson's first screen says so: its picture is just above, not sent again.
        back = f"{PREFIX}:{code}:{item.id}:{n - 1}" + (":back" if code == "l" and n == 1 else "")
        row.append((t.raw(lang, "common.back"), back))
    if n + 1 < item.length:
        row.append((t.raw(lang, "learn.next"), f"{PREFIX}:{code}:{item.id}:{n + 1}"))
    else:
        row.append(last)
    home = "learn.all_stories" if code == "s" else "learn.all_lessons"
    target = f"{PREFIX}:stories" if code == "s" else f"{PREFIX}:home"
    return keyboard([row, [(t.raw(lang, home), target)]])


async def open_lesson(update: Update, context: BotContext) -> None:
    """Shows one screen of a lesson; its picture and recording come before the first screen."""
    parts = _parts(update)
    back = parts[4:] == ["back"]
    fits = len(parts) == 4 or back
    lesson = context.content.awareness.lesson(parts[2]) if fits else None
    n = _index(parts[3], lesson.length) if lesson else None
    if lesson is None or n is None:
        return await _refuse(update, context)
    await answer(update)
    lang = await language_of(update, context)
    text = paged_text(context, lang, lesson, n)
    t = context.content.texts
    finish = (t.raw(lang, "learn.finish"), f"{PREFIX}:done:{lesson.id}")
    markup = _pager(context, lang, "l", lesson, n, finish)
    voice = f"lesson.{lesson.id}.{n + 1}"  # its Khmer recording, if staff made one
    if n == 0 and not back and (lesson.picture_files.get(lang) or lesson.audio[lang]):
        await _send_media(update, lesson, lang)
        # Below the media, not in place of the old screen.
        await show_voiced(update, context, voice, text, markup, new=True)
    else:
        await show_voiced(update, context, voice, text, markup)


async def _send_media(update: Update, lesson: Lesson, lang: str) -> None:
    chat = update.effective_chat
    assert chat is not None
    try:
        drawn = lesson.picture_files.get(lang)  # drawn in this language by bot.py pictures
        if drawn is not None:
            with drawn.open("rb") as picture:
                await chat.send_photo(picture)
        recording = lesson.audio[lang]
        if recording is not None:
            with recording.open("rb") as audio:
                await chat.send_audio(audio, title=lesson.titles[lang])
    except (OSError, TelegramError) as error:
        # The words carry the lesson; a missing picture must not block it.
        log.warning("lesson_media_failed lesson=%s error=%s", lesson.id, type(error).__name__)


async def finish_lesson(update: Update, context: BotContext) -> None:
    """Records the lesson as finished and offers its own questions, then the next lesson."""
    assert update.effective_user is not None
    parts = _parts(update)
    awareness = context.content.awareness
    lesson = awareness.lesson(parts[2]) if len(parts) == 3 else None
    if lesson is None:
        return await _refuse(update, context)
    await context.store.finish_lesson(update.effective_user.id, lesson.id)
    await answer(update)
    lang = await language_of(update, context)
    t = context.content.texts
    rows: list[list[Button]] = []
    text = t.get(lang, "learn.finished", title=lesson.titles[lang])
    if (questions := round_button(context, lang, lesson)) is not None:
        rows.append([questions])
        hint = t.get(lang, "learn.try_round")
        text = Html(f"{text}\n{hint}")
    position = awareness.lessons.index(lesson)
    if position + 1 < len(awareness.lessons):
        following = awareness.lessons[position + 1]
        label = t.plain(lang, "learn.next_lesson", title=following.titles[lang])
        rows.append([(label, f"{PREFIX}:l:{following.id}:0")])
    rows.append([(t.raw(lang, "learn.all_lessons"), f"{PREFIX}:home")])
    choice = await context.store.message_choice(update.effective_user.id)
    if choice is None or not choice.refreshers:  # a reminder now and then, only if they say yes
        rows += offer_rows(context, lang)
    await show(update, text, keyboard(rows))


async def open_stories(update: Update, context: BotContext) -> None:
    """Lists the true stories from the programme."""
    await answer(update)
    lang = await language_of(update, context)
    t = context.content.texts
    rows: list[list[Button]] = [
        [(story.titles[lang], f"{PREFIX}:s:{story.id}:0")]
        for story in context.content.awareness.stories
    ]
    rows.append([(t.raw(lang, "learn.all_lessons"), f"{PREFIX}:home")])
    await show(update, t.get(lang, "learn.stories_intro"), keyboard(rows))


async def open_story(update: Update, context: BotContext) -> None:
    """Shows one screen of a story; the last leads to the lesson that goes with it."""
    parts = _parts(update)
    awareness = context.content.awareness
    story = awareness.story(parts[2]) if len(parts) == 4 else None
    n = _index(parts[3], story.length) if story else None
    if story is None or n is None:
        return await _refuse(update, context)
    await answer(update)
    lang = await language_of(update, context)
    t = context.content.texts
    lesson = awareness.lesson(story.lesson)
    assert lesson is not None  # checked when content was loaded
    text = paged_text(context, lang, story, n)
    last = (
        t.plain(lang, "learn.read_lesson", title=lesson.titles[lang]),
        f"{PREFIX}:l:{lesson.id}:0",
    )
    markup = _pager(context, lang, "s", story, n, last)
    await show_voiced(update, context, f"story.{story.id}.{n + 1}", text, markup)


async def open_statement(update: Update, context: BotContext) -> None:
    """Asks whether the person agrees with one of the report's gender statements."""
    parts = _parts(update)
    awareness = context.content.awareness
    statement = awareness.statement(parts[2]) if len(parts) == 3 else None
    if statement is None:
        return await _refuse(update, context)
    await answer(update)
    lang = await language_of(update, context)
    t = context.content.texts
    number = awareness.statements.index(statement) + 1
    text = t.get(
        lang,
        "learn.statement",
        number=number,
        total=len(awareness.statements),
        statement=statement.texts[lang],
    )
    # The statements are what some people say, not the bot's view ("learn.statement" says so):
    # alone with her phone, a young woman should not meet "I agree" first under "women who
    # migrate are worthless" (review of 7 December 2026, §8).
    markup = keyboard(
        [
            [(t.raw(lang, "learn.disagree"), f"{PREFIX}:sa:{statement.id}:disagree")],
            [(t.raw(lang, "learn.agree"), f"{PREFIX}:sa:{statement.id}:agree")],
        ]
    )
    await show_voiced(update, context, f"statement.{statement.id}", text, markup)


async def answer_statement(update: Update, context: BotContext) -> None:
    """Keeps the answer and shows what villagers said in the discussion."""
    assert update.effective_user is not None
    parts = _parts(update)
    awareness = context.content.awareness
    statement = awareness.statement(parts[2]) if len(parts) == 4 else None
    if statement is None or parts[3] not in ANSWERS:
        return await _refuse(update, context)
    await context.store.answer_statement(update.effective_user.id, statement.id, parts[3])
    await answer(update)
    lang = await language_of(update, context)
    t = context.content.texts
    points = "\n".join(f"• {point}" for point in statement.points[lang])
    text = t.get(
        lang,
        "learn.statement_points",
        statement=statement.texts[lang],
        answer=t.raw(lang, f"learn.{parts[3]}"),
        points=html(points),
    )
    position = awareness.statements.index(statement)
    rows: list[list[Button]] = []
    if position + 1 < len(awareness.statements):
        following = awareness.statements[position + 1]
        rows.append([(t.raw(lang, "learn.next_statement"), f"{PREFIX}:st:{following.id}")])
    rows.append([(t.raw(lang, "learn.all_lessons"), f"{PREFIX}:home")])
    await show(update, text, keyboard(rows))


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("learn", open_home, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(open_home, pattern=rf"^{PREFIX}:home$"),
        CallbackQueryHandler(open_lesson, pattern=rf"^{PREFIX}:l:"),
        CallbackQueryHandler(finish_lesson, pattern=rf"^{PREFIX}:done:"),
        CallbackQueryHandler(open_stories, pattern=rf"^{PREFIX}:stories$"),
        CallbackQueryHandler(open_story, pattern=rf"^{PREFIX}:s:"),
        CallbackQueryHandler(open_statement, pattern=rf"^{PREFIX}:st:"),
        CallbackQueryHandler(answer_statement, pattern=rf"^{PREFIX}:sa:"),
    ]
