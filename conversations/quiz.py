"""/quiz: the pre-departure quiz. Each answer is stored by question and option id.

No conversation state: the attempt lives in the database, every button names its attempt and
question, and a press is accepted only for the person's own unfinished attempt at the question
that is next. A restart, an old button or a forged one cannot skip, repeat or change an answer.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from app.context import BotContext
from content.awareness import Question
from conversations.menu import menu_button
from conversations.ui import PRIVATE_MESSAGE, Button, answer, keyboard, language_of, send, show
from storage.rows import QuizAttempt

log = logging.getLogger(__name__)
PREFIX = "quiz"
REVIEW_AT_MOST = 5  # missed questions shown in full; more would not fit a phone screen


async def _refuse(update: Update, context: BotContext) -> None:
    lang = await language_of(update, context)
    await answer(update, context.content.texts.get(lang, "input.button_expired"))


def _pass_mark(context: BotContext) -> int:
    """Right answers needed to pass, from the configured percentage (rounded up)."""
    total = len(context.content.awareness.questions)
    return -(-total * context.services.config.quiz_pass_percent // 100)


async def _intro(update: Update, context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    assert update.effective_user is not None
    lang = await language_of(update, context)
    t = context.content.texts
    total = len(context.content.awareness.questions)
    parts = [t.get(lang, "quiz.intro", total=total, needed=_pass_mark(context))]
    best = (await context.store.learning(update.effective_user.id)).best_quiz
    if best is not None:
        parts.append(t.get(lang, "quiz.best", score=best[0], total=best[1]))
    markup = keyboard(
        [[(t.raw(lang, "quiz.start"), f"{PREFIX}:start")], [menu_button(context, lang)]]
    )
    return "\n\n".join(parts), markup


async def quiz_command(update: Update, context: BotContext) -> None:
    """Explains the quiz and offers to start it."""
    text, markup = await _intro(update, context)
    await send(update, text, markup)


async def open_intro(update: Update, context: BotContext) -> None:
    """Explains the quiz in place of the pressed screen."""
    await answer(update)
    text, markup = await _intro(update, context)
    await show(update, text, markup)


async def start(update: Update, context: BotContext) -> None:
    """Opens a new attempt and asks the first question."""
    assert update.effective_user is not None
    attempt_id = await context.store.start_quiz(update.effective_user.id)
    log.info("quiz_started user=%s attempt=%s", update.effective_user.id, attempt_id)
    await answer(update)
    await _ask(update, context, attempt_id, 0)


async def _ask(update: Update, context: BotContext, attempt_id: int, n: int) -> None:
    lang = await language_of(update, context)
    questions = context.content.awareness.questions
    question = questions[n]
    text = context.content.texts.get(
        lang, "quiz.question", number=n + 1, total=len(questions), question=question.texts[lang]
    )
    rows = [
        [(option.texts[lang], f"{PREFIX}:a:{attempt_id}:{n}:{option.id}")]
        for option in question.options
    ]
    await show(update, text, keyboard(rows))


async def _own_open_attempt(
    update: Update, context: BotContext, attempt_text: str, n_text: str
) -> tuple[QuizAttempt, int] | None:
    """The attempt and question a press names, if they are this person's and next in line."""
    assert update.effective_user is not None
    if not (
        attempt_text.isascii()
        and attempt_text.isdigit()
        and n_text.isascii()
        and n_text.isdigit()
        and len(attempt_text) < 19
    ):
        return None
    attempt = await context.store.quiz_attempt(int(attempt_text))
    n = int(n_text)
    if (
        attempt is None
        or attempt.user_id != update.effective_user.id
        or attempt.finished_at is not None
        or n != len(attempt.answers)
        or n >= len(context.content.awareness.questions)
    ):
        return None
    return attempt, n


