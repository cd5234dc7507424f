"""What a villager types, and their Telegram name, reach leaders and staff as text, never as HTML.

The fake Telegram refuses broken HTML as the real one does, so an unescaped ``<script>`` would
make the send fail and the leader would get nothing: each test checks the notice arrived, that
it shows the typed text escaped, and that Telegram refused nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.chat import Bot
from tests.support.journeys import (
    STAFF_ID,
    make_leader,
    onboard,
    register_departure,
    sweep_at,
)

HOSTILE = "<b>x</b> & <script>"
ESCAPED = "&lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;"
AGENCY = "ក្រុមហ៊ុនជ្រើសរើសពលករមានអាជ្ញាប័ណ្ណ"


pytestmark = pytest.mark.staffed


def shows_escaped(text: str, times: int = 1) -> bool:
    """The hostile text is there, escaped, as often as expected, and never as raw HTML."""
    return text.count(ESCAPED) == times and HOSTILE not in text and "<script>" not in text


async def test_a_departure_notice_shows_typed_names_as_text(bot: Bot) -> None:
    leader, villager = bot.user(701, HOSTILE, "en"), bot.user(702, HOSTILE)
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    await make_leader(bot, leader, lang="en")
    await onboard(villager)
    await register_departure(villager, name=HOSTILE, channel=AGENCY, agency=HOSTILE)
    assert shows_escaped(villager.last_text(), times=2)  # the review: the name and the agency
    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")

    notice = leader.last_text()
    assert notice.startswith("<b>Departure notice</b> — Nesat")  # the leader got it
    assert shows_escaped(notice, times=2)
    assert f"recruitment agency “{ESCAPED}”" in notice
    await leader.click("✅ I have seen it")
    assert shows_escaped(leader.last_text(), times=3)  # and who saw it: the leader's own name
    assert villager.last_text().startswith(f"👍 {ESCAPED} ")
    assert shows_escaped(villager.last_text(), times=3)  # who saw it (twice) and whose trip

    await staff.send("/leaders")
    assert f"• {ESCAPED} — " in staff.last_text()
    assert shows_escaped(staff.last_text())


async def test_an_alert_and_coming_home_show_typed_names_as_text(bot: Bot) -> None:
    leader, villager = bot.user(711, HOSTILE, "en"), bot.user(712, HOSTILE)
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    await make_leader(bot, leader, lang="en")
    await onboard(villager)
    await register_departure(villager, name=HOSTILE)
    await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    await sweep_at(bot, datetime(2026, 3, 4, 1, tzinfo=UTC))  # the first check-in

    await villager.send("/sos")
    alert = leader.last_text()
    assert alert.startswith("🚨 <b>Asks for help now (SOS)</b>")
    assert f"{ESCAPED}, 20, from Nesat" in alert and shows_escaped(alert)
    assert shows_escaped(staff.last_text())
    await leader.click("🤝 I will handle it")
    assert villager.last_text() == f"👍 {ESCAPED} បានឃើញសាររបស់អ្នកហើយ។\nគាត់នឹងទាក់ទងអ្នក។"
    assert f"🤝 {ESCAPED} is handling it" in staff.last_text()
    assert shows_escaped(staff.last_text(), times=2)  # the person, and who helps

    await villager.send("/home")
    assert leader.last_text() == f"🏡 {ESCAPED} is back home."


async def test_a_broker_report_shows_typed_words_and_the_reporter_as_text(bot: Bot) -> None:
    leader, villager = bot.user(721, "Chief", "en"), bot.user(722, HOSTILE, "en")
    staff = bot.user(STAFF_ID, "Staff", "en")
    await make_leader(bot, leader, lang="en")
    await onboard(villager, "en")
    await villager.send("/report_broker")
    for typed in (HOSTILE, f"near {HOSTILE}", f"{HOSTILE} $400"):
        await villager.send(typed)
    await villager.press("broker:named")
    await villager.press("broker:send")
    for reader in (leader, staff):
        notice = reader.last_text()
        assert shows_escaped(notice, times=4), notice  # who, where, what, and the reporter
        assert f'<a href="tg://user?id=722">{ESCAPED}</a>' in notice
