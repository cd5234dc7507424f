"""The lesson pictures as files: what each is drawn from, drawing them again, and telling
whether the files still match the content.

A picture is "up to date" when the hash stored beside its PNG is the hash of what it would be
drawn from now: its words in ``pictures.po``, the figures in it, the whole text of the lesson
that names it (so a changed lesson asks for a look at its picture) and the drawing's version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from content.awareness import Lesson
from content.bundle import Content
from content.pictures import hash_file, picture_file
from domain.economics import MONTHLY
from printables.drawing import DRAWING_LOCK
from printables.picture_drawings import CAMBODIA_CODE, DRAWINGS, SIGNS, THAILAND_EXIT_CODE


@dataclass(frozen=True)
class PictureState:
    lesson: str
    picture: str
    lang: str
    path: Path
    problem: str | None  # None when the file is there and up to date


def lessons_with_pictures(content: Content) -> list[Lesson]:
    return [lesson for lesson in content.awareness.lessons if lesson.picture is not None]


def _figures(picture_id: str) -> list[str]:
    """Numbers drawn into a picture that come from code rather than from its words."""
    if picture_id == "money":
        return [f"{place} {income} {expenses}" for place, (income, expenses) in MONTHLY.items()]
    if picture_id == "dialling":
        return [THAILAND_EXIT_CODE, CAMBODIA_CODE]
    if picture_id == "warning_signs":
        return list(SIGNS)
    return []


def source_text(content: Content, lesson: Lesson, lang: str) -> str:
    """Everything one picture is drawn from, in one language, as text."""
    assert lesson.picture is not None
    version, _ = DRAWINGS[lesson.picture]
    prefix = f"picture.{lesson.picture}."
    words = sorted(key for key in content.texts.keys(lang) if key.startswith(prefix))
    lines = [
        f"picture {lesson.picture} drawing {version} language {lang}",
        *(f"{key} = {content.texts.raw(lang, key)}" for key in words),
        *(f"figure {figure}" for figure in _figures(lesson.picture)),
        f"lesson {lesson.id}: {lesson.titles[lang]}",
        *(f"screen {n}: {screen}" for n, screen in enumerate(lesson.screens[lang], start=1)),
    ]
    return "\n".join(lines) + "\n"


def source_hash(content: Content, lesson: Lesson, lang: str) -> str:
    return hashlib.sha256(source_text(content, lesson, lang).encode("utf-8")).hexdigest()


def picture_states(content: Content, content_dir: Path) -> list[PictureState]:
    """Every picture a lesson names, in every language, with what is wrong with it if anything."""
    states = []
    for lesson in lessons_with_pictures(content):
        assert lesson.picture is not None
        for lang in content.texts.languages:
            path = picture_file(content_dir, lang, lesson.picture)
            stored = hash_file(content_dir, lang, lesson.picture)
            problem = None
            if not path.is_file():
                problem = "missing"
            elif not stored.is_file():
                problem = "has no hash beside it"
            elif stored.read_text(encoding="ascii").strip() != source_hash(content, lesson, lang):
                problem = "out of date (its words, figures or lesson changed)"
            states.append(PictureState(lesson.id, lesson.picture, lang, path, problem))
    return states


def draw_pictures(content: Content, content_dir: Path) -> list[tuple[Path, int]]:
    """Draws every picture a lesson names, in every language; returns each file and its size."""
    written = []
    for lesson in lessons_with_pictures(content):
        assert lesson.picture is not None
        _, drawing = DRAWINGS[lesson.picture]
        for lang in content.texts.languages:
            with DRAWING_LOCK:
                picture = drawing(content.texts, lang)
            path = picture_file(content_dir, lang, lesson.picture)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(picture)
            stored = hash_file(content_dir, lang, lesson.picture)
            stored.write_text(source_hash(content, lesson, lang) + "\n", encoding="ascii")
            written.append((path, len(picture)))
    return written
