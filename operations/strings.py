"""The translators' workflow: UI strings to a spreadsheet and back, and English beside Khmer.

Keys are stable ids (``menu.help``), so a translator needs the English text next to each one:
``sync`` writes it into every Khmer .po file as a comment (Poedit shows it as "Notes for
translators"), and ``export``/``import`` carry key, English and Khmer through a CSV file that
any spreadsheet opens. Nothing is accepted that ``python bot.py check`` would refuse.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from content.texts import html_problem, placeholders

_MSGID = re.compile(r'msgid "([^"\\\\]+)"')
COLUMNS = ("file", "key", "english", "khmer")


def _catalog(path: Path):  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        return read_po(handle, abort_invalid=True)


def _write(path: Path, catalog: object) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, omit_header=False)  # type: ignore[arg-type]
    path.write_bytes(buffer.getvalue())


def export_csv(content_dir: Path, target: Path) -> int:
    """Writes one row per UI string: file, key, English, Khmer. Returns the row count."""
    rows = 0
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for en_path in sorted((content_dir / "en").glob("*.po")):
            english = {m.id: m.string for m in _catalog(en_path) if m.id}
            khmer = {m.id: m.string for m in _catalog(content_dir / "km" / en_path.name) if m.id}
            for key in english:
                writer.writerow([en_path.name, key, english[key], khmer.get(key, "")])
                rows += 1
    return rows


def import_csv(content_dir: Path, source: Path) -> tuple[int, list[str]]:
    """Puts the Khmer column back into the Khmer catalogs.

    Returns (strings changed, problems). A row whose Khmer is empty, whose placeholders differ
    from the English, or whose HTML Telegram would refuse is not taken; the problem is listed.
    """
    problems: list[str] = []
    changes: dict[str, dict[str, str]] = {}
    with source.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not set(COLUMNS) <= set(reader.fieldnames):
            return 0, [f"{source}: the first row must be: {', '.join(COLUMNS)}"]
        for line, row in enumerate(reader, start=2):
            name, key, english, khmer = (row[c] or "" for c in COLUMNS)
            where = f"{source}: line {line}: {key}"
            if not (content_dir / "km" / name).is_file() or "/" in name:
                problems.append(f"{where}: unknown file {name!r}")
            elif not khmer.strip():
                problems.append(f"{where}: the Khmer is empty")
            elif placeholders(khmer) != placeholders(english):
                problems.append(f"{where}: keep the {{placeholders}} of the English")
            elif problem := html_problem(khmer):
                problems.append(f"{where}: {problem}")
            else:
                changes.setdefault(name, {})[key] = khmer
    changed = 0
    for name, strings in changes.items():
        path = content_dir / "km" / name
        catalog = _catalog(path)
        for message in catalog:
            if message.id in strings and message.string != strings[message.id]:
                message.string = strings[message.id]
                message.flags.discard("fuzzy")
                changed += 1
        missing = set(strings) - {m.id for m in catalog}
        problems += [f"{source}: {key}: no such key in km/{name}" for key in sorted(missing)]
        _write(path, catalog)
    return changed, problems


def sync_comments(content_dir: Path) -> int:
    """Writes each string's English as a translator comment (``#. English: …``) in the Khmer
    catalogs, editing only those comment lines so the files keep their layout."""
    updated = 0
    for en_path in sorted((content_dir / "en").glob("*.po")):
        english = {m.id: m.string for m in _catalog(en_path) if m.id}
        km_path = content_dir / "km" / en_path.name
        lines = km_path.read_text(encoding="utf-8").splitlines()
        out: list[str] = []
        for line in lines:
            match = _MSGID.fullmatch(line)
            if match and match.group(1) in english:
                comment = "#. English: " + " / ".join(str(english[match.group(1)]).splitlines())
                previous = out[-1] if out and out[-1].startswith("#. English: ") else None
                if previous is not None:
                    out.pop()
                if previous != comment:
                    updated += 1
                out.append(comment)
            out.append(line)
        km_path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return updated
