"""The problems a migrant can name in a check-in: emoji, advice, whether each raises an alert."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from content.awareness import load_parallel
from content.errors import ContentError
from content.pictures import EMOJI_DIR, emoji_name
from content.yamlfile import field


@dataclass(frozen=True)
class Problem:
    id: str
    emoji: str  # starts its button, and is drawn on its picture: the same in every language
    alert: bool
    labels: dict[str, str]
    advice: dict[str, str]


def load_problems(content_dir: Path, languages: tuple[str, ...]) -> tuple[Problem, ...]:
    """Loads ``<lang>/checkin.yaml`` for every language, checked to match."""
    items = load_parallel(content_dir, languages, "checkin.yaml", "problems")
    first = languages[0]
    path = content_dir / first / "checkin.yaml"
    problems = []
    for i, item in enumerate(items[first]):
        where = f"problems[{i}]"
        emoji = field(path, item, "emoji", where)
        if not (EMOJI_DIR / emoji_name(emoji)).is_file():
            raise ContentError(
                str(path), f"{where}.emoji", f"no image of {emoji!r} in {EMOJI_DIR.name}/"
            )
        problems.append(
            Problem(
                id=item["id"],
                emoji=emoji,
                alert=field(path, item, "alert", where, bool),
                labels={
                    lang: field(content_dir / lang / "checkin.yaml", items[lang][i], "label", where)
                    for lang in languages
                },
                advice={
                    lang: field(
                        content_dir / lang / "checkin.yaml", items[lang][i], "advice", where
                    )
                    for lang in languages
                },
            )
        )
    emoji = [problem.emoji for problem in problems]
    if twice := sorted({e for e in emoji if emoji.count(e) > 1}):
        # She tells the problems apart by their sign alone: one sign, one problem.
        raise ContentError(str(path), "problems.emoji", f"{twice[0]!r} starts two problems")
    return tuple(problems)
