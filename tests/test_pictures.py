"""The pictures: drawn from the content, kept beside a hash of it, shown in /learn and /calc."""

from __future__ import annotations

import asyncio
import io
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import bot as cli
import conversations.calculator_picture
from content.bundle import CONTENT_DIR, LANGUAGES, load_content
from content.errors import ContentError
from content.pictures import PICTURE_IDS, PROBLEMS_PICTURE, STRIP_PICTURE, picture_file
from printables.drawing import described
from printables.money_picture import draw_plan_money
from printables.pictures import picture_states
from tests.support.chat import Bot, Person
from tests.support.journeys import onboard, sent_departure, sweep_at
from tests.test_calculator import abroad_by_broker

DISTRICTS = ("0906", "0901")
EXPIRED_EN = "This button is no longer valid. Please use the latest message."
LARGEST = 60 * 1024  # bytes: a cheap phone on paid data downloads every picture it is sent


def photos(bot: Bot, person: Person) -> list[bytes]:
    """What the bot sent this person as pictures, byte for byte, in order."""
    return [
        bot.telegram.files[message.file_id].content
        for message in bot.telegram.chats.get(person.id, [])
        if message.kind == "photo" and message.file_id is not None
    ]


def copy_content(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return content


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_every_picture_exists_and_matches_its_text() -> None:
    content = load_content(districts=DISTRICTS)
    states = picture_states(content, CONTENT_DIR)
    every = (*PICTURE_IDS, PROBLEMS_PICTURE, STRIP_PICTURE)  # the lessons', and two more
    assert sorted({state.picture for state in states}) == sorted(every)
    assert [s for s in states if s.problem is not None] == [], "run `python bot.py pictures`"
    for state in states:
        picture = state.path.read_bytes()
        assert len(picture) < LARGEST, state.path
        with Image.open(io.BytesIO(picture)) as image:
            # The strip is printed (posters, invite sheets): twice as wide for paper.
            width = 1600 if state.picture == STRIP_PICTURE else 800
            # The warning signs grew a pictogram each (issue 25): 1280 px high.
            assert image.format == "PNG" and image.width == width and image.height <= 1300
        if state.picture in PICTURE_IDS:
            title = content.texts.raw(state.lang, f"picture.{state.picture}.title")
            assert described(picture).startswith(title)  # drawn in its own language


def test_the_signs_and_the_strip_show_the_emoji_of_their_buttons() -> None:
    content = load_content(districts=DISTRICTS)
    emoji = {p.id: p.emoji for p in content.problems}
    for lang in LANGUAGES:
        signs = described(picture_file(CONTENT_DIR, lang, "warning_signs").read_bytes())
        lines = signs.splitlines()
        # Each sign: its check-in button's emoji, then its words (the passport: 🛂).
        papers = content.texts.raw(lang, "picture.warning_signs.papers")
        assert lines[lines.index(papers) - 1] == emoji["documents_kept"] == "🛂"
        debt = content.texts.raw(lang, "picture.warning_signs.debt")
        assert lines[lines.index(debt) - 1] == emoji["debt"]
        strip = described(picture_file(CONTENT_DIR, lang, STRIP_PICTURE).read_bytes())
        buttons = ("menu.learn", "menu.plan", "checkin.answer.fine", "menu.help")
        firsts = [content.texts.raw(lang, key).split(" ")[0] for key in buttons]
        assert [w for w in strip.splitlines() if w in firsts] == firsts == ["📚", "✈️", "🙂", "🆘"]
        assert content.texts.raw(lang, "picture.strip.tell_chief") in strip.splitlines()


def test_the_facts_drawn_are_the_facts_the_lessons_say() -> None:
    awareness = load_content(districts=DISTRICTS).awareness
    help_lesson, planning = awareness.lesson("getting_help"), awareness.lesson("planning")
    assert help_lesson is not None and planning is not None
    for lang in LANGUAGES:  # dialling from Thailand: 001, then 855 (CONTENT-FACTS)
        assert any("<b>001</b>" in s and "<b>855</b>" in s for s in help_lesson.screens[lang])
    english = " ".join(planning.screens["en"])
    khmer = " ".join(planning.screens["km"])
    for usd, riel_text in (("$42", "៤២ ដុល្លារ"), ("$40", "៤០ ដុល្លារ"), ("$50", "៥០ ដុល្លារ")):
        assert usd in english and riel_text in khmer  # what the money picture draws
    money = described(picture_file(CONTENT_DIR, "en", "money").read_bytes())
    assert "$42" in money and "$40" in money and "$50" in money
    assert "earn $260, spend $218" in money


def test_a_changed_lesson_or_word_needs_the_picture_drawn_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = copy_content(tmp_path)
    edit(
        content / "en" / "lessons.yaml", "You are threatened.", "You are threatened or shouted at."
    )
    edit(content / "en" / "pictures.po", 'msgstr "Threats"', 'msgstr "Threats to you"')
    assert cli.main(["check", "--content", str(content)]) == 0
    out = capsys.readouterr().out
    assert "Pictures: 11 of 12 up to date" in out  # 8 of the lessons, the problems, the strip
    assert "Warning: picture warning_signs (en) of lesson at_work is out of date" in out

    assert cli.main(["pictures", "--content", str(content)]) == 0
    assert "warning_signs.png" in capsys.readouterr().out
    loaded = load_content(districts=DISTRICTS, content_dir=content)
    assert all(state.problem is None for state in picture_states(loaded, content))
    redrawn = picture_file(content, "en", "warning_signs").read_bytes()
    assert "Threats to you" in described(redrawn).splitlines()

    picture_file(content, "km", "dialling").unlink()
    assert cli.main(["check", "--content", str(content)]) == 0
    assert "picture dialling (km) of lesson getting_help is missing" in capsys.readouterr().out


def test_a_changed_problem_needs_its_picture_drawn_again_and_an_emoji_needs_an_image(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = copy_content(tmp_path)
    edit(content / "en" / "checkin.yaml", '"I am threatened or hurt"', '"I am threatened"')
    assert cli.main(["check", "--content", str(content)]) == 0
    out = capsys.readouterr().out
    assert "Pictures: 11 of 12 up to date" in out
    assert "picture problems (en) of the check-in's problem list is out of date" in out
    for lang in LANGUAGES:  # an emoji no picture can draw is stopped at load
        edit(content / lang / "checkin.yaml", 'emoji: "💭"', 'emoji: "🦄"')
    with pytest.raises(ContentError, match="no image of '🦄'"):
        load_content(districts=DISTRICTS, content_dir=content)
    for lang in LANGUAGES:  # nor one that two problems would share
        edit(content / lang / "checkin.yaml", 'emoji: "🦄"', 'emoji: "🛂"')
    with pytest.raises(ContentError, match="'🛂' starts two problems"):
        load_content(districts=DISTRICTS, content_dir=content)


async def test_a_missing_problems_picture_does_not_stop_the_problem_list(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    picture_file(content, "km", PROBLEMS_PICTURE).unlink()
    bot = await Bot(tmp_path / "bot.sqlite3", content_dir=content).start()
    try:
        villager = bot.user(9309)
        await sent_departure(bot, villager)
        await sweep_at(bot, datetime(2026, 3, 4, 1, tzinfo=UTC))
        await villager.click("😟 ខ្ញុំមានបញ្ហា")
        assert villager.media() == []
        assert villager.buttons()[0] == "🛂 ថៅកែយកប៉ាស្ព័រ ឬឯកសារខ្ញុំទុក"  # the emoji still
    finally:
        await bot.stop()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ('picture: "documents"', "no picture 'passport_photo'"),
        ('picture: "money"', "'dialling' named twice"),
    ],
)
def test_a_lesson_naming_a_wrong_picture_stops_the_content(
    tmp_path: Path, change: str, problem: str
) -> None:
    content = copy_content(tmp_path)
    wrong = 'picture: "passport_photo"' if "documents" in change else 'picture: "dialling"'
    for lang in LANGUAGES:
        edit(content / lang / "lessons.yaml", change, wrong)
    with pytest.raises(ContentError, match=problem) as error:
        load_content(districts=DISTRICTS, content_dir=content)
    assert "lessons.yaml" in str(error.value)


async def test_learn_shows_each_person_the_picture_in_their_language(bot: Bot) -> None:
    villager = bot.user(9301)
    await onboard(villager)
    await villager.send("/learn")
    await villager.click("📖 ពេលធ្វើការ")
    assert villager.media() == ["photo"]
    assert photos(bot, villager) == [picture_file(CONTENT_DIR, "km", "warning_signs").read_bytes()]
    assert villager.last_text().startswith("<b>ពេលធ្វើការ</b> (១/៧)")  # the words follow
    await villager.click("បន្ទាប់ ➡️")
    await villager.click("⬅️ ត្រឡប់ក្រោយ")
    assert villager.media() == ["photo"]  # back to the first screen: not sent again

    english = bot.user(9302)
    await onboard(english, "en")
    await english.send("/learn")
    await english.click("📖 Getting help")
    assert photos(bot, english) == [picture_file(CONTENT_DIR, "en", "dialling").read_bytes()]
    await english.send("/learn")
    await english.click("📖 Why people leave the village")
    assert english.media() == ["photo"]  # a lesson without a picture sends none


async def test_a_missing_picture_file_does_not_stop_the_lesson(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    picture_file(content, "km", "documents").unlink()
    bot = await Bot(tmp_path / "bot.sqlite3", content_dir=content).start()
    try:
        villager = bot.user(9303)
        await onboard(villager)
        await villager.send("/learn")
        await villager.click("📖 ទៅស្របច្បាប់ និងទៅខុសច្បាប់")
        assert villager.media() == []
        assert villager.last_text().startswith("<b>ទៅស្របច្បាប់ និងទៅខុសច្បាប់")
    finally:
        await bot.stop()
    assert bot.telegram.refusals == []


async def test_calc_sends_the_result_as_a_picture_of_the_persons_own_figures(bot: Bot) -> None:
    villager = bot.user(9304)
    await abroad_by_broker(villager)
    assert villager.media() == ["photo"]
    first = described(photos(bot, villager)[0]).splitlines()
    assert first[:3] == ["លុយនៅសល់ ក្នុងមួយខែ", "តាមលេខរបស់អ្នកផ្ទាល់", "ធ្វើការនៅបរទេស"]
    assert "៤២$" in first and "រកបាន ២៦០$ ចាយ ២១៨$" in first
    assert "រយៈពេលទាំងអស់ ២៤ ខែ ក្រោយចំណាយទាំងអស់" in first
    assert "៧៩៣$" in first and "១,២០០$" in first  # the whole stay, as the words say
    # The sums come below it, in words: «ដុល្លារ» in sentences, «$» on the picture (SOURCES.md).
    assert "🧳 ទៅក្រៅប្រទេស (ថៃ) ២៤ ខែ៖ សល់ <b>៧៩៣\u00a0ដុល្លារ</b>" in villager.last_text()

    await villager.click("✏️ ប្ដូរលេខ")
    await villager.click("ទៅ៖ ប្រាក់ខែ៖ ២៦០$")
    await villager.send_sticker()
    await villager.send("១២៣៤៥៦៧")
    assert villager.last_text().startswith("លេខនេះធំពេក")
    assert villager.media() == ["photo"]  # nothing drawn for input that changed nothing
    await villager.send("៤០០")
    assert villager.media() == ["photo", "photo"]
    second = described(photos(bot, villager)[1]).splitlines()
    assert "១៨២$" in second and "រកបាន ៤០០$ ចាយ ២១៨$" in second  # 400 - 218
    await villager.click("🔎 មើលលម្អិត")
    assert "🧳 ទៅ៖ រកបាន ៤០០\u00a0ដុល្លារ ចាយ ២១៨\u00a0ដុល្លារ សល់ <b>១៨២\u00a0ដុល្លារ</b>" in (
        villager.last_text()
    )
    assert villager.media() == ["photo", "photo"]  # the details draw nothing new

    await villager.click("✏️ ប្ដូរលេខ")
    await villager.click("⬅️ ត្រឡប់ក្រោយ")
    assert villager.media() == ["photo", "photo"]  # the same figures: no second download
    await bot.restart()
    await villager.click("✏️ ប្ដូរលេខ")
    await villager.click("⬅️ ត្រឡប់ក្រោយ")
    assert villager.media() == ["photo", "photo"]  # remembered across a restart


async def test_calc_pictures_come_in_english_too(bot: Bot) -> None:
    person = bot.user(9305)
    await onboard(person, "en")
    await person.send("/calc")
    await person.click("🏙 Phnom Penh or another province")
    words = described(photos(bot, person)[0]).splitlines()
    assert words[:3] == [
        "Money left each month",
        "With your own figures",
        "Phnom Penh or a province",
    ]
    assert "$40" in words and "earn $170, spend $130" in words
    assert "Over all 6 months, after every cost" in words
    await person.click("🔎 Details")
    await person.click("🔁 Start again")
    await person.click("🌏 Abroad (figures for Thailand)")
    await person.press("calc:route:teleport")  # a forged press at the route step
    assert person.last_alert() == EXPIRED_EN
    assert len(photos(bot, person)) == 1  # refused: nothing drawn
    await person.click("With a licensed agency (legal)")
    words = described(photos(bot, person)[1]).splitlines()
    assert "Working abroad" in words and "Over all 27 months, after every cost" in words


async def test_others_are_answered_while_a_calc_picture_is_drawn(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawing, go_on = threading.Event(), threading.Event()
    loop_thread = threading.get_ident()
    drawn_in: list[int] = []

    def held_draw(*args: Any) -> bytes:
        drawn_in.append(threading.get_ident())
        drawing.set()
        if not go_on.wait(10):
            raise TimeoutError("the event loop was blocked while drawing")
        return draw_plan_money(*args)

    monkeypatch.setattr(conversations.calculator_picture, "draw_plan_money", held_draw)
    villager, other = bot.user(9306), bot.user(9307)
    await onboard(villager)
    await onboard(other)
    await villager.send("/calc")
    pressed = asyncio.create_task(villager.click("🏙 ភ្នំពេញ ឬខេត្តផ្សេង"))
    assert await asyncio.to_thread(drawing.wait, 10)
    await other.send("/help")
    assert bot.services is not None
    assert other.last_text() == bot.services.content.texts.get("km", "help.intro")
    go_on.set()
    await pressed
    assert drawn_in and drawn_in[0] != loop_thread
    assert villager.media() == ["photo"]


async def test_a_picture_that_cannot_be_drawn_leaves_the_sums(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> bytes:
        raise RuntimeError("no font")

    monkeypatch.setattr(conversations.calculator_picture, "draw_plan_money", broken)
    villager = bot.user(9308)
    await abroad_by_broker(villager)
    assert villager.media() == []
    assert "🧳 ទៅក្រៅប្រទេស (ថៃ) ២៤ ខែ៖ សល់ <b>៧៩៣\u00a0ដុល្លារ</b>" in villager.last_text()
    monkeypatch.undo()
    await villager.click("✏️ ប្ដូរលេខ")
    await villager.click("⬅️ ត្រឡប់ក្រោយ")
    assert villager.media() == ["photo"]  # not marked as shown, so it comes when it can
