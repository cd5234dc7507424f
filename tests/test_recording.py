"""Staff record the programme's Khmer voice in Telegram; villagers hear it with the screens."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest

from app.config import load_config
from bot import check, main
from content.bundle import CONTENT_DIR, load_content
from content.recordable import item_map, recordable_items
from domain.parsing import to_khmer_digits
from operations.backup import make_backup
from operations.media import coverage_lines, export_recordings, import_recordings, media_command
from tests.support.audio import silent_opus
from tests.support.chat import START, Bot, Person
from tests.support.journeys import NEXT, STAFF_ID
from tests.test_onboarding import AGREE_KM, onboard_in_khmer

pytestmark = pytest.mark.staffed

LESSON = "📖 ហេតុអ្វីមនុស្សចាកចេញពីភូមិ"
FIRST_SCREEN = "lesson.why_people_leave.1"
LISTEN = "🔊 ស្ដាប់"
RATHER_LISTEN = "🎧 ខ្មែរ៖ ខ្ញុំចង់ស្ដាប់ ជាជាងអាន"
NEXT_MISSING = "⏭ ទំព័របន្ទាប់ ដែលមិនទាន់ថត"
CONTENT = load_content(districts=load_config(None, environ={}).districts)
COUNT = len(recordable_items(CONTENT))  # every screen of the four journeys, then the lessons
TOTAL = to_khmer_digits(str(COUNT))


def heard(bot: Bot, person: Person) -> list[bytes]:
    """The bytes of every voice message the bot sent this person."""
    return [bot.telegram.files[m.file_id or ""].content for m in person.voices()]


async def record(bot: Bot, staff: Person, section: str, item: str, audio: bytes) -> None:
    """The whole staff journey for one item: /record, section, item, voice, keep."""
    await staff.send("/record")
    await staff.click(next(b for b in staff.buttons() if b.startswith(section)))
    await staff.click(next(b for b in staff.buttons() if b.endswith(item)))
    await staff.send_voice(audio)
    await staff.click("✅ រក្សាទុក")


async def test_staff_record_a_lesson_screen_and_a_villager_hears_it(bot: Bot) -> None:
    staff = bot.user(STAFF_ID, "Dara")
    await staff.send("/record")
    assert f"០ ក្នុងចំណោម {TOTAL} មានសំឡេងខ្មែរ" in staff.last_text()
    assert staff.buttons()[0] == NEXT_MISSING
    assert "មេរៀន — ០/៥០" in staff.buttons()
    await staff.click("មេរៀន — ០/៥០")
    assert staff.buttons()[0] == "⭕ ហេតុអ្វីមនុស្សចាកចេញពីភូមិ ១/៥"
    await staff.click("⭕ ហេតុអ្វីមនុស្សចាកចេញពីភូមិ ១/៥")
    screen = item_map(bot.services.content)[FIRST_SCREEN].text  # type: ignore[union-attr]
    assert screen in staff.last_text()  # the exact Khmer text to read
    assert "⭕ មិនទាន់ថត។" in staff.last_text()

    audio = silent_opus()
    await staff.send_voice(audio)
    [take] = staff.voices()
    assert heard(bot, staff) == [audio]  # played back from the bytes the bot keeps
    assert "រក្សាទុក ឬថតម្ដងទៀត?" in (take.caption or "")
    assert (await bot.store.recording_info(FIRST_SCREEN)) is None  # nothing kept before "keep"
    await staff.click("✅ រក្សាទុក")
    assert f"១ ក្នុងចំណោម {TOTAL} មានសំឡេងខ្មែរ" in staff.last_text()
    # Straight on to the next screen not yet recorded, ready for its voice message.
    second = item_map(bot.services.content)["lesson.why_people_leave.2"]  # type: ignore[union-attr]
    assert second.text in staff.last_text()
    take_next = await bot.store.take_of(STAFF_ID)
    assert take_next is not None and take_next.item_id == second.item_id
    kept = await bot.store.recording(FIRST_SCREEN)
    assert kept is not None and kept.audio == audio and kept.info.mime_type == "audio/ogg"

    villager = bot.user(8101)
    await onboard_in_khmer(villager)
    await villager.send("/learn")
    await villager.click(LESSON)
    assert villager.buttons()[0] == LISTEN  # this screen has a recording
    assert villager.voices() == []  # and comes only when asked
    await villager.click(LISTEN)
    assert heard(bot, villager) == [audio]
    await villager.click(LISTEN)  # again: Telegram's id is reused, nothing uploaded twice
    assert heard(bot, villager) == [audio, audio]
    assert len({m.file_id for m in villager.voices()}) == 1
    await villager.click("បន្ទាប់ ➡️")
    assert LISTEN not in villager.buttons()  # screen 2 is not recorded yet


async def test_an_audio_file_can_be_recorded_again_before_it_is_kept(bot: Bot) -> None:
    staff = bot.user(STAFF_ID, "Dara")
    await staff.send("/record")
    await staff.click(next(b for b in staff.buttons() if b.startswith("ចាប់ផ្ដើម — ០/")))
    await staff.click("⭕ ការយល់ព្រម (ពេលចាប់ផ្ដើម) ១/៣")
    first, second = silent_opus(frames=3), silent_opus(frames=8)
    await staff.send_audio(first, mime_type="audio/mpeg", name="consent.mp3")
    await staff.click("🔁 ថតម្ដងទៀត")
    assert "អានអក្សរនេះ" in staff.last_text()  # the text again, for the second take
    await staff.send_voice(second)
    await staff.click("✅ រក្សាទុក")
    kept = await bot.store.recording("consent")
    assert kept is not None and kept.audio == second
    assert f"១ ក្នុងចំណោម {TOTAL}" in staff.last_text()


async def record_consent(bot: Bot, staff: Person, *audio: bytes) -> None:
    """Records the first ``len(audio)`` consent screens, in order."""
    for number, sound in zip("១២៣", audio, strict=False):
        await record(bot, staff, "ចាប់ផ្ដើម", f"ការយល់ព្រម (ពេលចាប់ផ្ដើម) {number}/៣", sound)


async def test_rather_listen_is_offered_only_once_every_consent_screen_is_recorded(
    bot: Bot,
) -> None:
    """With no voice yet, "I would rather listen" would be a promise the consent cannot keep."""
    staff = bot.user(STAFF_ID, "Dara")
    villager = bot.user(8103)
    await villager.send("/start")
    assert villager.buttons() == ["🇰🇭 ភាសាខ្មែរ", "🇬🇧 English"]  # nothing recorded: no such choice
    await record_consent(bot, staff, silent_opus(frames=4), silent_opus(frames=5))
    await villager.send("/start")
    assert RATHER_LISTEN not in villager.buttons()  # two of three: the third would be silent
    await record_consent(bot, staff, *(silent_opus(frames=n) for n in (4, 5, 7)))
    await villager.send("/start")
    assert villager.buttons() == ["🇰🇭 ភាសាខ្មែរ", RATHER_LISTEN, "🇬🇧 English"]


async def test_a_listener_gets_the_voice_with_each_screen_without_a_tap(bot: Bot) -> None:
    staff = bot.user(STAFF_ID, "Dara")
    consent, kept, erase = silent_opus(frames=4), silent_opus(frames=5), silent_opus(frames=7)
    lesson = silent_opus(frames=6)
    await record_consent(bot, staff, consent, kept, erase)
    await record(bot, staff, "មេរៀន", "ហេតុអ្វីមនុស្សចាកចេញពីភូមិ ១/៥", lesson)

    villager = bot.user(8102)
    await villager.send("/start")
    await villager.click(RATHER_LISTEN)
    assert "បូតនេះជួយអ្នក" in villager.last_text()  # the first consent screen
    assert heard(bot, villager) == [consent]  # read aloud at once
    assert villager.buttons()[0] == LISTEN
    await villager.click(NEXT["km"])
    assert "🎤 សារជាសំឡេង" in villager.last_text()  # the second says what voice does
    assert heard(bot, villager) == [consent, kept]  # each screen with its own voice
    await villager.click(NEXT["km"])
    assert heard(bot, villager) == [consent, kept, erase]
    await villager.click(AGREE_KM)
    await villager.click("ស្រែ អំបិល")
    await villager.click("ជ្រោយស្វាយ")
    await villager.click("នេសាទ")
    await villager.click("រំលង")
    await villager.click("រំលង")
    assert await bot.store.listens(8102)
    await villager.send("/learn")
    await villager.click(LESSON)
    assert heard(bot, villager) == [consent, kept, erase, lesson]
    await villager.click("បន្ទាប់ ➡️")  # no recording: nothing is sent
    assert len(villager.voices()) == 4

    await villager.send("/mydata")
    assert "🔊 អ្នកចង់ស្ដាប់សំឡេង ជាមួយទំព័រនីមួយៗ" in villager.last_text()
    await villager.send("/listen")
    assert villager.last_text().startswith("🔊 ឥឡូវនេះ បូតផ្ញើសំឡេង")
    await villager.click("🔇 ផ្ញើតែអក្សរ")
    assert villager.last_text().startswith("🔇 ឥឡូវនេះ បូតផ្ញើតែអក្សរ")
    assert not await bot.store.listens(8102)
    await villager.send("/learn")
    await villager.click(LESSON)
    assert len(villager.voices()) == 4  # no longer without a tap
    assert villager.buttons()[0] == LISTEN  # the button stays
    await villager.click(LISTEN)
    assert len(villager.voices()) == 5


async def test_the_english_screens_have_no_khmer_voice(bot: Bot) -> None:
    staff = bot.user(STAFF_ID, "Dara")
    await record(bot, staff, "ចាប់ផ្ដើម", "ការយល់ព្រម (ពេលចាប់ផ្ដើម) ១/៣", silent_opus())
    reader = bot.user(8103, language_code="en")
    await reader.send("/start")
    await reader.click("English")
    assert "Listen" not in " ".join(reader.buttons())
    assert reader.voices() == []


async def test_only_staff_record_and_every_press_is_checked(bot: Bot) -> None:
    villager = bot.user(8104)
    await onboard_in_khmer(villager)
    await villager.send("/record")
    assert villager.last_text() == "នេះសម្រាប់តែបុគ្គលិកគម្រោងប៉ុណ្ណោះ។"
    await villager.press(f"rec:i:{FIRST_SCREEN}")
    await villager.press(f"rec:k:{FIRST_SCREEN}")
    assert villager.last_alert() == "នេះសម្រាប់តែបុគ្គលិកគម្រោងប៉ុណ្ណោះ។"
    assert await bot.store.take_of(8104) is None
    assert await bot.store.recording_infos() == {}
    await villager.send_voice(silent_opus())  # not recording, no cry for help: told so
    assert "បូតមិនស្ដាប់សារជាសំឡេងទេ" in villager.last_text()
    await villager.press("hear:lesson.nothing.9")  # a forged listen button
    assert villager.last_alert() == "មិនទាន់មានសំឡេងសម្រាប់ទំព័រនេះទេ។"
    assert villager.voices() == []


async def test_wrong_input_while_recording_is_answered_and_changes_nothing(bot: Bot) -> None:
    staff = bot.user(STAFF_ID, "Dara")
    await staff.send("/record")
    await staff.click("មេរៀន — ០/៥០")
    await staff.click("⭕ ហេតុអ្វីមនុស្សចាកចេញពីភូមិ ១/៥")
    await staff.send("ខ្ញុំនឹងថតបន្តិចទៀត")
    assert staff.last_text().startswith("🎙 សូមផ្ញើសារជាសំឡេង")
    await staff.send_sticker()
    assert staff.last_text().startswith("🎙 សូមផ្ញើសារជាសំឡេង")
    await staff.send_audio(b"%PDF-1.4 not audio", mime_type="application/pdf", name="x.pdf")
    assert staff.last_text() == "សូមផ្ញើសារជាសំឡេង ឬឯកសារសំឡេង (OGG, MP3 ឬ M4A)។"
    await staff.press(f"rec:k:{FIRST_SCREEN}")  # keep with nothing recorded yet
    assert staff.last_alert() == "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"
    await staff.press("rec:i:no.such.item")
    await staff.press("rec:s:nowhere")
    assert await bot.store.recording_infos() == {}
    # A restart between the voice and "keep" loses nothing: the take is in the database.
    audio = silent_opus()
    await staff.send_voice(audio)
    await bot.restart()
    await staff.click("✅ រក្សាទុក")
    kept = await bot.store.recording(FIRST_SCREEN)
    assert kept is not None and kept.audio == audio


def changed_content(tmp_path: Path) -> Path:
    """A copy of the content where the first lesson's first screen says something new."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    lessons = content / "km" / "lessons.yaml"
    text = lessons.read_text(encoding="utf-8")
    first_screen = text.index('      - "', text.index("screens:")) + len('      - "')
    lessons.write_text(text[:first_screen] + "ប្ដូរ " + text[first_screen:], encoding="utf-8")
    return content


