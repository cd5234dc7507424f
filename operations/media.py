"""Recordings in and out of a deployment as ordinary audio files, and their coverage.

``python bot.py media export DIR`` writes every recording as ``<item id>.ogg`` (or .mp3, .m4a),
``recordings.csv`` (which text each was made for) and ``items.csv`` (every item with its exact
Khmer text and whether it is recorded), so a programme can also record offline.
``python bot.py media import DIR`` reads such files back: a file listed in ``recordings.csv``
with the same bytes keeps the text it was made for (so an out-of-date one stays out of date);
any other file named by an item id counts as recorded for the item's text as it is now.
``python bot.py media script --out FILE.pdf`` prints every text to read with its item id, in
recording order (printables/recording_script.py), for recording offline.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

from app.config import Config
from content.bundle import Content, load_content
from content.recordable import Recordable, check_item_ids, recordable_items
from domain.clock import SystemClock
from domain.coverage import Coverage, coverage
from storage.recordings import Recording
from storage.store import Store

EXIT_USAGE = 2
EXTENSIONS = {"audio/ogg": ".ogg", "audio/mpeg": ".mp3", "audio/mp4": ".m4a"}
TYPES = {".ogg": "audio/ogg", ".oga": "audio/ogg", ".opus": "audio/ogg", ".mp3": "audio/mpeg"}
TYPES |= {".m4a": "audio/mp4"}
MANIFEST = "recordings.csv"
ITEMS = "items.csv"
MAX_BYTES = 10 * 1024 * 1024  # as conversations/recording.py


@dataclass(frozen=True)
class Imported:
    kept: list[str]
    skipped: list[str]  # file names, each with why


def _digest(audio: bytes) -> str:
    return hashlib.sha256(audio).hexdigest()


def recorded_hashes(database: Path) -> dict[str, str] | None:
    """item id -> text hash of every recording, read without writing; None with no database."""
    if not database.exists():
        return None
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            rows = db.execute("SELECT item_id, text_hash FROM recordings").fetchall()
    except sqlite3.OperationalError:  # a database from before recordings existed
        return {}
    return {str(row[0]): str(row[1]) for row in rows}


def coverage_of(content: Content, recorded: dict[str, str]) -> Coverage:
    return coverage({i.item_id: i.text_hash for i in recordable_items(content)}, recorded)


def item_problems(content: Content) -> list[str]:
    """Item ids ``bot.py check`` refuses: not a file name, or given to two items."""
    return [
        f"recordable item id {item_id!r} is not a safe file name or is used twice"
        for item_id in check_item_ids(recordable_items(content))
    ]


def coverage_lines(content: Content, database: Path) -> list[str]:
    """What ``bot.py check`` says about recordings."""
    recorded = recorded_hashes(database)
    items = recordable_items(content)
    if recorded is None:
        return [f"Recordings: 0 of {len(items)} items have a Khmer recording (no database yet)"]
    cover = coverage_of(content, recorded)
    lines = [f"Recordings: {cover.recorded} of {cover.total} items have a Khmer recording"]
    if cover.outdated:
        lines.append(
            f"Warning: {len(cover.outdated)} recordings are out of date (their text changed): "
            + ", ".join(cover.outdated)
        )
    if cover.orphans:
        lines.append(f"Note: recordings of items that no longer exist: {', '.join(cover.orphans)}")
    return lines


async def export_recordings(store: Store, content: Content, folder: Path) -> int:
    """Writes every recording and the two CSV files; returns how many recordings."""
    recordings = await store.all_recordings()
    write_export(folder, recordings, recordable_items(content))
    return len(recordings)


def write_export(folder: Path, recordings: list[Recording], items: tuple[Recordable, ...]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    kept = {r.info.item_id: r.info.text_hash for r in recordings}
    cover = coverage({i.item_id: i.text_hash for i in items}, kept)
    with (folder / MANIFEST).open("w", newline="", encoding="utf-8") as manifest:
        writer = csv.writer(manifest)
        writer.writerow(["file", "item_id", "text_hash", "audio_sha256", "duration", "recorded_at"])
        for recording in recordings:
            info = recording.info
            name = info.item_id + EXTENSIONS.get(info.mime_type, ".ogg")
            (folder / name).write_bytes(recording.audio)
            writer.writerow(
                [
                    name,
                    info.item_id,
                    info.text_hash,
                    _digest(recording.audio),
                    info.duration or "",
                    info.recorded_at.isoformat(),
                ]
            )
    with (folder / ITEMS).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item_id", "state", "title", "khmer_text"])
        for item in items:
            writer.writerow([item.item_id, cover.state(item.item_id), item.title, item.text])


@dataclass(frozen=True)
class _Found:
    item_id: str
    audio: bytes
    mime_type: str
    text_hash: str


def _manifest(folder: Path) -> dict[str, tuple[str, str, str]]:
    """file name -> (item id, text hash, audio sha256) from an earlier export."""
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            row["file"]: (row["item_id"], row["text_hash"], row["audio_sha256"])
            for row in csv.DictReader(handle)
            if row.get("file") and row.get("item_id") and row.get("text_hash")
        }


def read_import(folder: Path, items: tuple[Recordable, ...]) -> tuple[list[_Found], list[str]]:
    """Every audio file named by an item id, with the text it was made for; and what was not."""
    by_id = {item.item_id: item for item in items}
    listed = _manifest(folder)
    found: list[_Found] = []
    skipped: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.name in (MANIFEST, ITEMS) or path.is_dir():
            continue
        mime = TYPES.get(path.suffix.lower())
        item = by_id.get(path.stem)
        if mime is None:
            skipped.append(f"{path.name}: not an audio file (.ogg, .opus, .mp3, .m4a)")
            continue
        if item is None:
            skipped.append(f"{path.name}: no item {path.stem!r} (see items.csv)")
            continue
        audio = path.read_bytes()
        if not audio or len(audio) > MAX_BYTES:
            skipped.append(f"{path.name}: empty or over {MAX_BYTES // (1024 * 1024)} MB")
            continue
        text_hash = item.text_hash
        entry = listed.get(path.name)
        if entry is not None and entry[0] == item.item_id and entry[2] == _digest(audio):
            text_hash = entry[1]  # the same recording: for the text it was made for
        found.append(_Found(item.item_id, audio, mime, text_hash))
    return found, skipped


async def import_recordings(store: Store, content: Content, folder: Path) -> Imported:
    """Keeps every audio file named by an item id; returns what was kept and what was not."""
    found, skipped = read_import(folder, recordable_items(content))
    for one in found:
        await store.put_recording(
            one.item_id,
            one.audio,
            mime_type=one.mime_type,
            duration=None,
            text_hash=one.text_hash,
            recorded_by=None,
        )
    return Imported([one.item_id for one in found], skipped)


SCRIPT_NAME = "recording-script.pdf"  # when --out names a folder


def write_script(content: Content, out: Path) -> Path:
    """Writes the recording script; ``out`` is the PDF, or a folder to put it in."""
    from printables.recording_script import script_pdf  # fpdf2 only when asked (printing.py)

    path = out / SCRIPT_NAME if out.is_dir() else out
    path.write_bytes(script_pdf(content, recordable_items(content)))
    return path


def media_command(
    config: Config,
    action: str,
    folder: str | None,
    content_dir: Path,
    out: Path | None = None,
) -> int:
    """``bot.py media export DIR`` / ``media import DIR`` / ``media script --out FILE.pdf``."""
    if action == "script" and (folder or out):
        content = load_content(
            districts=config.districts,
            places_scope=config.places_scope,
            default_language=config.default_language,
            content_dir=content_dir,
        )
        written = write_script(content, Path(folder) if folder else out or Path.cwd())
        print(f"Recording script: {len(recordable_items(content))} items written to {written}")
        return 0
    if action not in ("export", "import") or not folder:
        print(
            "Use: media export DIR | media import DIR | media script --out FILE.pdf",
            file=sys.stderr,
        )
        return EXIT_USAGE
    path = Path(folder)
    if action == "import" and not path.is_dir():
        print(f"No folder {folder}", file=sys.stderr)
        return EXIT_USAGE
    content = load_content(
        districts=config.districts,
        places_scope=config.places_scope,
        default_language=config.default_language,
        content_dir=content_dir,
    )

    async def work() -> int:
        store = await Store.open(config.database, SystemClock())
        try:
            if action == "export":
                count = await export_recordings(store, content, path)
                print(f"Recordings written: {count} to {path} (with {MANIFEST} and {ITEMS})")
                return 0
            result = await import_recordings(store, content, path)
        finally:
            await store.close()
        for problem in result.skipped:
            print(f"Skipped {problem}", file=sys.stderr)
        print(f"Recordings imported: {len(result.kept)}")
        return 0

    return asyncio.run(work())
