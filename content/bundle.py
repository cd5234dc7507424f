"""All content, loaded and checked once at startup: a broken file stops the bot."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from content.awareness import Awareness, load_awareness
from content.budget import check_budgets, check_lesson_budgets
from content.checkin import Problem, load_problems
from content.contacts import Directory, load_directory
from content.errors import ContentError, ContentErrors
from content.places import Gazetteer, load_gazetteer
from content.texts import Texts, check_parity, load_catalog

CONTENT_DIR = Path(__file__).resolve().parent
LANGUAGES = ("km", "en")  # Khmer first: the order buttons and checks use


@dataclass(frozen=True)
class Content:
    texts: Texts
    contacts: Directory
    places: Gazetteer
    awareness: Awareness
    problems: tuple[Problem, ...]
    content_dir: Path  # where its drawn pictures are (content/pictures.py, picture_file)


def load_catalogs(content_dir: Path) -> dict[str, dict[str, str]]:
    """Every ``<lang>/*.po`` (one per feature), merged per language after checking parity.

    Each language must have the same files, each file the same keys and placeholders, and no
    key may appear in two files. All problems are reported together.
    """
    names = {lang: sorted(p.name for p in (content_dir / lang).glob("*.po")) for lang in LANGUAGES}
    reference = names[LANGUAGES[0]]
    if not reference:
        raise ContentError(str(content_dir / LANGUAGES[0]), "-", "no .po catalog found")
    for lang in LANGUAGES[1:]:
        for missing in sorted(set(reference) ^ set(names[lang])):
            owner = LANGUAGES[0] if missing in names[lang] else lang
            raise ContentError(str(content_dir / owner / missing), "-", "file is missing")
    problems: list[ContentError] = []
    merged: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    seen_in: dict[str, str] = {}
    for name in reference:
        files = {lang: content_dir / lang / name for lang in LANGUAGES}
        catalogs = {}
        for lang, path in files.items():
            try:
                catalogs[lang] = load_catalog(path)
            except ContentErrors as errors:
                problems += errors.problems
        if len(catalogs) != len(LANGUAGES):
            continue
        try:
            check_parity(catalogs, files)
        except ContentErrors as errors:
            problems += errors.problems
            continue
        for key in catalogs[LANGUAGES[0]]:
            if key in seen_in:
                problems.append(
                    ContentError(str(files[LANGUAGES[0]]), key, f"also in {seen_in[key]}")
                )
            seen_in[key] = name
        for lang in LANGUAGES:
            merged[lang].update(catalogs[lang])
    if problems:
        raise ContentErrors(problems)
    return merged


def load_content(
    *,
    districts: tuple[str, ...],
    places_scope: str = "pilot",
    default_language: str = "km",
    content_dir: Path = CONTENT_DIR,
) -> Content:
    """Loads every content file and checks that languages match; raises ContentError.

    Screens a villager must read in one breath are checked against their length budgets.
    """
    catalogs = load_catalogs(content_dir)
    check_budgets(catalogs, str(content_dir))
    awareness = load_awareness(content_dir, LANGUAGES)
    check_lesson_budgets(((x.id, x.screens) for x in awareness.lessons), str(content_dir))
    return Content(
        texts=Texts(catalogs, default_language),
        contacts=load_directory(content_dir, LANGUAGES),
        places=load_gazetteer(content_dir / "places.yaml", districts, places_scope),
        awareness=awareness,
        problems=load_problems(content_dir, LANGUAGES),
        content_dir=content_dir,
    )
