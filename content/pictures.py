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
# Pictures no lesson names, kept the same way: the check-in's problem list (its pictograms, in
# the order of the buttons) and the strip of what the bot does (posters, invite sheets).
PROBLEMS_PICTURE, STRIP_PICTURE = "problems", "strip"
PICTURE_DIR = Path("media") / "pictures"
# The emoji the pictures draw (so a picture shows its button's sign), copied from Noto Color
# Emoji by scripts/emoji_images.py: part of the drawing, like the font, so not per content copy.
EMOJI_DIR = Path(__file__).resolve().parent / "media" / "emoji"


def picture_file(content_dir: Path, lang: str, picture_id: str) -> Path:
    """Where the drawn picture of one language is kept."""
    return content_dir / PICTURE_DIR / lang / f"{picture_id}.png"


def hash_file(content_dir: Path, lang: str, picture_id: str) -> Path:
    """Where the hash of the words the picture was drawn from is kept, beside the PNG."""
    return content_dir / PICTURE_DIR / lang / f"{picture_id}.sha256"


def emoji_name(symbol: str) -> str:
    """The file name of one emoji's image: its one code point in hex (a variation selector
    is dropped); a sequence of several has no image (``-``)."""
    base = symbol.replace("\ufe0f", "")
    return f"{ord(base):x}.png" if len(base) == 1 else "-"