async def test_a_recording_goes_out_of_date_when_its_text_changes(tmp_path: Path) -> None:
    bot = await Bot(tmp_path / "bot.sqlite3").start(staff_user_ids=frozenset({STAFF_ID}))
    staff = bot.user(STAFF_ID, "Dara")
    try:
        await record(bot, staff, "មេរៀន", "ហេតុអ្វីមនុស្សចាកចេញពីភូមិ ១/៥", silent_opus())
        await record(bot, staff, "មេរៀន", "ហេតុអ្វីមនុស្សចាកចេញពីភូមិ ២/៥", silent_opus(frames=2))
        bot.content_dir = changed_content(tmp_path)
        await bot.restart()
        assert bot.services is not None
        assert item_map(bot.services.content)[FIRST_SCREEN].text.startswith("ប្ដូរ ")

        await staff.send("/status")
        assert f"១ ក្នុងចំណោម {TOTAL} មានសំឡេងខ្មែរ" in staff.last_text()
        assert "⚠️ ១ ហួសសម័យ" in staff.last_text()
        assert FIRST_SCREEN in staff.last_text()
        lines = coverage_lines(bot.services.content, bot.database)
        assert lines[0] == f"Recordings: 1 of {COUNT} items have a Khmer recording"
        assert FIRST_SCREEN in lines[1] and "out of date" in lines[1]

        await staff.send("/record")
        await staff.click("មេរៀន — ១/៥០")
        assert staff.buttons()[:2] == [
            "⚠️ ហេតុអ្វីមនុស្សចាកចេញពីភូមិ ១/៥",
            "✅ ហេតុអ្វីមនុស្សចាកចេញពីភូមិ ២/៥",
        ]
        villager = bot.user(8105)
        await onboard_in_khmer(villager)
        await villager.send("/learn")
        await villager.click(LESSON)
        assert LISTEN not in villager.buttons()  # the voice would say something else now
        await villager.click("បន្ទាប់ ➡️")
        assert villager.buttons()[0] == LISTEN
    finally:
        await bot.stop()


