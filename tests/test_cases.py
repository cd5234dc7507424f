"""From an alert to an outcome: a case taken on, noted, handed on, closed, reopened (issue #14).

Each story is read as the chats of the people in it: the villager who asked for help, the
village chief, the programme staff, and a chief of another village who must not touch it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from preview.botapi import ChatMessage
from tests.support.chat import Bot, Person
from tests.support.journeys import STAFF_ID, make_leader, onboard, sent_departure, sweep_at

pytestmark = pytest.mark.staffed

OTHER_VILLAGE = "09060401"


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


async def sos_case(bot: Bot) -> tuple[Person, Person, Person, int]:
    """A villager away in Thailand sends /sos; her chief (Khmer) and staff (English) get it."""
    villager, leader = bot.user(801, "Dara"), bot.user(802, "Chief")
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    await make_leader(bot, leader)
    await sent_departure(bot, villager)
    await villager.send("/sos")
    [case] = await bot.store.open_cases(None)
    return villager, leader, staff, case.alert_id


async def test_a_case_from_sos_to_closed_and_opened_again(bot: Bot) -> None:
    villager, leader, staff, number = await sos_case(bot)
    assert f"📁 ករណីលេខ {number}".translate(str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")) in (
        leader.last_text()
    )
    assert leader.buttons() == [
        "🤝 ខ្ញុំនឹងជួយ",
        "✏️ សរសេរកំណត់ចំណាំ",
        "🏢 បញ្ជូនទៅ…",
        "🕘 ប្រវត្តិ",
        "✔️ បិទករណី",
    ]

    await leader.click("🤝 ខ្ញុំនឹងជួយ")
    assert leader.last_alert() == "អ្នកកំពុងជួយករណីនេះ។ ពេលមានដំណឹង សូមសរសេរកំណត់ចំណាំ។"
    assert (
        villager.last_text() == "👍 នរណាម្នាក់ បានឃើញសាររបស់អ្នកហើយ។\nគាត់នឹងទាក់ទងអ្នក។"
    )  # "Chief": no title on her phone
    assert "🤝 Chief is handling it" in staff.last_text()  # staff's copy, edited
    assert "🤝 I will handle it" not in staff.buttons()  # taken: nobody else takes it on

    await leader.click("✏️ សរសេរកំណត់ចំណាំ")
    assert leader.last_text().startswith("✏️ ករណីលេខ")
    leader.new_texts()
    await leader.reply("Called her: the employer keeps her passport. <b>Calling Issara</b>.")
    assert leader.new_texts()[0].startswith("✏️ បានរក្សាទុកកំណត់ចំណាំ")
    assert "✏️ Notes: 1" in staff.last_text()

    await staff.click("🏢 Handed to…")
    # What fits where she is (Cambodia and Thailand), then "another organisation".
    assert "Issara helpline, Khmer line" in staff.buttons()
    assert staff.buttons()[-2:] == ["Another organisation", "← Back"]
    assert not [b for b in staff.buttons() if "Malaysia" in b]
    await staff.click("Issara helpline, Khmer line")
    assert "🏢 Handed to: Issara helpline, Khmer line" in staff.last_text()

    await staff.click("✔️ Close")
    assert "Safe and working" in staff.buttons() and "← Back" in staff.buttons()
    await staff.click("Coming home")
    assert "✔️ Closed: Coming home (Staff," in staff.last_text()
    closed = [m for m in bot.telegram.chats[staff.id] if m.text == staff.last_text()]
    assert closed and closed[-1].reply_markup is None  # nothing left to press on it
    # The villager hears it neutrally (a shared phone), and can say it is not over.
    assert villager.last_text() == (
        "✔️ នរណាម្នាក់ បានកត់ថា រឿងនេះចប់ហើយ។\nបើរឿងនេះមិនទាន់ចប់សម្រាប់អ្នកទេ សូមចុចប៊ូតុងខាងក្រោម។"
        "\n\nតើអ្នកបានទទួលជំនួយដែលអ្នកត្រូវការទេ?"  # counted in /report (issue 22)
    )
    case = await bot.store.alert(number)
    assert case is not None and case.outcome == "coming_home" and case.handed_to is not None

    leader.new_texts()
    await villager.click("🙋 ខ្ញុំនៅតែត្រូវការជំនួយ")
    assert villager.last_text().startswith("អរគុណ។ យើងបានប្រាប់គាត់ម្ដងទៀត")
    # The one who handled it hears, with the case as it stands.
    reopened = leader.new_texts()
    assert any(t.startswith("↩️ <b>បានបើកម្ដងទៀត") for t in reopened), reopened
    case = await bot.store.alert(number)
    assert case is not None and case.resolved_at is None and case.outcome is None

    await staff.click("🕘 History")
    history = staff.last_text()
    for line in (
        "raised",
        "reached a village chief",
        "reached programme staff",
        "Chief took it on",
        "Chief: Called her: the employer keeps her passport. &lt;b&gt;Calling Issara&lt;/b&gt;.",
        "Staff handed it to",
        "Staff closed it: Coming home",
        "the person said they still need help",
    ):
        assert line in history, (line, history)


async def test_only_the_villages_chief_and_staff_may_act_on_a_case(bot: Bot) -> None:
    villager, _leader, staff, number = await sos_case(bot)
    other = bot.user(803, "Other chief", "en")
    await make_leader(bot, other, village=OTHER_VILLAGE, lang="en")
    before = await bot.store.alert(number)
    events = await bot.store.case_events(number)
    for data in (
        f"case:take:{number}",
        f"case:note:{number}",
        f"case:hand:{number}",
        f"case:to:{number}:issara_khmer",
        f"case:close:{number}",
        f"case:out:{number}:safe_working",
        f"case:hist:{number}",
        f"al:ack:{number}",
    ):
        await other.press(data)
        assert (
            other.last_alert()
            == "This is only for the village chief of this village and the programme staff."
        )
        await villager.press(data)  # the person themselves cannot act as their own handler
        assert villager.last_alert() == "នេះសម្រាប់តែមេភូមិនៃភូមិនេះ និងបុគ្គលិកគម្រោងប៉ុណ្ណោះ។"
    await other.press(f"case:again:{number}")  # "I still need help" is the person's own
    assert (
        other.last_alert()
        == "This is only for the village chief of this village and the programme staff."
    )
    for forged in (
        f"case:out:{number}:everything_fine",
        f"case:to:{number}:nowhere",
        "case:take:x",
    ):
        await staff.press(forged)
    assert await bot.store.alert(number) == before
    assert await bot.store.case_events(number) == events
    await other.send("/cases")
    assert other.last_text() == "No open cases."


async def test_a_silence_case_tells_the_person_the_truth(bot: Bot) -> None:
    villager, leader = bot.user(811, "Dara"), bot.user(812, "Chief")
    await make_leader(bot, leader)
    await sent_departure(bot, villager)
    await sweep_at(bot, utc(3, 4, 1))  # first check-in, never answered
    await sweep_at(bot, utc(3, 5, 1, 1))
    await sweep_at(bot, utc(3, 6, 1, 2))
    await sweep_at(bot, utc(3, 7, 1, 3))  # the silence alert to the chief
    assert leader.last_text().startswith("🔕")
    await leader.click("🤝 ខ្ញុំនឹងជួយ")
    # She sent nothing: not "has seen your message", and nothing that names a worry.
    assert villager.last_text() == "👋 នរណាម្នាក់ នឹងព្យាយាមទាក់ទងអ្នក។"
    assert villager.buttons() == ["🚨 ខ្ញុំត្រូវការជំនួយឥឡូវនេះ"]  # the way to ask, off the lock screen


async def test_a_handler_who_writes_nothing_is_asked_and_a_note_quiets_it(bot: Bot) -> None:
    _villager, leader, staff, _number = await sos_case(bot)
    await leader.click("🤝 ខ្ញុំនឹងជួយ")
    taken = bot.clock.now()
    leader.new_texts()
    await sweep_at(bot, taken + timedelta(days=1))
    assert leader.new_texts() == []
    await sweep_at(bot, taken + timedelta(days=2, minutes=1))
    [nudge] = leader.new_texts()
    assert nudge.startswith("✏️ ករណីលេខ") and "តើយ៉ាងម៉េចហើយ" in nudge
    assert "✏️ សរសេរកំណត់ចំណាំ" in leader.buttons()
    await sweep_at(bot, taken + timedelta(days=2, hours=5))  # sweeps again: asked once
    assert leader.new_texts() == []
    await leader.click("✏️ សរសេរកំណត់ចំណាំ")
    leader.new_texts()
    await leader.reply(voice=True)  # a spoken note counts
    assert leader.new_texts()[0].startswith("✏️ បានរក្សាទុកកំណត់ចំណាំ")
    noted = bot.clock.now()
    leader.new_texts()
    await sweep_at(bot, noted + timedelta(days=1, hours=23))
    assert leader.new_texts() == []
    await sweep_at(bot, noted + timedelta(days=2, minutes=1))
    assert len(leader.new_texts()) == 1
    await staff.click("🕘 History")  # the spoken note is played after the history
    assert [m.kind for m in bot.telegram.chats[STAFF_ID]][-2:] == ["text", "voice"]
    await staff.click("✔️ Close")
    await staff.click("Safe and working")
    leader.new_texts()
    await sweep_at(bot, noted + timedelta(days=9))
    assert not [t for t in leader.new_texts() if "តើយ៉ាងម៉េចហើយ" in t]  # closed: not asked


async def test_a_note_that_is_not_a_note_changes_nothing_and_survives_a_restart(
    bot: Bot,
) -> None:
    _villager, leader, staff, number = await sos_case(bot)
    await leader.click("✏️ សរសេរកំណត់ចំណាំ")
    await bot.restart()
    await leader.reply("x" * 1600)
    assert leader.last_text() == "កំណត់ចំណាំនេះវែងពេក។ សូមសរសេរឱ្យខ្លីជាង ១៥០០ តួអក្សរ។"
    await leader.send_sticker()  # not a reply: the ordinary "I did not understand"
    assert leader.last_text() != ""
    assert not [e for e in await bot.store.case_events(number) if e.kind == "note"]
    await leader.click("✏️ សរសេរកំណត់ចំណាំ")
    await leader.reply("សួស្ដី ១២៣")  # Khmer, Khmer digits: kept as typed
    [note] = [e for e in await bot.store.case_events(number) if e.kind == "note"]
    assert note.detail["text"] == "សួស្ដី ១២៣" and note.actor_id == leader.id
    staff_reply_to_leaders_question = [e for e in await bot.store.case_events(number)]
    await staff.reply("a reply to the bot's last message to staff, not a question")
    assert await bot.store.case_events(number) == staff_reply_to_leaders_question


async def test_cases_lists_open_ones_oldest_first_with_their_age(bot: Bot) -> None:
    _first, leader, staff, _one = await sos_case(bot)
    bot.clock.advance(timedelta(days=3))
    second = bot.user(821, "Kanha")
    await onboard(second)
    await second.send("/sos")
    await leader.send("/cases")
    shown = leader.new_texts()[-3:]
    assert shown[0] == "<b>ករណីនៅបើក៖ ២</b> (ចាស់ជាងគេមុន)"
    # Nobody took the first on within the hour: it says so, and late ones come first.
    assert shown[1].startswith("⏰ មិនទាន់មាននរណាទទួលជួយ ហើយហួសពេលហើយ\n⏳ បើកបាន ៣ ថ្ងៃហើយ\n")
    assert shown[2].startswith("⏳ បើកថ្ងៃនេះ\n")
    await staff.send("/cases")
    assert staff.new_texts()[-3].startswith("<b>Open cases: 2</b>")


async def test_delete_with_a_case_open_keeps_the_case_without_the_person(bot: Bot) -> None:
    villager, leader, staff, number = await sos_case(bot)
    notice_text = [m.text for m in bot.telegram.chats[leader.id] if "Srey Mom" in m.text]
    assert notice_text  # the departure notice and the alert show her name
    await villager.send("/delete")
    await villager.click("បាទ/ចាស លុបទាំងអស់")
    assert await bot.store.rows_about(villager.id) == 0
    case = await bot.store.alert(number)
    assert case is not None and case.resolved_at is None and case.user_id is None
    assert case.erased_at is not None
    await sweep_at(bot, bot.clock.now() + timedelta(minutes=1))
    # Nothing in the chief's or staff's chats shows her name or phones any more.
    for person in (leader, staff):
        texts = [m.text for m in bot.telegram.chats[person.id] if not m.deleted]
        assert not [t for t in texts if "Srey Mom" in t or "012 345 678" in t], texts
    assert "🗑 The person erased their data in the bot." in staff.last_text()
    # The case can still be taken on and finished (the old buttons are not "only for chiefs").
    await leader.click("🤝 ខ្ញុំនឹងជួយ")
    assert leader.last_alert() == "អ្នកកំពុងជួយករណីនេះ។ ពេលមានដំណឹង សូមសរសេរកំណត់ចំណាំ។"
    await leader.click("✔️ បិទករណី")
    await leader.click("ទាក់ទងគាត់មិនបាន")
    case = await bot.store.alert(number)
    assert case is not None and case.outcome == "not_reached"
    assert villager.new_texts()[-1:] != ["👍 នរណាម្នាក់ បានឃើញសាររបស់អ្នកហើយ។\nគាត់នឹងទាក់ទងអ្នក។"]


async def test_the_report_counts_cases_by_outcome_and_time_to_act(bot: Bot) -> None:
    _villager, leader, staff, _number = await sos_case(bot)
    bot.clock.advance(timedelta(hours=5))
    await leader.click("🤝 ខ្ញុំនឹងជួយ")
    bot.clock.advance(timedelta(hours=20))
    await staff.click("✔️ Close")
    await staff.click("Safe and working")
    second = bot.user(831, "Kanha")
    await onboard(second)
    await second.send("/sos")
    bot.clock.advance(timedelta(days=4))
    await staff.send("/report all all")
    report = next(t for t in reversed(staff.new_texts()) if t.startswith("<b>Programme report"))
    for line in (
        "Median hours until someone took it on (half of the cases were faster): 5",
        "Median hours until the case was closed (half of the cases were faster): 25",
        "<b>How the cases ended</b>\n• Safe and working: 1",
        "<b>Cases still open, by how long they have waited</b>\n• 3 to 7 days: 1",
    ):
        assert line in report, (line, report)


def reply_keyboard(bot: Bot, person: Person) -> list[dict[str, object]]:
    """The buttons of the newest reply keyboard the bot showed this person."""
    for message in reversed(bot.telegram.chats[person.id]):
        if message.reply_markup and "keyboard" in message.reply_markup:
            return [b for row in message.reply_markup["keyboard"] for b in row]
    return []


async def test_sos_offers_the_location_button_and_the_pin_reaches_those_helping(
    bot: Bot,
) -> None:
    villager, leader, staff, number = await sos_case(bot)
    assert villager.new_texts()[-2].startswith("📍 បើមានសុវត្ថិភាព")  # then the numbers
    assert reply_keyboard(bot, villager)[0] == {
        "text": "📍 ផ្ញើទីតាំងរបស់ខ្ញុំ",
        "request_location": True,
    }
    villager.new_texts()
    await villager.send_location(13.7563, 100.5018, live=True)
    hers = her_last_message(bot, villager)
    assert villager.new_texts() == [
        "📍 អរគុណ។ អ្នកដែលកំពុងជួយអ្នក បានទទួលទីតាំងរបស់អ្នកហើយ។",
        REMOVE_OFFER.format(who="មេភូមិរបស់អ្នក និងបុគ្គលិកគម្រោង"),
    ]
    assert villager.buttons() == [REMOVE]
    for person in (leader, staff):
        [pin] = [m for m in bot.telegram.chats[person.id] if m.kind == "venue"]
        assert pin.location == (13.7563, 100.5018)
    [staff_pin] = [m for m in bot.telegram.chats[STAFF_ID] if m.kind == "venue"]
    assert staff_pin.text == (
        "[venue] 📍 Case 1: where the person is | Sent by the person; keep it to yourself"
    )
    [event] = [e for e in await bot.store.case_events(number) if e.kind == "location"]
    assert event.detail == {
        "latitude": 13.7563,
        "longitude": 100.5018,
        "live": True,
        "message": hers.message_id,  # her own message, which only the remove button may delete
    }
    counts = await bot.store.rows_by_table(villager.id)
    assert counts["case_events.actor_id"] == 1  # shown in /mydata

    # /delete takes it back: the pins leave the chats, the event leaves the case.
    await villager.send("/delete")
    await villager.click("បាទ/ចាស លុបទាំងអស់")
    await sweep_at(bot, bot.clock.now() + timedelta(minutes=1))
    for person in (leader, staff):
        assert not [m for m in bot.telegram.chats[person.id] if m.kind == "venue" and not m.deleted]
    assert not [e for e in await bot.store.case_events(number) if e.kind == "location"]


REMOVE = "🗑 លុបទីតាំងចេញពីទូរស័ព្ទខ្ញុំ"
REMOVE_OFFER = (
    "🗑 ផែនទីដែលបង្ហាញថាអ្នកនៅឯណា នៅតែមានក្នុងទូរស័ព្ទរបស់អ្នក។ អ្នកណាមើលទូរស័ព្ទនេះ អាចឃើញវា។ "
    "អ្នកអាចលុបវាបាន។ បើលុប {who} នៅតែមានទីតាំងដែលអ្នកបានផ្ញើ ដើម្បីរកអ្នកឃើញ។"
)
REMOVED = (
    "🗑 បានលុបចេញពីទូរស័ព្ទរបស់អ្នកហើយ។ អ្នកដែលកំពុងជួយអ្នក នៅតែមានទីតាំងដែលអ្នកបានផ្ញើ ដើម្បីរកអ្នកឃើញ។ "
    "បូតរក្សាទុកវាជាមួយសារសុំជំនួយរបស់អ្នក រហូតដល់អ្នកផ្ញើ /delete ។"
)
NOT_REMOVED = (  # two reasons, each its own clause (reader 2 row 18)
    "បូតលុបវាមិនបានទេ។ ប្រហែលវាបាត់រួចហើយ ឬផ្ញើលើសពី ២ ថ្ងៃហើយ (Telegram ឱ្យបូតលុបបាន តែក្នុង ២ ថ្ងៃ)។"
)
EXPIRED = "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"


def her_last_message(bot: Bot, person: Person) -> ChatMessage:
    """The newest message the person sent (not the bot's), as her phone keeps it."""
    return [m for m in bot.telegram.chats[person.id] if not m.from_bot][-1]


async def test_her_own_pin_can_be_removed_from_her_phone_and_theirs_stays(bot: Bot) -> None:
    """Whoever checks her phone would see exactly where she is (review N13)."""
    villager, leader, staff, number = await sos_case(bot)
    stranger = bot.user(809, "Stranger")
    await onboard(stranger)
    sos = her_last_message(bot, villager)  # her "/sos"
    await villager.send_location(13.7563, 100.5018)
    pin = her_last_message(bot, villager)
    data = f"loc:rm:{number}:{pin.message_id}"
    assert villager.button_data() == [data]

    # Forged presses delete nothing: another person's, another message of hers, bad data.
    await stranger.press(data)
    assert stranger.last_alert() == EXPIRED
    for forged in (f"loc:rm:{number}:{sos.message_id}", f"loc:rm:{number}:x", "loc:rm:1"):
        await villager.press(forged)
        assert villager.last_alert() == EXPIRED
    assert not pin.deleted and not sos.deleted

    await villager.click(REMOVE)
    assert pin.deleted  # gone from her chat
    assert villager.last_text() == REMOVED  # in place of the offer, without its button
    assert REMOVE not in villager.buttons()
    for person in (leader, staff):  # those helping her keep their pin
        assert [m for m in bot.telegram.chats[person.id] if m.kind == "venue" and not m.deleted]
    assert [e for e in await bot.store.case_events(number) if e.kind == "location"]

    await villager.press(data)  # an old press: the message is gone already
    assert villager.last_text().startswith(NOT_REMOVED)
    assert bot.telegram.refusals == [("deleteMessage", "Bad Request: message to delete not found")]
    bot.telegram.refusals.clear()


async def test_after_two_days_telegram_keeps_the_pin_and_she_is_told_how(bot: Bot) -> None:
    villager, _, _, _ = await sos_case(bot)
    await villager.send_location(13.7563, 100.5018)
    pin = her_last_message(bot, villager)
    bot.telegram.now += 48 * 3600  # Telegram lets a bot delete a message for 48 hours
    await villager.click(REMOVE)
    assert not pin.deleted
    assert villager.last_text() == (
        f"{NOT_REMOVED} បើអ្នកនៅតែឃើញផែនទីក្នុងទូរស័ព្ទ សូមចុចលើវាឱ្យយូរ រួចចុច «Delete» (លុប)។"
    )
    assert bot.telegram.refusals == [("deleteMessage", "Bad Request: message can't be deleted")]
    bot.telegram.refusals.clear()


async def test_a_location_without_a_cry_for_help_goes_nowhere(bot: Bot) -> None:
    villager = bot.user(841, "Dara")
    await onboard(villager)
    await villager.send_location(11.0, 103.0)
    assert villager.last_text().startswith("ទីតាំងរបស់អ្នក មិនបានផ្ញើទៅនរណាទេ")
    assert not [m for chat in bot.telegram.chats.values() for m in chat if m.kind == "venue"]
    await villager.send("/sos")
    await villager.send("✖️ ទេ អរគុណ")
    assert villager.last_text().startswith("មិនអីទេ។ សារសុំជំនួយរបស់អ្នកនៅដដែល")


async def test_after_violence_at_home_the_location_goes_to_staff_only(bot: Bot) -> None:
    from tests.support.journeys import register_departure

    villager, leader = bot.user(851, "Dara"), bot.user(852, "Chief")
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    await make_leader(bot, leader)
    await onboard(villager)
    await register_departure(villager)
    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    [departure] = await bot.store.departures_of(villager.id)
    await bot.store._db.execute(
        "UPDATE departures SET reason = 'violence' WHERE departure_id = ?",
        (departure.departure_id,),
    )
    await villager.send("/sos")
    # The offer says who will see it: staff, not her chief.
    assert any("មានតែបុគ្គលិកគម្រោងទេ" in t for t in villager.new_texts())
    await villager.send_location(13.7, 100.5)
    assert villager.last_text() == REMOVE_OFFER.format(who="បុគ្គលិកគម្រោង")  # not the chief
    assert [m for m in bot.telegram.chats[STAFF_ID] if m.kind == "venue"]
    assert not [m for m in bot.telegram.chats[leader.id] if m.kind == "venue"]
