"""The pre-departure quiz: answers by id, feedback, score, review, retake; no cheating."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.chat import Bot, Person
from tests.test_onboarding import onboard_in_khmer

EXPIRED = "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"


def questions(bot: Bot) -> Any:
    assert bot.services is not None
    return bot.services.content.awareness.questions


async def answer_all(bot: Bot, person: Person, lang: str, right: bool) -> None:
    """Answers every question, rightly or wrongly, by tapping the option's label."""
    next_label = "សំណួរបន្ទាប់ ➡️" if lang == "km" else "Next question ➡️"
    result_label = "មើលលទ្ធផលរបស់ខ្ញុំ" if lang == "km" else "See my result"
    for n, question in enumerate(questions(bot)):
        option = next(o for o in question.options if o.correct is right)
        await person.click(option.texts[lang])
        await person.click(next_label if n + 1 < len(questions(bot)) else result_label)


async def test_a_villager_passes_the_quiz_in_khmer(bot: Bot) -> None:
    villager = bot.user(9001)
    await onboard_in_khmer(villager)
    await villager.click("📝 សំណួរ៖ តើខ្ញុំត្រៀមខ្លួនរួចហើយឬនៅ?")
    assert "មានសំណួរខ្លីៗ ២២" in villager.last_text()
    assert "បើឆ្លើយត្រូវ ១៨" in villager.last_text()  # 80% of 22, rounded up
    await villager.click("▶️ ចាប់ផ្ដើម")
    first = questions(bot)[0]
    assert villager.last_text() == f"<b>សំណួរទី ១ ក្នុងចំណោម ២២</b>\n\n{first.texts['km']}"

    right = next(o for o in first.options if o.correct)
    await villager.click(right.texts["km"])
    assert villager.last_text().startswith("✅ <b>ត្រូវហើយ!</b>")
    assert right.feedback["km"] in villager.last_text()
    await villager.click("សំណួរបន្ទាប់ ➡️")
    for n, question in enumerate(questions(bot)[1:], start=1):
        option = next(o for o in question.options if o.correct)
        await villager.click(option.texts["km"])
        await villager.click("សំណួរបន្ទាប់ ➡️" if n + 1 < 22 else "មើលលទ្ធផលរបស់ខ្ញុំ")

    assert "<b>លទ្ធផលរបស់អ្នក៖ ២២ ក្នុងចំណោម ២២</b>" in villager.last_text()
    assert "🎉" in villager.last_text()
    learning = await bot.store.learning(9001)
    assert (learning.quiz_attempts, learning.best_quiz) == (1, (22, 22))


async def test_wrong_answers_get_their_own_feedback_and_a_review(bot: Bot) -> None:
    person = bot.user(9002)
    await person.send("/language")
    await person.click("English")
    await person.send("/quiz")
    await person.click("▶️ Start")
    first = questions(bot)[0]
    wrong = next(o for o in first.options if not o.correct)
    right = next(o for o in first.options if o.correct)
    await person.click(wrong.texts["en"])
    assert person.last_text().startswith("❌ <b>Not quite.</b>")
    assert wrong.feedback["en"] in person.last_text()
    assert f"The best answer: {right.texts['en']}" in person.last_text()
    await person.click("Next question ➡️")
    for n, question in enumerate(questions(bot)[1:], start=1):
        await person.click(next(o for o in question.options if not o.correct).texts["en"])
        await person.click("Next question ➡️" if n + 1 < 22 else "See my result")

    text = person.last_text()
    assert "<b>Your result: 0 of 22</b>" in text
    assert "You need 18 right answers to pass." in text
    assert "…and 17 more." in text  # five shown in full
    assert person.buttons()[0].startswith("📖 Read: ")
    assert "🔁 Try again" in person.buttons()
    await person.click(person.buttons()[0])
    assert "(1/" in person.last_text()

    await person.send("/quiz")
    assert "Your best so far: 0 of 22." in person.last_text()


async def test_each_answer_is_stored_by_question_and_option_id(bot: Bot) -> None:
    villager = bot.user(9003)
    await villager.send("/quiz")
    await villager.click("▶️ ចាប់ផ្ដើម")
    first = questions(bot)[0]
    option = first.options[1]
    await villager.click(option.texts["km"])
    attempt = await bot.store.quiz_attempt(1)
    assert attempt is not None
    assert [(a.question_id, a.option_id, a.correct) for a in attempt.answers] == [
        (first.id, option.id, option.correct)
    ]


async def test_an_old_button_cannot_change_an_answer_or_skip_ahead(bot: Bot) -> None:
    villager = bot.user(9004)
    await villager.send("/quiz")
    await villager.click("▶️ ចាប់ផ្ដើម")
    first = questions(bot)[0]
    await villager.click(first.options[0].texts["km"])
    for forged in (
        "quiz:a:1:0:b",  # answering question 1 again
        "quiz:a:1:2:a",  # jumping to question 3
        "quiz:q:1:5",
        "quiz:r:1",  # the result before the end
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
    attempt = await bot.store.quiz_attempt(1)
    assert attempt is not None and attempt.answers == ()


@pytest.mark.parametrize("crash", [False, True])
async def test_the_quiz_goes_on_after_a_restart(bot: Bot, crash: bool) -> None:
    villager = bot.user(9007)
    await villager.send("/quiz")
    await villager.click("▶️ ចាប់ផ្ដើម")
    await villager.click(questions(bot)[0].options[0].texts["km"])
    await bot.restart(crash=crash)
    await villager.click("សំណួរបន្ទាប់ ➡️")
    assert "<b>សំណួរទី ២ ក្នុងចំណោម ២២</b>" in villager.last_text()


async def test_every_attempt_is_kept(bot: Bot) -> None:
    villager = bot.user(9008)
    await villager.send("/quiz")
    await villager.click("▶️ ចាប់ផ្ដើម")
    await answer_all(bot, villager, "km", right=False)
    await villager.click("🔁 សាកម្ដងទៀត")
    await answer_all(bot, villager, "km", right=True)
    learning = await bot.store.learning(9008)
    assert (learning.quiz_attempts, learning.best_quiz) == (2, (22, 22))
    first, second = await bot.store.quiz_attempt(1), await bot.store.quiz_attempt(2)
    assert first is not None and second is not None
    assert (first.score, first.passed, second.score, second.passed) == (0, False, 22, True)
