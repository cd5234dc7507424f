"""Drawing Khmer on paper and QR codes on paper and in pictures.

PDFs: fpdf2 with ``set_text_shaping`` (HarfBuzz through uharfbuzz) embeds a subset of Noto Sans
Khmer, so coeng subscripts, vowels written before their consonant and stacked signs print as
they should on any printer, with no font on the printing computer. Pictures are drawn with the
project's canvas (printables/drawing.py: matplotlib shapes Khmer with no system library;
Pillow's raqm would need one). The font comes from its PyPI package; nothing is fetched.

fpdf2 and fontTools are imported on first use, not with the bot: they would add about 35 MB to
every running bot for something staff ask for now and then.
"""

from __future__ import annotations

import io
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from content.pictures import picture_file
from printables.qr import QUIET_ZONE, qr_matrix

if TYPE_CHECKING:
    from fpdf import FPDF

    from content.bundle import Content
    from printables.drawing import Canvas

FAMILY = "khmer"
A4_WIDTH_MM = 210
A4_HEIGHT_MM = 297
MARGIN_MM = 18
DOTTED_CIRCLE = 0x25CC  # what a shaper shows for a sign it cannot attach


@cache
def font_path() -> Path:
    """Noto Sans Khmer (a variable font: one file, every weight) from its PyPI package."""
    from fontpkg_noto_sans_khmer import ROOT

    return next((Path(ROOT) / "files").glob("*.ttf"))


@cache
def static_font(weight: int) -> Path:
    """The font at one weight, as a plain (not variable) font file, made once and kept.

    fpdf2 can pick a weight from the variable font itself, but takes about a second each time;
    made once into the temporary folder, every later PDF starts at once.
    """
    from fontTools.ttLib import TTFont
    from fontTools.varLib.instancer import instantiateVariableFont

    source = font_path()
    stamp = f"{source.stat().st_size}-{int(source.stat().st_mtime)}"
    folder = Path(tempfile.gettempdir()) / f"safe-migration-bot-fonts-{stamp}"
    target = folder / f"NotoSansKhmer-{weight}.ttf"
    if not target.exists():
        folder.mkdir(exist_ok=True)
        font = instantiateVariableFont(TTFont(source), {"wght": weight, "wdth": 100}, static=True)
        partial = folder / f".{target.name}.{os.getpid()}"
        font.save(partial)
        partial.replace(target)  # atomic: another process never reads half a font
    return target


@cache
def _shaper() -> tuple[Any, int]:
    import uharfbuzz

    font = uharfbuzz.Font(uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(static_font(400)))))
    return font, int(font.get_nominal_glyph(DOTTED_CIRCLE) or 0)


def broken_clusters(text: str) -> int:
    """How many dotted circles HarfBuzz puts into ``text``: each is a sign with no base to sit
    on (a vowel or subscript typed in the wrong order), shown to the reader as ◌."""
    import uharfbuzz

    font, dotted = _shaper()
    buffer = uharfbuzz.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    uharfbuzz.shape(font, buffer, {})
    return sum(1 for glyph in buffer.glyph_infos if glyph.codepoint == dotted)


def new_pdf(title: str) -> FPDF:
    """An A4 document with the Khmer font in two weights and HarfBuzz shaping on."""
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creator("safe-migration-bot")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(False)
    pdf.add_font(FAMILY, "", static_font(400))
    pdf.add_font(FAMILY, "B", static_font(700))
    # Latin text (the @username, a link) is shaped by the same font, which has Latin glyphs.
    pdf.set_text_shaping(True, script="khmr", language="khm")
    pdf.add_page()
    return pdf


def centred(pdf: FPDF, text: str, size: float, *, bold: bool = False, gap: float = 0) -> None:
    """A paragraph centred between the margins, wrapped at spaces, then ``gap`` mm of space."""
    pdf.set_font(FAMILY, "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.62, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(gap)


def draw_qr(pdf: FPDF, link: str, x: float, y: float, size: float) -> None:
    """The link's QR code as vector squares (sharp at any printer's resolution)."""
    matrix = qr_matrix(link)
    cell = size / (len(matrix) + 2 * QUIET_ZONE)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):  # one rectangle per run of dark modules: fewer, cleaner shapes
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(
                x + (QUIET_ZONE + start) * cell,
                y + (QUIET_ZONE + r) * cell,
                (c - start) * cell,
                cell,
                style="F",
            )


def print_strip(pdf: FPDF, content: Content, lang: str, x: float, y: float, width: float) -> float:
    """The strip of what the bot does (learn, tell the chief, check-in, help), ``width`` mm
    wide at (x, y); returns its height in mm.

    It is the drawn picture kept in content/media/pictures/<lang>/strip.png (looked at, and
    counted by ``bot.py check``), drawn now only when that file is missing.
    """
    from printables.pictures import STRIP, draw_picture

    path = picture_file(content.content_dir, lang, STRIP)
    picture = path.read_bytes() if path.is_file() else draw_picture(content, STRIP, lang)
    info = pdf.image(io.BytesIO(picture), x=x, y=y, w=width)
    return float(info.rendered_height)


def pdf_bytes(pdf: FPDF) -> bytes:
    return bytes(pdf.output())


# -- pictures (drawn with printables/drawing.py: matplotlib shapes Khmer, no system library) --


def picture_qr(canvas: Canvas, link: str, x: float, y: float, size: float) -> None:
    """The link's QR code on a picture, ``size`` pixels square with its quiet zone, at (x, y)."""
    matrix = qr_matrix(link)
    border = [False] * QUIET_ZONE
    full = [[False] * (len(matrix) + 2 * QUIET_ZONE) for _ in range(QUIET_ZONE)]
    rows = [*full, *([*border, *row, *border] for row in matrix), *full]
    # Square modules stay square and sharp: no smoothing between them.
    canvas.axes.imshow(
        [[0.0 if dark else 1.0 for dark in row] for row in rows],
        cmap="gray",
        vmin=0,
        vmax=1,
        interpolation="nearest",
        extent=(x, x + size, y + size, y),
        zorder=2,
    )
    canvas.axes.set_xlim(0, canvas.width)  # imshow would fit the axes to the code
    canvas.axes.set_ylim(canvas.height, 0)
