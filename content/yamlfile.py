"""Reading content YAML with errors that name the file and the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from content.errors import ContentError


def read_yaml(path: Path) -> Any:
    """Parses one YAML file; a missing or broken file is a ContentError."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ContentError(str(path), "-", "file is missing") from error
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ContentError(str(path), "-", f"cannot be read as YAML: {error}") from error


def field(path: Path, mapping: Any, key: str, where: str, kind: type = str) -> Any:
    """``mapping[key]``, which must exist and be of ``kind`` (a str must not be empty)."""
    if not isinstance(mapping, dict):
        raise ContentError(str(path), where, "must be a mapping")
    if key not in mapping:
        raise ContentError(str(path), f"{where}.{key}".lstrip("."), "is missing")
    value = mapping[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ContentError(
            str(path), f"{where}.{key}".lstrip("."), f"must be {kind.__name__} (quote codes)"
        )
    if isinstance(value, str) and not value.strip():
        raise ContentError(str(path), f"{where}.{key}".lstrip("."), "is empty")
    return value
