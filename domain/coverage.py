"""How much of the content has a Khmer recording, and which recordings are out of date."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Coverage:
    """Recordings against the items as they are now (both: item id -> hash of the text)."""

    items: Mapping[str, str]
    recordings: Mapping[str, str]

    def state(self, item_id: str) -> str:
        """current (made for this text), outdated (the text changed since), or missing."""
        kept = self.recordings.get(item_id)
        if kept is None:
            return "missing"
        return "current" if kept == self.items.get(item_id) else "outdated"

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def recorded(self) -> int:
        """Items whose recording matches their text now."""
        return sum(self.state(i) == "current" for i in self.items)

    @property
    def outdated(self) -> list[str]:
        return sorted(i for i in self.items if self.state(i) == "outdated")

    @property
    def orphans(self) -> list[str]:
        """Recordings of items that no longer exist (a lesson screen removed)."""
        return sorted(set(self.recordings) - set(self.items))


def coverage(items: Mapping[str, str], recordings: Mapping[str, str]) -> Coverage:
    return Coverage(dict(items), dict(recordings))
