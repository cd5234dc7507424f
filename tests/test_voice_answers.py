"""Answering by voice: after asking for help, a voice message reaches the leader and staff."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.audio import silent_opus
from tests.support.chat import Bot, Person
from tests.support.journeys import STAFF_ID, make_leader, onboard, sent_departure, sweep_at

pytestmark = pytest.mark.staffed

HELP_NOW = "🚨 ខ្ញុំត្រូវការជំនួយឥឡូវនេះ"
HINT = "🎙 បើពិបាកសរសេរ ហើយអ្នកអាចនិយាយបានដោយសុវត្ថិភាព"
CAPTION = "🎙 <b>សារជាសំឡេង</b> ពីអ្នកដែលសុំជំនួយ"


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def voices_from(bot: Bot, person: Person, file_id: str) -> list[str]:
    """Captions of the voice messages with this file_id the bot sent to ``person``."""
    return [m.caption or "" for m in person.voices() if m.file_id == file_id]


async def test_a_voice_answer_to_help_now_reaches_leader_and_staff(bot: Bot) -> None:
    leader, villager = bot.user(900, "Chief"), bot.user(901)
    staff = bot.user(STAFF_ID, "Dara", "en")
    await onboard(staff, "en")  # staff read in English: their copy is rendered so
    await make_leader(bot, leader)
    await sent_departure(bot, villager)
    await sweep_at(bot, utc(3, 4, 1))
    await villager.click(HELP_NOW)
    # Told that a voice message is heard now: with the location button, just before the numbers
    # (the answer with the numbers stays short).
    *_, offer, numbers = villager.new_texts()
    assert offer.startswith("📍 ") and HINT in offer and HINT not in numbers

    file_id = await villager.send_voice(silent_opus(), duration=7)
    [to_leader] = voices_from(bot, leader, file_id)
    assert to_leader.startswith(CAPTION)
    assert f"tg://user?id={villager.id}" in to_leader  # how to reach the person
    [to_staff] = voices_from(bot, staff, file_id)
    assert to_staff.startswith("🎙 <b>Voice message</b> from the person who asked for help")
    assert villager.last_text().startswith("🎙 <b>បានផ្ញើសារជាសំឡេងរបស់អ្នកហើយ។</b>")
    assert "មេភូមិរបស់អ្នក និងបុគ្គលិកគម្រោង បានទទួលវាហើយ" in villager.last_text()
    [alert] = await bot.store.open_cases(None)
    [voice] = await bot.store.voice_answers_of_alert(alert.alert_id)
    assert (voice.file_id, voice.media, voice.duration) == (file_id, "voice", 7)
    rows = await bot.store.outbox_group(f"alert:{alert.alert_id}:voice:{voice.voice_id}")
    assert sorted((r.role, r.status) for r in rows) == [("leader", "sent"), ("staff", "sent")]

    await villager.send("/mydata")
    assert "សារជាសំឡេង ដែលអ្នកផ្ញើពេលសុំជំនួយ៖ ១" in villager.last_text()
    await villager.send("/delete")
    await villager.click("បាទ/ចាស លុបទាំងអស់")
    assert await bot.store.voice_answer(voice.voice_id) is None
    assert await bot.store.rows_about(villager.id) == 0


async def test_the_same_voice_twice_makes_no_second_copy(bot: Bot) -> None:
    leader, villager = bot.user(910, "Chief"), bot.user(911)
    await make_leader(bot, leader)
    await onboard(villager)
    await villager.send("/sos")
    assert HINT in villager.new_texts()[-2]  # with the location offer, before the numbers
    file_id = bot.telegram.user_file("voice", silent_opus(), "audio/ogg")
    message = bot.telegram.user_message(villager.json, None)
    message["voice"] = {"file_id": file_id, "file_unique_id": file_id, "duration": 2}
    update = {"update_id": bot.next_update_id(), "message": message}
    await bot.feed(update)
    await bot.feed(update)  # Telegram delivers the update again (a restart before it was confirmed)
    assert len(voices_from(bot, leader, file_id)) == 1
    assert len(voices_from(bot, bot.user(STAFF_ID), file_id)) == 1
    assert "បានទទួលវាហើយ" in villager.last_text()  # the truth again, nothing sent twice


async def test_a_voice_with_a_problem_goes_to_staff_when_the_alert_does(bot: Bot) -> None:
    leader, villager = bot.user(920, "Chief"), bot.user(921)
    staff = bot.user(STAFF_ID, "Dara", "en")
    await make_leader(bot, leader)
    await sent_departure(bot, villager)
    await sweep_at(bot, utc(3, 4, 1))
    await villager.click("😟 ខ្ញុំមានបញ្ហា")
    await villager.click("🛂 ថៅកែយកប៉ាស្ព័រ ឬឯកសារខ្ញុំទុក")
    assert HINT in villager.last_text()
    file_id = await villager.send_voice(silent_opus())
    assert len(voices_from(bot, leader, file_id)) == 1
    assert voices_from(bot, staff, file_id) == []  # a problem goes to staff only later
    assert "មេភូមិរបស់អ្នកបានទទួលវាហើយ" in villager.last_text()
    await sweep_at(bot, utc(3, 5, 2))  # no leader acknowledged within a day: staff are told
    assert len(voices_from(bot, staff, file_id)) == 1  # and hear the voice with the alert


async def test_a_voice_that_fails_to_reach_the_leader_is_sent_again(bot: Bot) -> None:
    leader, villager = bot.user(930, "Chief"), bot.user(931)
    await make_leader(bot, leader)
    await sent_departure(bot, villager)
    await sweep_at(bot, utc(3, 4, 1))
    await villager.click(HELP_NOW)
    bot.telegram.failing[leader.id] = 1  # Telegram fails once for the leader's chat
    file_id = await villager.send_voice(silent_opus())
    assert voices_from(bot, leader, file_id) == []
    assert len(voices_from(bot, bot.user(STAFF_ID), file_id)) == 1
    await sweep_at(bot, utc(3, 4, 1, 5))  # the drainer tries again
    assert len(voices_from(bot, leader, file_id)) == 1
    assert bot.telegram.refusals == [("sendVoice", "Bad Gateway")]  # the planned failure only
    bot.telegram.refusals.clear()


async def test_a_voice_message_with_nothing_to_answer_is_met_with_a_clear_word(bot: Bot) -> None:
    villager = bot.user(940)
    await onboard(villager)
    await villager.send_voice(silent_opus())
    assert villager.last_text().startswith("🎙 នៅទីនេះ បូតមិនស្ដាប់សារជាសំឡេងទេ")
    assert "/sos" in villager.last_text()
    kept = {k: n for k, n in (await bot.store.rows_by_table(villager.id)).items() if n}
    assert kept == {"users.user_id": 1, "entries.user_id": 1}  # who they are, how they came


async def test_a_voice_that_reached_nobody_at_first_is_told_when_it_gets_through(
    bot: Bot,
) -> None:
    leader, villager = bot.user(950, "Chief"), bot.user(951)
    await make_leader(bot, leader)
    await sent_departure(bot, villager)
    await sweep_at(bot, utc(3, 4, 1))
    await villager.click(HELP_NOW)
    bot.telegram.failing[leader.id] = 1  # Telegram fails once for both chats
    bot.telegram.failing[STAFF_ID] = 1
    await villager.send_voice(silent_opus())
    assert villager.last_text().startswith("🎙 យើងបានទទួលសារជាសំឡេងរបស់អ្នក។ ពេលនេះ")
    await sweep_at(bot, utc(3, 4, 1, 5))
    assert villager.last_text() == ("✅ ឥឡូវនេះ គេបានទទួលសារជាសំឡេងរបស់អ្នកហើយ។\nនឹងមាននរណាម្នាក់ទាក់ទងអ្នក។")
    await sweep_at(bot, utc(3, 4, 2))
    told = [t for t in villager.new_texts() if t.startswith("✅ ឥឡូវនេះ គេបានទទួលសារជាសំឡេង")]
    assert len(told) == 1  # once, however many copies got through late
    assert sorted(bot.telegram.refusals) == [("sendVoice", "Bad Gateway")] * 2
    bot.telegram.refusals.clear()


async def test_after_violence_at_home_the_voice_goes_to_staff_only(bot: Bot) -> None:
    leader, villager = bot.user(960, "Chief"), bot.user(961)
    await make_leader(bot, leader)
    departure_id = await sent_departure(bot, villager)
    await bot.store._db.execute(
        "UPDATE departures SET reason = 'violence_private' WHERE departure_id = ?",
        (departure_id,),
    )
    await villager.send("/sos")
    file_id = await villager.send_voice(silent_opus())
    assert voices_from(bot, leader, file_id) == []  # the family could ask the chief
    assert len(voices_from(bot, bot.user(STAFF_ID), file_id)) == 1
    assert "បុគ្គលិកគម្រោងបានទទួលវាហើយ" in villager.last_text()
