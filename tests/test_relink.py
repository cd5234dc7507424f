"""A new phone: a leader or staff member makes a one-time code, and the record moves to it."""

from __future__ import annotations

import random
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.people import PERSONAL_MENTIONS, PERSONAL_ROWS
from storage.relinks import RELINK_MOVES, names_a_person
from storage.store import Store
from tests.support.chat import Bot, Person
from tests.support.journeys import STAFF_ID, make_leader, onboard, sent_departure, sweep_at

pytestmark = pytest.mark.staffed

MAKE_KM = "✅ បង្កើតលេខកូដ"
YES_KM = "✅ បាទ/ចាស ផ្ទេរមកទូរស័ព្ទនេះ"
NOT_ALLOWED_KM = "នេះសម្រាប់តែមេភូមិនៃភូមិនេះ និងបុគ្គលិកគម្រោងប៉ុណ្ណោះ។"
FIRST_PROMPT = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)  # 08:00 in Bangkok, the day after arrival


async def code_from(maker: Person) -> str:
    """The ``m_…`` payload in the message the maker is to forward."""
    match = re.search(r"start=(m_[\w-]+)", maker.last_text())
    assert match, maker.last_text()
    return match.group(1)


async def make_code(leader: Person, button: str = "១. Srey Mom", make: str = MAKE_KM) -> str:
    await leader.send("/relink")
    await leader.click(button)
    await leader.click(make)
    return await code_from(leader)


async def villager_with_leader(bot: Bot) -> tuple[Person, Person, int]:
    leader = bot.user(4100, "Chief")
    await make_leader(bot, leader)
    villager = bot.user(4101, "Mom")
    departure_id = await sent_departure(bot, villager)
    return villager, leader, departure_id


async def test_a_leader_moves_the_whole_record_to_the_new_phone(bot: Bot) -> None:
    villager, leader, departure_id = await villager_with_leader(bot)
    # (No case open: for someone with one, only staff make the code; see the next test.)
    await villager.send("/learn")
    before = {k: n for k, n in (await bot.store.rows_by_table(4101)).items() if n}
    assert before["departures.user_id"] == 1

    await leader.send("/relink")
    assert "១. Srey Mom អាយុ ២០ → 🇹🇭 ថៃ" in leader.last_text()  # as /away shows people
    await leader.click("១. Srey Mom")
    assert "កុំឱ្យអ្នកណាដែលមកសុំជំនួសគេ" in leader.last_text()  # never to someone asking for her
    await leader.click(MAKE_KM)
    made, for_person = leader.new_texts()[-2:]
    assert "<b>Srey Mom</b>" in made and "ប្រើបានតែម្ដងគត់" in made
    assert "Srey Mom" not in for_person and "នេសាទ" not in for_person  # it names nobody
    payload = await code_from(leader)
    stored = await bot.store.relinks_for_user(4101)
    assert len(stored) == 1 and payload.removeprefix("m_") not in repr(stored)  # hashed at rest

    phone = bot.user(4102, "Mom")
    await phone.send(f"/start {payload}")
    screen = phone.last_text()
    assert screen.startswith("<b>📱 ផ្ទេរការចុះឈ្មោះ មកទូរស័ព្ទនេះ</b>")
    for detail in ("Srey Mom", "នេសាទ", "ថៃ", "012"):  # nothing of the record before yes
        assert detail not in screen
    await phone.click(YES_KM)
    assert any(text.startswith("✅ រួចរាល់។") for text in phone.new_texts())

    after = {k: n for k, n in (await bot.store.rows_by_table(4102)).items() if n}
    before["outbox.user_id"] += 1  # the leader is told the code was used
    for table, count in before.items():
        if table not in ("drafts.user_id", "conversations.user_id"):
            assert after[table] == count, table
    assert await bot.store.rows_about(4101) == 0
    assert [d.departure_id for d in await bot.store.departures_of(4102)] == [departure_id]
    (relink,) = await bot.store.relinks_for_user(4102)
    assert (relink.old_account_id, relink.new_account_id, relink.made_by) == (4101, 4102, 4100)
    assert relink.used_at == bot.clock.now()
    assert "ត្រូវបានប្រើហើយ" in leader.last_text() and "<b>Srey Mom</b>" in leader.last_text()

    await phone.send("/mydata")
    assert "បានផ្ទេរមកគណនី Telegram នេះ ពីគណនីផ្សេង" in phone.last_text()
    assert "Srey Mom" in phone.last_text()

    # The old account is a stranger now, and told nothing about where the record went.
    villager.new_texts()
    await villager.send("/mydepartures")
    await villager.send("/start")
    told = villager.new_texts()
    assert "Srey Mom" not in "".join(told)
    assert told[-1].startswith("សូមជ្រើសភាសា") or "🇬🇧 English" in villager.buttons()


