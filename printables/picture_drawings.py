"""The lesson pictures, drawn from the words in content/<lang>/pictures.po; the check-in's
problems and the posters' strip too, from the content's problems and buttons.

Each drawing has a version: change the drawing, raise its version, and the pictures count as
out of date until ``python bot.py pictures`` has drawn them again. The shapes are the
project's own (no icon set; to credit: the font, and the emoji in content/media/emoji/).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from content.bundle import Content
from content.texts import Texts
from printables.drawing import (
    BLUE,
    GOLD,
    GREEN,
    GREY,
    INK,
    MUTED,
    PALE_BLUE,
    PALE_GREEN,
    PALE_RED,
    RED,
    WHITE,
    Canvas,
)
from printables.money_picture import draw_report_money
from printables.pictograms import PROBLEM_PICTOGRAMS, STRIP_PICTOGRAMS

WIDTH = 800
# Calling home from Thailand (CONTENT-FACTS, "Hotlines and embassies": 001 + 855 + the number
# without its leading 0). Numbers to dial stay in 0-9 in every language.
THAILAND_EXIT_CODE = "001"
CAMBODIA_CODE = "855"
SIGNS = ("papers", "wages", "lied", "not_free", "threats", "violence", "debt", "hours")

# The strip of what the bot does (posters, invite sheets): each pictogram and the button whose
# emoji it shows. "Tell the chief" is /plan's button; the check-in is its "I'm fine".
STRIP_BUTTONS = (
    ("learn", "menu.learn"),
    ("tell_chief", "menu.plan"),
    ("checkin", "checkin.answer.fine"),
    ("help", "menu.help"),
)
STRIP_CELL_W, STRIP_CELL_H = 400, 380

Drawing = Callable[[Content, str], bytes]


def _title(canvas: Canvas, words: str, y: float = 70) -> None:
    canvas.text(WIDTH / 2, y, words, size=52, align="center", max_width=WIDTH - 60, bold=True)


def _passport(canvas: Canvas, x: float, y: float) -> None:
    """A dark booklet with a gold emblem."""
    canvas.box(x, y, 120, 160, fill=BLUE, radius=12)
    canvas.circle(x + 60, y + 65, 30, fill=GOLD)
    canvas.circle(x + 60, y + 65, 18, fill=BLUE)
    canvas.box(x + 25, y + 115, 70, 10, fill=GOLD, radius=4)


def _card(canvas: Canvas, x: float, y: float, colour: str) -> None:
    """An identity card: a face on the left, lines of writing on the right."""
    canvas.box(x, y, 200, 130, fill=WHITE, edge=colour, radius=14, line=6)
    canvas.circle(x + 52, y + 50, 22, fill=colour)
    canvas.box(x + 22, y + 78, 60, 32, fill=colour, radius=14)
    for row in range(3):
        canvas.box(x + 100, y + 32 + row * 28, 80, 10, fill=GREY, radius=4)


def _work_permit(canvas: Canvas, x: float, y: float) -> None:
    """The card of a worker: the same card, its face under a builder's helmet, so a reader who
    cannot read «ប័ណ្ណការងារ» tells it from the border pass (Khmer review, §4 pictures)."""
    _card(canvas, x, y, GREEN)
    cx, cy, r = x + 52, y + 36, 27
    dome = [
        (cx + r * math.cos(math.pi * k / 12), cy - r * math.sin(math.pi * k / 12))
        for k in range(13)
    ]
    canvas.polygon(dome, fill=GOLD)
    canvas.box(cx - r - 8, cy - 4, 2 * r + 16, 9, fill=GOLD, radius=4)


def _visa(canvas: Canvas, x: float, y: float) -> None:
    """A page with a round stamp on it."""
    canvas.box(x, y, 130, 160, fill=WHITE, edge=GREEN, radius=10, line=6)
    canvas.circle(x + 65, y + 70, 40, fill=GREEN)
    canvas.circle(x + 65, y + 70, 30, fill=WHITE)
    canvas.line(x + 48, y + 72, x + 60, y + 86, colour=GREEN, width=8)
    canvas.line(x + 60, y + 86, x + 84, y + 55, colour=GREEN, width=8)
    canvas.box(x + 25, y + 128, 80, 10, fill=GREY, radius=4)


def _pair(
    canvas: Canvas,
    y: float,
    heading: str,
    joiner: str,
    tint: str,
    left: tuple[str, Callable[[Canvas, float, float], None]],
    right: tuple[str, Callable[[Canvas, float, float], None]],
) -> None:
    canvas.box(30, y, WIDTH - 60, 360, fill=tint, radius=26)
    canvas.text(WIDTH / 2, y + 45, heading, size=38, align="center", max_width=WIDTH - 100)
    for (label, icon), centre in ((left, 215.0), (right, 585.0)):
        icon(canvas, centre, y + 95)
        canvas.text(centre, y + 300, label, size=42, align="center", max_width=330, bold=True)
    canvas.text(WIDTH / 2, y + 200, joiner, size=44, align="center", colour=MUTED, bold=True)


def draw_documents(t: Texts, lang: str) -> bytes:
    """Passport or border pass to enter; visa and work permit to work (lesson safe_vs_illegal)."""
    canvas = Canvas(WIDTH, 1040)
    _title(canvas, t.raw(lang, "picture.documents.title"))
    _pair(
        canvas,
        130,
        t.raw(lang, "picture.documents.enter"),
        t.raw(lang, "picture.documents.or"),
        PALE_BLUE,
        (t.raw(lang, "picture.documents.passport"), lambda c, x, y: _passport(c, x - 60, y)),
        (
            t.raw(lang, "picture.documents.border_pass"),
            lambda c, x, y: _card(c, x - 100, y + 15, BLUE),
        ),
    )
    _pair(
        canvas,
        510,
        t.raw(lang, "picture.documents.work"),
        t.raw(lang, "picture.documents.and"),
        PALE_GREEN,
        (t.raw(lang, "picture.documents.visa"), lambda c, x, y: _visa(c, x - 65, y)),
        (
            t.raw(lang, "picture.documents.work_permit"),
            lambda c, x, y: _work_permit(c, x - 100, y + 15),
        ),
    )
    canvas.box(30, 890, WIDTH - 60, 130, fill=PALE_RED, radius=20)
    canvas.warning_sign(90, 955, 60)
    note = t.raw(lang, "picture.documents.note")
    canvas.text(140, 955, note, size=32, colour=RED, max_width=WIDTH - 190)
    return canvas.png()


def _dots(canvas: Canvas, x: float, y: float, groups: tuple[int, ...], colour: str) -> float:
    """Digits left blank on purpose (no one's real number), as groups of dots; returns the end."""
    for count in groups:
        for _ in range(count):
            canvas.circle(x + 11, y, 9, fill=colour)
            x += 26
        x += 18
    return x


def draw_dialling(t: Texts, lang: str) -> bytes:
    """001, then 855, then the number without its first 0 (lesson getting_help)."""
    canvas = Canvas(WIDTH, 1010)
    _title(canvas, t.raw(lang, "picture.dialling.title"))
    steps = (
        (THAILAND_EXIT_CODE, t.raw(lang, "picture.dialling.first")),
        (CAMBODIA_CODE, t.raw(lang, "picture.dialling.then")),
    )
    y = 140.0
    for number, (digits, words) in enumerate(steps, start=1):
        canvas.circle(75, y + 65, 38, fill=BLUE)
        canvas.text(75, y + 65, str(number), size=44, align="center", colour=WHITE)
        canvas.box(135, y, 290, 130, fill=PALE_BLUE, edge=BLUE, radius=20, line=5)
        canvas.text(280, y + 65, digits, size=80, align="center", colour=BLUE, bold=True)
        canvas.text(455, y + 65, words, size=40, max_width=WIDTH - 475)
        y += 170
    canvas.circle(75, y + 65, 38, fill=BLUE)
    canvas.text(75, y + 65, "3", size=44, align="center", colour=WHITE)
    canvas.box(135, y, WIDTH - 165, 130, fill=PALE_BLUE, edge=BLUE, radius=20, line=5)
    canvas.text(185, y + 65, "0", size=80, align="center", colour=MUTED, bold=True)
    canvas.line(155, y + 110, 215, y + 20, colour=RED, width=10)  # the first 0, crossed out
    _dots(canvas, 245, y + 65, (2, 3, 3), BLUE)
    canvas.text(
        WIDTH / 2,
        y + 215,
        t.raw(lang, "picture.dialling.number"),
        size=40,
        align="center",
        max_width=WIDTH - 60,
    )
    y += 330
    canvas.box(30, y, WIDTH - 60, 200, fill=PALE_GREEN, radius=24)
    canvas.text(
        WIDTH / 2,
        y + 45,
        t.raw(lang, "picture.dialling.together"),
        size=36,
        align="center",
        colour=GREEN,
        max_width=WIDTH - 100,
    )
    width = canvas.text(
        60, y + 130, f"{THAILAND_EXIT_CODE} {CAMBODIA_CODE}", size=64, colour=INK, bold=True
    )
    _dots(canvas, 60 + width + 24, y + 132, (2, 3, 3), INK)
    return canvas.png()


# Each sign of forced labour and the check-in problem it is (the same pictogram and emoji:
# what the lesson taught is the button to tap later).
SIGN_PROBLEMS = {
    "papers": "documents_kept",
    "wages": "wages_withheld",
    "lied": "not_as_promised",
    "not_free": "not_free",
    "threats": "threats_violence",
    "violence": "threats_violence",
    "debt": "debt",
    "hours": "excessive_hours",
}


def problem_emoji(content: Content) -> dict[str, str]:
    return {problem.id: problem.emoji for problem in content.problems}


def _badge(canvas: Canvas, x: float, y: float, size: float, symbol: str) -> None:
    """The button's emoji on a white disc, so it stands out on any background."""
    canvas.circle(x, y, size * 0.62, fill=WHITE)
    canvas.emoji(x, y, size, symbol)


def draw_warning_signs(content: Content, lang: str) -> bytes:
    """Eight signs of forced labour, each with the pictogram and emoji of its check-in button,
    and 'one sign can be enough' (lesson at_work)."""
    t, emoji = content.texts, problem_emoji(content)
    row = 120
    canvas = Canvas(WIDTH, 150 + row * len(SIGNS) + 170)
    _title(canvas, t.raw(lang, "picture.warning_signs.title"))
    y = 140.0
    for n, sign in enumerate(SIGNS):
        problem = SIGN_PROBLEMS[sign]
        canvas.box(20, y + 4, WIDTH - 40, row - 8, fill=PALE_RED if n % 2 == 0 else WHITE)
        with canvas.placed(92, y + 6, 0.49):
            PROBLEM_PICTOGRAMS[problem](canvas, 0, 0)
        _badge(canvas, 62, y + row / 2, 58, emoji[problem])
        words = t.raw(lang, f"picture.warning_signs.{sign}")
        canvas.text(290, y + row / 2, words, size=36, max_width=WIDTH - 320)
        y += row
    canvas.box(20, y + 20, WIDTH - 40, 140, fill=RED, radius=20)
    canvas.text(
        WIDTH / 2,
        y + 90,
        t.raw(lang, "picture.warning_signs.one_sign"),
        size=38,
        align="center",
        colour=WHITE,
        max_width=WIDTH - 80,
        bold=True,
    )
    return canvas.png()


def draw_problems(content: Content, lang: str) -> bytes:
    """The check-in's problem list as pictures, in the order of its buttons, each with its
    button's emoji. No words: a shared phone shows a drawing, not «my papers were taken»."""
    problems = content.problems
    cell_w, cell_h, gap = 370, 250, 14
    rows = math.ceil(len(problems) / 2)
    canvas = Canvas(WIDTH, 20 * 2 + rows * cell_h + (rows - 1) * gap)
    for n, problem in enumerate(problems):
        x = 20 + (n % 2) * (cell_w + 20)
        y = 20 + (n // 2) * (cell_h + gap)
        canvas.box(x, y, cell_w, cell_h, fill=PALE_BLUE, radius=22)
        with canvas.placed(x + 58, y + 56, 0.85):
            PROBLEM_PICTOGRAMS[problem.id](canvas, 0, 0)
        _badge(canvas, x + 46, y + 46, 72, problem.emoji)  # big: it is what she matches
    return canvas.png(colours=48)  # eight emoji keep their own colours


def strip_words(content: Content, lang: str) -> list[tuple[str, str, str]]:
    """What the bot does, as (pictogram, its button's emoji, its word), in the strip's order.

    The emoji is the one the button starts with, read from that button's text: a changed
    button changes the strip too (its hash), never leaves it showing another sign.
    """
    t = content.texts
    return [
        (key, t.raw(lang, button).split(" ", 1)[0], t.raw(lang, f"picture.strip.{key}"))
        for key, button in STRIP_BUTTONS
    ]


def strip(content: Content, lang: str, canvas: Canvas, x: float, y: float, width: float) -> float:
    """Draws the strip ``width`` pixels wide at (x, y) on any canvas; returns its height."""
    cells = strip_words(content, lang)
    scale = width / (len(cells) * STRIP_CELL_W)
    with canvas.placed(x, y, scale):
        for n, (key, symbol, word) in enumerate(cells):
            cx = n * STRIP_CELL_W
            canvas.box(cx + 8, 0, STRIP_CELL_W - 16, STRIP_CELL_H, fill=PALE_GREEN, radius=24)
            STRIP_PICTOGRAMS[key](canvas, cx + 20, 40)
            _badge(canvas, cx + 50, 46, 64, symbol)
            canvas.text(
                cx + STRIP_CELL_W / 2,
                STRIP_CELL_H - 48,
                word,
                size=46,
                align="center",
                max_width=STRIP_CELL_W - 40,
                bold=True,
            )
    return STRIP_CELL_H * scale


def draw_strip(content: Content, lang: str) -> bytes:
    """The strip alone, as the posters and invite sheets print it."""
    width = len(STRIP_BUTTONS) * STRIP_CELL_W
    canvas = Canvas(width, STRIP_CELL_H)
    strip(content, lang, canvas, 0, 0, width)
    return canvas.png()


# id -> (version, drawing). Raise a version when its drawing changes.
DRAWINGS: dict[str, tuple[int, Drawing]] = {
    "documents": (2, lambda content, lang: draw_documents(content.texts, lang)),  # 2: a helmet
    "dialling": (1, lambda content, lang: draw_dialling(content.texts, lang)),
    "warning_signs": (2, draw_warning_signs),  # 2: the check-in buttons' pictograms and emoji
    "money": (1, lambda content, lang: draw_report_money(content.texts, lang)),
    "problems": (2, draw_problems),  # 2: larger emoji
    "strip": (1, draw_strip),
}
