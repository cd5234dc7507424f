"""Leader invite sheets: the same one-time, expiring, hashed invite, printed with a QR code.

A sheet scanned once makes a leader; scanned again, or after its date, it is refused as the link
is; the code is nowhere in the database, only its hash.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

import bot as cli
from printables.drawing import described
from tests.support.chat import Bot, Person
from tests.support.journeys import STAFF_ID, onboard, read_consent
from tests.support.qr import qr_links_in_pdf, qr_links_in_png

pytestmark = pytest.mark.staffed
USERNAME = "safe_migration_test_bot"
LINK = re.compile(rf"https://t\.me/{USERNAME}\?start=(l_[\w-]+)")
WELCOME = "🎖 សូមស្វាគមន៍! ឥឡូវ លោកអ្នកបានចុះឈ្មោះក្នុងបូតនេះ ជាមេភូមិ <b>នេសាទ</b>"
USED = "ការអញ្ជើញនេះ ត្រូវបានប្រើរួចហើយ។"
EXPIRED = "ការអញ្ជើញនេះ ផុតកំណត់ហើយ។"


async def scan(person: Person, link: str) -> None:
    """What opening the scanned link does: /start with its payload."""
    match = LINK.fullmatch(link)
    assert match, link
    await person.send(f"/start {match.group(1)}")


async def sheet_from_telegram(bot: Bot) -> tuple[str, bytes, bytes]:
    staff = bot.user(STAFF_ID, "Staff", "en")
    await staff.send("/invite 09060405")
    match = LINK.search(staff.last_text())
    assert match, staff.last_text()
    chat = bot.telegram.chats[STAFF_ID]
    document, photo = chat[-2], chat[-1]
    assert (document.kind, photo.kind) == ("document", "photo")
    assert document.caption and "PDF" in document.caption
    pdf = bot.telegram.documents[document.message_id]
    assert photo.file_id is not None
    return match.group(0), pdf, bot.telegram.files[photo.file_id].content


async def test_invite_sends_the_sheet_as_pdf_and_picture_with_the_same_one_time_code(
    bot: Bot,
) -> None:
    link, pdf, picture = await sheet_from_telegram(bot)
    assert qr_links_in_pdf(pdf) == [link]
    assert qr_links_in_png(picture) == [link]
    # Both show what the bot does in pictures, each with its word (issue 25): the strip.
    assert b"/Subtype /Image" in pdf
    words = described(picture).splitlines()
    strip = ["📚", "រៀន", "✈️", "ប្រាប់មេភូមិ", "?", "🙂", "សួរសុខទុក្ខ", "!", "🆘", "ជំនួយ"]
    assert words[-10:] == strip  # "?" and "!" are on the phones drawn
    leader, other = bot.user(1701, "Chief"), bot.user(1702, "Other")
    await scan(leader, link)
    await leader.click("ភាសាខ្មែរ")
    await read_consent(leader)
    await leader.click("បាទ/ចាស ខ្ញុំយល់ព្រម")
    assert WELCOME in leader.last_text()
    assert await bot.store.led_villages(1701) == ["09060405"]
    await scan(other, link)  # the same sheet, scanned again
    assert other.last_text().startswith(USED)
    assert await bot.store.led_villages(1702) == []


async def test_an_expired_sheet_is_refused(bot: Bot) -> None:
    link, pdf, _ = await sheet_from_telegram(bot)
    assert qr_links_in_pdf(pdf) == [link]
    bot.clock.advance(timedelta(days=7, minutes=1))
    late = bot.user(1703)
    await scan(late, link)
    assert late.last_text().startswith(EXPIRED)
    assert await bot.store.led_villages(1703) == []


async def test_the_code_is_kept_only_as_its_hash(bot: Bot) -> None:
    link, _, _ = await sheet_from_telegram(bot)
    code = LINK.fullmatch(link).group(1).removeprefix("l_")  # type: ignore[union-attr]
    await bot.stop()
    for file in bot.database.parent.glob("bot.sqlite3*"):
        assert code.encode() not in file.read_bytes(), file.name
    with sqlite3.connect(bot.database) as db:
        rows = db.execute("SELECT code_hash FROM leader_invites").fetchall()
    assert len(rows) == 1 and code not in rows[0][0]
    await bot.start()


async def test_the_command_line_writes_a_sheet_that_works_once(bot: Bot, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f'storage:\n  database: "{bot.database}"\n', encoding="utf-8")
    sheet = tmp_path / "sheet.pdf"
    args = ["--config", str(config), "invite-leader", "--village", "09060405"]
    assert (
        await asyncio.to_thread(cli.main, [*args, "--pdf", str(sheet), "--username", USERNAME]) == 0
    )
    [link] = qr_links_in_pdf(sheet.read_bytes())
    assert sheet.stat().st_mode & 0o077 == 0  # only its owner may read a usable invite
    leader, other = bot.user(1704, "Chief"), bot.user(1705)
    await scan(leader, link)
    await leader.click("ភាសាខ្មែរ")
    await read_consent(leader)
    await leader.click("បាទ/ចាស ខ្ញុំយល់ព្រម")
    assert WELCOME in leader.last_text()
    await scan(other, link)
    assert other.last_text().startswith(USED)
    # The command line's invite runs on real time: months later it has expired.
    bot.clock.advance(timedelta(days=800))
    assert (
        await asyncio.to_thread(cli.main, [*args, "--pdf", str(sheet), "--username", USERNAME]) == 0
    )
    [second] = qr_links_in_pdf(sheet.read_bytes())
    assert second != link
    await scan(bot.user(1706), second)
    assert bot.user(1706).last_text().startswith(EXPIRED)


async def test_a_sheet_needs_a_username_and_a_folder_and_makes_no_invite_without(
    bot: Bot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f'storage:\n  database: "{bot.database}"\n', encoding="utf-8")
    args = ["--config", str(config), "invite-leader", "--village", "09060405"]
    for extra in (
        ["--pdf", str(tmp_path / "sheet.pdf")],  # no username, no token
        ["--pdf", str(tmp_path / "no" / "sheet.pdf"), "--username", USERNAME],
    ):
        assert await asyncio.to_thread(cli.main, [*args, *extra]) == 2
        assert capsys.readouterr().err.strip()
    with sqlite3.connect(bot.database) as db:
        assert db.execute("SELECT COUNT(*) FROM leader_invites").fetchone() == (0,)


async def test_a_villager_gets_no_sheet(bot: Bot) -> None:
    villager = bot.user(1707)
    await onboard(villager)
    await villager.send("/invite 09060405")
    assert villager.last_text() == "នេះសម្រាប់តែបុគ្គលិកគម្រោងប៉ុណ្ណោះ។"
    assert [m.kind for m in bot.telegram.chats[1707] if m.from_bot].count("document") == 0
