"""The one error type for bad content: it names the file, the key and the problem."""

from __future__ import annotations


class ContentError(Exception):
    """Content that must not reach users: startup stops with this message."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        super().__init__(f"{file}: {key}: {problem}")
        self.file = file
        self.key = key
        self.problem = problem


class ContentErrors(ContentError):
    """Several problems found in one pass, so a translator can fix them all at once."""

    def __init__(self, problems: list[ContentError]) -> None:
        first = problems[0]
        super().__init__(first.file, first.key, first.problem)
        self.problems = problems
        self.args = ("\n".join(str(p) for p in problems),)