async def test_check_ins_go_to_the_new_phone_and_nothing_to_the_old(bot: Bot) -> None:
    villager, leader, departure_id = await villager_with_leader(bot)
    payload = await make_code(leader)
    phone = bot.user(4102)
    await phone.send(f"/start {payload}")
    await phone.click(YES_KM)
    villager.new_texts()
    phone.new_texts()
    await sweep_at(bot, FIRST_PROMPT)
    assert villager.new_texts() == []
    assert len(phone.new_texts()) == 1 and phone.button_data()[0].startswith("ci:")
    await phone.press(phone.button_data()[0])  # answered from the new phone, and taken
    assert phone.new_texts() and villager.new_texts() == []
    answered = [c for c in await bot.store.checkins_of(departure_id) if c.answer]
    assert [(c.user_id, c.status) for c in answered] == [(4102, "answered")]


async def test_an_unfinished_form_moves_and_survives_a_restart(bot: Bot) -> None:
    villager, leader, _ = await villager_with_leader(bot)
    payload = await make_code(leader)
    await villager.send("/plan")
    await villager.click("សមាជិកគ្រួសារខ្ញុំ")  # the form now waits for a name
    phone = bot.user(4102)
    await phone.send(f"/start {payload}")
    await bot.restart()  # between opening the code and saying yes
    await phone.click(YES_KM)
    await bot.restart(crash=True)
    await phone.send("Srey Pov")
    assert "👩 ស្ត្រី" in phone.buttons()  # the next question of the same form
    # The old account's typing is a stranger's: the form is not there any more.
    await villager.send("Srey Pov")
    assert "ស្ត្រី" not in villager.buttons()


async def test_forged_presses_and_other_villages_are_refused(bot: Bot) -> None:
    _, leader, departure_id = await villager_with_leader(bot)
    other = bot.user(4103, "Other chief")
    await make_leader(bot, other, village="09060602")
    await other.send("/relink")
    assert "Srey Mom" not in other.last_text()  # another village's people are not listed
    for data in (f"relink:pick:d{departure_id}", f"relink:make:d{departure_id}"):
        await other.press(data)
        assert other.last_alert() == NOT_ALLOWED_KM
    stranger = bot.user(4104)
    await onboard(stranger)
    await stranger.send("/relink")
    assert stranger.last_text() == "នេះសម្រាប់តែមេភូមិ និងបុគ្គលិកគម្រោងប៉ុណ្ណោះ។"
    await stranger.press(f"relink:make:d{departure_id}")
    assert stranger.last_alert() == NOT_ALLOWED_KM
    for data in ("relink:make:d", "relink:make:x1", "relink:make:d99999", "relink:make:d1:2"):
        await leader.press(data)
        assert leader.last_alert() == NOT_ALLOWED_KM
    assert await bot.store.relinks_for_user(4101) == []
    # A press of "yes" with no code opened on this account moves nothing.
    await stranger.press("relink:yes")
    assert stranger.last_alert() == "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"
    assert await bot.store.departures_of(4104) == []


