"""Hotlines and embassies by country, with where each number comes from."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from content.errors import ContentError
from content.texts import html_problem
from content.yamlfile import field, read_yaml

STATUSES = ("confirmed", "single_source", "unconfirmed")
KINDS = ("emergency",)  # a country's police or ambulance short code (contacts.yaml says why)
HOURS = ("24h",)  # open day and night, where CONTENT-FACTS says so
# What people dial: digits with the separators numbers are written with ("+66 2 957 5851 / 5852").
PHONE = re.compile(r"\+?[0-9][0-9 ()./-]*")


@dataclass(frozen=True)
class Contact:
    id: str
    country: str
    phone: str
    status: str
    last_verified: date
    sources: dict[str, str]  # where the number comes from, said in each language
    names: dict[str, str]
    notes: dict[str, str]
    kind: str | None = None  # "emergency" or nothing
    hours: str | None = None  # "24h" or not known
    first: int | None = None  # its place on the first screen of /help and /sos, or not there
    # Its line on that first screen, in each language (only for a number with ``first``).
    shorts: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def needs_check(self) -> bool:
        """Whether people must be told to check the number before relying on it.

        Not under a national emergency number from a single source: CONTENT-FACTS asks for the
        note on unconfirmed numbers, and doubt printed under the police makes people hesitate.
        """
        if self.kind == "emergency":
            return self.status == "unconfirmed"
        return self.status != "confirmed"


@dataclass(frozen=True)
class Country:
    code: str
    names: dict[str, str]
    tips: dict[str, str]


@dataclass(frozen=True)
class Directory:
    countries: tuple[Country, ...]
    contacts: tuple[Contact, ...]

    def country(self, code: str) -> Country | None:
        return next((c for c in self.countries if c.code == code), None)

    def for_country(self, code: str) -> tuple[Contact, ...]:
        return tuple(c for c in self.contacts if c.country == code)

    def first_for_country(self, code: str) -> tuple[Contact, ...]:
        """The numbers of the first screen, in their ``first`` order (the rest is one tap on)."""
        chosen = [c for c in self.for_country(code) if c.first is not None]
        return tuple(sorted(chosen, key=lambda c: c.first or 0))


def load_directory(content_dir: Path, languages: tuple[str, ...]) -> Directory:
    """Loads ``contacts.yaml`` and each language's names; every id must resolve both ways."""
    path = content_dir / "contacts.yaml"
    data = read_yaml(path)
    codes = field(path, data, "countries", "", list)
    if len(set(codes)) != len(codes) or not all(isinstance(c, str) for c in codes):
        raise ContentError(str(path), "countries", "must be unique quoted country codes")
    entries: list[dict[str, Any]] = field(path, data, "contacts", "", list)
    local = {lang: _local(content_dir / lang / "contacts.yaml", codes) for lang in languages}
    seen: set[str] = set()
    contacts = []
    for index, entry in enumerate(entries):
        where = f"contacts[{index}]"
        contact_id = field(path, entry, "id", where)
        if contact_id in seen:
            raise ContentError(str(path), f"{where}.id", f"duplicate id {contact_id!r}")
        seen.add(contact_id)
        country = field(path, entry, "country", where)
        if country not in codes:
            raise ContentError(str(path), f"{where}.country", f"{country!r} is not in countries")
        status = field(path, entry, "status", where)
        if status not in STATUSES:
            raise ContentError(str(path), f"{where}.status", f"must be one of {STATUSES}")
        try:
            verified = date.fromisoformat(field(path, entry, "last_verified", where))
        except ValueError as error:
            raise ContentError(
                str(path), f"{where}.last_verified", "must be a quoted date YYYY-MM-DD"
            ) from error
        kind, hours = entry.get("kind"), entry.get("hours")
        if kind is not None and kind not in KINDS:
            raise ContentError(str(path), f"{where}.kind", f"must be one of {KINDS} or left out")
        if hours is not None and hours not in HOURS:
            raise ContentError(str(path), f"{where}.hours", f"must be one of {HOURS} or left out")
        first = entry.get("first")
        if first is not None and (
            isinstance(first, bool) or not isinstance(first, int) or first < 1
        ):
            raise ContentError(str(path), f"{where}.first", "must be a whole number from 1 on")
        if first is not None and status == "unconfirmed":
            # CONTENT-FACTS: an unconfirmed number is shown with a "please check" note, and the
            # first screen has none (the note is on the full list).
            raise ContentError(str(path), f"{where}.first", "an unconfirmed number is not first")
        phone = field(path, entry, "phone", where)
        if not PHONE.fullmatch(phone) or sum(ch.isdigit() for ch in phone) < 3:
            raise ContentError(
                str(path), f"{where}.phone", "must be a number: digits, spaces and + ( ) . / -"
            )
        names, notes, sources, shorts = {}, {}, {}, {}
        for lang, (_, texts) in local.items():
            lang_path = content_dir / lang / "contacts.yaml"
            if contact_id not in texts:
                raise ContentError(str(lang_path), f"contacts.{contact_id}", "is missing")
            names[lang] = field(lang_path, texts[contact_id], "name", f"contacts.{contact_id}")
            sources[lang] = field(lang_path, texts[contact_id], "source", f"contacts.{contact_id}")
            notes[lang] = str(texts[contact_id].get("note") or "")
            short = texts[contact_id].get("short")
            if first is not None:
                shorts[lang] = field(
                    lang_path, texts[contact_id], "short", f"contacts.{contact_id}"
                )
            elif short is not None:
                raise ContentError(
                    str(lang_path), f"contacts.{contact_id}.short", "only for a number with first"
                )
            # Shown as Telegram HTML on /help and /sos: a bare & or < there fails the whole send.
            for key, text in (
                ("name", names[lang]),
                ("source", sources[lang]),
                ("note", notes[lang]),
                ("short", shorts.get(lang, "")),
            ):
                if problem := html_problem(text):
                    raise ContentError(str(lang_path), f"contacts.{contact_id}.{key}", problem)
        contacts.append(
            Contact(
                id=contact_id,
                country=country,
                phone=phone,
                status=status,
                sources=sources,
                last_verified=verified,
                names=names,
                notes=notes,
                kind=kind,
                hours=hours,
                first=first,
                shorts=shorts,
            )
        )
    for lang, (_, texts) in local.items():
        for extra in sorted(set(texts) - seen):
            raise ContentError(
                str(content_dir / lang / "contacts.yaml"), f"contacts.{extra}", "unknown id"
            )
    for code in codes:
        places = [c.first for c in contacts if c.country == code and c.first is not None]
        if not places:
            raise ContentError(str(path), "contacts", f"{code} has no number with first")
        if len(set(places)) != len(places):
            raise ContentError(str(path), "contacts", f"{code}: two numbers with the same first")
    countries = tuple(
        Country(
            code=code,
            names={lang: country_texts[code][0] for lang, (country_texts, _) in local.items()},
            tips={lang: country_texts[code][1] for lang, (country_texts, _) in local.items()},
        )
        for code in codes
    )
    return Directory(countries=countries, contacts=tuple(contacts))


def _local(
    path: Path, codes: list[str]
) -> tuple[dict[str, tuple[str, str]], dict[str, dict[str, Any]]]:
    data = read_yaml(path)
    countries = field(path, data, "countries", "", dict)
    country_texts = {}
    for code in codes:
        if code not in countries:
            raise ContentError(str(path), f"countries.{code}", "is missing")
        name = field(path, countries[code], "name", f"countries.{code}")
        if any(mark in name for mark in "<>&"):  # it is a button's label: plain text
            raise ContentError(
                str(path), f"countries.{code}.name", "is a button label: no < > or & in it"
            )
        tip = str(countries[code].get("tip") or "")
        if problem := html_problem(tip):  # shown as Telegram HTML under the numbers
            raise ContentError(str(path), f"countries.{code}.tip", problem)
        country_texts[code] = (name, tip)
    contacts = field(path, data, "contacts", "", dict)
    return country_texts, contacts
