"""Lessons, stories, the gender statements and the quiz: same structure in every language.

Each language has its own files (``content/<lang>/lessons.yaml`` …). Everything that is not
text for people (ids, order, counts, ``correct``, ``source``, ``lesson``, pictures) must be
identical across languages; the loader proves it and names the first place where it is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from content.errors import ContentError
from content.pictures import PICTURE_IDS, picture_file
from content.texts import html_problem
from content.yamlfile import field, read_yaml

# Fields whose values are words for people, so they differ between languages.
TRANSLATED = frozenset(
    {"title", "text", "screens", "points", "feedback", "audio", "label", "advice"}
)
MAX_SCREEN = 1000  # characters; Telegram allows 4,096, a phone screen far fewer


@dataclass(frozen=True)
class Lesson:
    id: str
    source: str
    titles: dict[str, str]
    screens: dict[str, tuple[str, ...]]
    picture: str | None  # a picture id (content/pictures.py), drawn in every language
    picture_files: dict[str, Path]  # language -> its drawn PNG (empty without a picture)
    audio: dict[str, Path | None]  # a voice recording per language, for people who read little

    @property
    def length(self) -> int:
        return len(next(iter(self.screens.values())))


@dataclass(frozen=True)
class Story:
    id: str
    source: str
    lesson: str
    titles: dict[str, str]
    screens: dict[str, tuple[str, ...]]

    @property
    def length(self) -> int:
        return len(next(iter(self.screens.values())))


@dataclass(frozen=True)
class Statement:
    id: str
    source: str
    texts: dict[str, str]
    points: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Option:
    id: str
    correct: bool
    texts: dict[str, str]
    feedback: dict[str, str]
    # A wrong option that says what someone in trouble may feel ("it is my fault"): its feedback
    # opens kindly, not with "not quite", which would read as "you are wrong to feel that".
    gentle: bool = False


@dataclass(frozen=True)
class Question:
    id: str
    lesson: str
    source: str
    texts: dict[str, str]
    options: tuple[Option, ...]

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Awareness:
    lessons: tuple[Lesson, ...]
    stories: tuple[Story, ...]
    statements: tuple[Statement, ...]
    questions: tuple[Question, ...]

    def lesson(self, lesson_id: str) -> Lesson | None:
        return next((item for item in self.lessons if item.id == lesson_id), None)

    def story(self, story_id: str) -> Story | None:
        return next((item for item in self.stories if item.id == story_id), None)

    def statement(self, statement_id: str) -> Statement | None:
        return next((item for item in self.statements if item.id == statement_id), None)


def load_awareness(content_dir: Path, languages: tuple[str, ...]) -> Awareness:
    """Loads and cross-checks the four awareness files of every language."""
    lessons = load_parallel(content_dir, languages, "lessons.yaml", "lessons")
    stories = load_parallel(content_dir, languages, "stories.yaml", "stories")
    statements = load_parallel(content_dir, languages, "statements.yaml", "statements")
    questions = load_parallel(content_dir, languages, "quiz.yaml", "questions")
    first = languages[0]
    first_file = content_dir / first / "lessons.yaml"

    built_lessons = tuple(
        Lesson(
            id=item["id"],
            source=item["source"],
            titles={lang: lessons[lang][i]["title"] for lang in languages},
            screens={lang: tuple(lessons[lang][i]["screens"]) for lang in languages},
            picture=_picture(first_file, f"lessons[{i}].picture", item.get("picture")),
            picture_files={
                lang: picture_file(content_dir, lang, item["picture"])
                for lang in languages
                if item.get("picture") is not None
            },
            audio={
                lang: _media(
                    content_dir,
                    content_dir / lang / "lessons.yaml",
                    f"lessons[{i}].audio",
                    lessons[lang][i].get("audio"),
                )
                for lang in languages
            },
        )
        for i, item in enumerate(lessons[first])
    )
    lesson_ids = {lesson.id for lesson in built_lessons}
    named = [lesson.picture for lesson in built_lessons if lesson.picture is not None]
    for picture in {p for p in named if named.count(p) > 1}:
        # Its file is checked against one lesson's text: two lessons cannot share it.
        raise ContentError(str(first_file), "lessons.picture", f"{picture!r} named twice")
    stories_file = content_dir / first / "stories.yaml"
    built_stories = tuple(
        Story(
            id=item["id"],
            source=item["source"],
            lesson=_lesson_ref(stories_file, f"stories[{i}]", item, lesson_ids),
            titles={lang: stories[lang][i]["title"] for lang in languages},
            screens={lang: tuple(stories[lang][i]["screens"]) for lang in languages},
        )
        for i, item in enumerate(stories[first])
    )
    built_statements = tuple(
        Statement(
            id=item["id"],
            source=item["source"],
            texts={lang: statements[lang][i]["text"] for lang in languages},
            points={lang: tuple(statements[lang][i]["points"]) for lang in languages},
        )
        for i, item in enumerate(statements[first])
    )
    quiz_file = content_dir / first / "quiz.yaml"
    built_questions = []
    for i, item in enumerate(questions[first]):
        where = f"questions[{i}]"
        options = tuple(
            Option(
                id=_field(quiz_file, option, "id", f"{where}.options[{j}]"),
                correct=_field(quiz_file, option, "correct", f"{where}.options[{j}]", bool),
                texts={lang: questions[lang][i]["options"][j]["text"] for lang in languages},
                feedback={lang: questions[lang][i]["options"][j]["feedback"] for lang in languages},
                gentle=_gentle(quiz_file, f"{where}.options[{j}]", option),
            )
            for j, option in enumerate(_field(quiz_file, item, "options", where, list))
        )
        if sum(option.correct for option in options) != 1:
            raise ContentError(str(quiz_file), f"{where}.options", "needs exactly one correct")
        if len({option.id for option in options}) != len(options) or len(options) < 2:
            raise ContentError(str(quiz_file), f"{where}.options", "needs 2+ unique option ids")
        built_questions.append(
            Question(
                id=item["id"],
                lesson=_lesson_ref(quiz_file, where, item, lesson_ids),
                source=item["source"],
                texts={lang: questions[lang][i]["text"] for lang in languages},
                options=options,
            )
        )
    return Awareness(built_lessons, built_stories, built_statements, tuple(built_questions))


def _field(path: Path, mapping: Any, key: str, where: str, kind: type = str) -> Any:
    return field(path, mapping, key, where, kind)


def _gentle(path: Path, where: str, option: Any) -> bool:
    """The optional ``gentle`` flag: true or false, and only on a wrong option."""
    gentle = option.get("gentle", False) if isinstance(option, dict) else False
    if not isinstance(gentle, bool):
        raise ContentError(str(path), f"{where}.gentle", "must be true or false")
    if gentle and option.get("correct") is True:
        raise ContentError(str(path), f"{where}.gentle", "is for a wrong option only")
    return gentle


def load_parallel(
    content_dir: Path, languages: tuple[str, ...], name: str, top: str
) -> dict[str, list[dict[str, Any]]]:
    """Reads one file per language, checks each, then checks they share one skeleton."""
    items: dict[str, list[dict[str, Any]]] = {}
    for lang in languages:
        path = content_dir / lang / name
        entries = field(path, read_yaml(path), top, "", list)
        if not entries:
            raise ContentError(str(path), top, "is empty")
        seen: set[str] = set()
        for i, entry in enumerate(entries):
            where = f"{top}[{i}]"
            entry_id = field(path, entry, "id", where)
            if entry_id in seen:
                raise ContentError(str(path), f"{where}.id", f"duplicate id {entry_id!r}")
            seen.add(entry_id)
            field(path, entry, "source", where)
            _check_texts(path, entry, where)
        items[lang] = entries
    first = languages[0]
    for lang in languages[1:]:
        difference = _first_difference(_skeleton(items[first]), _skeleton(items[lang]), top)
        if difference is not None:
            raise ContentError(
                str(content_dir / lang / name),
                difference,
                f"differs from {first}/{name} (ids, order, counts, flags and sources must match)",
            )
    return items


def _check_texts(path: Path, node: Any, where: str) -> None:
    """Every text for people is a non-empty string of sensible length."""
    if isinstance(node, dict):
        for key, value in node.items():
            inner = f"{where}.{key}"
            if key in ("title", "text", "feedback", "label", "advice"):
                field(path, node, key, where)
                if problem := html_problem(value):
                    raise ContentError(str(path), inner, problem)
            elif key in ("screens", "points"):
                if not isinstance(value, list) or not value:
                    raise ContentError(str(path), inner, "must be a non-empty list of texts")
                for n, text in enumerate(value):
                    if not isinstance(text, str) or not text.strip():
                        raise ContentError(str(path), f"{inner}[{n}]", "must be non-empty text")
                    if len(text) > MAX_SCREEN:
                        raise ContentError(str(path), f"{inner}[{n}]", "too long for one screen")
                    if problem := html_problem(text):
                        raise ContentError(str(path), f"{inner}[{n}]", problem)
            else:
                _check_texts(path, value, inner)
    elif isinstance(node, list):
        for n, value in enumerate(node):
            _check_texts(path, value, f"{where}[{n}]")


def _skeleton(node: Any) -> Any:
    """The node without words for people: texts dropped, lists of texts reduced to a count."""
    if isinstance(node, dict):
        return {
            key: len(value) if key in TRANSLATED else _skeleton(value)
            for key, value in node.items()
            if key not in TRANSLATED or isinstance(value, list)
        }
    if isinstance(node, list):
        return [_skeleton(value) for value in node]
    return node


def _first_difference(a: Any, b: Any, where: str) -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            if key not in a or key not in b:
                return f"{where}.{key}"
            found = _first_difference(a[key], b[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            found = _first_difference(x, y, f"{where}[{i}]")
            if found:
                return found
        return f"{where}[{min(len(a), len(b))}]" if len(a) != len(b) else None
    return None if a == b else where


def _lesson_ref(path: Path, where: str, item: dict[str, Any], lesson_ids: set[str]) -> str:
    lesson = field(path, item, "lesson", where)
    if lesson not in lesson_ids:
        raise ContentError(str(path), f"{where}.lesson", f"no lesson {lesson!r}")
    return str(lesson)


def _picture(path: Path, where: str, value: Any) -> str | None:
    """A picture the project draws; its file may still be missing (bot.py check says so)."""
    if value is None:
        return None
    if value not in PICTURE_IDS:
        known = ", ".join(PICTURE_IDS)
        raise ContentError(str(path), where, f"no picture {value!r} (known: {known})")
    return str(value)


def _media(content_dir: Path, path: Path, where: str, value: Any) -> Path | None:
    """A recording under content/media/, which must exist."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ContentError(str(path), where, "must be a path under content/media/")
    media = (content_dir / "media" / value).resolve()
    if (content_dir / "media").resolve() not in media.parents or not media.is_file():
        raise ContentError(str(path), where, f"no file content/media/{value}")
    return media
