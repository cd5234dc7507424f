"""One Khmer word for one thing: no Khmer text uses a word content/km/TERMS.md says not to use."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from content.bundle import CONTENT_DIR
from content.texts import load_catalog

KHMER_DIR = CONTENT_DIR / "km"
TERMS = KHMER_DIR / "TERMS.md"
KHMER = re.compile(r"[\u1780-\u17ff]")
TAG = re.compile(r"<[^>]+>")
WORD = re.compile(r"`([^`]+)`")


def term_rows(text: str) -> list[tuple[list[str], list[str]]]:
    """(chosen forms, variants) of each row of the table: the words in backticks."""
    rows = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 4 or set(cells[0]) <= {"-", " "}:
            continue
        chosen, variants = WORD.findall(cells[1]), WORD.findall(cells[2])
        if chosen:
            rows.append((chosen, variants))
    return rows


def strings(node: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every string in a YAML document, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, f"{where}.{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from strings(value, f"{where}[{n}]")
    elif isinstance(node, str):
        yield where, node


def khmer_texts(folder: Path) -> Iterator[tuple[str, str]]:
    """(file: key, text) for every Khmer text the bot can show, HTML tags removed."""
    for path in sorted(folder.glob("*.po")):
        for key, text in load_catalog(path).items():
            yield f"{path.name}: {key}", TAG.sub("", text)
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for where, text in strings(data, ""):
            if KHMER.search(text):  # ids, English sources and numbers are not Khmer text
                yield f"{path.name}: {where.lstrip('.')}", TAG.sub("", text)


def variants_used(text: str, rows: list[tuple[list[str], list[str]]]) -> list[str]:
    found = []
    for chosen, variants in rows:
        rest = text
        for form in sorted(chosen, key=len, reverse=True):
            rest = rest.replace(form, "\u2063")  # a chosen form may contain a variant
        found += [variant for variant in variants if variant in rest]
    return found


def test_the_term_list_is_read() -> None:
    rows = term_rows(TERMS.read_text(encoding="utf-8"))
    assert len(rows) >= 20, "the table in TERMS.md was not understood: update this test"
    passport = next(variants for chosen, variants in rows if "ប៉ាស្ព័រ" in chosen)
    assert passport == ["លិខិតឆ្លងដែន"]


def test_no_khmer_text_uses_a_word_the_term_list_rules_out() -> None:
    rows = term_rows(TERMS.read_text(encoding="utf-8"))
    texts = list(khmer_texts(KHMER_DIR))
    assert len(texts) > 500
    problems = [
        f"{where}: {variant!r}" for where, text in texts for variant in variants_used(text, rows)
    ]
    assert problems == [], "see content/km/TERMS.md:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("សូមយកលិខិតឆ្លងដែនទៅ", ["លិខិតឆ្លងដែន"]),
        ("ប៉ាស្ព័រ (លិខិតឆ្លងដែន) ជារបស់អ្នក", []),
        ("ទៅតាមក្រុមហ៊ុនជ្រើសរើសពលករ", []),
        ("ទៅធ្វើការនៅក្រុមហ៊ុនមួយ", ["ក្រុមហ៊ុន"]),
        ("នៅស្រុកស្រែ អំបិល និងឃុំស្រែអំបិល", []),
        ("នៅស្រុកស្រែអំបិល", ["ស្រែអំបិល"]),
    ],
)
def test_a_variant_counts_only_outside_a_chosen_form(text: str, found: list[str]) -> None:
    rows = term_rows(TERMS.read_text(encoding="utf-8"))
    assert variants_used(text, rows) == found


def test_a_variant_in_a_khmer_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "lessons.yaml").write_text(
        'lessons:\n  - id: "x"\n    screens:\n      - "ធ្វើ<b>លិខិតឆ្លងដែន</b>"\n',
        encoding="utf-8",
    )
    rows = term_rows(TERMS.read_text(encoding="utf-8"))
    assert [(where, variants_used(text, rows)) for where, text in khmer_texts(tmp_path)] == [
        ("lessons.yaml: lessons[0].screens[0]", ["លិខិតឆ្លងដែន"])
    ]