async def test_export_and_import_move_recordings_as_audio_files(tmp_path: Path) -> None:
    first = await Bot(tmp_path / "one.sqlite3").start(staff_user_ids=frozenset({STAFF_ID}))
    staff = first.user(STAFF_ID, "Dara")
    consent, screen = silent_opus(frames=3), silent_opus(frames=7)
    folder = tmp_path / "recordings"
    try:
        await record(first, staff, "ចាប់ផ្ដើម", "ការយល់ព្រម (ពេលចាប់ផ្ដើម) ១/៣", consent)
        await record(first, staff, "មេរៀន", "ហេតុអ្វីមនុស្សចាកចេញពីភូមិ ១/៥", screen)
        assert first.services is not None
        assert await export_recordings(first.store, first.services.content, folder) == 2
        hashes = {i.item_id: i.text_hash for i in (await first.store.recording_infos()).values()}
    finally:
        await first.stop()
    assert (folder / "consent.ogg").read_bytes() == consent
    assert (folder / f"{FIRST_SCREEN}.ogg").read_bytes() == screen
    items_csv = (folder / "items.csv").read_text(encoding="utf-8")
    assert "consent,current," in items_csv and "lesson.why_people_leave.2,missing," in items_csv
    # Recorded offline, for the text as it is now: a file named by its item id.
    offline = silent_opus(frames=9)
    (folder / "lesson.why_people_leave.2.mp3").write_bytes(offline)
    (folder / "notes.txt").write_text("not audio", encoding="utf-8")
    (folder / "lesson.gone.1.ogg").write_bytes(offline)

    second = await Bot(tmp_path / "two.sqlite3").start(staff_user_ids=frozenset({STAFF_ID}))
    try:
        assert second.services is not None
        result = await import_recordings(second.store, second.services.content, folder)
        assert sorted(result.kept) == sorted(["consent", FIRST_SCREEN, "lesson.why_people_leave.2"])
        assert [s.split(":")[0] for s in result.skipped] == ["lesson.gone.1.ogg", "notes.txt"]
        infos = await second.store.recording_infos()
        assert {i: infos[i].text_hash for i in hashes} == hashes  # the text each was made for
        moved = await second.store.recording(FIRST_SCREEN)
        assert moved is not None and moved.audio == screen
        offline_kept = await second.store.recording("lesson.why_people_leave.2")
        assert offline_kept is not None and offline_kept.info.mime_type == "audio/mpeg"
        villager = second.user(8106)
        await onboard_in_khmer(villager)
        await villager.send("/learn")
        await villager.click(LESSON)
        await villager.click(LISTEN)  # uploaded from the imported bytes: this bot never had it
        assert heard(second, villager) == [screen]
    finally:
        await second.stop()


