"""The pre-departure check asked in short rounds: which questions each round holds."""

from __future__ import annotations

ROUND_AT_MOST = 8  # questions in one sitting, for people who read little


def rounds(total: int, at_most: int = ROUND_AT_MOST) -> list[range]:
    """The question positions of each round: as few rounds as fit, sizes differing by one.

    >>> [list(r) for r in rounds(5, 2)]
    [[0, 1], [2, 3], [4]]
    >>> [len(r) for r in rounds(23)]
    [8, 8, 7]
    """
    if total <= 0:
        return []
    count = -(-total // at_most)
    size, extra = divmod(total, count)
    out, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        out.append(range(start, end))
        start = end
    return out


def round_of(position: int, total: int, at_most: int = ROUND_AT_MOST) -> int:
    """The round (from 0) that holds the question at ``position``."""
    return next(i for i, r in enumerate(rounds(total, at_most)) if position in r)
