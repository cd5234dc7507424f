"""Small drawings without words: the check-in problems and what the bot does.

Each fills a box of ``BOX_W`` x ``BOX_H`` pixels whose top left corner is (x, y). They are read
by people who read little, on a small screen: one person or two, one object, strong colours.
A worker is green, a boss or a broker dark grey and larger, as in every picture of the project.
The shapes are the project's own; the emoji beside each is the button's (drawing.Canvas.emoji).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import pairwise

from printables.drawing import (
    BLUE,
    GOLD,
    GREEN,
    GREY,
    INK,
    MUTED,
    PALE_BLUE,
    RED,
    WHITE,
    Canvas,
)

BOX_W, BOX_H = 360, 220
BOSS = "#3d3d46"
SKIN = "#c68642"
CHIEF = "#7a4a1e"  # the village chief: a brown shirt, as on the posters' strip

Point = tuple[float, float]
Pictogram = Callable[[Canvas, float, float], None]


def person(
    canvas: Canvas,
    x: float,
    y: float,
    *,
    scale: float = 1.0,
    colour: str = GREEN,
    hands: tuple[Point, Point] | None = None,
) -> tuple[Point, Point]:
    """A standing person, feet at (x, y); ``hands`` are where the two hands reach, relative
    to the shoulders (hanging down when not given). Returns the two hands' points."""
    s = scale
    top = y - 150 * s
    shoulders = ((x - 22 * s, top + 52 * s), (x + 22 * s, top + 52 * s))
    reach = hands or ((-8 * s, 52 * s), (8 * s, 52 * s))
    ends = []
    for (sx, sy), (dx, dy) in zip(shoulders, reach, strict=True):
        ends.append((sx + dx, sy + dy))
        canvas.line(sx, sy, sx + dx, sy + dy, colour=colour, width=14 * s)
        canvas.circle(sx + dx, sy + dy, 8 * s, fill=SKIN)
    for side in (-1, 1):  # legs
        canvas.line(
            x + side * 11 * s, top + 100 * s, x + side * 14 * s, y - 6 * s, colour=INK, width=14 * s
        )
    canvas.box(x - 26 * s, top + 40 * s, 52 * s, 70 * s, fill=colour, radius=16 * s)
    canvas.circle(x, top + 20 * s, 20 * s, fill=SKIN)
    canvas.box(x - 20 * s, top - 2 * s, 40 * s, 12 * s, fill=INK, radius=6 * s)  # hair
    return ends[0], ends[1]


def _passport(canvas: Canvas, x: float, y: float, scale: float = 1.0) -> None:
    """The dark blue booklet with a gold emblem of the documents picture, (x, y) its centre."""
    w, h = 56 * scale, 74 * scale
    canvas.box(x - w / 2, y - h / 2, w, h, fill=BLUE, radius=6 * scale)
    canvas.circle(x, y - 6 * scale, 14 * scale, fill=GOLD)
    canvas.circle(x, y - 6 * scale, 8 * scale, fill=BLUE)
    canvas.box(x - 16 * scale, y + 18 * scale, 32 * scale, 6 * scale, fill=GOLD, radius=3)


def _notes(canvas: Canvas, x: float, y: float) -> None:
    """A small stack of green banknotes, (x, y) its centre."""
    for k in range(3):
        canvas.box(
            x - 55 + 4 * k,
            y - 30 + 12 * k,
            110,
            50,
            fill="#3f8f4f",
            edge="#2c6b39",
            line=3,
            radius=6,
        )
    canvas.circle(x + 8, y + 19, 14, fill="#7cc38a")


def _no(canvas: Canvas, x: float, y: float, radius: float) -> None:
    """A red "not allowed" circle with its slash."""
    canvas.ring(x, y, radius, colour=RED, width=12)
    d = radius * math.cos(math.pi / 4)
    canvas.line(x - d, y - d, x + d, y + d, colour=RED, width=12)


def _bubble(canvas: Canvas, x: float, y: float, w: float, h: float, tail: Point) -> None:
    """A white speech bubble, top left (x, y), its tail pointing at ``tail``."""
    canvas.polygon([(x + w * 0.25, y + h - 4), (x + w * 0.45, y + h - 4), tail], fill=MUTED)
    canvas.box(x, y, w, h, fill=WHITE, edge=MUTED, line=4, radius=22)
    canvas.polygon([(x + w * 0.25 + 4, y + h - 6), (x + w * 0.45 - 4, y + h - 6), tail], fill=WHITE)


def _phone(canvas: Canvas, x: float, y: float, w: float = 90, h: float = 160) -> None:
    """A phone, top left (x, y), with an empty light screen."""
    canvas.box(x, y, w, h, fill=INK, radius=14)
    canvas.box(x + 7, y + 16, w - 14, h - 34, fill=PALE_BLUE, radius=6)
    canvas.circle(x + w / 2, y + h - 9, 5, fill=GREY)


# -- the check-in problems -------------------------------------------------------------------