def test_the_command_line_reports_coverage_and_moves_recordings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "bot.sqlite3"
    audio = silent_opus()

    async def recorded() -> None:
        bot = await Bot(database).start(staff_user_ids=frozenset({STAFF_ID}))
        try:
            await record(bot, bot.user(STAFF_ID, "Dara"), "សំណួរ", "សំណួរទី ១", audio)
        finally:
            await bot.stop()

    asyncio.run(recorded())
    config = replace(load_config(None, environ={}), database=database)
    assert check(config, CONTENT_DIR) == 0
    assert f"Recordings: 1 of {COUNT} items have a Khmer recording" in capsys.readouterr().out

    folder = tmp_path / "out"
    assert main(["media", "export"]) == 2  # no folder named: how to use it, nothing done
    assert media_command(config, "export", str(folder), CONTENT_DIR) == 0
    assert "Recordings written: 1" in capsys.readouterr().out
    [exported] = folder.glob("quiz.*.ogg")
    assert exported.read_bytes() == audio

    elsewhere = replace(config, database=tmp_path / "other.sqlite3")
    assert media_command(elsewhere, "import", str(folder), CONTENT_DIR) == 0
    assert "Recordings imported: 1" in capsys.readouterr().out
    assert media_command(elsewhere, "import", str(tmp_path / "missing"), CONTENT_DIR) == 2
    assert media_command(elsewhere, "play", str(folder), CONTENT_DIR) == 2
    assert check(elsewhere, CONTENT_DIR) == 0
    assert f"Recordings: 1 of {COUNT}" in capsys.readouterr().out

    # Backups carry the bytes, not only Telegram's id.
    backup, _ = make_backup(elsewhere.database, tmp_path / "backups", START)
    with closing(sqlite3.connect(backup)) as db:
        [(kept,)] = db.execute("SELECT audio FROM recordings").fetchall()
    assert bytes(kept) == audio


