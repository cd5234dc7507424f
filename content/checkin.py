"""The problems a migrant can name in a check-in, with advice and whether each raises an alert."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from content.awareness import load_parallel
from content.yamlfile import field


@dataclass(frozen=True)
class Problem:
    id: str
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
        problems.append(
            Problem(
                id=item["id"],
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
    return tuple(problems)
