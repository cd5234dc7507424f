"""All content, loaded and checked once at startup: a broken file stops the bot."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from content.awareness import Awareness, load_awareness
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


def load_content(
    *,
    districts: tuple[str, ...],
    places_scope: str = "pilot",
    default_language: str = "km",
    content_dir: Path = CONTENT_DIR,
) -> Content:
    """Loads every content file and checks that languages match; raises ContentError."""
    files = {lang: content_dir / lang / "messages.po" for lang in LANGUAGES}
    problems: list[ContentError] = []
    catalogs = {}
    for lang, path in files.items():
        try:
            catalogs[lang] = load_catalog(path)
        except ContentErrors as errors:
            problems += errors.problems
    if problems:
        raise ContentErrors(problems)
    check_parity(catalogs, files)
    return Content(
        texts=Texts(catalogs, default_language),
        contacts=load_directory(content_dir, LANGUAGES),
        places=load_gazetteer(content_dir / "places.yaml", districts, places_scope),
        awareness=load_awareness(content_dir, LANGUAGES),
    )
