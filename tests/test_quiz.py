"""The quiz: each lesson's short round, and the check before leaving in rounds of at most 8.

Answers are kept by question and option id; the check can stop after any round and go on later
(a restart too); its result combines the rounds. Options are written in the message and the
buttons carry only their letters. No cheating: old, forged and other people's presses change
nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from content.awareness import Option, Question
from domain.quiz import rounds
from tests.support.chat import Bot, Person
from tests.test_onboarding import onboard_in_khmer

EXPIRED = "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"
LETTERS = {"km": ["ក", "ខ", "គ"], "en": ["A", "B", "C"]}
NEXT = {"km": "សំណួរបន្ទាប់ ➡️", "en": "Next question ➡️"}
ROUND_RESULT = {"km": "មើលលទ្ធផលជុំនេះ ➡️", "en": "See how this round went ➡️"}
RESULT = {"km": "មើលលទ្ធផលរបស់ខ្ញុំ", "en": "See my result"}


def questions(bot: Bot) -> Any:
    assert bot.services is not None
    return bot.services.content.awareness.questions


def letter(question: Question, option: Option, lang: str) -> str:
    return LETTERS[lang][question.options.index(option)]


async def answer_round(bot: Bot, person: Person, lang: str, number: int, right: bool) -> None:
    """Answers one round of the check, rightly or wrongly, by tapping the options' letters."""
    all_questions = questions(bot)
    these = rounds(len(all_questions))[number]
    for n in these:
        question = all_questions[n]
        option = next(o for o in question.options if o.correct is right)
        await person.click(letter(question, option, lang))
        if n + 1 == len(all_questions):
            await person.click(RESULT[lang])
        elif n + 1 == these.stop:
            await person.click(ROUND_RESULT[lang])
        else:
            await person.click(NEXT[lang])


async def answer_all(bot: Bot, person: Person, lang: str, right: bool) -> None:
    go_on = "▶️ បន្ត៖ ជុំទី {} ក្នុងចំណោម ៣" if lang == "km" else "▶️ Go on: round {} of 3"
    khmer = "០១២៣៤៥៦៧៨៩"
    for number in range(3):
        await answer_round(bot, person, lang, number, right)
        if number < 2:
            label = str(number + 2)
            await person.click(go_on.format(khmer[int(label)] if lang == "km" else label))


async def test_a_villager_passes_the_check_in_three_rounds_in_khmer(bot: Bot) -> None:
    villager = bot.user(9001)
    await onboard_in_khmer(villager)
    await villager.click("📝 សំណួរ៖ តើខ្ញុំត្រៀមខ្លួនរួចហើយឬនៅ?")
    intro = villager.last_text()
    assert "មានសំណួរខ្លីៗ ២៣" in intro
    assert "ឆ្លើយជា ៣ ជុំ ម្ដងមិនលើស ៨ សំណួរ" in intro
    assert "ឆ្លើយត្រូវ ១៩ គឺអ្នកត្រៀមខ្លួនរួច" in intro  # 80% of 23, rounded up
    await villager.click("▶️ ចាប់ផ្ដើម")
    first = questions(bot)[0]
    options = "\n".join(f"<b>{letter(first, o, 'km')}.</b> {o.texts['km']}" for o in first.options)
    assert villager.last_text() == (
        f"<b>ជុំទី ១ ក្នុងចំណោម ៣</b>\nសំណួរទី ១ ក្នុងចំណោម ៨\n\n{first.texts['km']}\n\n{options}"
    )
    assert villager.buttons() == ["ក", "ខ", "គ"]  # short: the options are in the message

    right = next(o for o in first.options if o.correct)
    await villager.click(letter(first, right, "km"))
    feedback = villager.last_text()
    assert feedback.startswith("✅ <b>ត្រូវហើយ!</b>")
    assert f"អ្នកបានជ្រើស៖ {letter(first, right, 'km')}. {right.texts['km']}" in feedback
    assert right.feedback["km"] in feedback
    await villager.click("សំណួរបន្ទាប់ ➡️")
    assert villager.last_text().startswith("<b>ជុំទី ១ ក្នុងចំណោម ៣</b>\nសំណួរទី ២ ក្នុងចំណោម ៨")
    for n in range(1, 8):
        question = questions(bot)[n]
        await villager.click(letter(question, next(o for o in question.options if o.correct), "km"))
        await villager.click("សំណួរបន្ទាប់ ➡️" if n < 7 else "មើលលទ្ធផលជុំនេះ ➡️")
    assert villager.last_text().startswith("<b>ជុំទី ១ ក្នុងចំណោម ៣ ចប់ហើយ៖ ត្រូវ ៨ ក្នុងចំណោម ៨។</b>")
    assert villager.buttons() == ["▶️ បន្ត៖ ជុំទី ២ ក្នុងចំណោម ៣", "🏠 ម៉ឺនុយដើម"]
    await villager.click("▶️ បន្ត៖ ជុំទី ២ ក្នុងចំណោម ៣")
    assert villager.last_text().startswith("<b>ជុំទី ២ ក្នុងចំណោម ៣</b>\nសំណួរទី ១ ក្នុងចំណោម ៨")
    await answer_round(bot, villager, "km", 1, right=True)
    await villager.click("▶️ បន្ត៖ ជុំទី ៣ ក្នុងចំណោម ៣")
    assert "សំណួរទី ១ ក្នុងចំណោម ៧" in villager.last_text()  # 23 = 8 + 8 + 7
    await answer_round(bot, villager, "km", 2, right=True)

    assert "<b>លទ្ធផលរបស់អ្នក៖ ២៣ ក្នុងចំណោម ២៣</b>" in villager.last_text()
    assert "🎉" in villager.last_text()
    learning = await bot.store.learning(9001)
    assert (learning.quiz_attempts, learning.best_quiz) == (1, (23, 23))


