"""Refreshers through Telegram: nothing without a yes, one now and then in the daytime, fitted to
the stage of the person's trip, "stop" respected by every later send, /mydata and /delete."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.refreshers import AWAY, BEFORE, GENERAL, HOME, Stage, Trip, pick, stage_of
from tests.support.chat import START, Bot, Person
from tests.support.journeys import (
    STAFF_ID,
    onboard,
    register_departure,
    sent_departure,
    sweep_at,
)

pytestmark = pytest.mark.staffed

OFFER = "🔔 រំលឹកខ្ញុំម្ដងម្កាល"
STOP = "🔕 ឈប់ផ្ញើ"
EXPIRED = "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"
NEUTRAL = "សួស្ដី។ មានសារខ្លីមួយសម្រាប់អ្នក។ ចុច «អាន» ដើម្បីមើល។"  # every refresher's first line
READ = "📖 អាន"
ON = "⏰ បានហើយ។ ប្រហែល ១៤ ថ្ងៃម្ដង"
ON_SCREEN = (  # refresher.on says what a lock screen will show
    "លើអេក្រង់ទូរស័ព្ទ នឹងឃើញតែឈ្មោះបូត និងពាក្យ «សួស្ដី។ មានសារខ្លីមួយសម្រាប់អ្នក។» "
    "ប៉ុណ្ណោះ។ ចុច «អាន» ទើបឃើញថា សារនោះនិយាយពីអ្វី។"
)
FIRST_LESSON = "ហេតុអ្វីមនុស្សចាកចេញពីភូមិ"  # why_people_leave, in Khmer
DAY = timedelta(days=1)


async def refreshers_of(bot: Bot, person: Person) -> list[str]:
    """Texts the person got since last asked that are refreshers (the neutral line)."""
    return [text for text in person.new_texts() if text == NEUTRAL]


async def read(person: Person) -> str:
    """Taps "Read" under the newest refresher: what it is about."""
    await person.click(READ)
    return person.last_text()


async def say_yes(person: Person) -> None:
    await person.click(OFFER)
    assert person.last_text().startswith(ON)
    assert ON_SCREEN in person.last_text()


async def test_a_refresher_arrives_after_saying_yes_and_never_before(bot: Bot) -> None:
    villager, quiet = bot.user(6101), bot.user(6102)
    await onboard(villager)
    await onboard(quiet)  # never says yes
    assert OFFER in villager.buttons()  # offered once onboarding is done
    await sweep_at(bot, START + 3 * DAY)
    assert await refreshers_of(bot, villager) == []  # nothing without a yes

    await say_yes(villager)
    await sweep_at(bot, START + 16 * DAY)  # thirteen days after the yes: not yet
    assert await refreshers_of(bot, villager) == []
    await sweep_at(bot, START + 17 * DAY)  # fourteen days after: the first lesson, with a question
    assert await refreshers_of(bot, villager) == [NEUTRAL]
    assert villager.buttons() == [READ, STOP]
    refresher = await read(villager)
    assert refresher.startswith(f"🔔 <b>រំលឹកខ្លី៖ {FIRST_LESSON}</b>")
    assert "❓ តើអ្នកអាចឆ្លើយសំណួរនេះបានទេ?" in refresher
    assert villager.buttons() == ["❓ ឆ្លើយសំណួរ", "📖 អានមេរៀន", STOP]

    await sweep_at(bot, START + 30 * DAY)  # the next one is two weeks on, not sooner
    assert await refreshers_of(bot, villager) == []
    await sweep_at(bot, START + 31 * DAY)
    assert await refreshers_of(bot, villager) == [NEUTRAL]
    assert FIRST_LESSON not in await read(villager)  # what was sent before is skipped
    await sweep_at(bot, START + 60 * DAY)
    assert await refreshers_of(bot, quiet) == []  # never said yes: nothing


async def test_a_refresher_due_at_night_waits_for_the_morning(bot: Bot) -> None:
    villager = bot.user(6111)
    await onboard(villager)
    bot.clock.advance(timedelta(hours=12))  # 21:00 in Phnom Penh
    await say_yes(villager)
    await sweep_at(bot, bot.clock.now() + 14 * DAY)  # due now, but it is night at home
    assert await refreshers_of(bot, villager) == []
    await sweep_at(bot, bot.clock.now() + timedelta(hours=10, minutes=30))  # 07:30: still night
    assert await refreshers_of(bot, villager) == []
    await sweep_at(bot, bot.clock.now() + timedelta(minutes=30))  # 08:00: the window opens
    assert len(await refreshers_of(bot, villager)) == 1


async def test_stop_stops_every_later_one_and_mydata_shows_it(bot: Bot) -> None:
    villager = bot.user(6121)
    await onboard(villager)
    await say_yes(villager)
    await villager.send("/mydata")
    assert "ការរំលឹកម្ដងម្កាល៖ បាទ/ចាស។" in villager.last_text()
    await sweep_at(bot, START + 14 * DAY)
    assert len(await refreshers_of(bot, villager)) == 1
    await villager.click(STOP)
    assert villager.last_text().startswith("រួចរាល់។ លែងមានការរំលឹកទៀតហើយ។")
    await sweep_at(bot, START + 60 * DAY)
    assert await refreshers_of(bot, villager) == []
    await villager.send("/mydata")
    assert "ការរំលឹកម្ដងម្កាល៖ ទេ។" in villager.last_text()
    assert OFFER in villager.buttons()  # and the way back, should they want it


async def test_stopping_after_one_was_queued_means_it_is_not_sent(bot: Bot) -> None:
    villager = bot.user(6131)
    await onboard(villager)
    bot.clock.advance(timedelta(hours=12))  # 21:00: the refresher will wait for the morning
    await say_yes(villager)
    await sweep_at(bot, bot.clock.now() + 14 * DAY)  # queued for 08:00
    await villager.send("/mydata")
    await villager.click(STOP)  # from /mydata, while it waits in the outbox
    await sweep_at(bot, bot.clock.now() + DAY)
    assert await refreshers_of(bot, villager) == []


async def test_pressing_a_button_counts_it_as_acted_on_in_the_report(bot: Bot) -> None:
    villager, staff = bot.user(6141), bot.user(STAFF_ID, "Staff", "en")
    await onboard(villager)
    await say_yes(villager)
    await sweep_at(bot, START + 14 * DAY)
    await villager.click(READ)
    await villager.click("📖 អានមេរៀន")
    assert villager.last_text().startswith(f"<b>{FIRST_LESSON}</b>")  # the lesson itself
    await villager.press("rf:1:question")  # the other button of the same refresher: counted once
    assert "សំណួរទី ១ ក្នុងចំណោម ២" in villager.last_text()  # the lesson's own round
    assert villager.buttons() == ["ក", "ខ", "គ"]
    await staff.send("/report all all")
    text = next(t for t in staff.new_texts() if "ការរំលឹក និងការព្រមាន" in t)
    assert "• សាររំលឹកដែលបានផ្ញើ៖ ១" in text
    assert "• សាររំលឹកដែលគេបានចុចប៊ូតុង៖ ១" in text


async def test_someone_elses_or_a_forged_refresher_button_is_refused(bot: Bot) -> None:
    villager, other = bot.user(6151), bot.user(6152)
    await onboard(villager)
    await onboard(other)
    await say_yes(villager)
    await sweep_at(bot, START + 14 * DAY)
    for data in ("rf:1:lesson", "rf:1:stop", "rf:99:read", "rf:1:delete", "rf:១:read"):
        await other.press(data)
        assert other.last_alert() == EXPIRED
    choice = await bot.store.message_choice(villager.id)
    assert choice is not None and choice.refreshers  # the other's presses changed nothing
    refresher = await bot.store.refresher(1)
    assert refresher is not None and refresher.acted_at is None


async def test_someone_away_gets_a_neutral_line_then_help_for_where_they_are(bot: Bot) -> None:
    villager = bot.user(6161)
    await sent_departure(bot, villager)  # to Thailand, leaves tomorrow
    await say_yes_from_mydata(villager)
    await sweep_at(bot, START + 14 * DAY)  # away by now
    texts = villager.new_texts()
    assert "សួស្ដី។ មានសារខ្លីមួយសម្រាប់អ្នក។ ចុច «អាន» ដើម្បីមើល។" in texts
    assert villager.buttons() == [READ, STOP]
    shown = await read(villager)
    assert "1-800-010-181" in shown  # Thailand's numbers: help where they are
    assert "1300" not in shown  # the first screen's numbers only, as /help
    await villager.click("📞 លេខទាំងអស់")
    assert "📞 1300" in villager.last_text() and "(យកនៅថ្ងៃ " in villager.last_text()


async def test_back_home_the_returnee_lesson_comes_first(bot: Bot) -> None:
    villager = bot.user(6165)
    await sent_departure(bot, villager)
    await say_yes_from_mydata(villager)
    bot.clock.advance(3 * DAY)
    await villager.send("/home")
    await sweep_at(bot, START + 14 * DAY)
    assert await refreshers_of(bot, villager) == [NEUTRAL]
    assert (await read(villager)).startswith("🔔 <b>រំលឹកខ្លី៖ ត្រឡប់មកផ្ទះវិញ</b>")
    assert await bot.store.refresher_items_sent(villager.id) == {"lesson:coming_home"}


async def test_before_leaving_the_lock_screen_shows_no_lesson_title(bot: Bot) -> None:
    """A shared family phone shows a message's first line on its lock screen: before leaving,
    "Passport" or "Before you leave" there would tell the family of a plan (review N8)."""
    villager = bot.user(6166)
    await onboard(villager)
    await say_yes(villager)
    bot.clock.advance(14 * DAY)  # the day the refresher is due: a trip that leaves tomorrow
    await register_departure(villager)
    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    villager.new_texts()
    await sweep_at(bot, bot.clock.now())
    refresher = await bot.store.refresher(1)
    assert refresher is not None and refresher.stage == BEFORE
    assert villager.new_texts() == [NEUTRAL]  # the whole message: no title, no "🔔"
    assert villager.buttons() == [READ, STOP]
    assert (await read(villager)).startswith("🔔 <b>រំលឹកខ្លី៖ ប៉ាស្ព័រ</b>")  # on a tap only


async def say_yes_from_mydata(person: Person) -> None:
    await person.send("/mydata")
    await person.click(OFFER)
    assert person.last_text().startswith(ON)


async def test_saying_yes_twice_does_not_bring_the_next_one_nearer(bot: Bot) -> None:
    villager = bot.user(6171)
    await onboard(villager)
    await say_yes(villager)
    bot.clock.advance(10 * DAY)
    await villager.send("/mydata")
    await villager.press("rf:on")
    assert villager.last_text().startswith("ការរំលឹកបានបើករួចហើយ។")
    await sweep_at(bot, START + 14 * DAY)
    assert len(await refreshers_of(bot, villager)) == 1


async def test_before_onboarding_a_yes_is_not_taken(bot: Bot) -> None:
    stranger = bot.user(6181)
    await stranger.send("/start")
    await stranger.press("rf:on")
    assert "/start" in stranger.last_text()
    assert await bot.store.message_choice(stranger.id) is None


async def test_delete_erases_the_choice_and_the_refreshers(bot: Bot) -> None:
    villager = bot.user(6191)
    await onboard(villager)
    await say_yes(villager)
    await sweep_at(bot, START + 14 * DAY)
    assert len(await refreshers_of(bot, villager)) == 1
    await villager.send("/delete")
    await villager.click("បាទ/ចាស លុបទាំងអស់")
    assert await bot.store.rows_about(villager.id) == 0
    assert await bot.store.refresher(1) is None
    await sweep_at(bot, START + 60 * DAY)
    assert await refreshers_of(bot, villager) == []


async def test_a_restart_keeps_the_plan(bot: Bot) -> None:
    villager = bot.user(6201)
    await onboard(villager)
    await say_yes(villager)
    await bot.restart(crash=True)
    await sweep_at(bot, START + 14 * DAY)
    assert len(await refreshers_of(bot, villager)) == 1


# -- the stage, as a pure rule -----------------------------------------------------------------


TODAY = START.date()


def test_the_stage_follows_the_trips() -> None:
    soon = Trip("active", TODAY + timedelta(days=3), "TH")
    gone = Trip("active", TODAY - timedelta(days=3), "MY")
    back = Trip("returned", TODAY - timedelta(days=90), "TH")
    assert stage_of([], TODAY) == Stage(GENERAL, None)
    assert stage_of([Trip("cancelled", TODAY, "TH")], TODAY) == Stage(GENERAL, None)
    assert stage_of([soon], TODAY) == Stage(BEFORE, None)
    assert stage_of([back, soon, gone], TODAY) == Stage(AWAY, "MY")
    assert stage_of([back], TODAY) == Stage(HOME, None)


def test_picking_skips_finished_lessons_and_what_was_sent() -> None:
    known = {"lesson:passport", "lesson:planning", "lesson:checklist", "help:KH", "help:TH"}

    def first(stage: Stage, finished: set[str], sent: set[str]) -> str | None:
        return pick(
            stage, lessons_finished=finished, already_sent=sent, known=known, countries=["KH", "TH"]
        )

    before = Stage(BEFORE, None)
    assert first(before, set(), set()) == "lesson:passport"
    assert first(before, {"passport"}, {"lesson:planning"}) == "lesson:checklist"
    assert first(Stage(AWAY, "TH"), set(), set()) == "help:TH"
    assert first(Stage(AWAY, "KH_PP"), set(), set()) == "help:KH"
    everything = {"lesson:passport", "lesson:planning", "lesson:checklist", "help:KH"}
    assert first(before, set(), everything) is None
