"""The programme report from data made through the real flows: numbers, masking, chart, sheet."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.chat import Bot
from tests.support.journeys import STAFF_ID, onboard, sent_departure, staffed_bot, sweep_at


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    harness = await staffed_bot(tmp_path)
    try:
        await seed(harness)
    except BaseException:
        await harness.stop()
        raise
    yield harness
    await harness.stop()


async def seed(harness: Bot) -> None:
    # Three departures from Nesat: two by broker to Thailand, one to Phnom Penh on her own.
    for user_id, destination, channel in (
        (700, "🇹🇭 ថៃ", "មេខ្យល់"),
        (701, "🇹🇭 ថៃ", "មេខ្យល់"),
        (702, "🏙 ភ្នំពេញ", "ទៅដោយខ្លួនឯង"),
    ):
        await sent_departure(
            harness, harness.user(user_id), destination=destination, channel=channel
        )
    await sweep_at(harness, datetime(2026, 3, 4, 1, tzinfo=UTC))
    await harness.user(700).click("🙂 ខ្ញុំសុខសប្បាយ")
    await harness.user(701).click("😟 ខ្ញុំមានបញ្ហា")
    assert harness.services is not None
    wages = next(p for p in harness.services.content.problems if p.id == "wages_withheld")
    await harness.user(701).click(f"{wages.emoji} {wages.labels['km']}")
    await harness.user(701).click("✅ រួចរាល់")


async def staff_report(bot: Bot, command: str) -> tuple[str, bytes, bytes]:
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    await staff.send(command)
    text = [t for t in staff.new_texts() if t.startswith("<b>Programme report")][-1]
    chat = bot.telegram.chats[STAFF_ID]
    photo = [m for m in chat if m.text == "[photo]"][-1]
    document = [m for m in chat if m.text.startswith("[document")][-1]
    del photo
    return text, b"", bot.telegram.documents[document.message_id]


async def test_the_report_for_all_villages(bot: Bot) -> None:
    text, _, sheet = await staff_report(bot, "/report all 30")
    assert "<b>Programme report: all villages</b>" in text
    assert "<b>Departures by destination</b>\n• 🇹🇭 Thailand: 2\n• 🏙 Phnom Penh: 1" in text
    assert "• Another way: 3" in text
    assert "• Check-ins sent: 3" in text
    assert "• 🙂 I'm fine: 1\n• 😟 I have a problem: 1" in text
    assert "• I am not paid, or paid less than promised: 1" in text
    assert "• Problem at work: 1" in text
    assert "• People who joined the bot: 4" in text  # three villagers and the staff member
    rows = list(csv.reader(io.StringIO(sheet.decode("utf-8-sig"))))
    assert rows[0] == ["table", "key", "label", "count"]
    assert ["departures_destination", "TH", "🇹🇭 Thailand", "2"] in rows


async def test_small_numbers_in_a_village_are_masked(bot: Bot) -> None:
    text, _, sheet = await staff_report(bot, "/report 09060405 all")
    assert "<b>Programme report: Nesat</b>" in text
    assert "• 🇹🇭 Thailand: fewer than 3" in text
    assert "• Another way: 3" in text  # three is enough not to point at anyone
    assert "numbers below 3 are not shown" in text
    assert ["departures_destination", "KH_PP", "🏙 Phnom Penh", "<3"] in list(
        csv.reader(io.StringIO(sheet.decode("utf-8-sig")))
    )


async def test_the_report_is_for_staff_only_and_explains_its_words(bot: Bot) -> None:
    villager = bot.user(700)
    await villager.send("/report")
    assert villager.last_text() == "នេះសម្រាប់តែបុគ្គលិកគម្រោងប៉ុណ្ណោះ។"
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    for wrong in ("/report 1234", "/report all soon", "/report all 30 extra"):
        await staff.send(wrong)
        assert staff.last_text().startswith("Write it like this: /report [place] [days].")


async def test_the_chart_renders_khmer(bot: Bot, tmp_path: Path) -> None:
    staff = bot.user(STAFF_ID, "Staff", "km")
    await onboard(staff, "km")
    await staff.send("/report 0906 all")
    assert bot.app is not None
    from operations.reporting import gather, render_chart, resolve_scope

    assert bot.services is not None
    content = bot.services.content
    scope = resolve_scope(content, "0906")
    assert scope is not None
    config = bot.services.config
    data, _, _ = await gather(
        bot.store, bot.clock, content, scope, None, config.timezone, silence_days=3
    )
    png = render_chart(content, "km", data, "របាយការណ៍គម្រោង៖ ស្រែ អំបិល")
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    (Path(__file__).parent.parent / "data").mkdir(exist_ok=True)
    (tmp_path / "chart-km.png").write_bytes(png)


async def test_the_command_line_report_writes_a_sheet_and_a_chart(bot: Bot, tmp_path: Path) -> None:
    import asyncio
    import subprocess
    import sys

    from app.config import PROJECT_DIR

    config = tmp_path / "config.yaml"
    config.write_text(f'storage: {{database: "{bot.database}"}}\n', encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    command = [sys.executable, str(PROJECT_DIR / "bot.py"), "--config", str(config), "report"]
    result = await asyncio.to_thread(
        subprocess.run,
        [*command, "--scope", "0906", "--days", "all", "--lang", "en", "--out", str(out)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "MPLCONFIGDIR": str(tmp_path / "mpl")},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Programme report: Srae Ambel" in result.stdout
    assert "• Another way: 3" in result.stdout
    files = sorted(p.suffix for p in out.iterdir())
    assert files == [".csv", ".png"]


async def test_status_for_staff_and_one_log_line_per_update(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.INFO)
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    await staff.send("/status")
    text = staff.last_text()
    assert text.startswith("<b>Status</b>")
    assert "Departures under way: 3." in text and "Waiting for an answer: 1." in text  # 702
    assert "No error since the start." in text
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.updates"]
    assert any(line.endswith(f"user={STAFF_ID} kind=command:status") for line in lines)
    await bot.user(700).send("/status")
    assert bot.user(700).last_text() == "នេះសម្រាប់តែបុគ្គលិកគម្រោងប៉ុណ្ណោះ។"


@pytest.mark.parametrize(
    ("lang", "named", "row"), [("km", "មិនឆ្លើយ ២ ថ្ងៃ", "៖ ១"), ("en", "No reply for 2 days", ": 1")]
)
def test_a_silence_is_counted_with_its_length_from_the_settings(
    lang: str, named: str, row: str
) -> None:
    """The alert's title says how long the silence was; the report's label says the same."""
    from collections import Counter

    from content.bundle import load_content
    from domain.report import CaseRow, build_report
    from operations.reporting import Scope, render_csv, render_text

    content = load_content(districts=("0906", "0901"))
    raised = datetime(2026, 3, 1, tzinfo=UTC)
    report = build_report(
        departures=[],
        away_now=0,
        checkins_sent=0,
        answers=Counter(),
        problems=Counter(),
        alerts=[CaseRow("silence", raised, None, None, None)],
        open_cases=[],
        now=raised,
        out_of_contact=0,
        returns=[],
        awareness={},
        silence_days=2,  # e.g. reminders after 16 h and 16 h, the chief after 16 h more
    )
    day = raised.date()
    text = render_text(content, lang, report, Scope("", None, False), day, day, True)
    assert f"• {named}{row}" in text
    assert f"alerts_kind,silence,{named},1" in render_csv(content, lang, report).decode("utf-8-sig")
