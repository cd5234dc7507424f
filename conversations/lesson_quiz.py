"""A lesson's own short round: its 2-4 questions, offered when the lesson is finished.

Practice, not the check before leaving (conversations/quiz.py): nothing is stored, and every
button carries the lesson, the question and the score so far (``quiz:l:<lesson>:<n>:<score>``).
A forged or old button can at most show a question again or a wrong count of right answers to
the person who pressed it.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from app.context import BotContext
from content.awareness import Lesson, Question
from conversations.listening import show_voiced
from conversations.quiz import PREFIX, number, refuse
from conversations.ui import answer, language_of, show
from screens.buttons import Button, keyboard, menu_button
from screens.quiz import feedback_text, question_screen


def _round(context: BotContext, lesson_id: str) -> tuple[Lesson, tuple[Question, ...]] | None:
    lesson = context.content.awareness.lesson(lesson_id)
    if lesson is None:
        return None
    questions = tuple(q for q in context.content.awareness.questions if q.lesson == lesson.id)
    return (lesson, questions) if questions else None


def _place(
    context: BotContext, parts: list[str]
) -> tuple[Lesson, tuple[Question, ...], int, int] | None:
    """The lesson, its questions, the question number and the score a press names, if sound."""
    found = _round(context, parts[2]) if len(parts) >= 5 else None
    n, score = (number(parts[3]), number(parts[4])) if len(parts) >= 5 else (None, None)
    if found is None or n is None or score is None or score > n:
        return None
    lesson, questions = found
    return (lesson, questions, n, score) if n < len(questions) else None


async def ask(update: Update, context: BotContext) -> None:
    """Asks one question of the lesson's round."""
    assert update.callback_query is not None
    parts = (update.callback_query.data or "").split(":")
    place = _place(context, parts) if len(parts) == 5 else None
    if place is None:
        return await refuse(update, context)
    lesson, questions, n, score = place
    await answer(update)
    lang = await language_of(update, context)
    heading = context.content.texts.get(
        lang, "quiz.lesson_heading", title=lesson.titles[lang], number=n + 1, total=len(questions)
    )
    data = f"{PREFIX}:la:{lesson.id}:{n}:{score}"
    screen = question_screen(context, lang, questions[n], heading, data)
    await show_voiced(update, context, f"quiz.{questions[n].id}", *screen)


async def choose(update: Update, context: BotContext) -> None:
    """Shows the chosen option's feedback and the way to the next question or the round's end."""
    assert update.callback_query is not None
    parts = (update.callback_query.data or "").split(":")
    place = _place(context, parts) if len(parts) == 6 else None
    option = place[1][place[2]].option(parts[5]) if place is not None else None
    if place is None or option is None:
        return await refuse(update, context)
    lesson, questions, n, score = place
    await answer(update)
    lang = await language_of(update, context)
    t = context.content.texts
    score += option.correct
    button: Button
    if n + 1 < len(questions):
        button = (t.raw(lang, "quiz.next"), f"{PREFIX}:l:{lesson.id}:{n + 1}:{score}")
    else:
        button = (t.raw(lang, "quiz.see_result"), f"{PREFIX}:lr:{lesson.id}:{score}")
    await show(update, feedback_text(context, lang, questions[n], option), keyboard([[button]]))


async def done(update: Update, context: BotContext) -> None:
    """Says how the round went and offers the lesson again, the next lesson, or the check."""
    assert update.callback_query is not None
    parts = (update.callback_query.data or "").split(":")
    found = _round(context, parts[2]) if len(parts) == 4 else None
    score = number(parts[3]) if len(parts) == 4 else None
    if found is None or score is None or score > len(found[1]):
        return await refuse(update, context)
    lesson, questions = found
    await answer(update)
    lang = await language_of(update, context)
    t, lessons = context.content.texts, context.content.awareness.lessons
    key = "quiz.lesson_all_right" if score == len(questions) else "quiz.lesson_some_right"
    text = t.get(lang, key, title=lesson.titles[lang], score=score, total=len(questions))
    rows: list[list[Button]] = []
    if score < len(questions):
        label = t.plain(lang, "learn.read_lesson", title=lesson.titles[lang])
        rows.append([(label, f"learn:l:{lesson.id}:0")])
    position = lessons.index(lesson)
    if position + 1 < len(lessons):
        following = lessons[position + 1]
        label = t.plain(lang, "learn.next_lesson", title=following.titles[lang])
        rows.append([(label, f"learn:l:{following.id}:0")])
    rows.append([(t.raw(lang, "quiz.retake"), f"{PREFIX}:l:{lesson.id}:0:0")])
    rows.append([(t.raw(lang, "quiz.to_check"), f"{PREFIX}:intro")])
    rows.append([menu_button(context, lang)])
    await show(update, text, keyboard(rows))


def round_button(context: BotContext, lang: str, lesson: Lesson) -> Button | None:
    """The button that opens a lesson's round, or None for a lesson without questions."""
    found = _round(context, lesson.id)
    if found is None:
        return None
    label = context.content.texts.plain(lang, "quiz.lesson_round", count=len(found[1]))
    return label, f"{PREFIX}:l:{lesson.id}:0:0"


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CallbackQueryHandler(ask, pattern=rf"^{PREFIX}:l:"),
        CallbackQueryHandler(choose, pattern=rf"^{PREFIX}:la:"),
        CallbackQueryHandler(done, pattern=rf"^{PREFIX}:lr:"),
    ]