async def test_expired_used_and_made_up_codes_are_refused_with_clear_words(bot: Bot) -> None:
    _, leader, _ = await villager_with_leader(bot)
    payload = await make_code(leader)
    first = bot.user(4105)
    await first.send(f"/start {payload}")
    await first.click(YES_KM)
    late = bot.user(4106)
    await late.send(f"/start {payload}")
    assert late.last_text().startswith("លេខកូដនេះ ត្រូវបានប្រើរួចហើយ។")
    second = await make_code(leader)
    bot.clock.advance(timedelta(hours=72, seconds=1))
    await late.send(f"/start {second}")
    assert late.last_text().startswith("លេខកូដនេះ ផុតកំណត់ហើយ។")
    await late.send("/start m_" + "A" * 22)
    assert late.last_text().startswith("លេខកូដនេះ មិនត្រឹមត្រូវទេ។")
    await late.send("/start m_" + "ក" * 3000)  # very long, not a code's shape
    assert late.last_text().startswith("លេខកូដនេះ មិនត្រឹមត្រូវទេ។")
    await late.send("/start m_<b>")
    assert late.last_text().startswith("លេខកូដនេះ មិនត្រឹមត្រូវទេ។")
    await late.send("/start m_" + "B" * 22)  # the fifth within a day (the first was 3 days ago)
    # Five codes that did not work in a day: the next is refused without looking at it.
    await late.send(f"/start {payload}")
    assert late.last_text().startswith("អ្នកបានសាកលេខកូដដែលមិនត្រឹមត្រូវ ច្រើនដងពេកហើយ។")
    assert await bot.store.departures_of(4106) == []
    kept = {table: n for table, n in (await bot.store.rows_by_table(4106)).items() if n}
    assert kept == {"invite_attempts.user_id": 5}


async def test_a_new_code_ends_the_earlier_one_and_a_move_ends_them_all(bot: Bot) -> None:
    _, leader, _ = await villager_with_leader(bot)
    first, second = await make_code(leader), await make_code(leader)
    someone = bot.user(4107)
    await someone.send(f"/start {first}")  # one key at a time can be lost: the newest
    assert someone.last_text().startswith("លេខកូដនេះ ផុតកំណត់ហើយ។")
    phone = bot.user(4102)
    await phone.send(f"/start {second}")
    await phone.click(YES_KM)
    assert len(await bot.store.departures_of(4102)) == 1
    await someone.send(f"/start {second}")
    assert someone.last_text().startswith("លេខកូដនេះ")  # used: it moves nothing again
    assert await bot.store.departures_of(4107) == []


async def test_a_new_account_with_its_own_record_must_erase_it_first(bot: Bot) -> None:
    villager, leader, _ = await villager_with_leader(bot)
    payload = await make_code(leader)
    phone = bot.user(4108)
    await onboard(phone)
    await phone.send("/quiz")  # a record of its own (more than an onboarding, which is replaced)
    await phone.press("quiz:start")
    await phone.send(f"/start {payload}")
    assert phone.last_text().startswith("គណនី Telegram នេះ មានការចុះឈ្មោះរបស់វាផ្ទាល់")
    assert await bot.store.departures_of(4108) == []
    await phone.click("🗑 លុបអ្វីដែលគណនីនេះមាន")
    await phone.click("បាទ/ចាស លុបទាំងអស់")
    await phone.send(f"/start {payload}")
    await phone.send_sticker()  # not an answer: said so, the screen's button still works
    assert phone.last_text().startswith("សូមទោស ខ្ញុំមិនយល់ទេ។")
    assert len(await bot.store.departures_of(4101)) == 1
    await phone.click(YES_KM)
    assert len(await bot.store.departures_of(4108)) == 1
    assert await bot.store.rows_about(villager.id) == 0


