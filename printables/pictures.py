"""The pictures as files: what each is drawn from, drawing them again, and telling whether the
files still match the content.

The lessons' pictures, the check-in's problem list and the posters' strip of what the bot does
are all kept the same way. A picture is "up to date" when the hash stored beside its PNG is the
hash of what it would be drawn from now: its words in ``pictures.po``, the figures in it (for
the problem list: each problem's id, emoji and words), the whole text of the lesson that names
it (so a changed lesson asks for a look at its picture) and the drawing's version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from content.awareness import Lesson
from content.bundle import Content
from content.pictures import PROBLEMS_PICTURE, STRIP_PICTURE, hash_file, picture_file
from domain.economics import MONTHLY
from printables.drawing import DRAWING_LOCK
from printables.picture_drawings import (
    CAMBODIA_CODE,
    DRAWINGS,
    SIGN_PROBLEMS,
    SIGNS,
    THAILAND_EXIT_CODE,
    problem_emoji,
    strip_words,
)

# Pictures no lesson names: drawn all the same, and where each is shown.
PROBLEMS, STRIP = PROBLEMS_PICTURE, STRIP_PICTURE
SHOWN_IN = {PROBLEMS: "the check-in's problem list", STRIP: "the posters and invite sheets"}


@dataclass(frozen=True)
class Drawn:
    """One picture the project draws: its id, and the lesson that shows it, if any."""

    picture: str
    lesson: Lesson | None

    @property
    def shown_in(self) -> str:
        return f"lesson {self.lesson.id}" if self.lesson is not None else SHOWN_IN[self.picture]


@dataclass(frozen=True)
class PictureState:
    picture: str
    shown_in: str  # "lesson at_work", "the check-in's problem list", ...
    lang: str
    path: Path
    problem: str | None  # None when the file is there and up to date


def lessons_with_pictures(content: Content) -> list[Lesson]:
    return [lesson for lesson in content.awareness.lessons if lesson.picture is not None]


def drawn_pictures(content: Content) -> list[Drawn]:
    """Every picture to keep drawn: the lessons' first, then the problem list and the strip."""
    lessons = [
        Drawn(lesson.picture, lesson)
        for lesson in content.awareness.lessons
        if lesson.picture is not None
    ]
    return [*lessons, Drawn(PROBLEMS, None), Drawn(STRIP, None)]


def _figures(content: Content, picture_id: str, lang: str) -> list[str]:
    """What is drawn into a picture that comes from code or other content than its words."""
    if picture_id == "money":
        return [f"{place} {income} {expenses}" for place, (income, expenses) in MONTHLY.items()]
    if picture_id == "dialling":
        return [THAILAND_EXIT_CODE, CAMBODIA_CODE]
    if picture_id == "warning_signs":
        emoji = problem_emoji(content)
        return [f"{sign} {emoji[SIGN_PROBLEMS[sign]]}" for sign in SIGNS]
    if picture_id == PROBLEMS:
        return [f"{p.id} {p.emoji} {p.labels[lang]}" for p in content.problems]
    if picture_id == STRIP:
        return [" ".join(cell) for cell in strip_words(content, lang)]
    return []


def source_text(content: Content, drawn: Drawn, lang: str) -> str:
    """Everything one picture is drawn from, in one language, as text."""
    version, _ = DRAWINGS[drawn.picture]
    prefix = f"picture.{drawn.picture}."
    words = sorted(key for key in content.texts.keys(lang) if key.startswith(prefix))
    lines = [
        f"picture {drawn.picture} drawing {version} language {lang}",
        *(f"{key} = {content.texts.raw(lang, key)}" for key in words),
        *(f"figure {figure}" for figure in _figures(content, drawn.picture, lang)),
    ]
    if (lesson := drawn.lesson) is not None:
        lines.append(f"lesson {lesson.id}: {lesson.titles[lang]}")
        lines += [f"screen {n}: {screen}" for n, screen in enumerate(lesson.screens[lang], 1)]
    return "\n".join(lines) + "\n"


def source_hash(content: Content, drawn: Drawn, lang: str) -> str:
    return hashlib.sha256(source_text(content, drawn, lang).encode("utf-8")).hexdigest()


def picture_states(content: Content, content_dir: Path) -> list[PictureState]:
    """Every picture the project draws, in every language, with what is wrong with it if
    anything."""
    states = []
    for drawn in drawn_pictures(content):
        for lang in content.texts.languages:
            path = picture_file(content_dir, lang, drawn.picture)
            stored = hash_file(content_dir, lang, drawn.picture)
            problem = None
            if not path.is_file():
                problem = "missing"
            elif not stored.is_file():
                problem = "has no hash beside it"
            elif stored.read_text(encoding="ascii").strip() != source_hash(content, drawn, lang):
                problem = "out of date (its words, figures or lesson changed)"
            states.append(PictureState(drawn.picture, drawn.shown_in, lang, path, problem))
    return states


def draw_picture(content: Content, picture_id: str, lang: str) -> bytes:
    """One picture drawn now, in one language (the posters draw the strip so when its file is
    missing)."""
    _, drawing = DRAWINGS[picture_id]
    with DRAWING_LOCK:
        return drawing(content, lang)


def draw_pictures(content: Content, content_dir: Path) -> list[tuple[Path, int]]:
    """Draws every picture in every language; returns each file and its size."""
    written = []
    for drawn in drawn_pictures(content):
        for lang in content.texts.languages:
            picture = draw_picture(content, drawn.picture, lang)
            path = picture_file(content_dir, lang, drawn.picture)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(picture)
            stored = hash_file(content_dir, lang, drawn.picture)
            stored.write_text(source_hash(content, drawn, lang) + "\n", encoding="ascii")
            written.append((path, len(picture)))
    return written
