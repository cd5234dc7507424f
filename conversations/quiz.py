"""/quiz: the check before leaving, in rounds of at most 8. Each answer is kept by question and
option id, so a person can stop after a round and go on later; the result combines the rounds.

No conversation state: the attempt lives in the database, every button names its attempt and
question, and a press is accepted only for the person's own unfinished attempt at the question
that is next. A restart, an old button or a forged one cannot skip, repeat or change an answer.
The options are written out in the message; the buttons carry only their letters (ក ខ គ), since
a long Khmer label is cut on a small phone.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from app.context import BotContext
from content.awareness import Question
from conversations.listening import show_voiced
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, show
from domain.quiz import ROUND_AT_MOST, round_of, rounds
from screens.buttons import Button, keyboard, menu_button
from screens.quiz import feedback_text, question_screen
from storage.rows import QuizAttempt

log = logging.getLogger(__name__)
PREFIX = "quiz"
REVIEW_AT_MOST = 5  # missed questions shown in full; more would not fit a phone screen


# -- shared with the lessons' own rounds (conversations/lesson_quiz.py) ------------------------


async def refuse(update: Update, context: BotContext) -> None:
    lang = await language_of(update, context)
    await answer(update, context.content.texts.get(lang, "input.button_expired"))


def number(text: str) -> int | None:
    """A small whole number from button data, or None."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


# -- the check ---------------------------------------------------------------------------------


