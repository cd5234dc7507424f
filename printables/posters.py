"""Posters for the village wall: one A4 page per village, in Khmer, with a QR code.

Scanning it opens the bot with ``?start=v_<village code>``, so onboarding can offer that village
straight away (the person confirms it). A poster names the village and the bot, never a person.
``python bot.py posters`` writes them; ``bot.py check`` makes sure every village gets one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from content.bundle import Content
from content.places import Place
from domain.entry_links import is_start_parameter, poster_link, poster_payload
from printables.picture_drawings import strip_words
from printables.printing import (
    A4_WIDTH_MM,
    broken_clusters,
    centred,
    draw_qr,
    new_pdf,
    pdf_bytes,
    print_strip,
)

QR_MM = 96  # about 2.7 mm a module: a phone reads it from nearly two metres
STRIP_MM = 128  # the strip of what the bot does: about 30 mm high, its words 7 mm
POSTER_LANGUAGE = "km"  # villagers read Khmer; the poster has no English


@dataclass(frozen=True)
class Poster:
    village: Place
    commune: Place
    link: str

    @property
    def filename(self) -> str:
        return f"poster-{self.village.code}.pdf"


def villages_for(content: Content, *, village: str = "", district: str = "") -> list[Poster]:
    """The posters to make: one village, a district's villages, or (neither given) every one.

    An unknown code gives an empty list. Links are made later, with the bot's username.
    """
    places = content.places
    if village:
        path = places.village_path(village)
        return [Poster(path[2], path[1], "")] if path else []
    districts = [d for d in places.districts() if not district or d.code == district]
    return [
        Poster(v, c, "")
        for d in districts
        for c in places.communes(d.code)
        for v in places.villages(c.code)
    ]


def with_links(posters: list[Poster], bot_username: str) -> list[Poster]:
    return [
        Poster(p.village, p.commune, poster_link(bot_username, p.village.code)) for p in posters
    ]


def poster_texts(content: Content, poster: Poster) -> list[str]:
    """Every line printed on the poster above the QR code, in order."""
    t, lang = content.texts, POSTER_LANGUAGE
    village, commune = poster.village.name(lang), poster.commune.name(lang)
    return [
        t.plain(lang, "poster.title"),
        t.plain(lang, "poster.subtitle"),
        t.plain(lang, "poster.for_village", village=village, commune=commune),
        *(t.plain(lang, key) for key in ("poster.line1", "poster.line2", "poster.line3")),
    ]


def poster_pdf(content: Content, poster: Poster, bot_username: str) -> bytes:
    """The poster as an A4 PDF with the Khmer font embedded."""
    t, lang = content.texts, POSTER_LANGUAGE
    title, subtitle, for_village, *lines = poster_texts(content, poster)
    pdf = new_pdf(for_village)
    pdf.set_y(16)
    # A question people ask themselves is the hook on a wall; the programme's name comes second.
    centred(pdf, title, 36, bold=True, gap=1)
    centred(pdf, subtitle, 22, gap=3)
    centred(pdf, for_village, 20, gap=4)
    for line in lines:
        centred(pdf, line, 16, gap=1)
    # The same in pictures, for a passer-by who reads little: learn, tell the chief, check-in,
    # help, each with its button's emoji and its word under it.
    top = pdf.get_y() + 3
    height = print_strip(pdf, content, lang, (A4_WIDTH_MM - STRIP_MM) / 2, top, STRIP_MM)
    top += height + 3
    draw_qr(pdf, poster.link, (A4_WIDTH_MM - QR_MM) / 2, top, QR_MM)
    pdf.set_y(top + QR_MM + 4)
    centred(pdf, t.plain(lang, "poster.scan"), 21, bold=True, gap=5)
    centred(pdf, t.plain(lang, "poster.type"), 17)
    centred(pdf, f"@{bot_username}", 24, bold=True)
    return pdf_bytes(pdf)


def poster_problems(content: Content, poster: Poster) -> list[str]:
    """What would make a village's poster wrong: a missing name, a link Telegram refuses."""
    problems = []
    code = poster.village.code
    if not is_start_parameter(poster_payload(code)):
        problems.append(f"village {code}: its poster link is not a valid Telegram start parameter")
    for place in (poster.village, poster.commune):
        if not place.name_km.strip() or not place.name_en.strip():
            problems.append(f"village {code}: {place.code} has no Khmer or no English name")
    t = content.texts
    printed = [*poster_texts(content, poster), t.plain(POSTER_LANGUAGE, "poster.scan")]
    printed.append(t.plain(POSTER_LANGUAGE, "poster.type"))
    printed += [word for _, _, word in strip_words(content, POSTER_LANGUAGE)]  # in the strip
    for text in printed:
        if broken := broken_clusters(text):
            problems.append(f"village {code}: {broken} sign(s) would print as ◌ in {text!r}")
    return problems


def write_posters(
    content: Content, posters: list[Poster], bot_username: str, out: Path
) -> list[Path]:
    """Writes one PDF per poster into ``out``; returns the files written."""
    written = []
    for poster in with_links(posters, bot_username):
        path = out / poster.filename
        path.write_bytes(poster_pdf(content, poster, bot_username))
        written.append(path)
    return written