async def test_the_old_account_cannot_use_the_code_and_no_is_no(bot: Bot) -> None:
    villager, leader, _ = await villager_with_leader(bot)
    payload = await make_code(leader)
    # Whoever holds the old phone learns nothing of the code: not in /mydata, not in a message.
    await villager.send("/mydata")
    assert "លេខកូដ" not in villager.last_text() and "ផ្ទេរ" not in villager.last_text()
    await villager.send(f"/start {payload}")
    assert villager.last_text().startswith("តំណនេះ មិនអាចប្រើពីគណនីនេះបានទេ។")
    phone = bot.user(4102)
    await phone.send(f"/start {payload}")
    await phone.click("✖️ ទេ")
    assert phone.last_text() == "មិនបានផ្ទេរអ្វីទេ។"
    await phone.press("relink:yes")  # the old button, after no
    assert await bot.store.departures_of(4102) == []
    assert len(await bot.store.departures_of(4101)) == 1


async def test_staff_make_a_code_in_english_and_delete_erases_the_history(bot: Bot) -> None:
    villager = bot.user(4110, "Dara", "en")
    await onboard(villager, "en")
    await villager.send("/sos")  # an alert, no departure: staff can still help
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    await staff.send("/relink")
    assert "1. Asked for help on" in staff.last_text()
    await staff.click("1. Asked for help, no departure")
    assert "Make a new-phone code for this person?" in staff.last_text()
    await staff.click("✅ Make the code")
    payload = await code_from(staff)
    phone = bot.user(4111, "Dara", "en")
    await phone.send(f"/start {payload}")
    assert phone.last_text().startswith("<b>📱 Move a registration to this phone</b>")
    await phone.click("✅ Yes, move it to this phone")
    assert any(
        t.startswith("✅ Done. Your registration is on this phone now") for t in phone.new_texts()
    )
    assert "A new-phone code you made has been used" in staff.last_text()
    (case,) = await bot.store.open_cases(None)  # the SOS moved, its history shows it
    events = await bot.store.case_events(case.alert_id)
    assert [(e.kind, e.actor_id) for e in events if e.kind == "relinked"] == [
        ("relinked", STAFF_ID)
    ]
    assert case.user_id == 4111
    await phone.send("/mydata")
    assert "Moved to this Telegram account from another one" in phone.last_text()
    await staff.send("/mydata")
    assert "New-phone codes you made for others: 1" in staff.last_text()
    await phone.send("/delete")
    await phone.click("Yes, erase everything")
    assert await bot.store.relinks_for_user(4111) == []
    assert await bot.store.rows_about(4111) == 0


def _schema(path: Path) -> dict[str, list[str]]:
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: [c[1] for c in db.execute(f"PRAGMA table_info({t})")] for t in tables}


async def test_every_column_holding_a_person_or_chat_is_handled_by_a_move(
    tmp_path: Path, bot: Bot
) -> None:
    store = await Store.open(tmp_path / "schema.sqlite3", bot.clock)
    await store.close()
    columns = _schema(tmp_path / "schema.sqlite3")
    holding = {(t, c) for t, names in columns.items() for c in names if names_a_person(c)}
    # A new table with a user_id (or *_by, chat_id, …) column fails here until it is listed,
    # and so does any person column /delete knows of (actor_id, relative_id, …).
    assert holding <= set(RELINK_MOVES), holding - set(RELINK_MOVES)
    assert set(PERSONAL_ROWS + PERSONAL_MENTIONS) <= set(RELINK_MOVES)
    assert all(column in columns.get(table, []) for table, column in RELINK_MOVES)


