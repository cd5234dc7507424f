"""A quiz question as a screen: its options written out with their letters (ក ខ គ), one short
button per letter, and the feedback after an answer. Used by /quiz, the lessons' own rounds and
the refreshers.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from app.context import BotContext
from content.awareness import Option, Question
from content.texts import Html
from screens.buttons import keyboard


def letter(context: BotContext, lang: str, question: Question, option: Option) -> str:
    """The letter an option is shown with: ក ខ គ in Khmer, A B C in English."""
    letters = context.content.texts.raw(lang, "quiz.letters").split()
    return letters[question.options.index(option)]


def question_screen(
    context: BotContext, lang: str, question: Question, heading: str, data: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The question with its options written out, and one short button per option."""
    t = context.content.texts
    lines = [
        t.get(lang, "quiz.option", letter=letter(context, lang, question, o), text=o.texts[lang])
        for o in question.options
    ]
    text = t.get(
        lang,
        "quiz.question",
        heading=Html(heading),
        question=question.texts[lang],
        options=Html("\n".join(lines)),
    )
    buttons = [(letter(context, lang, question, o), f"{data}:{o.id}") for o in question.options]
    return text, keyboard([buttons])


def feedback_text(context: BotContext, lang: str, question: Question, option: Option) -> str:
    """Right or not, what was chosen, the option's own feedback, and the best answer if missed."""
    t = context.content.texts
    chosen = f"{letter(context, lang, question, option)}. {option.texts[lang]}"
    header = "quiz.right" if option.correct else "quiz.gentle" if option.gentle else "quiz.wrong"
    parts = [
        t.get(lang, header),
        t.get(lang, "quiz.chosen", answer=chosen),
        option.feedback[lang],
    ]
    if not option.correct:
        right = next(o for o in question.options if o.correct)
        best = f"{letter(context, lang, question, right)}. {right.texts[lang]}"
        parts.append(t.get(lang, "quiz.right_answer", answer=best))
    return "\n\n".join(parts)