# -- every screen of the four journeys, in the order to record them (issue 25) ----------------


def test_every_screen_of_the_four_journeys_is_an_item_in_journey_order() -> None:
    items = recordable_items(CONTENT)
    ids = [item.item_id for item in items]
    # The ids recordings were kept under before stay as they were.
    for kept in ("consent", "consent.kept", "consent.erase", "checkin", "help.th"):
        assert kept in ids
    assert ids[0] == "sos.told"  # help first: what she hears when reading is hardest
    sections = list(dict.fromkeys(item.section for item in items))
    assert sections == [
        "sos",
        "help",
        "checkin",
        "start",
        "plan",
        "papers",
        "returning",
        "lessons",
        "stories",
        "statements",
        "quiz",
    ]
    every = {
        "sos": ["sos.told", "sos.already", "sos.location", "case.taken", "case.closed"],
        "checkin": ["checkin", "checkin.fine", "checkin.problems", "problem.debt"],
        "start": ["start.language", "start.commune.0906", "start.village.090604", "start.menu"],
        "plan": ["plan.q.who", "plan.q.family_phone", "plan.review", "plan.sent_leader"],
        "papers": ["paper.sealed", "paper.reminder", "paper.todo.passport"],
        "returning": ["returning.welcome", "returning.q.wage", "returning.q.advise"],
    }
    for section, wanted in every.items():
        assert set(wanted) <= {i.item_id for i in items if i.section == section}, section
    by_id = {item.item_id: item for item in items}
    # A question is read with its buttons, as the quiz is.
    assert by_id["plan.q.gender"].text.endswith("👩 ស្ត្រី\n👨 បុរស")
    assert "ភូមិខ្ញុំមិនមានក្នុងបញ្ជី" in by_id["start.village.090604"].text
    assert "នេសាទ" in by_id["start.village.090604"].text  # a place's name is read: it is fixed
    # A person's own part is not read: the fixed words, "…" where the screen shows it.
    assert by_id["case.taken"].text.startswith("👍 … បានឃើញសាររបស់អ្នកហើយ។")
    assert by_id["case.taken"].varies == ("name",)
    assert by_id["paper.reminder"].varies == ("paper", "date", "days")
    assert by_id["plan.q.who"].varies == ()
    assert not any("{" in item.text for item in items)