@pytest.mark.parametrize("crash", [False, True])
async def test_the_check_waits_between_rounds_even_across_a_restart(bot: Bot, crash: bool) -> None:
    villager = bot.user(9010)
    await villager.send("/quiz")
    await villager.click("▶️ ចាប់ផ្ដើម")
    await answer_round(bot, villager, "km", 0, right=True)
    await villager.click("🏠 ម៉ឺនុយដើម")  # stops here for today
    await bot.restart(crash=crash)

    await villager.send("/quiz")
    assert "អ្នកបានឆ្លើយចប់ ១ ជុំ ក្នុងចំណោម ៣ ហើយ។" in villager.last_text()
    assert villager.buttons() == [
        "▶️ បន្ត៖ ជុំទី ២ ក្នុងចំណោម ៣",
        "🔁 ចាប់ផ្ដើមពីដំបូង",
        "🏠 ម៉ឺនុយដើម",
    ]
    await villager.click("▶️ បន្ត៖ ជុំទី ២ ក្នុងចំណោម ៣")
    assert villager.last_text().startswith("<b>ជុំទី ២ ក្នុងចំណោម ៣</b>")
    await answer_round(bot, villager, "km", 1, right=False)
    await villager.click("▶️ បន្ត៖ ជុំទី ៣ ក្នុងចំណោម ៣")
    await answer_round(bot, villager, "km", 2, right=True)
    assert "<b>លទ្ធផលរបស់អ្នក៖ ១៥ ក្នុងចំណោម ២៣</b>" in villager.last_text()  # 8 + 0 + 7
    attempt = await bot.store.quiz_attempt(1)
    assert attempt is not None and (attempt.score, attempt.passed) == (15, False)


