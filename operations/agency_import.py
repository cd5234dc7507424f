"""Importing the verified list of licensed recruitment agencies from a CSV file.

Staff keep the list in a spreadsheet and save it as "CSV UTF-8" (a byte-order mark, as Excel
writes it, is fine). ``content/agencies.example.csv`` holds the header line to start from; fill
it only with agencies you have checked yourself against the Ministry of Labour's list of licensed
agencies. An import replaces the whole list at once, and villagers see each agency with the date
it was checked, so keep that date honest.

Columns, in a header line spelt exactly so (their order may differ):

name
    The agency's name as villagers will hear it (Khmer, English, or both). Required.
licence
    The licence number as printed on the licence. Required; no two rows may share one.
phone
    A number villagers can call. Optional; digits, spaces and ``+ - ( ) /`` only.
destinations
    Countries the agency is licensed to send workers to: two-letter country codes in capitals,
    separated by ``;``, for example ``TH;MY``. At least one.
last_verified
    The day someone last checked the licence, written ``YYYY-MM-DD``.

A file with any problem is refused as a whole, and every problem is listed by line and column,
so it can be fixed in one go: ``python bot.py import-agencies FILE``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import sys
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from app.config import Config
from domain.clock import Clock, SystemClock
from storage.store import Store

COLUMNS = ("name", "licence", "phone", "destinations", "last_verified")
MAX_NAME = 200
MAX_LICENCE = 64
MAX_PHONE = 40
EXIT_PROBLEMS = 2  # the same code bot.py uses for wrong settings: fix the file, do not retry

_COUNTRY = re.compile(r"[A-Z]{2}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_PHONE = re.compile(r"[0-9 +\-()/]*[0-9][0-9 +\-()/]*")


class AgencyImportError(Exception):
    """The file cannot be imported; ``problems`` names each one by line and column."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def read_agencies_csv(path: Path) -> list[dict[str, Any]]:
    """Reads and checks the whole file; raises AgencyImportError listing every problem."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise AgencyImportError([f"{path}: cannot read the file ({error.strerror})"]) from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise AgencyImportError(
            [f"line {line}: the file is not UTF-8 text (save it as 'CSV UTF-8')"]
        ) from error
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise AgencyImportError([f"line 1: the file is empty (expected {','.join(COLUMNS)})"])
        header = [name.strip() for name in header]
        _check_header(header)
        rows, problems = _read_rows(((reader.line_num, fields) for fields in reader), header)
    except csv.Error as error:
        raise AgencyImportError([f"line {reader.line_num}: not valid CSV ({error})"]) from error
    if not rows and not problems:
        problems.append("line 2: no agencies below the header (an empty list is not imported)")
    if problems:
        raise AgencyImportError(problems)
    return rows


def _check_header(header: list[str]) -> None:
    problems = []
    missing = [name for name in COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if missing:
        problems.append(f"line 1: missing column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"line 1: unknown column(s) {', '.join(repr(n) for n in unknown)}")
    if repeated:
        problems.append(f"line 1: column(s) given twice: {', '.join(repeated)}")
    if problems:
        problems.append(f"line 1: the header must be {','.join(COLUMNS)}")
        raise AgencyImportError(problems)


def _read_rows(
    numbered: Iterator[tuple[int, list[str]]], header: list[str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Every good row, and every problem of the others (by the line each row ends on)."""
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    licences: dict[str, int] = {}  # licence (as compared) -> line it is first on
    for line, fields in numbered:
        if not any(field.strip() for field in fields):
            continue  # a blank line, as spreadsheets leave at the end
        if len(fields) != len(header):
            problems.append(f"line {line}: {len(fields)} values, expected {len(header)}")
            continue
        raw = {name: value.strip() for name, value in zip(header, fields, strict=True)}
        row, row_problems = _checked_row(raw)
        problems += [f"line {line}, column {column}: {what}" for column, what in row_problems]
        if row is None:
            continue
        key = row["licence"].casefold()
        if key in licences:
            problems.append(
                f"line {line}, column licence: {row['licence']!r} is also on line {licences[key]}"
            )
            continue
        licences[key] = line
        rows.append(row)
    return rows, problems


def _checked_row(raw: dict[str, str]) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """The row as the store takes it, or the (column, problem) pairs that stop it."""
    problems: list[tuple[str, str]] = []
    name = unicodedata.normalize("NFC", raw["name"])
    if not name:
        problems.append(("name", "empty"))
    elif len(name) > MAX_NAME:
        problems.append(("name", f"longer than {MAX_NAME} characters"))
    licence = raw["licence"]
    if not licence:
        problems.append(("licence", "empty"))
    elif len(licence) > MAX_LICENCE:
        problems.append(("licence", f"longer than {MAX_LICENCE} characters"))
    phone = raw["phone"] or None
    if phone is not None and (len(phone) > MAX_PHONE or not _PHONE.fullmatch(phone)):
        problems.append(("phone", f"{phone!r} is not a phone number (digits, spaces, + - ( ) /)"))
    destinations: list[str] = []
    codes = [part.strip() for part in raw["destinations"].split(";") if part.strip()]
    if not codes:
        problems.append(("destinations", "empty (at least one country code, e.g. TH)"))
    for code in codes:
        if not _COUNTRY.fullmatch(code):
            problems.append(
                ("destinations", f"{code!r} is not a two-letter country code in capitals, e.g. TH")
            )
        elif code not in destinations:
            destinations.append(code)
    last_verified = None
    if not _DAY.fullmatch(raw["last_verified"]):
        problems.append(("last_verified", f"{raw['last_verified']!r} is not a date YYYY-MM-DD"))
    else:
        try:
            last_verified = date.fromisoformat(raw["last_verified"])
        except ValueError:
            problems.append(("last_verified", f"{raw['last_verified']!r} is not a real day"))
    if problems:
        return None, problems
    row = {
        "name": name,
        "licence": licence,
        "phone": phone,
        "destinations": tuple(destinations),
        "last_verified": last_verified,
    }
    return row, []


async def import_agencies(config: Config, path: Path, clock: Clock) -> int:
    """Checks the file, then replaces the list in the bot's database; returns the count."""
    rows = read_agencies_csv(path)  # before opening anything: a bad file changes nothing
    store = await Store.open(config.database, clock)
    try:
        return await store.replace_agencies(rows)
    finally:
        await store.close()


def import_agencies_command(config: Config, path: Path) -> int:
    """``bot.py import-agencies FILE``: 0 when imported, 2 with every problem on stderr."""
    try:
        count = asyncio.run(import_agencies(config, path, SystemClock()))
    except AgencyImportError as error:
        for problem in error.problems:
            print(f"{path}: {problem}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"Imported {count} agencies from {path} into {config.database}.")
    return 0
