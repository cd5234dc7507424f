"""The translators' workflow: a spreadsheet round trip, English beside Khmer, and check."""

from __future__ import annotations

import asyncio
import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import PROJECT_DIR
from content.bundle import CONTENT_DIR, load_catalogs
from operations.strings import export_csv, import_csv, sync_comments


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_spreadsheet_round_trip_changes_only_what_the_translator_changed(
    content: Path, tmp_path: Path
) -> None:
    sheet = tmp_path / "strings.csv"
    count = export_csv(content, sheet)
    rows = rows_of(sheet)
    assert count == len(rows) == len(load_catalogs(content)["en"])
    row = next(r for r in rows if r["key"] == "menu.help")
    assert row["english"] == "🆘 Help and hotlines" and row["file"] == "messages.po"
    row["khmer"] = "🆘 ជំនួយ"
    with sheet.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["file", "key", "english", "khmer"])
        writer.writeheader()
        writer.writerows(rows)
    changed, problems = import_csv(content, sheet)
    assert (changed, problems) == (1, [])
    assert load_catalogs(content)["km"]["menu.help"] == "🆘 ជំនួយ"


def test_a_bad_translation_is_not_taken(content: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "strings.csv"
    sheet.write_text(
        "file,key,english,khmer\n"
        'messages.po,onboarding.choose_commune,"Which commune in {district}?","ឃុំណា?"\n'
        "messages.po,menu.help,Help,<u>ជំនួយ</u>\n"
        "messages.po,menu.mydata,My data,\n",
        encoding="utf-8",
    )
    changed, problems = import_csv(content, sheet)
    assert changed == 0
    assert [p.split(": ", 3)[-1] for p in problems] == [
        "keep the {placeholders} of the English",
        "tag '<u>' is not allowed (only <b>, <i> and <a>)",
        "the Khmer is empty",
    ]


def test_sync_puts_the_english_beside_each_khmer_string(content: Path) -> None:
    for path in (content / "km").glob("*.po"):  # as before anyone ran it
        lines = path.read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if not line.startswith("#. English: ")]
        path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    assert sync_comments(content) == len(load_catalogs(content)["km"])
    text = (content / "km" / "messages.po").read_text(encoding="utf-8")
    assert '#. English: 🆘 Help and hotlines\nmsgid "menu.help"' in text
    assert load_catalogs(content)["km"]["menu.help"] == "🆘 ជំនួយ និងលេខទូរស័ព្ទ"
    assert sync_comments(content) == 0  # nothing left to do


async def test_check_fails_on_a_fuzzy_or_missing_khmer_string(content: Path) -> None:
    path = content / "km" / "messages.po"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('msgid "menu.help"', '#, fuzzy\nmsgid "menu.help"', 1), encoding="utf-8"
    )
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, str(PROJECT_DIR / "bot.py"), "check", "--content", str(content)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "km/messages.po: menu.help: marked fuzzy" in result.stderr