async def test_wrong_answers_get_their_own_feedback_and_a_review(bot: Bot) -> None:
    person = bot.user(9002)
    await person.send("/language")
    await person.click("English")
    await person.send("/quiz")
    assert (
        "23 short questions" in person.last_text() and "3 rounds of at most 8" in person.last_text()
    )
    await person.click("▶️ Start")
    assert person.buttons() == ["A", "B", "C"]
    first = questions(bot)[0]
    wrong = next(o for o in first.options if not o.correct)
    right = next(o for o in first.options if o.correct)
    await person.click(letter(first, wrong, "en"))
    text = person.last_text()
    assert text.startswith("❌ <b>Not quite.</b>")
    assert f"You chose: {letter(first, wrong, 'en')}. {wrong.texts['en']}" in text
    assert wrong.feedback["en"] in text
    assert f"The best answer: {letter(first, right, 'en')}. {right.texts['en']}" in text
    await person.click("Next question ➡️")
    for n in range(1, 8):
        question = questions(bot)[n]
        await person.click(
            letter(question, next(o for o in question.options if not o.correct), "en")
        )
        await person.click("Next question ➡️" if n < 7 else "See how this round went ➡️")
    assert "<b>Round 1 of 3 done: 0 of 8 right.</b>" in person.last_text()
    await person.click("▶️ Go on: round 2 of 3")
    await answer_round(bot, person, "en", 1, right=False)
    await person.click("▶️ Go on: round 3 of 3")
    await answer_round(bot, person, "en", 2, right=False)

    text = person.last_text()
    assert "<b>Your result: 0 of 23</b>" in text
    assert "You need 19 right answers to pass." in text
    assert "…and 18 more." in text  # five shown in full
    assert person.buttons()[0].startswith("📖 Read: ")
    assert "🔁 Try again" in person.buttons()
    await person.click(person.buttons()[0])
    assert "(1/" in person.last_text()

    await person.send("/quiz")
    assert "Your best so far: 0 of 23." in person.last_text()


async def test_each_answer_is_stored_by_question_and_option_id(bot: Bot) -> None:
    villager = bot.user(9003)
    await villager.send("/quiz")
    await villager.click("▶️ ចាប់ផ្ដើម")
    first = questions(bot)[0]
    option = first.options[1]
    await villager.click("ខ")
    attempt = await bot.store.quiz_attempt(1)
    assert attempt is not None
    assert [(a.question_id, a.option_id, a.correct) for a in attempt.answers] == [
        (first.id, option.id, option.correct)
    ]


async def test_an_old_button_cannot_change_an_answer_or_skip_ahead(bot: Bot) -> None:
    villager = bot.user(9004)
    await villager.send("/quiz")
    await villager.click("▶️ ចាប់ផ្ដើម")
    await villager.click("ក")
    for forged in (
        "quiz:a:1:0:b",  # answering question 1 again
        "quiz:a:1:2:a",  # jumping to question 3
        "quiz:q:1:5",
        "quiz:r:1",  # the result before the end
        "quiz:rd:1:1",  # a round's end where no round ends
        "quiz:rd:1:8",  # a round's end not reached
        "quiz:a:1:1:z",  # no such option
        "quiz:a:x:1:a",
        "quiz:a:1:1",
        "quiz:a:99999999999999999999:1:a",
    ):
        await villager.press(forged)
        assert villager.last_alert() == EXPIRED, forged
    attempt = await bot.store.quiz_attempt(1)
    assert attempt is not None and len(attempt.answers) == 1


async def test_someone_elses_attempt_is_refused(bot: Bot) -> None:
    owner, intruder = bot.user(9005), bot.user(9006)
    await owner.send("/quiz")
    await owner.click("▶️ ចាប់ផ្ដើម")
    await intruder.send("/quiz")
    await intruder.press("quiz:a:1:0:a")
    assert intruder.last_alert() == EXPIRED
    await intruder.press("quiz:q:1:0")
    assert intruder.last_alert() == EXPIRED
    attempt = await bot.store.quiz_attempt(1)
    assert attempt is not None and attempt.answers == ()


@pytest.mark.parametrize("crash", [False, True])
async def test_the_quiz_goes_on_after_a_restart(bot: Bot, crash: bool) -> None:
    villager = bot.user(9007)
    await villager.send("/quiz")
    await villager.click("▶️ ចាប់ផ្ដើម")
    await villager.click("ក")
    await bot.restart(crash=crash)
    await villager.click("សំណួរបន្ទាប់ ➡️")
    assert "សំណួរទី ២ ក្នុងចំណោម ៨" in villager.last_text()


async def test_every_attempt_is_kept(bot: Bot) -> None:
    villager = bot.user(9008)
    await villager.send("/quiz")
    await villager.click("▶️ ចាប់ផ្ដើម")
    await answer_all(bot, villager, "km", right=False)
    await villager.click("🔁 សាកម្ដងទៀត")
    await answer_all(bot, villager, "km", right=True)
    learning = await bot.store.learning(9008)
    assert (learning.quiz_attempts, learning.best_quiz) == (2, (23, 23))
    first, second = await bot.store.quiz_attempt(1), await bot.store.quiz_attempt(2)
    assert first is not None and second is not None
    assert (first.score, first.passed, second.score, second.passed) == (0, False, 23, True)


