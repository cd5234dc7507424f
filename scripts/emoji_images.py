"""Copies the few emoji the pictures draw out of Noto Color Emoji into content/media/emoji/.

The pictures show the emoji that a button carries, so a person who does not read matches the
picture to the button. Drawing needs only these small PNGs (kept in the repository): no emoji
font on the machine that draws. Run this again only to add an emoji, on a machine with Debian's
fonts-noto-color-emoji:

    .venv/bin/python scripts/emoji_images.py 🛂 💸

Noto Color Emoji: SIL Open Font License 1.1 (content/media/emoji/README.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools.ttLib import TTFont

FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
OUT = Path(__file__).resolve().parent.parent / "content" / "media" / "emoji"


def main(emoji: list[str]) -> int:
    font = TTFont(FONT)
    cmap, strike = font.getBestCmap(), font["CBDT"].strikeData[0]
    for symbol in emoji:
        base = symbol.replace("\ufe0f", "")
        if len(base) != 1:
            print(f"{symbol!r}: one code point only (no sequences)", file=sys.stderr)
            return 2
        bitmap = strike.get(cmap.get(ord(base), ""))
        if bitmap is None:
            print(f"{symbol!r}: not in {FONT.name}", file=sys.stderr)
            return 2
        path = OUT / f"{ord(base):x}.png"
        path.write_bytes(bitmap.imageData)
        print(f"{path} ({len(bitmap.imageData)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
