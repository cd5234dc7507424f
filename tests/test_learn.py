"""Lessons, stories and the gender statements, read as a villager would."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from content.bundle import CONTENT_DIR
from tests.support.chat import Bot, Person
from tests.test_onboarding import onboard_in_khmer

EXPIRED = "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"


async def open_lessons(villager: Person) -> None:
    await onboard_in_khmer(villager)
    await villager.click("📚 រៀនពីចំណាកស្រុកដោយសុវត្ថិភាព")


async def test_a_villager_reads_a_whole_lesson_in_khmer(bot: Bot) -> None:
    villager = bot.user(8001)
    await open_lessons(villager)
    assert "✅ = រៀនចប់ហើយ៖ ០ ក្នុងចំណោម ៩" in villager.last_text()
    assert villager.buttons()[0] == "📖 ហេតុអ្វីមនុស្សចាកចេញពីភូមិ"

    await villager.click("📖 ហេតុអ្វីមនុស្សចាកចេញពីភូមិ")
    assert villager.last_text().startswith("<b>ហេតុអ្វីមនុស្សចាកចេញពីភូមិ</b> (១/៥)")
    assert "១១២៣" in villager.last_text()  # the report's count, in Khmer digits
    assert villager.buttons() == ["បន្ទាប់ ➡️", "📚 មេរៀនទាំងអស់"]
    await villager.click("បន្ទាប់ ➡️")
    await villager.click("⬅️ ត្រឡប់ក្រោយ")
    assert "(១/៥)" in villager.last_text()
    for _ in range(4):
        await villager.click("បន្ទាប់ ➡️")
    assert "(៥/៥)" in villager.last_text()
    await villager.click("✅ រៀនចប់ហើយ")
    assert "អ្នករៀនចប់មេរៀន «ហេតុអ្វីមនុស្សចាកចេញពីភូមិ» ហើយ" in villager.last_text()
    assert (await bot.store.learning(8001)).lessons_finished == {"why_people_leave"}

    await villager.click("📚 មេរៀនទាំងអស់")
    assert "១ ក្នុងចំណោម ៩" in villager.last_text()
    assert villager.buttons()[0] == "✅ ហេតុអ្វីមនុស្សចាកចេញពីភូមិ"


async def test_the_passports_last_idea_comes_one_screen_at_a_time(bot: Bot) -> None:
    """Review E6: "not a job yet" and "keep it yourself, or a paper and photos" were one
    292-character screen with three ideas; now two screens, one thought each."""
    villager = bot.user(8003)
    await open_lessons(villager)
    await villager.click("📖 ប៉ាស្ព័រ")
    for _ in range(4):
        await villager.click("បន្ទាប់ ➡️")
    not_a_job = villager.last_text()
    assert not_a_job == (
        "<b>ប៉ាស្ព័រ</b> (៥/៦)\n\n"
        "មានប៉ាស្ព័រហើយ ក៏មិនទាន់មានការងារដែរ។ អ្នកនៅតែត្រូវការ៖ ក្រុមហ៊ុនជ្រើសរើសពលករស្របច្បាប់ "
        "វីសា (ទិដ្ឋាការ) និងប័ណ្ណការងារ។"
    )
    await villager.click("បន្ទាប់ ➡️")
    keep_it = villager.last_text()
    assert keep_it == (
        "<b>ប៉ាស្ព័រ</b> (៦/៦)\n\n"
        "ប៉ាស្ព័រ ជារបស់អ្នក។ <b>សូមទុកដោយខ្លួនឯង</b>។ បើក្រុមហ៊ុនជ្រើសរើសពលករ សុំយកវាទៅធ្វើវីសា៖ "
        "សុំក្រដាសបញ្ជាក់ថាគេយកវា ហើយថតរូបប៉ាស្ព័រ និងក្រដាសនោះ ទុកក្នុងទូរស័ព្ទ។"
    )
    assert villager.buttons()[:2] == ["⬅️ ត្រឡប់ក្រោយ", "✅ រៀនចប់ហើយ"]


async def test_finishing_leads_to_the_lessons_questions_and_the_next_lesson(bot: Bot) -> None:
    villager = bot.user(8002)
    await open_lessons(villager)
    await villager.press("learn:done:why_people_leave")
    assert villager.buttons() == [
        "📝 សំណួរ ២ សម្រាប់មេរៀននេះ",
        "បន្ទាប់៖ ទៅស្របច្បាប់ និងទៅខុសច្បាប់",
        "📚 មេរៀនទាំងអស់",
        "🔔 រំលឹកខ្ញុំម្ដងម្កាល",  # a reminder now and then, only if they say yes
    ]
    await villager.click("បន្ទាប់៖ ទៅស្របច្បាប់ និងទៅខុសច្បាប់")
    assert "(១/៥)" in villager.last_text()


async def test_every_lesson_and_story_can_be_read_to_the_end_in_english(bot: Bot) -> None:
    assert bot.services is not None
    awareness = bot.services.content.awareness
    reader = bot.user(8003)
    await reader.send("/language")
    await reader.click("English")
    await reader.send("/learn")
    for lesson in awareness.lessons:
        await reader.press(f"learn:l:{lesson.id}:0")
        for n in range(1, lesson.length):
            await reader.click("Next ➡️")
            assert f"({n + 1}/{lesson.length})" in reader.last_text()
        await reader.click("✅ Finish")
    assert (await bot.store.learning(8003)).lessons_finished == {x.id for x in awareness.lessons}
    await reader.send("/learn")
    await reader.click("🎬 True stories")
    for story in awareness.stories:
        await reader.click(story.titles["en"])
        for _ in range(1, story.length):
            await reader.click("Next ➡️")
        linked = awareness.lesson(story.lesson)
        assert linked is not None
        await reader.click(f"📖 Read: {linked.titles['en']}")
        assert reader.last_text().startswith(f"<b>{linked.titles['en']}</b> (1/")
        await reader.send("/learn")
        await reader.click("🎬 True stories")


async def test_the_gender_statements_ask_then_show_what_villagers_said(bot: Bot) -> None:
    villager = bot.user(8004)
    await open_lessons(villager)
    await villager.click("💬 ស្ត្រី និងចំណាកស្រុក៖ តើអ្នកគិតយ៉ាងណា?")
    # said as what some people say, not in the bot's own voice; "I disagree" comes first
    assert villager.last_text() == (
        "<b>មានគេនិយាយថា៖</b> (១/៤)\n«ស្ត្រីដែលធ្វើចំណាកស្រុកឆ្ងាយពីផ្ទះ គឺជាមនុស្សគ្មានតម្លៃ។»\n\nតើអ្នកគិតយ៉ាងណា?"
    )
    assert villager.buttons()[:2] == ["👎 ខ្ញុំមិនយល់ស្រប", "👍 ខ្ញុំយល់ស្រប"]
    await villager.click("👎 ខ្ញុំមិនយល់ស្រប")
    assert villager.last_text().startswith("មានគេនិយាយថា៖ «ស្ត្រីដែលធ្វើចំណាកស្រុក")
    assert "អ្នកបានឆ្លើយ៖ 👎 ខ្ញុំមិនយល់ស្រប" in villager.last_text()
    assert "• " in villager.last_text()
    await villager.click("ប្រយោគបន្ទាប់ ➡️")
    assert "(២/៤)" in villager.last_text()
    await villager.click("👍 ខ្ញុំយល់ស្រប")
    learning = await bot.store.learning(8004)
    assert learning.statements == {"women_worthless": "disagree", "parents_daughters": "agree"}


@pytest.mark.parametrize(
    "forged",
    [
        "learn:l:no_such_lesson:0",
        "learn:l:why_people_leave:5",  # one past the last screen
        "learn:l:why_people_leave:-1",
        "learn:l:why_people_leave:99999",
        "learn:l:why_people_leave",
        "learn:done:no_such_lesson",
        "learn:s:saray:42",
        "learn:st:nope",
        "learn:sa:women_worthless:maybe",
        "learn:sa:nope:agree",
        "learn:zzz",
    ],
)
async def test_forged_learning_presses_change_nothing(bot: Bot, forged: str) -> None:
    villager = bot.user(8005)
    await open_lessons(villager)
    before = await bot.store.learning(8005)
    await villager.press(forged)
    assert villager.last_alert() == EXPIRED
    assert await bot.store.learning(8005) == before


async def test_a_lesson_with_a_picture_and_a_recording_sends_them_first(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (content / "media" / "documents-km.ogg").write_bytes(b"OggS fake audio")
    path = content / "km" / "lessons.yaml"
    text = path.read_text(encoding="utf-8")
    lesson = '  - id: "safe_vs_illegal"\n'
    text = text.replace(lesson, lesson + '    audio: "documents-km.ogg"\n')
    path.write_text(text, encoding="utf-8")
    bot = await Bot(tmp_path / "bot.sqlite3", content_dir=content).start()
    try:
        villager = bot.user(8006)
        await villager.send("/learn")
        await villager.click("📖 ទៅស្របច្បាប់ និងទៅខុសច្បាប់")
        assert villager.media() == ["photo", "audio"]  # the drawn picture, then the voice
        assert villager.last_text().startswith("<b>ទៅស្របច្បាប់ និងទៅខុសច្បាប់")
        english = bot.user(8007)
        await english.send("/language")
        await english.click("English")
        await english.send("/learn")
        await english.click("📖 Going legally, going illegally")
        assert english.media() == ["photo"]  # no English recording: the words still come
    finally:
        await bot.stop()
    assert bot.telegram.refusals == []