# -- a lesson's own round ------------------------------------------------------------------------


async def test_a_lesson_ends_with_its_own_short_round_in_khmer(bot: Bot) -> None:
    villager = bot.user(9020)
    await onboard_in_khmer(villager)
    await villager.send("/learn")
    await villager.click("📖 ប៉ាស្ព័រ")
    for _ in range(5):  # six screens (review E6 split the last one in two)
        await villager.click("បន្ទាប់ ➡️")
    await villager.click("✅ រៀនចប់ហើយ")
    assert "តើចង់សាកឆ្លើយសំណួរខ្លីៗ អំពីមេរៀននេះទេ?" in villager.last_text()
    assert villager.buttons()[0] == "📝 សំណួរ ២ សម្រាប់មេរៀននេះ"
    await villager.click("📝 សំណួរ ២ សម្រាប់មេរៀននេះ")
    own = [q for q in questions(bot) if q.lesson == "passport"]
    assert villager.last_text().startswith("<b>ប៉ាស្ព័រ</b>\nសំណួរទី ១ ក្នុងចំណោម ២\n\n")
    assert own[0].texts["km"] in villager.last_text()
    assert villager.buttons() == ["ក", "ខ", "គ"]
    for n, question in enumerate(own):
        await villager.click(letter(question, next(o for o in question.options if o.correct), "km"))
        await villager.click("សំណួរបន្ទាប់ ➡️" if n == 0 else "មើលលទ្ធផលរបស់ខ្ញុំ")
    assert villager.last_text() == "<b>ប៉ាស្ព័រ</b>\n🎉 ល្អណាស់! អ្នកឆ្លើយត្រូវ ២ ក្នុងចំណោម ២។"
    assert villager.buttons() == [
        "បន្ទាប់៖ រៀបចំផែនការ",
        "🔁 សាកម្ដងទៀត",
        "📝 សំណួរមុនចេញដំណើរ",
        "🏠 ម៉ឺនុយដើម",
    ]
    assert (await bot.store.learning(9020)).quiz_attempts == 0  # practice, not the check
    await villager.click("📝 សំណួរមុនចេញដំណើរ")
    assert "មានសំណួរខ្លីៗ ២៣" in villager.last_text()


async def test_a_missed_lesson_question_leads_back_to_the_lesson_in_english(bot: Bot) -> None:
    person = bot.user(9021, "Dara", "en")
    await person.send("/language")
    await person.click("English")
    await person.press("learn:done:at_work")
    await person.click("📝 2 questions on this lesson")
    own = [q for q in questions(bot) if q.lesson == "at_work"]
    wrong = next(o for o in own[0].options if not o.correct)
    await person.click(letter(own[0], wrong, "en"))
    assert wrong.feedback["en"] in person.last_text()
    await person.click("Next question ➡️")
    await person.click(letter(own[1], next(o for o in own[1].options if o.correct), "en"))
    await person.click("See my result")
    assert person.last_text().startswith("<b>At work</b>\n1 of 2 right. Read the lesson again")
    assert person.buttons()[0] == "📖 Read: At work"
    await person.click("📖 Read: At work")
    assert person.last_text().startswith("<b>At work</b> (1/")


async def test_an_option_that_says_how_someone_feels_is_answered_gently(bot: Bot) -> None:
    """ "It is my fault" is not met with ❌: the feedback opens kindly, then gives the best one."""
    villager = bot.user(9023)
    await onboard_in_khmer(villager)
    await villager.press("learn:done:at_work")
    await villager.click("📝 សំណួរ ២ សម្រាប់មេរៀននេះ")
    first, wages = [q for q in questions(bot) if q.lesson == "at_work"]
    await villager.click(letter(first, next(o for o in first.options if o.correct), "km"))
    await villager.click("សំណួរបន្ទាប់ ➡️")
    fault = next(o for o in wages.options if o.gentle)
    assert not fault.correct and "កំហុសខ្ញុំ" in fault.texts["km"]
    await villager.click(letter(wages, fault, "km"))
    text = villager.last_text()
    assert text.startswith("💛 <b>យើងយល់។</b>\n\nអ្នកបានជ្រើស៖ ")
    assert "❌" not in text and fault.feedback["km"] in text
    right = next(o for o in wages.options if o.correct)
    assert f"ចម្លើយល្អបំផុត៖ {letter(wages, right, 'km')}. {right.texts['km']}" in text
    await villager.click("មើលលទ្ធផលរបស់ខ្ញុំ")
    assert "១ ក្នុងចំណោម ២" in villager.last_text()  # still not the right answer


