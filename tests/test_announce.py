"""/announce through Telegram: exactly who may get it, in their own delivery hours, reach told
back; an SOS during a large announcement still first; leaders only for their own village."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

import conversations.announce as announce_module
from app.context import BotContext
from delivery.announcements import announcement_messages
from delivery.drainer import drain
from storage.outbox import BULK
from tests.support.chat import START, Bot, Person
from tests.support.journeys import (
    STAFF_ID,
    make_leader,
    onboard,
    read_consent,
    register_departure,
    sweep_at,
)

pytestmark = pytest.mark.staffed

OFFER = "🔔 រំលឹកខ្ញុំម្ដងម្កាល"
WARNING = "ប្រយ័ត្ន <មេខ្យល់> & ក្រុមហ៊ុនក្លែងក្លាយ នៅផ្សារ"
SHOWN = "ប្រយ័ត្ន &lt;មេខ្យល់&gt; &amp; ក្រុមហ៊ុនក្លែងក្លាយ នៅផ្សារ"  # typed text stays escaped
FROM_STAFF = "📢 <b>សារពីបុគ្គលិកគម្រោង</b>"
EXPIRED = "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"
NOT_YOURS = "អ្នកមិនអាចផ្ញើទៅកន្លែងនោះបានទេ។ មេភូមិផ្ញើបានតែទៅភូមិរបស់ខ្លួនប៉ុណ្ណោះ។"


async def onboard_in(person: Person, commune: str, village: str, *, yes: bool = True) -> None:
    """Onboards into a village of Srae Ambel; ``yes``: then says yes to messages."""
    await person.send("/start")
    await person.click("ភាសាខ្មែរ")
    await read_consent(person)
    await person.click("បាទ/ចាស ខ្ញុំយល់ព្រម")
    await person.click("ស្រែ អំបិល")
    await person.click(commune)
    await person.click(village)
    await person.click("រំលង")
    await person.click("រំលង")
    if yes:
        await person.click(OFFER)


def got(person: Person) -> list[str]:
    return [text for text in person.new_texts() if text.startswith("📢 <b>សារពី")]


async def staff_announces(
    staff: Person, *, commune: str = "Chrouy Svay", who: str = "People who said yes to messages"
) -> str:
    """Staff walk /announce in English to a commune; returns the review screen."""
    await staff.send("/announce")
    assert staff.last_text() == "<b>Send a warning</b>\nWhere should it go?"
    assert staff.buttons() == ["All villages", "Srae Ambel", "Botum Sakor", "✖️ Cancel"]
    await staff.click("Srae Ambel")
    await staff.click(commune)
    await staff.click(f"All of {commune}")
    await staff.click(who)
    await staff.send(WARNING)
    await staff.click("Skip")
    return staff.last_text()


async def test_an_announcement_to_a_commune_reaches_exactly_who_may_get_it(bot: Bot) -> None:
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    nesat_yes, nesat_no = bot.user(6301), bot.user(6302)
    neighbour_yes, elsewhere_yes, stopped = bot.user(6303), bot.user(6304), bot.user(6305)
    in_korea = bot.user(6306)
    await onboard_in(nesat_yes, "ជ្រោយស្វាយ", "នេសាទ")
    await onboard_in(nesat_no, "ជ្រោយស្វាយ", "នេសាទ", yes=False)  # never said yes
    await onboard_in(neighbour_yes, "ជ្រោយស្វាយ", "ជ្រោយស្វាយខាងលិច")  # same commune
    await onboard_in(elsewhere_yes, "បឹងព្រាវ", "ផ្លោង")  # another commune
    await onboard_in(stopped, "ជ្រោយស្វាយ", "នេសាទ")
    await stopped.send("/mydata")
    await stopped.click("🔕 ឈប់ផ្ញើសារបែបនេះ")  # stops announcements before any is sent
    await onboard_in(in_korea, "ជ្រោយស្វាយ", "នេសាទ")
    await register_departure(in_korea, destination="🇰🇷 កូរ៉េខាងត្បូង")
    await in_korea.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")

    # Two days on, at 06:30 in Phnom Penh: 08:30 in Seoul, where she now is.
    bot.clock.advance(START + timedelta(days=1, hours=21, minutes=30) - bot.clock.now())
    review = await staff_announces(staff)
    assert "To: People who said yes to messages in Chrouy Svay" in review
    assert "People it will reach: 3," in review
    assert SHOWN in review
    assert staff.buttons() == ["📢 Send", "✖️ Cancel"]
    await staff.click("📢 Send")
    assert staff.last_text().startswith("📢 Warning no. 1 is on its way. People it will reach: 3.")

    await sweep_at(bot, bot.clock.now())
    assert got(in_korea) == [f"{FROM_STAFF}\n{SHOWN}"]  # her morning: at once
    assert got(nesat_yes) == got(neighbour_yes) == []  # night at home: it waits
    await sweep_at(bot, bot.clock.now() + timedelta(minutes=90))  # 08:00 in Phnom Penh
    assert got(nesat_yes) == [f"{FROM_STAFF}\n{SHOWN}"]
    assert got(neighbour_yes) == [f"{FROM_STAFF}\n{SHOWN}"]
    assert nesat_yes.buttons() == ["🔕 ឈប់ផ្ញើសារបែបនេះ"]
    for person in (nesat_no, elsewhere_yes, stopped):
        assert got(person) == []
    await sweep_at(bot, bot.clock.now() + timedelta(minutes=1))  # the summary goes out
    assert "Warning no. 1: 3 of 3 got it. Could not be reached: 0." in staff.last_text()
    announcement = await bot.store.announcement(1)
    assert announcement is not None and announcement.sent_by == STAFF_ID
    assert (announcement.planned, announcement.reached, announcement.unreached) == (3, 3, 0)
    await staff.send("/report all all")
    text = next(t for t in staff.new_texts() if "<b>Reminders and warnings</b>" in t)
    assert "• Warnings sent to an area: 1\n• People the warnings reached: 3" in text


async def test_stop_under_an_announcement_is_respected_by_the_next_one(bot: Bot) -> None:
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    villager = bot.user(6311)
    await onboard_in(villager, "ជ្រោយស្វាយ", "នេសាទ")
    await staff_announces(staff)
    await staff.click("📢 Send")
    await sweep_at(bot, bot.clock.now())
    assert len(got(villager)) == 1
    await villager.click("🔕 ឈប់ផ្ញើសារបែបនេះ")
    assert villager.last_text().startswith("រួចរាល់។ អ្នកនឹងលែងទទួលការព្រមាន")
    review = await staff_announces(staff)
    assert "People it will reach: 0," in review
    assert "Nobody there can get it now" in review
    assert staff.buttons() == ["✖️ Cancel"]
    await villager.send("/mydata")
    assert "ការព្រមានពីបុគ្គលិកគម្រោង និងមេភូមិ៖ បានឈប់។" in villager.last_text()


async def test_a_villager_who_stops_while_it_waits_is_not_sent_it(bot: Bot) -> None:
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    villager = bot.user(6321)
    await onboard_in(villager, "ជ្រោយស្វាយ", "នេសាទ")
    bot.clock.advance(timedelta(hours=12))  # 21:00 at home: it will wait for the morning
    await staff_announces(staff)
    await staff.click("📢 Send")
    await villager.send("/mydata")
    await villager.click("🔕 ឈប់ផ្ញើសារបែបនេះ")
    await sweep_at(bot, bot.clock.now() + timedelta(hours=12))
    assert got(villager) == []
    await sweep_at(bot, bot.clock.now() + timedelta(minutes=1))
    assert (
        "0 of 1 got it. Could not be reached: 0. Stopped warnings before it arrived: 1."
        in staff.last_text()
    )


async def test_an_sos_during_a_large_announcement_reaches_staff_first(bot: Bot) -> None:
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    # 200 people of Nesat who said yes (seeded in the store: the flow is tested above).
    for n in range(200):
        user_id = 20_000 + n
        await bot.store.complete_onboarding(
            user_id,
            language="km",
            district_code="0906",
            village_code="09060405",
            consented_at=bot.clock.now(),
        )
        await bot.store.start_refreshers(user_id, bot.clock.now() + timedelta(days=14))
    await staff_announces(staff)
    await staff.click("📢 Send")
    assert bot.app is not None
    context = BotContext(bot.app)
    await drain(context, most=8)  # the announcement is under way: one batch has gone out
    queued = [r for r in await bot.store.outbox_group("announcement:1") if r.status == "pending"]
    assert len(queued) == 192 and all(r.priority == BULK for r in queued)

    villager = bot.user(6331)
    await onboard_in(villager, "ជ្រោយស្វាយ", "នេសាទ", yes=False)
    staff.new_texts()
    await villager.send("/sos")
    assert staff.new_texts()[-1].startswith("🚨 <b>Asks for help now (SOS)</b>")
    still = [r for r in await bot.store.outbox_group("announcement:1") if r.status == "pending"]
    assert len(still) == 192  # staff had the cry for help before the rest of the announcement

    await sweep_at(bot, bot.clock.now())
    rows = await bot.store.outbox_group("announcement:1")
    assert {r.status for r in rows} == {"sent"} and len(rows) == 200


async def test_a_leader_announces_only_to_their_own_village(bot: Bot) -> None:
    leader, villager, other = bot.user(6341, "Chief"), bot.user(6342), bot.user(6343)
    await make_leader(bot, leader)  # Nesat
    await onboard_in(villager, "ជ្រោយស្វាយ", "នេសាទ")
    await onboard_in(other, "ជ្រោយស្វាយ", "ជ្រោយស្វាយខាងលិច")
    await leader.send("/announce")
    assert leader.buttons() == ["នេសាទ", "✖️ បោះបង់"]  # their village, nothing else
    for forged in ("announce:a:09060402", "announce:a:090604", "announce:a:all", "announce:n:0906"):
        await leader.press(forged)
        assert leader.last_alert() == NOT_YOURS
        assert leader.buttons() == ["នេសាទ", "✖️ បោះបង់"]  # the same step again
    await leader.click("នេសាទ")
    assert leader.buttons() == ["អ្នកដែលយល់ព្រមទទួលសារ", "អ្នកភូមិដែលនៅឆ្ងាយ", "✖️ បោះបង់"]
    await leader.press("announce:w:leaders")  # staff only
    assert leader.last_alert() == EXPIRED
    await leader.click("អ្នកដែលយល់ព្រមទទួលសារ")
    await leader.send_sticker()
    assert leader.last_text().startswith("សូមវាយជាអក្សរ។")
    await leader.send("x")
    assert leader.last_text().startswith("ខ្លីពេក។")
    await leader.send("ក" * 1001)
    assert leader.last_text().startswith("វែងពេក។")
    await leader.send("ប្រយ័ត្នមេខ្យល់ ដែលសន្យាការងារនៅថៃ")
    await leader.click("រំលង")
    assert "មនុស្ស ១ នាក់" in leader.last_text()
    await leader.click("📢 ផ្ញើ")
    await sweep_at(bot, bot.clock.now())
    assert got(villager) == ["📢 <b>សារពីមេភូមិរបស់អ្នក</b>\nប្រយ័ត្នមេខ្យល់ ដែលសន្យាការងារនៅថៃ"]
    assert got(other) == []
    announcement = await bot.store.announcement(1)
    assert announcement is not None and announcement.sender_role == "leader"


async def test_villagers_cannot_announce_and_forged_presses_change_nothing(bot: Bot) -> None:
    villager = bot.user(6351)
    await onboard_in(villager, "ជ្រោយស្វាយ", "នេសាទ")
    await villager.send("/announce")
    assert villager.last_text().startswith("មានតែបុគ្គលិកគម្រោង និងមេភូមិប៉ុណ្ណោះ")
    await villager.press("announce:send")
    assert villager.last_alert() == EXPIRED
    assert await bot.store.announcement(1) is None


async def test_a_restart_in_the_middle_keeps_the_text(bot: Bot) -> None:
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    villager = bot.user(6361)
    await onboard_in(villager, "ជ្រោយស្វាយ", "នេសាទ")
    await staff.send("/announce")
    await staff.click("Srae Ambel")
    await staff.click("Chrouy Svay")
    await staff.click("All of Chrouy Svay")
    await staff.click("People who said yes to messages")
    await staff.send(WARNING)
    await bot.restart(crash=True)
    await staff.send("Beware of a broker at the market")
    assert "People it will reach: 1," in staff.last_text()
    assert "Beware of a broker at the market" in staff.last_text()
    await staff.click("📢 Send")
    await sweep_at(bot, bot.clock.now())
    assert got(villager) == [f"{FROM_STAFF}\n{SHOWN}"]  # Khmer readers get the Khmer text


async def test_someone_who_stopped_reminders_is_no_longer_among_those_who_said_yes(
    bot: Bot,
) -> None:
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    villager = bot.user(6371)
    await onboard_in(villager, "ជ្រោយស្វាយ", "នេសាទ")
    await villager.send("/mydata")
    await villager.click("🔕 ឈប់ផ្ញើ")  # stops the reminders
    review = await staff_announces(staff)
    assert "People it will reach: 0," in review


async def _people_who_said_yes(bot: Bot, count: int, first: int = 20_000) -> None:
    """People of Nesat who said yes, seeded in the store (the flow is tested above)."""
    for n in range(count):
        await bot.store.complete_onboarding(
            first + n,
            language="km",
            district_code="0906",
            village_code="09060405",
            consented_at=bot.clock.now(),
        )
        await bot.store.start_refreshers(first + n, bot.clock.now() + timedelta(days=14))


async def test_a_large_announcement_is_queued_in_chunks_and_reaches_each_person_once(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("storage.announcements.QUEUE_CHUNK", 7)  # 30 people: 5 chunks
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    await _people_who_said_yes(bot, 30)
    await staff_announces(staff)
    await staff.click("📢 Send")
    assert staff.last_text().startswith("📢 Warning no. 1 is on its way. People it will reach: 30.")
    announcement = await bot.store.announcement(1)
    assert announcement is not None and announcement.planned == 30
    await sweep_at(bot, bot.clock.now())
    await sweep_at(bot, bot.clock.now() + timedelta(minutes=1))
    rows = await bot.store.outbox_group("announcement:1")
    assert len(rows) == 30 and {r.status for r in rows} == {"sent"}
    assert len({r.chat_id for r in rows}) == 30
    assert "Warning no. 1: 30 of 30 got it. Could not be reached: 0." in staff.last_text()


async def test_a_crash_while_it_is_queued_sends_the_rest_later_and_nobody_twice(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("storage.announcements.QUEUE_CHUNK", 7)
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    await _people_who_said_yes(bot, 30)
    await staff_announces(staff)
    built = []

    def dies_at_the_third_chunk(context: Any, number: int, chunk: Any) -> Any:
        built.append(len(chunk))
        if len(built) == 3:
            raise RuntimeError("the process dies here")
        return announcement_messages(context, number, chunk)

    monkeypatch.setattr(announce_module, "announcement_messages", dies_at_the_third_chunk)
    await staff.click("📢 Send")
    await bot.restart(crash=True)
    monkeypatch.undo()
    assert len(await bot.store.outbox_group("announcement:1")) == 14  # two chunks were in

    # Soon after, it may still be being queued by the one who sent it: left alone, not told.
    await sweep_at(bot, bot.clock.now() + timedelta(minutes=1))
    staff.new_texts()
    await sweep_at(bot, bot.clock.now() + timedelta(minutes=1))
    assert not any("Warning no. 1:" in t for t in staff.new_texts())
    assert len(await bot.store.outbox_group("announcement:1")) == 14

    await sweep_at(bot, bot.clock.now() + timedelta(minutes=10))  # cut short: the rest now
    await sweep_at(bot, bot.clock.now() + timedelta(minutes=1))
    rows = await bot.store.outbox_group("announcement:1")
    assert len(rows) == 30 and {r.status for r in rows} == {"sent"}
    assert sorted(r.chat_id for r in rows) == list(range(20_000, 20_030))  # each once
    assert "Warning no. 1: 30 of 30 got it. Could not be reached: 0." in staff.last_text()
    await sweep_at(bot, bot.clock.now() + timedelta(minutes=20))
    assert len(await bot.store.outbox_group("announcement:1")) == 30  # resumed once, not again
