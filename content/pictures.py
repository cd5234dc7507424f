"""Pictures the project draws from its own lessons: which ones exist and where their files are.

A lesson names its picture by id in ``lessons.yaml`` (``picture: "documents"``). Each picture
is drawn in every language (``python bot.py pictures``) into
``content/media/pictures/<lang>/<id>.png``, with ``<id>.sha256`` beside it: the hash of the
words it was drawn from, so a test and ``bot.py check`` can tell when the text has changed
and the picture has not.
"""

from __future__ import annotations

from pathlib import Path

# The pictures there are drawings for (printables/picture_drawings.py); a lesson may name one
# of these.
PICTURE_IDS = ("documents", "dialling", "warning_signs", "money")
PICTURE_DIR = Path("media") / "pictures"


def picture_file(content_dir: Path, lang: str, picture_id: str) -> Path:
    """Where the drawn picture of one language is kept."""
    return content_dir / PICTURE_DIR / lang / f"{picture_id}.png"


def hash_file(content_dir: Path, lang: str, picture_id: str) -> Path:
    """Where the hash of the words the picture was drawn from is kept, beside the PNG."""
    return content_dir / PICTURE_DIR / lang / f"{picture_id}.sha256"
