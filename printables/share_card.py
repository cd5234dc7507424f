"""The share card: a person's invitation as a picture a friend scans from her screen.

It carries the QR code of the person's own ``?start=r_<code>`` link, the bot's name and a Khmer
line saying what to do, and nothing about the person: a forwarded or screenshotted card shows no
name, no village and no number.
"""

from __future__ import annotations

from content.bundle import Content
from printables.drawing import DRAWING_LOCK, Canvas
from printables.printing import picture_qr

WIDTH, HEIGHT = 720, 880  # a phone screen's shape; the code is large enough to scan from it
QR_PIXELS = 520


def share_card_png(content: Content, lang: str, link: str, bot_username: str) -> bytes:
    """The card as a PNG: heading, QR code, what to do, and the bot's @username."""
    t = content.texts
    with DRAWING_LOCK:
        canvas = Canvas(WIDTH, HEIGHT)
        middle, room = WIDTH / 2, WIDTH - 60
        canvas.text(
            middle,
            70,
            t.plain(lang, "poster.title"),
            size=44,
            bold=True,
            align="center",
            max_width=room,
        )
        picture_qr(canvas, link, (WIDTH - QR_PIXELS) / 2, 130, QR_PIXELS)
        canvas.text(
            middle, 720, t.plain(lang, "share.card_scan"), size=34, align="center", max_width=room
        )
        canvas.text(
            middle, 790, f"@{bot_username}", size=34, bold=True, align="center", max_width=room
        )
        return canvas.png(smallest=False)