def documents_kept(canvas: Canvas, x: float, y: float) -> None:
    """The boss holds the worker's passport up, out of her reach."""
    person(canvas, x + 110, y + 215, scale=1.05, hands=((-8, 52), (46, -48)))
    _, hand = person(canvas, x + 235, y + 215, scale=1.3, colour=BOSS, hands=((-6, 60), (34, -70)))
    _passport(canvas, hand[0] + 4, hand[1] - 30)


def wages_withheld(canvas: Canvas, x: float, y: float) -> None:
    """Money, crossed out; the worker holds out empty hands."""
    person(canvas, x + 80, y + 215, scale=1.1, hands=((-30, 30), (30, 30)))
    _notes(canvas, x + 240, y + 110)
    _no(canvas, x + 240, y + 110, 82)


def debt(canvas: Canvas, x: float, y: float) -> None:
    """A heavy ball marked $ chained to the worker's foot."""
    person(canvas, x + 95, y + 215, scale=1.1)
    foot = (x + 110, y + 205)
    ball = (x + 265, y + 150)
    for k in range(1, 6):  # the chain's links
        t = k / 6
        canvas.ring(
            foot[0] + (ball[0] - 50 - foot[0]) * t,
            foot[1] + (ball[1] + 30 - foot[1]) * t,
            9,
            colour=MUTED,
            width=5,
        )
    canvas.circle(ball[0], ball[1], 58, fill=INK)
    canvas.circle(ball[0] - 20, ball[1] - 22, 12, fill=MUTED)  # its shine
    canvas.text(ball[0], ball[1] + 4, "$", size=64, align="center", colour=GOLD, bold=True)


def not_free(canvas: Canvas, x: float, y: float) -> None:
    """The worker behind bars."""
    canvas.box(x + 70, y + 10, 220, 205, fill=PALE_BLUE, radius=10)
    person(canvas, x + 180, y + 212, scale=1.2, hands=((-4, -22), (4, -22)))
    canvas.box(x + 60, y + 2, 240, 14, fill=BOSS, radius=4)
    for k in range(6):
        bx = x + 78 + k * 41
        canvas.line(bx, y + 10, bx, y + 212, colour=BOSS, width=10)
    canvas.box(x + 60, y + 206, 240, 14, fill=BOSS, radius=4)


def threats_violence(canvas: Canvas, x: float, y: float) -> None:
    """The boss raises his fist over the worker, who shields her head."""
    person(canvas, x + 105, y + 215, scale=0.95, hands=((26, -48), (-26, -48)))
    fist, _ = person(canvas, x + 250, y + 215, scale=1.35, colour=BOSS, hands=((-42, -66), (8, 56)))
    burst = [
        (
            fist[0] - 48 + (30 if k % 2 == 0 else 14) * math.cos(math.pi * k / 8),
            fist[1] - 8 + (30 if k % 2 == 0 else 14) * math.sin(math.pi * k / 8),
        )
        for k in range(16)
    ]
    canvas.polygon(burst, fill=RED)
    canvas.circle(fist[0], fist[1], 18, fill=SKIN)


def excessive_hours(canvas: Canvas, x: float, y: float) -> None:
    """Still working at night: the moon, and the clock at midnight."""
    canvas.box(x + 5, y + 5, 350, 210, fill="#24345a", radius=18)
    canvas.circle(x + 60, y + 55, 30, fill=GOLD)
    canvas.circle(x + 75, y + 45, 28, fill="#24345a")  # the crescent
    for sx, sy in ((x + 130, y + 30), (x + 160, y + 75), (x + 30, y + 120)):
        canvas.circle(sx, sy, 4, fill=WHITE)
    canvas.circle(x + 270, y + 80, 58, fill=WHITE)
    canvas.ring(x + 270, y + 80, 58, colour=GOLD, width=8)
    canvas.line(x + 270, y + 80, x + 270, y + 38, colour=INK, width=8)
    canvas.line(x + 270, y + 80, x + 276, y + 46, colour=RED, width=5)
    canvas.box(x + 40, y + 170, 190, 18, fill=GREY, radius=4)  # the work table
    person(canvas, x + 150, y + 212, scale=0.85, hands=((-20, 30), (24, 28)))
    canvas.box(x + 40, y + 160, 60, 14, fill=GOLD, radius=3)


def not_as_promised(canvas: Canvas, x: float, y: float) -> None:
    """The broker promised gold coins; the worker carries a heavy load."""
    person(canvas, x + 50, y + 215, scale=1.0, colour=BOSS, hands=((-6, 52), (18, -30)))
    _bubble(canvas, x + 20, y + 2, 140, 70, (x + 70, y + 92))
    for k in range(3):
        canvas.circle(x + 55 + k * 36, y + 38, 15, fill=GOLD)
    for dy in (-14, 14):  # "not the same": an equals sign, struck through
        canvas.line(x + 165, y + 115 + dy, x + 215, y + 115 + dy, colour=RED, width=10)
    canvas.line(x + 200, y + 80, x + 180, y + 150, colour=RED, width=10)
    canvas.box(x + 230, y + 40, 110, 60, fill="#9c7a4f", radius=14)  # the sack
    person(canvas, x + 285, y + 215, scale=1.0, hands=((-6, -60), (6, -60)))


