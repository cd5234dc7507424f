"""The share card: a person's invitation as a picture a friend scans from her screen.

It carries the QR code of the person's own ``?start=r_<code>`` link, the bot's name and a Khmer
line saying what to do, and nothing about the person: a forwarded or screenshotted card shows no
name, no village and no number.
"""

from __future__ import annotations

from app.printing import draw_centred, new_picture, paste_qr, picture_font, png_bytes
from content.bundle import Content

WIDTH, HEIGHT = 720, 960  # a phone screen's shape; the code is large enough to scan from it
QR_PIXELS = 520


def share_card_png(content: Content, lang: str, link: str, bot_username: str) -> bytes:
    """The card as a PNG: heading, QR code, what to do, and the bot's @username."""
    t = content.texts
    image, draw = new_picture(WIDTH, HEIGHT)
    y = draw_centred(draw, t.plain(lang, "poster.title"), 48, picture_font(46, bold=True), WIDTH)
    y = paste_qr(image, link, y + 20, QR_PIXELS)
    y = draw_centred(draw, t.plain(lang, "share.card_scan"), y + 28, picture_font(34), WIDTH)
    y = draw_centred(draw, f"@{bot_username}", y + 8, picture_font(34, bold=True), WIDTH)
    return png_bytes(image.crop((0, 0, WIDTH, min(HEIGHT, y + 40))))