async def test_a_long_list_comes_in_pages_and_a_forged_page_is_harmless(bot: Bot) -> None:
    leader = bot.user(4100, "Chief")
    await make_leader(bot, leader)
    for n in range(9):
        await sent_departure(bot, bot.user(4200 + n), name=f"Person {n}")
    await leader.send("/relink ១២")  # anything after the command is ignored
    assert len([b for b in leader.button_data() if b.startswith("relink:pick:")]) == 8
    await leader.click("បន្ទាប់ ➡️")
    assert "៩. Person" in leader.last_text()
    assert leader.buttons()[0].startswith("៩. Person")
    await leader.press("relink:page:-1")  # not a page: the first
    assert "១. Person" in leader.last_text()
    await leader.press("relink:page:99999")  # past the end: the last page
    assert "៩. Person" in leader.last_text()
    villager = bot.user(4200)
    await villager.press("relink:page:1")
    assert villager.last_alert() == "នេះសម្រាប់តែមេភូមិ និងបុគ្គលិកគម្រោងប៉ុណ្ណោះ។"


async def _listed_as_before(bot: Bot, scope: list[str] | None) -> list[tuple[str, int]]:
    """The list as it was built before it was paged in SQL: every departure read, in Python."""
    seen: set[int] = set()
    listed: list[tuple[str, int]] = []
    for departure in await bot.store.departures_in(scope, ("active", "returned")):
        if departure.user_id not in seen:
            seen.add(departure.user_id)
            listed.append(("d", departure.departure_id))
    for alert in await bot.store.open_cases(scope):
        if alert.user_id is None or alert.user_id in seen or alert.departure_id is not None:
            continue
        seen.add(alert.user_id)
        listed.append(("a", alert.alert_id))
    return listed


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_pages_read_in_sql_list_the_same_people_in_the_same_order(
    bot: Bot, seed: int
) -> None:
    """Several trips per person, ties on the date, every status, alerts with and without a
    trip, resolved ones, other villages: paged in SQL, the list is what it was."""
    rng = random.Random(seed)
    villages = ("09060405", "09060101", "09060203")
    db = bot.store._db
    trips: list[int] = []
    for user_id in range(5000, 5060):
        await db.execute(
            "INSERT INTO users (user_id, language, village_code, consented_at, created_at,"
            " updated_at) VALUES (?, 'km', ?, '2026-03-01', '2026-03-01', '2026-03-01')",
            (user_id, rng.choice(villages)),
        )
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            cursor = await db.execute(
                "INSERT INTO departures (user_id, for_self, name, gender, age, village_code,"
                " destination, work, duration, channel, documents, depart_on, arrive_on, reason,"
                " risk_flags, status, created_at, updated_at) VALUES (?, 1, 'Srey', 'female', 20,"
                " ?, 'TH', 'factory', 'long', 'agency', '', ?, ?, 'poverty_debt', '', ?,"
                " '2026-03-01', '2026-03-01')",
                (
                    user_id,
                    rng.choice(villages),
                    f"2026-03-0{rng.randint(1, 4)}",
                    "2026-03-09",
                    rng.choice(("active", "active", "returned", "cancelled")),
                ),
            )
            trips.append(int(cursor.lastrowid or 0))
        for _ in range(rng.choice((0, 0, 1, 2))):
            departure = rng.choice((None, None, *trips[-3:]))
            await db.execute(
                "INSERT INTO alerts (kind, user_id, departure_id, village_code, created_at,"
                " resolved_at) VALUES ('sos', ?, ?, ?, '2026-03-01T02:00:00+00:00', ?)",
                (
                    user_id,
                    departure,
                    rng.choice(villages),
                    rng.choice((None, None, "2026-03-01T03:00:00+00:00")),
                ),
            )
    await db.commit()
    for scope in (None, ["09060405"], ["09060101", "09060203"]):
        before = await _listed_as_before(bot, scope)
        paged: list[tuple[str, int]] = []
        for page in range(max(1, (len(before) + 2) // 3)):
            total, shown_page, people = await bot.store.relink_page(scope, page, 3)
            assert (total, shown_page) == (len(before), page)
            paged += people
        assert paged == before
        assert (await bot.store.relink_page(scope, 999, 3))[1] == max(0, (len(before) - 1) // 3)
