"""Drawing Khmer on paper and in pictures: one font, shaped by HarfBuzz, and QR codes.

PDFs: fpdf2 with ``set_text_shaping`` (HarfBuzz through uharfbuzz) embeds a subset of Noto Sans
Khmer, so coeng subscripts, vowels written before their consonant and stacked signs print as
they should on any printer, with no font on the printing computer. Pictures: Pillow with raqm
(HarfBuzz as well). The font comes from its PyPI package, as for the report's charts; nothing is
fetched.

fpdf2, fontTools and Pillow are imported on first use, not with the bot: together they would
add about 35 MB to every running bot for something staff ask for now and then.
"""

from __future__ import annotations

import io
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.qr import QUIET_ZONE, qr_matrix, qr_png

if TYPE_CHECKING:
    from fpdf import FPDF
    from PIL import Image, ImageDraw, ImageFont

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


def pdf_bytes(pdf: FPDF) -> bytes:
    return bytes(pdf.output())


# -- pictures ---------------------------------------------------------------------------------


@cache
def picture_font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The Khmer font for Pillow, laid out by raqm (HarfBuzz), in a regular or bold weight."""
    from PIL import ImageFont

    font = ImageFont.truetype(str(font_path()), size, layout_engine=ImageFont.Layout.RAQM)
    font.set_variation_by_axes([700 if bold else 400, 100])  # axes: weight, width
    return font


def wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    """Lines of at most ``width`` pixels, broken at spaces (Khmer puts spaces between phrases)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}".strip()
            if line and draw.textlength(candidate, font=font) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def draw_centred(
    draw: ImageDraw.ImageDraw, text: str, top: int, font: ImageFont.FreeTypeFont, width: int
) -> int:
    """Draws wrapped, centred lines from ``top``; returns the y below the last one."""
    step = int(font.size * 1.65)  # Khmer stacks above and below the line: generous leading
    for line in wrap(draw, text, font, width - 80):
        draw.text((width // 2, top), line, font=font, fill="black", anchor="ma")
        top += step
    return top


def paste_qr(image: Image.Image, link: str, top: int, size: int) -> int:
    """The link's QR code, ``size`` pixels square, centred at ``top``; returns the y below it."""
    from PIL import Image

    modules = len(qr_matrix(link)) + 2 * QUIET_ZONE
    code = Image.open(io.BytesIO(qr_png(link, max(1, size // modules)))).convert("RGB")
    code = code.resize((size, size), Image.Resampling.NEAREST)  # square modules stay square
    image.paste(code, ((image.width - size) // 2, top))
    return top + size


def new_picture(width: int, height: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A white picture to draw on."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), "white")
    return image, ImageDraw.Draw(image)


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")  # optimize=True would triple the time for 10 %
    return buffer.getvalue()