def test_the_menu_recording_names_every_button_as_the_menu_shows_it() -> None:
    """One recording says what each button's picture is: its words are the buttons' own."""
    from conversations.menu import AWAY_ENTRIES, ENTRIES

    for lang in CONTENT.texts.languages:
        spoken = CONTENT.texts.raw(lang, "menu.voice")
        for key, _ in (*ENTRIES, *AWAY_ENTRIES):
            assert CONTENT.texts.raw(lang, key) in spoken, (lang, key)
    assert "ម៉ឺនុយដើម" in item_map(CONTENT)["start.menu"].text


def test_a_new_question_in_the_content_is_a_new_item_without_code(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    for lang, text in (("km", "តើអ្នកសុខសប្បាយទេ?"), ("en", "Are you well?")):
        catalog = content / lang / "checkin.po"
        added = f'\nmsgid "returning.q.health"\nmsgstr "{text}"\n'
        added += (
            f'\nmsgid "returning.opt.health.yes"\nmsgstr "{"បាទ/ចាស" if lang == "km" else "Yes"}"\n'
        )
        catalog.write_text(catalog.read_text(encoding="utf-8") + added, encoding="utf-8")
    changed = load_content(districts=load_config(None, environ={}).districts, content_dir=content)
    found = item_map(changed)
    assert found["returning.q.health"].text == "តើអ្នកសុខសប្បាយទេ?\n\nបាទ/ចាស"
    assert found["returning.q.health"].section == "returning"
    assert len(found) == COUNT + 1


async def test_next_not_yet_recorded_goes_from_item_to_item(bot: Bot) -> None:
    """One staff member reads, sends, keeps: the next screen comes by itself; ⏭ passes one."""
    items = recordable_items(CONTENT)
    staff = bot.user(STAFF_ID, "Dara")
    await staff.send("/record")
    await staff.click(NEXT_MISSING)
    assert items[0].text in staff.last_text()  # the most important screen first
    first = silent_opus(frames=3)
    await staff.send_voice(first)
    await staff.click("✅ រក្សាទុក")
    assert f"១ ក្នុងចំណោម {TOTAL}" in staff.last_text()
    assert items[1].text in staff.last_text()  # the next one, ready for its voice
    await staff.click(NEXT_MISSING)  # passed over: it comes back at the end
    assert items[2].text in staff.last_text()
    await staff.send_voice(silent_opus(frames=4))
    await staff.click("✅ រក្សាទុក")
    assert items[3].text in staff.last_text()
    kept = await bot.store.recording_infos()
    assert set(kept) == {items[0].item_id, items[2].item_id}
    assert kept[items[0].item_id].text_hash == items[0].text_hash

    # Everything else recorded (as `media import` would): the one passed over is what is left.
    for item in items[3:]:
        await bot.store.put_recording(
            item.item_id,
            first,
            mime_type="audio/ogg",
            duration=1,
            text_hash=item.text_hash,
            recorded_by=None,
        )
    await staff.send("/record")
    await staff.click(NEXT_MISSING)
    assert items[1].text in staff.last_text()
    await staff.send_voice(silent_opus(frames=5))
    await staff.click("✅ រក្សាទុក")
    assert f"{TOTAL} ក្នុងចំណោម {TOTAL}" in staff.last_text()
    assert "✅ ទំព័រទាំងអស់ មានសំឡេងហើយ។" in staff.last_text()
    await staff.send("/record")
    assert NEXT_MISSING not in staff.buttons()  # nothing left to offer
    await staff.press("rec:n")  # an old button: said so, and the list
    assert staff.last_alert() == "✅ ទំព័រទាំងអស់ មានសំឡេងហើយ។"


def test_the_script_prints_every_item_id_in_order_with_khmer_that_shapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pypdfium2

    from printables.printing import broken_clusters
    from printables.recording_script import printable, script_lines

    out = tmp_path / "script.pdf"
    assert main(["media", "script", "--out", str(out)]) == 0
    assert f"Recording script: {COUNT} items written to {out}" in capsys.readouterr().out
    document = pypdfium2.PdfDocument(out.read_bytes())
    try:
        printed = "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    items = recordable_items(CONTENT)
    positions = [printed.index(f"{n}. {item.item_id}") for n, item in enumerate(items, start=1)]
    assert positions == sorted(positions)  # in recording order
    lines = script_lines(CONTENT, items)
    assert [line.text for line in lines if line.kind == "text"] == [i.text for i in items]
    assert any(line.kind == "varies" and "name" in line.text for line in lines)
    # Khmer as the posters print it: no sign without its base (◌), no emoji box.
    assert [i.item_id for i in items if broken_clusters(printable(i.text))] == []
    # A folder for --out gets the script under its usual name.
    assert main(["media", "script", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "recording-script.pdf").read_bytes().startswith(b"%PDF")


async def test_a_listener_hears_every_step_of_the_start_to_the_menu(bot: Bot) -> None:
    """Recorded (as `media import` does), each screen from consent to the menu speaks."""
    steps = [
        "consent",
        "consent.kept",
        "consent.erase",
        "start.district",
        "start.commune.0906",
        "start.village.090604",
        "start.gender",
        "start.age",
        "start.menu",
    ]
    items = item_map(CONTENT)
    sounds = {item_id: silent_opus(frames=n + 2) for n, item_id in enumerate(steps)}
    for item_id, audio in sounds.items():
        await bot.store.put_recording(
            item_id,
            audio,
            mime_type="audio/ogg",
            duration=1,
            text_hash=items[item_id].text_hash,
            recorded_by=None,
        )
    villager = bot.user(8107)
    await villager.send("/start")
    await villager.click(RATHER_LISTEN)
    await villager.click(NEXT["km"])
    await villager.click(NEXT["km"])
    await villager.click(AGREE_KM)
    assert villager.buttons()[0] == LISTEN  # the district list has its voice
    await villager.click("ស្រែ អំបិល")
    await villager.click("ជ្រោយស្វាយ")
    await villager.click("នេសាទ")
    assert "តើអ្នកជាស្ត្រី ឬបុរស?" in villager.last_text()
    await villager.click("រំលង")
    await villager.click("រំលង")
    assert "ម៉ឺនុយដើម" in villager.last_text()
    assert villager.buttons()[0] == LISTEN  # the menu's one recording: what each picture is
    assert heard(bot, villager) == [sounds[item_id] for item_id in steps]


async def put_recordings(bot: Bot, *item_ids: str) -> dict[str, bytes]:
    """Recordings for these items, made for their texts as they are (as `media import` does)."""
    items = item_map(CONTENT)
    sounds = {item_id: silent_opus(frames=n + 2) for n, item_id in enumerate(item_ids)}
    for item_id, audio in sounds.items():
        await bot.store.put_recording(
            item_id,
            audio,
            mime_type="audio/ogg",
            duration=1,
            text_hash=items[item_id].text_hash,
            recorded_by=None,
        )
    return sounds


async def test_after_sos_a_listener_hears_each_step_and_the_case_news_waits_for_a_tap(
    bot: Bot,
) -> None:
    from tests.test_cases import sos_case

    answers = [key for key in CONTENT.texts.keys_starting("km", "sos.")]
    sounds = await put_recordings(bot, "sos.location", *answers, "help.th", "case.taken")
    await bot.store.set_listening(801, True)
    villager, leader, _, _ = await sos_case(bot)
    said = heard(bot, villager)
    # The location ask (its message has Telegram's location button, no room for 🔊), what was
    # done, then the numbers of where she is.
    assert said[0] == sounds["sos.location"]
    assert said[1] in [sounds[key] for key in answers]
    assert said[2:] == [sounds["help.th"]]
    await leader.click("🤝 ខ្ញុំនឹងជួយ")
    assert villager.last_text().startswith("👍 នរណាម្នាក់ បានឃើញសាររបស់អ្នកហើយ។")
    assert villager.buttons()[0] == LISTEN  # news that arrives unasked never plays by itself
    assert len(heard(bot, villager)) == 3
    await villager.click(LISTEN)
    assert heard(bot, villager)[-1] == sounds["case.taken"]