async def choose(update: Update, context: BotContext) -> None:
    """Stores the chosen option and shows its own feedback."""
    assert update.callback_query is not None and update.effective_user is not None
    parts = (update.callback_query.data or "").split(":")
    found = await _own_open_attempt(update, context, *parts[2:4]) if len(parts) == 5 else None
    question: Question | None = None
    option = None
    if found is not None:
        question = context.content.awareness.questions[found[1]]
        option = question.option(parts[4])
    if found is None or question is None or option is None:
        return await _refuse(update, context)
    attempt, n = found
    stored = await context.store.answer_quiz(
        attempt.attempt_id, update.effective_user.id, question.id, option.id, option.correct
    )
    if not stored:  # a double tap that raced the first one
        return await _refuse(update, context)
    await answer(update)
    lang = await language_of(update, context)
    t = context.content.texts
    verdict = t.get(lang, "quiz.right" if option.correct else "quiz.wrong")
    parts_text = [verdict, option.feedback[lang]]
    if not option.correct:
        right = next(o for o in question.options if o.correct)
        parts_text.append(t.get(lang, "quiz.right_answer", answer=right.texts[lang]))
    if n + 1 < len(context.content.awareness.questions):
        button: Button = (t.raw(lang, "quiz.next"), f"{PREFIX}:q:{attempt.attempt_id}:{n + 1}")
    else:
        button = (t.raw(lang, "quiz.see_result"), f"{PREFIX}:r:{attempt.attempt_id}")
    await show(update, "\n\n".join(parts_text), keyboard([[button]]))


async def next_question(update: Update, context: BotContext) -> None:
    """Asks the next question of the attempt."""
    assert update.callback_query is not None
    parts = (update.callback_query.data or "").split(":")
    found = await _own_open_attempt(update, context, *parts[2:4]) if len(parts) == 4 else None
    if found is None:
        return await _refuse(update, context)
    await answer(update)
    await _ask(update, context, found[0].attempt_id, found[1])


async def result(update: Update, context: BotContext) -> None:
    """Scores the attempt, says whether it passed and what to read again."""
    assert update.callback_query is not None and update.effective_user is not None
    parts = (update.callback_query.data or "").split(":")
    questions = context.content.awareness.questions
    attempt = None
    if len(parts) == 3 and parts[2].isascii() and parts[2].isdigit() and len(parts[2]) < 19:
        attempt = await context.store.quiz_attempt(int(parts[2]))
    if (
        attempt is None
        or attempt.user_id != update.effective_user.id
        or len(attempt.answers) != len(questions)
    ):
        return await _refuse(update, context)
    score = sum(a.correct for a in attempt.answers)
    passed = score >= _pass_mark(context)
    await context.store.finish_quiz(attempt.attempt_id, score, len(questions), passed)
    log.info(
        "quiz_finished user=%s attempt=%s passed=%s", attempt.user_id, attempt.attempt_id, passed
    )
    await answer(update)
    lang = await language_of(update, context)
    await show(update, *_result_screen(context, lang, attempt, score, passed))


def _result_screen(
    context: BotContext, lang: str, attempt: QuizAttempt, score: int, passed: bool
) -> tuple[str, InlineKeyboardMarkup]:
    t, awareness = context.content.texts, context.content.awareness
    total = len(awareness.questions)
    blocks: list[str] = [
        t.get(lang, "quiz.score", score=score, total=total),
        t.get(lang, "quiz.passed" if passed else "quiz.not_passed", needed=_pass_mark(context)),
    ]
    by_id = {q.id: q for q in awareness.questions}
    missed = [
        by_id[a.question_id] for a in attempt.answers if not a.correct and a.question_id in by_id
    ]
    rows: list[list[Button]] = []
    if missed:
        lines: list[str] = [t.get(lang, "quiz.review")]
        for question in missed[:REVIEW_AT_MOST]:
            right = next(o for o in question.options if o.correct)
            lines.append(f"• {question.texts[lang]}\n  ✅ {right.texts[lang]}")
        if len(missed) > REVIEW_AT_MOST:
            lines.append(t.get(lang, "quiz.review_more", count=len(missed) - REVIEW_AT_MOST))
        blocks.append("\n".join(lines))
        lessons = list(dict.fromkeys(q.lesson for q in missed))  # in order, without repeats
        for lesson_id in lessons[:3]:
            lesson = awareness.lesson(lesson_id)
            assert lesson is not None
            label = t.plain(lang, "learn.read_lesson", title=lesson.titles[lang])
            rows.append([(label, f"learn:l:{lesson.id}:0")])
    rows.append([(t.raw(lang, "quiz.retake"), f"{PREFIX}:start")])
    rows.append([menu_button(context, lang)])
    return "\n\n".join(blocks), keyboard(rows)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("quiz", quiz_command, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(open_intro, pattern=rf"^{PREFIX}:intro$"),
        CallbackQueryHandler(start, pattern=rf"^{PREFIX}:start$"),
        CallbackQueryHandler(choose, pattern=rf"^{PREFIX}:a:"),
        CallbackQueryHandler(next_question, pattern=rf"^{PREFIX}:q:"),
        CallbackQueryHandler(result, pattern=rf"^{PREFIX}:r:"),
    ]