def test_the_gentle_options_are_the_feelings_the_review_named(bot: Bot) -> None:
    gentle = {(q.id, o.id) for q in questions(bot) for o in q.options if o.gentle}
    assert gentle == {
        ("q_wages_withheld", "c"),  # "it is my fault, because I asked for the money"
        ("q_embassy_malaysia", "b"),  # "nobody will help me"
        ("q_back_home", "c"),  # "blame myself"
    }


@pytest.mark.parametrize(
    "forged",
    [
        "quiz:l:no_such_lesson:0:0",
        "quiz:l:passport:2:0",  # the passport round has two questions
        "quiz:l:passport:0:1",  # a score above the questions asked
        "quiz:l:passport:²:0",
        "quiz:la:passport:0:0:z",
        "quiz:la:passport:0:0",
        "quiz:lr:passport:3",
        "quiz:lr:nope:0",
    ],
)
async def test_a_forged_lesson_round_press_is_refused(bot: Bot, forged: str) -> None:
    villager = bot.user(9022)
    await villager.send("/quiz")
    await villager.press(forged)
    assert villager.last_alert() == EXPIRED


# -- the questions themselves ------------------------------------------------------------------


def test_each_lesson_has_a_short_round_and_the_check_has_rounds_of_at_most_8(bot: Bot) -> None:
    assert bot.services is not None
    awareness = bot.services.content.awareness
    for lesson in awareness.lessons:
        own = [q for q in awareness.questions if q.lesson == lesson.id]
        assert 2 <= len(own) <= 4, lesson.id
    assert [len(r) for r in rounds(len(awareness.questions))] == [8, 8, 7]
    assert [list(r) for r in rounds(5, 2)] == [[0, 1], [2, 3], [4]]
    assert rounds(0) == []


TAG = re.compile(r"<[^>]+>")
# Words that mark an option as the wrong one to someone guessing (review of 7 December 2026, §7):
# no right answer had them, so "never pick the one with now" won. Khmer by letters, English by
# whole words.
CUES = {
    "km": [re.compile(word) for word in ("ភ្លាម", "មិនបាច់", "គ្រប់គ្នា", "ធម្មតា")],
    "en": [
        re.compile(rf"\b{word}\b", re.IGNORECASE)
        for word in (
            "now",
            "at once",
            "tonight",
            "no need",
            "every(one|body)",
            "normal(ly)?",
            "nothing",
            "no one",
            "nobody",
        )
    ],
}


# Words that mark an option as the right one (a second Khmer reader, notes/khmer-reader-1.md row
# 16): the right answer was often the only one to wait ("first"), to bring in the chief or to
# call, or the only one not to start with "go". Each is a cue; an option not starting with «ទៅ» /
# "Go" carries the cue NOT_GO.
RIGHT_CUES = {
    "km": [re.compile(word) for word in ("សិន", "មេភូមិ", "ហៅ")],
    "en": [re.compile(rf"\b{word}\b", re.IGNORECASE) for word in ("first", "chief", "call")],
}
GO = {"km": re.compile(r"^\s*ទៅ"), "en": re.compile(r"^\s*go\b", re.IGNORECASE)}
NOT_GO = "not starting with go"


def shown_length(text: str) -> int:
    """Characters a reader sees: code points with the HTML tags removed."""
    return len(TAG.sub("", text))


def right_is(
    all_questions: Sequence[Question], lang: str, beats: Callable[[int, int], bool]
) -> list[str]:
    """Questions whose right option beats every other option in length (strictly)."""
    return [
        q.id
        for q in all_questions
        for right in [next(o for o in q.options if o.correct)]
        if all(
            beats(shown_length(right.texts[lang]), shown_length(o.texts[lang]))
            for o in q.options
            if o is not right
        )
    ]


