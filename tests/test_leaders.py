"""Village leaders and staff: invites, scope, the follow-up list, changes and cancellations."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.chat import Bot, Person
from tests.support.journeys import (
    STAFF_ID,
    make_leader,
    onboard,
    read_consent,
    register_departure,
)

NOT_FOR_YOU = "នេះសម្រាប់តែមេភូមិ និងបុគ្គលិកគម្រោងប៉ុណ្ណោះ។"


pytestmark = pytest.mark.staffed


async def registered(bot: Bot, villager: Person, **kwargs: object) -> int:
    await onboard(villager)
    await register_departure(villager, **kwargs)  # type: ignore[arg-type]
    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    return int((await bot.store.departures_of(villager.id))[0].departure_id)


async def invite_payload(bot: Bot, village: str = "09060405") -> str:
    staff = bot.user(STAFF_ID, "Staff", "en")
    await staff.send(f"/invite {village}")
    match = re.search(r"start=(l_[\w-]+)", staff.last_text())
    assert match
    return match.group(1)


async def test_an_invite_works_once(bot: Bot) -> None:
    payload = await invite_payload(bot)
    first, second = bot.user(300, "Chief"), bot.user(301, "Other")
    await first.send(f"/start {payload}")
    await first.click("ភាសាខ្មែរ")
    await read_consent(first)
    await first.click("បាទ/ចាស ខ្ញុំយល់ព្រម")
    assert "🎖 សូមស្វាគមន៍! ឥឡូវ លោកអ្នកបានចុះឈ្មោះក្នុងបូតនេះ ជាមេភូមិ <b>នេសាទ</b>" in first.last_text()
    assert await bot.store.led_villages(300) == ["09060405"]
    await second.send(f"/start {payload}")
    assert second.last_text().startswith("ការអញ្ជើញនេះ ត្រូវបានប្រើរួចហើយ។")
    assert await bot.store.led_villages(301) == []


async def test_an_expired_or_made_up_invite_is_refused(bot: Bot) -> None:
    payload = await invite_payload(bot)
    bot.clock.advance(timedelta(days=7, seconds=1))
    late = bot.user(302)
    await late.send(f"/start {payload}")
    assert late.last_text().startswith("ការអញ្ជើញនេះ ផុតកំណត់ហើយ។")
    await late.send("/start l_" + "A" * 22)
    assert late.last_text().startswith("ការអញ្ជើញនេះ មិនត្រឹមត្រូវទេ។")
    await late.send("/start l_<script>")
    assert late.last_text().startswith("ការអញ្ជើញនេះ មិនត្រឹមត្រូវទេ។")
    kept = {table: n for table, n in (await bot.store.rows_by_table(302)).items() if n}
    assert kept == {"invite_attempts.user_id": 3}  # only the bad tries, against guessing


async def test_an_onboarded_villager_becomes_leader_at_once(bot: Bot) -> None:
    person = bot.user(303, "Sokha")
    await onboard(person)
    await person.send(f"/start {await invite_payload(bot, '09060602')}")
    assert "<b>ខ្លុង</b>" in person.new_texts()[-2]
    assert "👥 អ្នកភូមិដែលនៅឆ្ងាយ" in person.buttons()  # the menu now has the leader's entries


async def test_only_staff_invite_and_revoke(bot: Bot) -> None:
    villager = bot.user(304)
    await onboard(villager)
    await villager.send("/invite 09060405")
    assert villager.last_text() == "នេះសម្រាប់តែបុគ្គលិកគម្រោងប៉ុណ្ណោះ។"
    await villager.send("/leaders")
    assert villager.last_text() == "នេះសម្រាប់តែបុគ្គលិកគម្រោងប៉ុណ្ណោះ។"
    await villager.press("staff:revoke:1")
    assert villager.last_alert() == "នេះសម្រាប់តែបុគ្គលិកគម្រោងប៉ុណ្ណោះ។"

    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    await staff.send("/invite 99999999")
    assert staff.last_text().startswith("Write the village code after the command")
    leader = bot.user(305, "Chief <Sam>")
    await make_leader(bot, leader)
    await staff.send("/leaders")
    assert "• Chief &lt;Sam&gt; — Nesat" in staff.last_text()
    await staff.click("Remove Chief <Sam> (Nesat)")
    assert staff.last_alert() == "Chief <Sam> is no longer a village chief in this bot."
    assert await bot.store.led_villages(305) == []
    # a revoked leader gets no more notices: the departure goes to staff instead
    villager2 = bot.user(306)
    await registered(bot, villager2)
    assert "ដូច្នេះយើងបានប្រាប់បុគ្គលិកគម្រោងជំនួស" in villager2.last_text()


async def test_a_villager_or_another_villages_leader_cannot_act(bot: Bot) -> None:
    leader, outsider, villager = bot.user(310, "Chief"), bot.user(311, "Far"), bot.user(312)
    await make_leader(bot, leader)
    await make_leader(bot, outsider)  # same flow, then moved to another village below
    await bot.store.revoke_leader(2)
    payload = await invite_payload(bot, "09010201")
    await outsider.send(f"/start {payload}")
    departure_id = await registered(bot, villager)

    for intruder in (villager, outsider):
        await intruder.press(f"leader:ack:{departure_id}")
        assert intruder.last_alert() == "នេះសម្រាប់តែមេភូមិនៃភូមិនេះ និងបុគ្គលិកគម្រោងប៉ុណ្ណោះ។"
    await villager.press("leader:ack:999999")
    assert villager.last_alert() == "នេះសម្រាប់តែមេភូមិនៃភូមិនេះ និងបុគ្គលិកគម្រោងប៉ុណ្ណោះ។"
    stored = await bot.store.departure(departure_id)
    assert stored is not None and stored.acknowledged_at is None

    for command in ("/away", "/stats", "/export"):
        await villager.send(command)
        assert villager.last_text() == NOT_FOR_YOU
    await outsider.send("/away")
    assert "<b>នៅឆ្ងាយ ឬជិតចេញទៅ៖ ០ នាក់</b>" in outsider.last_text()  # not this village


async def test_away_stats_and_export_for_the_village(bot: Bot) -> None:
    leader = bot.user(320, "Chief")
    await make_leader(bot, leader)
    await registered(bot, bot.user(321), name='=HYPERLINK("x")')
    await registered(
        bot,
        bot.user(322),
        name="Dara",
        destination="🏙 ភ្នំពេញ",
        channel="ទៅដោយខ្លួនឯង",
    )
    await leader.send("/away")
    away = leader.last_text()
    assert "<b>នៅឆ្ងាយ ឬជិតចេញទៅ៖ ២ នាក់</b>" in away
    assert "⏳ Dara អាយុ ២០ → 🏙 ភ្នំពេញ" in away

    await leader.send("/stats")
    stats = leader.last_text()
    assert "<b>ការចេញដំណើរដែលបានចុះឈ្មោះ៖ ២</b>" in stats
    assert "• ក្រៅប្រទេស៖ ១" in stats and "• ក្នុងប្រទេសកម្ពុជា៖ ១" in stats
    assert "• តាមផ្លូវផ្សេង៖ ២" in stats

    await leader.send("/export")
    document = [m for m in bot.telegram.chats[320] if m.text.startswith("[document")][-1]
    rows = list(
        csv.reader(io.StringIO(bot.telegram.documents[document.message_id].decode("utf-8-sig")))
    )
    assert rows[0] == [
        "name",
        "age",
        "gender",
        "safe_or_unsafe",
        "destination",
        "work",
        "reason",
        "duration",
        "village",
        "depart_on",
        "arrive_on",
        "status",
    ]
    assert rows[1][0] == '\'=HYPERLINK("x")'  # not a formula in a spreadsheet
    assert rows[1][3] == "unsafe" and rows[1][8] == "នេសាទ"


async def test_cancel_and_change_dates_tell_the_leader(bot: Bot) -> None:
    leader, villager = bot.user(330, "Chief"), bot.user(331)
    await make_leader(bot, leader)
    departure_id = await registered(bot, villager)
    await villager.send("/mydepartures")
    assert "🧳 <b>Srey Mom</b> → 🇹🇭 ថៃ" in villager.last_text()
    await villager.click("📅 ប្ដូរថ្ងៃ៖ Srey Mom")
    await villager.send("hello")
    assert villager.last_text().startswith("សូមវាយថ្ងៃ/ខែ")
    await villager.send("១០/០៣")
    await villager.click("៣ ថ្ងៃក្រោយ")
    assert "បានរក្សាទុក៖ ចេញដំណើរ ១០ មីនា ២០២៦ ទៅដល់ ១៣ មីនា ២០២៦" in villager.last_text()
    assert "ថ្ងៃថ្មីសម្រាប់ Srey Mom៖ ចេញដំណើរ ១០ មីនា ២០២៦" in leader.last_text()

    intruder = bot.user(332)
    await onboard(intruder)
    await intruder.press(f"dep:cancel_yes:{departure_id}")
    assert intruder.last_alert() == "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"

    await villager.send("/mydepartures")
    await villager.click("✖️ បោះបង់៖ Srey Mom")
    await villager.click("បាទ/ចាស បោះបង់")
    assert "មិនចេញទៅទេ" in villager.last_text()
    assert leader.last_text() == "Srey Mom លែងចេញដំណើរហើយ។"
    stored = await bot.store.departure(departure_id)
    assert stored is not None and stored.status == "cancelled"
    await villager.press(f"dep:cancel_yes:{departure_id}")  # twice: refused, nothing sent
    assert villager.last_alert() == "ប៊ូតុងនេះលែងប្រើបានហើយ។ សូមប្រើសារចុងក្រោយ។"


async def test_a_leader_who_erases_their_data_leaves_the_departure(bot: Bot) -> None:
    leader, villager = bot.user(340, "Chief"), bot.user(341)
    await make_leader(bot, leader)
    departure_id = await registered(bot, villager)
    await leader.click("✅ ខ្ញុំបានឃើញហើយ")
    await leader.send("/delete")
    await leader.click("បាទ/ចាស លុបទាំងអស់")
    assert await bot.store.rows_about(340) == 0
    stored = await bot.store.departure(departure_id)
    assert stored is not None and stored.acknowledged_by is None and stored.acknowledged_at


async def test_the_command_line_invite_works_in_the_bot(bot: Bot) -> None:
    import subprocess
    import sys

    from app.config import PROJECT_DIR

    config = bot.database.parent / "config.yaml"
    config.write_text(f'storage: {{database: "{bot.database}"}}\n', encoding="utf-8")
    command_line = [sys.executable, str(PROJECT_DIR / "bot.py"), "--config", str(config)]
    result = await asyncio.to_thread(
        subprocess.run,
        [*command_line, "invite-leader", "--village", "09060405"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Leader invite for Nesat, Chrouy Svay, Srae Ambel (09060405)." in result.stdout
    command = result.stdout.strip().splitlines()[-1]
    assert command.startswith("/start l_")
    leader = bot.user(350, "Chief")
    await leader.send(command)
    await leader.click("English")
    await read_consent(leader, "en")
    await leader.click("Yes, I agree")
    assert "You are now a village chief in this bot for <b>Nesat</b>" in leader.last_text()


async def test_staff_group_that_became_a_supergroup_or_removed_the_bot(tmp_path: Path) -> None:
    from tests.support.chat import Bot as Harness

    harness = await Harness(tmp_path / "g.sqlite3").start(
        staff_user_ids=frozenset({STAFF_ID}), staff_chat_id=-100
    )
    try:
        harness.telegram.migrated[-100] = -1000000000100
        harness.telegram.blocked.add(STAFF_ID)  # this staff member blocked the bot
        villager = harness.user(360)
        await onboard(villager)
        await register_departure(villager)
        await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
        supergroup = harness.telegram.chats[-1000000000100]
        assert supergroup[-1].text.startswith("<b>សម្រាប់បុគ្គលិក៖</b>")
        assert "ដូច្នេះយើងបានប្រាប់បុគ្គលិកគម្រោងជំនួស" in villager.last_text()
        harness.telegram.blocked.add(-1000000000100)  # then the bot was removed from it
        await register_departure(villager, name="Dara")
        await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
        # Nobody can be reached: saved, and the villager is told the bot keeps trying (the
        # village has no chief in the bot, so the text does not blame one).
        assert villager.last_text().startswith("✅ បានរក្សាទុកហើយ។ មេភូមិរបស់អ្នក មិនទាន់ប្រើបូតនេះ")
    finally:
        await harness.stop()
