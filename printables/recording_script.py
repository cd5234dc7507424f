"""The recording script: every text to read aloud, with its item id, to record offline.

``python bot.py media script --out FILE.pdf`` prints it; staff read each text into a phone or a
recorder, name each file by its item id (``sos.told.ogg``) and bring the folder in with
``bot.py media import DIR``. The items come in recording order (content/recordable.py: the
journeys, most important first), under their section. Khmer is shaped as on the posters
(printables/printing.py: HarfBuzz, Noto Sans Khmer embedded). The font has no emoji, so a
button's picture is left out of the printed line; "…" marks a part the screen shows for each
person (a name, a date), which is not read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from content.bundle import Content
from content.recordable import LANGUAGE, Recordable
from printables.printing import FAMILY, new_pdf, pdf_bytes, static_font

TEXT_SIZE = 13
ID_SIZE = 10
SECTION_SIZE = 17
BOTTOM_MM = 16


@dataclass(frozen=True)
class Line:
    kind: str  # title | intro | section | item | text | varies
    text: str


@cache
def _printable() -> frozenset[int]:
    """The characters the font can draw (an emoji it lacks would print as an empty box)."""
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(static_font(400)).getBestCmap())


def printable(text: str) -> str:
    """The text without characters the font lacks, and without the spaces they leave."""
    kept = "".join(ch for ch in text if ord(ch) in _printable() or ch == "\n")
    lines = (" ".join(line.split()).replace("« ", "«") for line in kept.split("\n"))
    return "\n".join(lines)


def script_lines(content: Content, items: Iterable[Recordable]) -> list[Line]:
    """What the script prints, in order: a heading per section, then each item's id (and name),
    its words, and which parts of its screen are not read."""
    t = content.texts
    lines = [
        Line("title", t.plain(LANGUAGE, "media.script_title")),
        Line("intro", t.plain(LANGUAGE, "media.script_intro")),
    ]
    section = ""
    for number, item in enumerate(items, start=1):
        if item.section != section:
            section = item.section
            lines.append(Line("section", t.raw(LANGUAGE, f"media.section.{section}")))
        # The name only where it is not the text's own first words (a lesson's title, say).
        named = "" if item.text.startswith(item.title) else f" · {item.title}"
        lines.append(Line("item", f"{number}. {item.item_id}{named}"))
        lines.append(Line("text", item.text))
        if item.varies:
            names = ", ".join(item.varies)
            lines.append(Line("varies", t.plain(LANGUAGE, "media.script_varies", parts=names)))
    return lines


def script_pdf(content: Content, items: Iterable[Recordable]) -> bytes:
    """The script as an A4 PDF, pages as many as it takes."""
    lines = script_lines(content, items)
    pdf = new_pdf(lines[0].text)
    pdf.set_auto_page_break(True, margin=BOTTOM_MM)
    styles = {
        "title": ("B", 20, 3.0),
        "intro": ("", 11, 4.0),
        "section": ("B", SECTION_SIZE, 2.0),
        "item": ("B", ID_SIZE, 0.5),
        "text": ("", TEXT_SIZE, 3.0),
        "varies": ("", ID_SIZE, 3.0),
    }
    for line in lines:
        style, size, gap = styles[line.kind]
        if line.kind == "section":
            pdf.ln(3)
        elif line.kind == "item" and pdf.get_y() > pdf.h - 60:
            pdf.add_page()  # an id never at the foot of a page, its words on the next
        pdf.set_font(FAMILY, style, size)
        if line.kind in ("item", "varies"):
            pdf.set_text_color(90, 90, 90)
        text = printable(line.text)
        pdf.multi_cell(0, size * 0.6, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(gap)
    return pdf_bytes(pdf)
