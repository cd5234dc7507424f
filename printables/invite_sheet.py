"""The leader invite sheet: the one-time invite as a QR code with its expiry and three steps.

It carries the same code as the link (one use, expiring, only its hash stored): printing adds
no second way in, and an expired or used sheet is refused like the link. The sheet names the
village, not the person; it says to keep the code to oneself until it is used.
"""

from __future__ import annotations

from dataclasses import dataclass

from content.bundle import Content
from content.places import Place
from printables.drawing import DRAWING_LOCK, Canvas
from printables.picture_drawings import strip
from printables.printing import (
    A4_WIDTH_MM,
    centred,
    draw_qr,
    new_pdf,
    pdf_bytes,
    picture_qr,
    print_strip,
)

QR_MM = 90
STRIP_MM = 126  # what the bot does, in pictures, at the foot of the sheet (30 mm high)
STEPS = ("sheet.step1", "sheet.step2", "sheet.step3")


@dataclass(frozen=True)
class InviteSheet:
    village: Place
    commune: Place
    link: str
    until: str  # the expiry date, already written in the sheet's language


def _texts(content: Content, lang: str, sheet: InviteSheet) -> tuple[str, str, list[str], str]:
    t = content.texts
    village, commune = sheet.village.name(lang), sheet.commune.name(lang)
    title = t.plain(lang, "sheet.title", village=village, commune=commune)
    once = t.plain(lang, "sheet.once", until=sheet.until)
    return title, once, [t.plain(lang, key) for key in STEPS], t.plain(lang, "sheet.keep")


def invite_sheet_pdf(content: Content, lang: str, sheet: InviteSheet) -> bytes:
    """The sheet as an A4 PDF (Khmer font embedded) to print and hand to the leader."""
    title, once, steps, keep = _texts(content, lang, sheet)
    pdf = new_pdf(title)
    pdf.set_y(24)
    centred(pdf, title, 26, bold=True, gap=3)
    centred(pdf, once, 18, bold=True, gap=6)
    top = pdf.get_y()
    draw_qr(pdf, sheet.link, (A4_WIDTH_MM - QR_MM) / 2, top, QR_MM)
    pdf.set_y(top + QR_MM + 6)
    for step in steps:
        centred(pdf, step, 16, gap=2)
    pdf.ln(4)
    centred(pdf, keep, 14, bold=True, gap=6)
    centred(pdf, sheet.link, 10, gap=4)  # for a phone that cannot scan: typed into the browser
    # What the bot does for the villagers, in pictures: what the chief will explain to them.
    print_strip(pdf, content, lang, (A4_WIDTH_MM - STRIP_MM) / 2, pdf.get_y(), STRIP_MM)
    return pdf_bytes(pdf)


def invite_sheet_png(content: Content, lang: str, sheet: InviteSheet) -> bytes:
    """The same sheet as a picture, to show on a screen or print from a phone."""
    title, once, steps, keep = _texts(content, lang, sheet)
    width, height = 900, 1560
    middle, room = width / 2, width - 70
    with DRAWING_LOCK:
        canvas = Canvas(width, height)
        canvas.text(middle, 60, title, size=36, bold=True, align="center", max_width=room)
        canvas.text(middle, 120, once, size=30, bold=True, align="center", max_width=room)
        picture_qr(canvas, sheet.link, (width - 560) / 2, 160, 560)
        y = 780.0
        for step in steps:
            y += 50 + 40 * _sentence(canvas, middle, y, step, size=28, room=room, lead=20)
        kept = _sentence(canvas, middle, y, keep, size=26, room=room, lead=18, bold=True)
        y += 40 + 36 * kept
        strip(content, lang, canvas, 30, y, width - 60)
        return canvas.png(smallest=False, colours=64)  # the strip's emoji keep their colours


def _sentence(
    canvas: Canvas,
    middle: float,
    top: float,
    text: str,
    *,
    size: float,
    room: float,
    lead: float,
    bold: bool = False,
) -> int:
    """A sentence broken into lines (``_lines``), centred under ``top``: the canvas centres a
    block on its y, so it goes ``lead`` lower for each line after the first. Returns how many
    lines it took."""
    lines = _lines(text)
    canvas.text(
        middle,
        top + lead * (len(lines) - 1),
        "\n".join(lines),
        size=size,
        bold=bold,
        align="center",
        max_width=room,
    )
    return len(lines)


def _lines(text: str, most: int = 48) -> list[str]:
    """Breaks a sentence at spaces into lines of about ``most`` characters (Khmer puts spaces
    between phrases); the canvas shrinks any line still too wide."""
    lines = [""]
    for word in text.split(" "):
        if lines[-1] and len(lines[-1]) + 1 + len(word) > most:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()
    return lines