def longest_right(all_questions: Sequence[Question], lang: str) -> list[str]:
    return right_is(all_questions, lang, lambda right, other: right > other)


def shortest_right(all_questions: Sequence[Question], lang: str) -> list[str]:
    return right_is(all_questions, lang, lambda right, other: right < other)


def cued_wrong(all_questions: Sequence[Question], lang: str) -> list[str]:
    """Questions where a cue word sits in a wrong option and not in the right one."""

    def cues(option: Option) -> set[str]:
        return {cue.pattern for cue in CUES[lang] if cue.search(TAG.sub("", option.texts[lang]))}

    found = []
    for q in all_questions:
        right = next(o for o in q.options if o.correct)
        if any(cues(o) - cues(right) for o in q.options if o is not right):
            found.append(q.id)
    return found


def cued_right(all_questions: Sequence[Question], lang: str) -> list[str]:
    """Questions where the right option alone has a cue of the right answer ("first", the
    chief, "call", or not starting with "go"), so "pick the one with it" wins."""

    def cues(option: Option) -> set[str]:
        text = TAG.sub("", option.texts[lang])
        found = {cue.pattern for cue in RIGHT_CUES[lang] if cue.search(text)}
        return found if GO[lang].search(text) else found | {NOT_GO}

    found = []
    for q in all_questions:
        right = next(o for o in q.options if o.correct)
        wrong = set().union(*(cues(o) for o in q.options if o is not right))
        if cues(right) - wrong:
            found.append(q.id)
    return found


@pytest.mark.parametrize("lang", ["km", "en"])
def test_the_right_option_is_not_given_away_by_its_length_or_place(bot: Bot, lang: str) -> None:
    """People who read little guess the longest option, or the shortest: neither may win often."""
    all_questions = questions(bot)
    longest = longest_right(all_questions, lang)
    assert len(longest) <= len(all_questions) / 3, longest
    shortest = shortest_right(all_questions, lang)
    assert len(shortest) <= len(all_questions) / 3, shortest
    places = [next(i for i, o in enumerate(q.options) if o.correct) for q in all_questions]
    for place in range(3):
        assert len(all_questions) / 5 <= places.count(place) <= len(all_questions) / 2, places


@pytest.mark.parametrize("lang", ["km", "en"])
def test_no_word_tells_which_options_are_wrong(bot: Bot, lang: str) -> None:
    """ "Never pick the one that says now / no need / everyone" must not win either."""
    all_questions = questions(bot)
    cued = cued_wrong(all_questions, lang)
    assert len(cued) <= len(all_questions) / 3, cued
    marked = cued_right(all_questions, lang)  # nor "pick the one that says first / chief / call"
    assert len(marked) <= len(all_questions) / 3, marked


def test_the_tells_are_counted_as_a_reader_sees_them() -> None:
    def question(*texts: str) -> Question:
        options = tuple(
            Option(id=str(n), correct=n == 0, texts={"en": t}, feedback={"en": ""})
            for n, t in enumerate(texts)
        )
        return Question(id="q", lesson="l", source="s", texts={"en": ""}, options=options)

    assert longest_right([question("<b>ab</b>c", "abcd", "ab")], "en") == []  # 3 < 4
    assert shortest_right([question("<b>ab</b>c", "abcd", "ab")], "en") == []  # 3 > 2
    assert shortest_right([question("ab", "abc", "abcd")], "en") == ["q"]
    assert longest_right([question("abcd", "abcd", "a")], "en") == []  # a tie is no tell
    assert cued_wrong([question("Ask first", "Go now", "I know")], "en") == ["q"]
    assert cued_wrong([question("Call now", "Go now", "I know")], "en") == []  # both have it
    assert cued_wrong([question("Ask first", "I know", "Snowy")], "en") == []  # not words
    assert cued_right([question("Ask the chief", "Go now", "Go later")], "en") == ["q"]
    assert cued_right([question("Ask first", "Go now", "Wait")], "en") == ["q"]  # "first"
    assert cued_right([question("Ask", "Go now", "Wait")], "en") == []  # "Wait" is no go either
    assert cued_right([question("Go, but call first", "Go now", "Call later first")], "en") == []
    assert cued_right([question("Call", "Go", "Recall")], "en") == ["q"]  # whole words
