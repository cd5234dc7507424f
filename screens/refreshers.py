"""What a refresher shows, and the screens its buttons open: all from existing content.

Buttons are ``rf:<refresher id>:<action>``, so a press is counted against the refresher it came
in (acted on) before it opens the lesson, its question, the story or the numbers.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from app.context import BotContext
from content.texts import Html
from screens.buttons import Button, html, keyboard, menu_button
from screens.hotlines import first_text, full_text
from screens.lessons import paged_text
from screens.quiz import question_screen

PREFIX = "rf"
OPT_IN = f"{PREFIX}:on"
OPT_OUT = f"{PREFIX}:off"
NO_THANKS = f"{PREFIX}:no"
ACTIONS = ("read", "lesson", "question", "story", "help", "stop")

Rendered = tuple[str, InlineKeyboardMarkup | None]


def _stop_row(context: BotContext, lang: str, refresher_id: int) -> list[Button]:
    return [(context.content.texts.raw(lang, "refresher.stop"), f"{PREFIX}:{refresher_id}:stop")]


def neutral_screen(context: BotContext, lang: str, refresher_id: int) -> Rendered:
    """Every refresher's first line: words a lock screen or a reader over the shoulder would not
    notice (before leaving, on a shared family phone, as well as away), then a tap."""
    t = context.content.texts
    rows = [
        [(t.raw(lang, "refresher.read"), f"{PREFIX}:{refresher_id}:read")],
        _stop_row(context, lang, refresher_id),
    ]
    return t.get(lang, "refresher.neutral"), keyboard(rows)


def item_screen(context: BotContext, lang: str, refresher_id: int, item: str) -> Rendered | None:
    """The refresher itself: a lesson screen with its question, a story, or numbers to keep."""
    t, awareness = context.content.texts, context.content.awareness
    kind, _, item_id = item.partition(":")
    rows: list[list[Button]] = []
    text: str
    if kind == "lesson" and (lesson := awareness.lesson(item_id)) is not None:
        question = next((q for q in awareness.questions if q.lesson == lesson.id), None)
        text = t.get(
            lang,
            "refresher.lesson",
            title=lesson.titles[lang],
            body=html(lesson.screens[lang][0]),
        )
        if question is not None:
            text = Html(
                f"{text}\n\n{t.get(lang, 'refresher.question', question=question.texts[lang])}"
            )
            rows.append([(t.raw(lang, "refresher.answer"), f"{PREFIX}:{refresher_id}:question")])
        rows.append([(t.raw(lang, "refresher.open_lesson"), f"{PREFIX}:{refresher_id}:lesson")])
    elif kind == "story" and (story := awareness.story(item_id)) is not None:
        text = t.get(
            lang, "refresher.story", title=story.titles[lang], body=html(story.screens[lang][0])
        )
        rows.append([(t.raw(lang, "refresher.open_story"), f"{PREFIX}:{refresher_id}:story")])
    elif kind == "help" and context.content.contacts.country(item_id) is not None:
        # The first numbers, as /help shows them; "All the numbers" opens the full list.
        text = t.get(lang, "refresher.help", numbers=first_text(context.content, lang, item_id))
        rows.append([(t.raw(lang, "refresher.all_numbers"), f"{PREFIX}:{refresher_id}:help")])
    else:
        return None  # content changed since it was queued: nothing to send
    rows.append(_stop_row(context, lang, refresher_id))
    return text, keyboard(rows)


def lesson_screen(context: BotContext, lang: str, lesson_id: str) -> Rendered | None:
    """The lesson's first screen, with learn's own buttons to go on."""
    t, lesson = context.content.texts, context.content.awareness.lesson(lesson_id)
    if lesson is None:
        return None
    text = paged_text(context, lang, lesson, 0)
    onward = (
        (t.raw(lang, "learn.next"), f"learn:l:{lesson.id}:1")
        if lesson.length > 1
        else (t.raw(lang, "learn.finish"), f"learn:done:{lesson.id}")
    )
    return text, keyboard([[onward], [(t.raw(lang, "learn.all_lessons"), "learn:home")]])


def question_of(context: BotContext, lang: str, lesson_id: str) -> Rendered | None:
    """The lesson's first question, answered through the lesson's own round."""
    awareness = context.content.awareness
    lesson = awareness.lesson(lesson_id)
    questions = [q for q in awareness.questions if lesson and q.lesson == lesson.id]
    if lesson is None or not questions:
        return None
    heading = context.content.texts.get(
        lang, "quiz.lesson_heading", title=lesson.titles[lang], number=1, total=len(questions)
    )
    return question_screen(context, lang, questions[0], heading, f"quiz:la:{lesson.id}:0:0")


def story_screen(context: BotContext, lang: str, story_id: str) -> Rendered | None:
    t, story = context.content.texts, context.content.awareness.story(story_id)
    if story is None:
        return None
    text = paged_text(context, lang, story, 0)
    rows: list[list[Button]] = [[(t.raw(lang, "learn.all_stories"), "learn:stories")]]
    if story.length > 1:
        rows.insert(0, [(t.raw(lang, "learn.next"), f"learn:s:{story.id}:1")])
    return text, keyboard(rows)


def numbers_screen(context: BotContext, lang: str, country: str) -> Rendered | None:
    if context.content.contacts.country(country) is None:
        return None
    t = context.content.texts
    rows = [[(t.raw(lang, "refresher.other_countries"), "help:home")], [menu_button(context, lang)]]
    return full_text(context.content, lang, country), keyboard(rows)


def offer_rows(context: BotContext, lang: str) -> list[list[Button]]:
    """The opt-in button, for the end of onboarding and of a lesson."""
    return [[(context.content.texts.raw(lang, "refresher.offer"), OPT_IN)]]
