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


SHORT_FORMS = "## Short forms after a full mention"  # the second table's heading in TERMS.md
PENDING = "\u2063"  # stands for a chosen form while the variants are looked for


def _table_cells(text: str) -> Iterator[list[str]]:
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 3 and not set(cells[0]) <= {"-", " "}:
            yield cells


def term_rows(text: str) -> list[tuple[list[str], list[str]]]:
    """(chosen forms, variants) of each row of the term table: the words in backticks."""
    rows = []
    for cells in _table_cells(text.split(SHORT_FORMS)[0]):
        if len(cells) < 4:
            continue
        chosen, variants = WORD.findall(cells[1]), WORD.findall(cells[2])
        if chosen:
            rows.append((chosen, variants))
    return rows


def short_forms(text: str) -> list[tuple[str, str]]:
    """(full form, short form) pairs: the short one is allowed after the full one."""
    pairs = []
    parts = text.split(SHORT_FORMS)
    for cells in _table_cells(parts[1] if len(parts) > 1 else ""):
        full, short = WORD.findall(cells[0]), WORD.findall(cells[1])
        if full and short:
            pairs.append((full[0], short[0]))
    return pairs


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


def variants_used(
    text: str,
    rows: list[tuple[list[str], list[str]]],
    shortened: list[tuple[str, str]] | None = None,
) -> list[str]:
    for full, short in shortened or []:
        first = text.find(full)
        if first >= 0:  # after the full form, the short one stands for it
            cut = first + len(full)
            text = text[:cut] + text[cut:].replace(short, PENDING)
    found = []
    for chosen, variants in rows:
        rest = text
        for form in sorted(chosen, key=len, reverse=True):
            rest = rest.replace(form, PENDING)  # a chosen form may contain a variant
        found += [variant for variant in variants if variant in rest]
    return found


def test_the_term_list_is_read() -> None:
    rows = term_rows(TERMS.read_text(encoding="utf-8"))
    assert len(rows) >= 20, "the table in TERMS.md was not understood: update this test"
    passport = next(variants for chosen, variants in rows if "ប៉ាស្ព័រ" in chosen)
    assert passport == ["លិខិតឆ្លងដែន"]


def problems_in(folder: Path) -> dict[str, list[str]]:
    """{file: key: the variants it uses} for every Khmer text in a content folder."""
    terms = TERMS.read_text(encoding="utf-8")
    rows, shortened = term_rows(terms), short_forms(terms)
    found = {where: variants_used(text, rows, shortened) for where, text in khmer_texts(folder)}
    return {where: variants for where, variants in found.items() if variants}


def test_no_khmer_text_uses_a_word_the_term_list_rules_out() -> None:
    assert len(list(khmer_texts(KHMER_DIR))) > 500
    problems = problems_in(KHMER_DIR)
    assert problems == {}, "see content/km/TERMS.md:\n" + "\n".join(
        f"{where}: {variants}" for where, variants in problems.items()
    )


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("សូមយកលិខិតឆ្លងដែនទៅ", ["លិខិតឆ្លងដែន"]),
        ("ប៉ាស្ព័រ (លិខិតឆ្លងដែន) ជារបស់អ្នក", []),
        ("ទៅតាមក្រុមហ៊ុនជ្រើសរើសពលករ", []),
        ("ទៅធ្វើការនៅក្រុមហ៊ុនមួយ", ["ក្រុមហ៊ុន"]),
        ("នៅស្រុកស្រែ អំបិល និងឃុំស្រែអំបិល", []),
        ("នៅស្រុកស្រែអំបិល", ["ស្រែអំបិល"]),
        # the rows added after the review of 7 December 2026
        ("សូមហៅលេខជំនួយ", ["លេខជំនួយ"]),
        ("សូមហៅលេខទូរស័ព្ទជំនួយ", []),
        ("បើគ្មានឯកសារធ្វើការ ប៉ូលិសអាចចាប់អ្នក", ["ឯកសារធ្វើការ"]),
        ("បើគ្មានប័ណ្ណការងារ ប៉ូលិសអាចចាប់អ្នក", []),
        ("អ្នកជ្រើសរើសពលករម្នាក់ថា", ["អ្នកជ្រើសរើសពលករ"]),
        ("គេថា គេមកពីក្រុមហ៊ុនជ្រើសរើសពលករ", []),
        ("អ្នកមានឯកសារ មានកិច្ចសន្យា", ["កិច្ចសន្យា"]),
        ("សួរនៅការិយាល័យប៉ាស្ព័រ", ["ការិយាល័យប៉ាស្ព័រ"]),
        ("សួរនៅការិយាល័យធ្វើប៉ាស្ព័រ នៅទីរួមខេត្តកោះកុង", []),
        ("នៅក្រុងកោះកុង", ["ក្រុងកោះកុង"]),
        ("ឈ្មោះតេឡេក្រាមរបស់អ្នក", ["តេឡេក្រាម"]),
        ("ឈ្មោះ Telegram របស់អ្នក", []),
        ("សេចក្ដីថ្លែងទី ១", ["សេចក្ដីថ្លែង"]),
        ("ប្រយោគទី ១", []),
    ],
)
def test_a_variant_counts_only_outside_a_chosen_form(text: str, found: list[str]) -> None:
    terms = TERMS.read_text(encoding="utf-8")
    assert variants_used(text, term_rows(terms), short_forms(terms)) == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("មនុស្សខ្លះប្រើឈ្មោះក្រុមហ៊ុនជ្រើសរើសពលករពិត។ សូមទូរស័ព្ទទៅក្រុមហ៊ុននោះ", []),
        ("សូមទូរស័ព្ទទៅក្រុមហ៊ុននោះ", ["ក្រុមហ៊ុន"]),  # no full mention before it
        ("សូមទូរស័ព្ទទៅក្រុមហ៊ុននោះ ព្រោះជាក្រុមហ៊ុនជ្រើសរើសពលករ", ["ក្រុមហ៊ុន"]),
        ("ពេលកិច្ចសន្យាការងារចប់៖ កិច្ចសន្យាថ្មី ឬមកផ្ទះ", []),
        ("កិច្ចសន្យាថ្មី ក្រោយកិច្ចសន្យាការងារ", ["កិច្ចសន្យា"]),
    ],
)
def test_a_short_form_counts_only_after_its_full_form(text: str, found: list[str]) -> None:
    terms = TERMS.read_text(encoding="utf-8")
    assert short_forms(terms) == [
        ("ក្រុមហ៊ុនជ្រើសរើសពលករ", "ក្រុមហ៊ុននោះ"),
        ("កិច្ចសន្យាការងារ", "កិច្ចសន្យា"),
    ]
    assert variants_used(text, term_rows(terms), short_forms(terms)) == found


def test_a_variant_in_a_khmer_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "lessons.yaml").write_text(
        'lessons:\n  - id: "x"\n    screens:\n      - "ធ្វើ<b>លិខិតឆ្លងដែន</b>"\n',
        encoding="utf-8",
    )
    rows = term_rows(TERMS.read_text(encoding="utf-8"))
    assert [(where, variants_used(text, rows)) for where, text in khmer_texts(tmp_path)] == [
        ("lessons.yaml: lessons[0].screens[0]", ["លិខិតឆ្លងដែន"])
    ]
