"""Hotline texts are checked at load like every other text: `bot.py check` names file, key, problem.

A bare & in a note used to pass the check, then made the /help and /sos screens fail to send.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import bot as cli
from content.bundle import CONTENT_DIR
from tests.support.chat import Bot


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def change(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def check(content: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``python bot.py check`` on this content, with default settings."""
    settings = content.parent / "config.yaml"
    settings.write_text("{}\n", encoding="utf-8")
    code = cli.main(["--config", str(settings), "check", "--content", str(content)])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("file", "old", "new", "named"),
    [
        (
            "en/contacts.yaml",
            'note: "Free, 24 hours, call or SMS.',
            'note: "Free & open 24 hours, call or SMS.',
            "en/contacts.yaml: contacts.child_helpline.note: a bare & must be written &amp;",
        ),
        (
            "km/contacts.yaml",
            'name: "ខ្សែទូរស័ព្ទជំនួយកុមារកម្ពុជា"',
            'name: "<Hotline> ខ្សែទូរស័ព្ទជំនួយកុមារកម្ពុជា"',
            "km/contacts.yaml: contacts.child_helpline.name: tag '<Hotline>' is not allowed",
        ),
        (
            "en/contacts.yaml",
            'source: "a news report (2022)"',
            'source: "a news report (2022) < 2023"',
            "en/contacts.yaml: contacts.police_trafficking.source: a bare < or > must be",
        ),
        (
            "en/contacts.yaml",
            'tip: "To call home from Thailand:',
            'tip: "<b>To call home from Thailand:',
            "en/contacts.yaml: countries.TH.tip: <b> is never closed",
        ),
        (
            "en/contacts.yaml",
            'KH: {name: "Cambodia"',
            'KH: {name: "Cambodia &amp; Laos"',
            "en/contacts.yaml: countries.KH.name: is a button label",
        ),
        (
            "contacts.yaml",
            'phone: "1280"',
            'phone: "12 & 80"',
            "contacts.yaml: contacts[0].phone: must be a number",
        ),
        (
            "contacts.yaml",
            'phone: "1280"',
            'phone: "call us"',
            "contacts.yaml: contacts[0].phone: must be a number",
        ),
        (
            "contacts.yaml",
            '    hours: "24h"  # CONTENT-FACTS: "free, 24h"',
            '    hours: "8-17"',
            "contacts.yaml: contacts[0].hours: must be one of ('24h',) or left out",
        ),
        (
            "contacts.yaml",
            '    kind: "emergency"',
            '    kind: "police"',
            "contacts.yaml: contacts[5].kind: must be one of ('emergency',) or left out",
        ),
        (
            "contacts.yaml",
            "    status: unconfirmed\n",
            "    status: unconfirmed\n    first: 3\n",  # embassy_seoul, the last entry
            "contacts.yaml: contacts[12].first: an unconfirmed number is not first",
        ),
        (
            "contacts.yaml",
            "    first: 2  # for every age",
            "    first: 1  # for every age",
            "contacts.yaml: contacts: KH: two numbers with the same first",
        ),
        (
            "contacts.yaml",
            "    first: 1  # confirmed, free, 24h",
            "    first: yes  # confirmed, free, 24h",
            "contacts.yaml: contacts[0].first: must be a whole number from 1 on",
        ),
        (
            "en/contacts.yaml",
            '    short: "Child Helpline Cambodia, for people up to 25, free"\n',
            "",
            "en/contacts.yaml: contacts.child_helpline.short: is missing",
        ),
        (
            "km/contacts.yaml",
            '    source: "ក្រសួងការងារ',
            '    short: "ក្រសួងការងារ"\n    source: "ក្រសួងការងារ',
            "km/contacts.yaml: contacts.labour_ministry.short: only for a number with first",
        ),
        (
            "en/contacts.yaml",
            'short: "Police: illegal detention and trafficking, free"',
            'short: "Police: illegal detention & trafficking, free"',
            "en/contacts.yaml: contacts.police_trafficking.short: a bare & must be written &amp;",
        ),
    ],
)
def test_a_broken_hotline_text_fails_the_check_naming_file_key_and_problem(
    content: Path,
    capsys: pytest.CaptureFixture[str],
    file: str,
    old: str,
    new: str,
    named: str,
) -> None:
    change(content / file, old, new)
    code, errors = check(content, capsys)
    assert code == 2
    assert named in errors, errors
    assert str(content) in errors


async def test_an_escaped_ampersand_is_shown_as_one(
    content: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    change(
        content / "en" / "contacts.yaml",
        'name: "Child Helpline Cambodia"',
        'name: "Child Helpline &amp; Youth Line"',
    )
    change(
        content / "en" / "contacts.yaml",
        'note: "Free, 24 hours, call or SMS.',
        'note: "Free &amp; 24 hours, call or SMS.',
    )
    assert check(content, capsys)[0] == 0
    harness = await Bot(tmp_path / "bot.sqlite3", content_dir=content).start()
    try:
        person = harness.user(9101, "Dara", "en")
        await person.send("/start")
        await person.click("English")
        await person.send("/help")
        await person.click("Cambodia")
        await person.click("📋 All numbers and sources")  # the name is on the full list
        shown = person.last_text()
        assert "<b>Child Helpline &amp; Youth Line</b>" in shown  # Telegram shows "&"
        assert "Free &amp; 24 hours" in shown
        assert harness.telegram.refusals == []
    finally:
        await harness.stop()