def _pass_mark(context: BotContext) -> int:
    """Right answers needed to pass, from the configured percentage (rounded up)."""
    total = len(context.content.awareness.questions)
    return -(-total * context.services.config.quiz_pass_percent // 100)


async def _intro(update: Update, context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    assert update.effective_user is not None
    lang = await language_of(update, context)
    t = context.content.texts
    total = len(context.content.awareness.questions)
    parts = [
        t.get(
            lang,
            "quiz.intro",
            total=total,
            rounds=len(rounds(total)),
            at_most=ROUND_AT_MOST,
            needed=_pass_mark(context),
        )
    ]
    learning = await context.store.learning(update.effective_user.id)
    if learning.best_quiz is not None:
        best, out_of = learning.best_quiz
        parts.append(t.get(lang, "quiz.best", score=best, total=out_of))
    rows: list[list[Button]] = []
    open_attempt = await context.store.open_quiz(update.effective_user.id)
    done = len(open_attempt.answers) if open_attempt else 0
    if open_attempt is not None and 0 < done < total:
        at = round_of(done, total)
        parts.append(t.get(lang, "quiz.resume_info", done=at, rounds=len(rounds(total))))
        label = t.plain(lang, "quiz.resume", round=at + 1, rounds=len(rounds(total)))
        rows.append([(label, f"{PREFIX}:q:{open_attempt.attempt_id}:{done}")])
        rows.append([(t.raw(lang, "quiz.start_again"), f"{PREFIX}:start")])
    elif open_attempt is not None and done == total:  # every round answered, result not seen
        rows.append([(t.raw(lang, "quiz.see_result"), f"{PREFIX}:r:{open_attempt.attempt_id}")])
        rows.append([(t.raw(lang, "quiz.start_again"), f"{PREFIX}:start")])
    else:
        rows.append([(t.raw(lang, "quiz.start"), f"{PREFIX}:start")])
    rows.append([menu_button(context, lang)])
    return "\n\n".join(parts), keyboard(rows)


async def open_intro(update: Update, context: BotContext) -> None:
    """Explains the check and offers to start it, or to go on where the person stopped: in
    place of the pressed screen, or as a new message after /quiz."""
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
    all_rounds = rounds(len(questions))
    this = all_rounds[round_of(n, len(questions))]
    heading = context.content.texts.get(
        lang,
        "quiz.heading",
        round=round_of(n, len(questions)) + 1,
        rounds=len(all_rounds),
        number=n - this.start + 1,
        total=len(this),
    )
    screen = question_screen(context, lang, questions[n], heading, f"{PREFIX}:a:{attempt_id}:{n}")
    await show_voiced(update, context, f"quiz.{questions[n].id}", *screen)


async def _own_open_attempt(
    update: Update, context: BotContext, attempt_text: str, n_text: str
) -> tuple[QuizAttempt, int] | None:
    """The attempt and question a press names, if they are this person's and next in line."""
    assert update.effective_user is not None
    attempt_id, n = number(attempt_text), number(n_text)
    if attempt_id is None or n is None:
        return None
    attempt = await context.store.quiz_attempt(attempt_id)
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
        return await refuse(update, context)
    attempt, n = found
    stored = await context.store.answer_quiz(
        attempt.attempt_id, update.effective_user.id, question.id, option.id, option.correct
    )
    if not stored:  # a double tap that raced the first one
        return await refuse(update, context)
    await answer(update)
    lang = await language_of(update, context)
    t = context.content.texts
    total = len(context.content.awareness.questions)
    this = rounds(total)[round_of(n, total)]
    button: Button
    if n + 1 == total:
        button = (t.raw(lang, "quiz.see_result"), f"{PREFIX}:r:{attempt.attempt_id}")
    elif n + 1 == this.stop:  # a round ends here: a place to pause
        button = (t.raw(lang, "quiz.round_result"), f"{PREFIX}:rd:{attempt.attempt_id}:{n + 1}")
    else:
        button = (t.raw(lang, "quiz.next"), f"{PREFIX}:q:{attempt.attempt_id}:{n + 1}")
    await show(update, feedback_text(context, lang, question, option), keyboard([[button]]))


async def next_question(update: Update, context: BotContext) -> None:
    """Asks the next question of the attempt (also to go on after a pause)."""
    assert update.callback_query is not None
    parts = (update.callback_query.data or "").split(":")
    found = await _own_open_attempt(update, context, *parts[2:4]) if len(parts) == 4 else None
    if found is None:
        return await refuse(update, context)
    await answer(update)
    await _ask(update, context, found[0].attempt_id, found[1])


async def round_done(update: Update, context: BotContext) -> None:
    """Says how the round went; the answers are kept, so the next round can wait."""
    assert update.callback_query is not None
    parts = (update.callback_query.data or "").split(":")
    found = await _own_open_attempt(update, context, *parts[2:4]) if len(parts) == 4 else None
    total = len(context.content.awareness.questions)
    if found is None or found[1] == 0 or round_of(found[1], total) == round_of(found[1] - 1, total):
        return await refuse(update, context)
    attempt, n = found
    await answer(update)
    lang = await language_of(update, context)
    t = context.content.texts
    finished = rounds(total)[round_of(n - 1, total)]
    score = sum(a.correct for a in attempt.answers[finished.start : finished.stop])
    count = len(rounds(total))
    text = t.get(
        lang,
        "quiz.round_done",
        round=round_of(n - 1, total) + 1,
        rounds=count,
        score=score,
        total=len(finished),
    )
    go_on = t.plain(lang, "quiz.resume", round=round_of(n, total) + 1, rounds=count)
    rows = [[(go_on, f"{PREFIX}:q:{attempt.attempt_id}:{n}")], [menu_button(context, lang)]]
    await show(update, text, keyboard(rows))


async def result(update: Update, context: BotContext) -> None:
    """Scores the whole check, says whether it passed and what to read again."""
    assert update.callback_query is not None and update.effective_user is not None
    parts = (update.callback_query.data or "").split(":")
    questions = context.content.awareness.questions
    attempt_id = number(parts[2]) if len(parts) == 3 else None
    attempt = await context.store.quiz_attempt(attempt_id) if attempt_id is not None else None
    if (
        attempt is None
        or attempt.user_id != update.effective_user.id
        or len(attempt.answers) != len(questions)
    ):
        return await refuse(update, context)
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
        CommandHandler("quiz", open_intro, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(open_intro, pattern=rf"^{PREFIX}:intro$"),
        CallbackQueryHandler(start, pattern=rf"^{PREFIX}:start$"),
        CallbackQueryHandler(choose, pattern=rf"^{PREFIX}:a:"),
        CallbackQueryHandler(next_question, pattern=rf"^{PREFIX}:q:"),
        CallbackQueryHandler(round_done, pattern=rf"^{PREFIX}:rd:"),
        CallbackQueryHandler(result, pattern=rf"^{PREFIX}:r:"),
    ]