def other(canvas: Canvas, x: float, y: float) -> None:
    """The worker with something else on her mind."""
    person(canvas, x + 110, y + 215, scale=1.15, hands=((-6, 52), (10, -28)))
    for k, (bx, by, r) in enumerate(((x + 150, y + 86, 8), (x + 170, y + 64, 12))):
        canvas.circle(bx, by, r + 3 * k, fill=GREY)
    canvas.circle(x + 260, y + 62, 58, fill=GREY)
    for k in range(3):
        canvas.circle(x + 228 + k * 32, y + 62, 9, fill=INK)


PROBLEM_PICTOGRAMS: dict[str, Pictogram] = {
    "documents_kept": documents_kept,
    "wages_withheld": wages_withheld,
    "debt": debt,
    "not_free": not_free,
    "threats_violence": threats_violence,
    "excessive_hours": excessive_hours,
    "not_as_promised": not_as_promised,
    "other": other,
}


# -- what the bot does (the posters' and invite sheets' strip) ----------------------------------


def learn(canvas: Canvas, x: float, y: float) -> None:
    """An open book on a phone's screen."""
    _phone(canvas, x + 120, y + 20, 120, 190)
    cx, cy = x + 180, y + 110
    canvas.polygon(
        [(cx, cy - 36), (cx - 46, cy - 46), (cx - 46, cy + 28), (cx, cy + 40)], fill=WHITE
    )
    canvas.polygon(
        [(cx, cy - 36), (cx + 46, cy - 46), (cx + 46, cy + 28), (cx, cy + 40)], fill=WHITE
    )
    canvas.line(cx, cy - 36, cx, cy + 40, colour=BLUE, width=4)
    for k in range(4):
        canvas.line(cx - 38, cy - 28 + 15 * k, cx - 8, cy - 22 + 15 * k, colour=MUTED, width=3)
        canvas.line(cx + 8, cy - 22 + 15 * k, cx + 38, cy - 28 + 15 * k, colour=MUTED, width=3)


def tell_the_chief(canvas: Canvas, x: float, y: float) -> None:
    """The villager tells the village chief before she leaves by plane."""
    person(canvas, x + 90, y + 215, scale=1.0, hands=((-6, 52), (40, -10)))
    person(canvas, x + 270, y + 215, scale=1.2, colour=CHIEF)  # he listens
    _bubble(canvas, x + 130, y + 20, 90, 56, (x + 130, y + 100))
    for k in range(3):
        canvas.circle(x + 152 + k * 22, y + 48, 6, fill=INK)


def checkin(canvas: Canvas, x: float, y: float) -> None:
    """A phone asks how she is; she answers with a smile."""
    _phone(canvas, x + 120, y + 20, 120, 190)
    canvas.box(x + 136, y + 48, 70, 34, fill=WHITE, radius=12)
    canvas.text(x + 171, y + 66, "?", size=30, align="center", colour=BLUE, bold=True)
    canvas.circle(x + 196, y + 135, 30, fill=GOLD)
    canvas.circle(x + 185, y + 127, 4, fill=INK)
    canvas.circle(x + 207, y + 127, 4, fill=INK)
    mouth = [
        (x + 196 + 16 * math.cos(a / 10 * math.pi), y + 137 + 12 * math.sin(a / 10 * math.pi))
        for a in range(1, 10)
    ]
    for (ax, ay), (bx, by) in pairwise(mouth):
        canvas.line(ax, ay, bx, by, colour=INK, width=4)


def get_help(canvas: Canvas, x: float, y: float) -> None:
    """She calls for help: a phone ringing, her hand raised."""
    person(canvas, x + 120, y + 215, scale=1.1, hands=((-14, -70), (30, 8)))
    _phone(canvas, x + 190, y + 40, 90, 150)
    canvas.circle(x + 235, y + 115, 26, fill=RED)
    canvas.text(x + 235, y + 116, "!", size=40, align="center", colour=WHITE, bold=True)
    for r in (70, 92):  # it rings
        for a0, a1 in ((-0.6, -0.2), (0.2, 0.6)):
            pts = [
                (
                    x + 235 + r * math.cos(a0 + (a1 - a0) * k / 6),
                    y + 115 + r * math.sin(a0 + (a1 - a0) * k / 6),
                )
                for k in range(7)
            ]
            for (ax, ay), (bx, by) in pairwise(pts):
                canvas.line(ax, ay, bx, by, colour=RED, width=5)


STRIP_PICTOGRAMS: dict[str, Pictogram] = {
    "learn": learn,
    "tell_chief": tell_the_chief,
    "checkin": checkin,
    "help": get_help,
}
