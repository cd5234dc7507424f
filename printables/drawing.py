"""A small canvas for the project's pictures: big Khmer text, plain shapes, small PNG files.

matplotlib lays out Khmer with its shaping (subscript consonants, vowels drawn before the
consonant) in the Noto Sans Khmer font from its PyPI package, so nothing depends on system
libraries or a download. Coordinates are pixels from the top left, as one thinks of a phone
screen.
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, Literal

from content.pictures import EMOJI_DIR, emoji_name

# matplotlib and Pillow are imported where a picture is drawn, not when the bot starts: most
# updates never draw one, and the import costs time and memory.

# matplotlib's font cache and text layout are shared by every figure: one drawing at a time,
# for the report's charts too.
DRAWING_LOCK = threading.Lock()
DPI = 100
POINTS_PER_PIXEL = 72 / DPI
COLOURS = 32  # a palette this small keeps a flat drawing near 20 KB; MEDIANCUT keeps its tints

INK = "#1b1b1b"
MUTED = "#5a5a5a"
WHITE = "#ffffff"
RED = "#c0392b"
GREEN = "#2f7d6d"
BLUE = "#1f4e79"
GOLD = "#d4a017"
PALE_RED = "#fbe3e0"
PALE_GREEN = "#e2f1ec"
PALE_BLUE = "#e3edf7"
GREY = "#d9d9d9"

Align = Literal["left", "center", "right"]


@cache
def font_family() -> str:
    """Registers the Noto Sans Khmer font shipped with its PyPI package (never fetched)."""
    from fontpkg_noto_sans_khmer import ROOT
    from matplotlib import font_manager

    path = next((ROOT / "files").glob("*.ttf"))
    font_manager.fontManager.addfont(str(path))
    return str(font_manager.FontProperties(fname=str(path)).get_name())


class Canvas:
    """One picture being drawn. Not thread-safe: draw under DRAWING_LOCK."""

    def __init__(self, width: int, height: int, background: str = WHITE) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.width, self.height = width, height
        self.figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor=background)
        self.agg = FigureCanvasAgg(self.figure)
        self.axes = self.figure.add_axes((0, 0, 1, 1))
        self.axes.set_xlim(0, width)
        self.axes.set_ylim(height, 0)
        self.axes.set_axis_off()
        self.words: list[str] = []  # everything written, in order: the picture's description
        self.origin, self.scale = (0.0, 0.0), 1.0  # where and how large `placed` draws

    @contextlib.contextmanager
    def placed(self, x: float, y: float, scale: float) -> Iterator[None]:
        """Draws what follows with its (0, 0) at (x, y), every length times ``scale``: one
        pictogram drawn once, shown large on one picture and small on another."""
        before = self.origin, self.scale
        self.origin, self.scale = (x, y), scale
        try:
            yield
        finally:
            self.origin, self.scale = before

    def _at(self, x: float, y: float) -> tuple[float, float]:
        return self.origin[0] + x * self.scale, self.origin[1] + y * self.scale

    def text(
        self,
        x: float,
        y: float,
        words: str,
        *,
        size: float = 32,
        colour: str = INK,
        align: Align = "left",
        max_width: float | None = None,
        bold: bool = False,
    ) -> float:
        """Writes words centred on ``y``, shrunk to fit ``max_width``; returns the width used."""
        from matplotlib.patheffects import withStroke

        self.words.append(words)
        x, y = self._at(x, y)
        size *= self.scale
        max_width = None if max_width is None else max_width * self.scale
        artist = self.axes.text(
            x,
            y,
            words,
            ha=align,
            multialignment=align,
            va="center",
            color=colour,
            fontsize=size * POINTS_PER_PIXEL,
            fontfamily=font_family(),
            linespacing=1.35,
            parse_math=False,  # a "$" is a dollar here, not the start of a formula
            # The variable font has no separate bold face: a thin outline of the same colour
            # gives headings their weight.
            path_effects=[withStroke(linewidth=1.6, foreground=colour)] if bold else None,
        )
        renderer = self.agg.get_renderer()  # type: ignore[no-untyped-call]
        width = float(artist.get_window_extent(renderer).width)
        if max_width is not None and width > max_width:
            artist.set_fontsize(size * POINTS_PER_PIXEL * max_width / width)
            width = max_width
        return width

    def box(
        self,
        x: float,
        y: float,
        width: float,
        height: float,
        *,
        fill: str,
        edge: str | None = None,
        radius: float = 18,
        line: float = 0,
    ) -> None:
        """A rounded rectangle with its top left corner at (x, y)."""
        from matplotlib.patches import FancyBboxPatch

        x, y = self._at(x, y)
        width, height, radius, line = (v * self.scale for v in (width, height, radius, line))
        self.axes.add_patch(
            FancyBboxPatch(
                (x, y),
                width,
                height,
                boxstyle=f"round,pad=0,rounding_size={radius}",
                facecolor=fill,
                edgecolor=edge or fill,
                linewidth=line * POINTS_PER_PIXEL,
            )
        )

    def circle(self, x: float, y: float, radius: float, *, fill: str) -> None:
        from matplotlib.patches import Circle

        self.axes.add_patch(
            Circle(self._at(x, y), radius * self.scale, facecolor=fill, edgecolor=fill)
        )

    def polygon(self, points: list[tuple[float, float]], *, fill: str) -> None:
        from matplotlib.patches import Polygon

        placed = [self._at(px, py) for px, py in points]
        self.axes.add_patch(Polygon(placed, closed=True, facecolor=fill, edgecolor=fill))

    def line(
        self, x1: float, y1: float, x2: float, y2: float, *, colour: str, width: float = 4
    ) -> None:
        (x1, y1), (x2, y2) = self._at(x1, y1), self._at(x2, y2)
        self.axes.plot(
            [x1, x2],
            [y1, y2],
            color=colour,
            linewidth=width * self.scale * POINTS_PER_PIXEL,
            solid_capstyle="round",
        )

    def ring(self, x: float, y: float, radius: float, *, colour: str, width: float) -> None:
        """A circle's outline only (a chain's link, a clock's face, a "no" sign)."""
        from matplotlib.patches import Circle

        self.axes.add_patch(
            Circle(
                self._at(x, y),
                radius * self.scale,
                facecolor="none",
                edgecolor=colour,
                linewidth=width * self.scale * POINTS_PER_PIXEL,
            )
        )

    def emoji(self, x: float, y: float, size: float, symbol: str) -> None:
        """The emoji a button carries, ``size`` pixels high, centred on (x, y).

        Drawn from the small PNG kept in content/media/emoji/ (from Noto Color Emoji), so the
        picture shows the same sign as the button beside it; the symbol joins the description.
        """
        from PIL import Image

        self.words.append(symbol)
        with Image.open(emoji_file(symbol)) as image:
            pixels = image.convert("RGBA")
        x, y = self._at(x, y)
        size *= self.scale
        half_h, half_w = size / 2, size * pixels.width / pixels.height / 2
        self.axes.imshow(
            pixels,
            extent=(x - half_w, x + half_w, y + half_h, y - half_h),
            interpolation="bilinear",
            zorder=3,
        )
        self.axes.set_xlim(0, self.width)  # imshow would fit the axes to the image
        self.axes.set_ylim(self.height, 0)

    def warning_sign(self, x: float, y: float, size: float) -> None:
        """A red triangle with an exclamation mark, centred on (x, y)."""
        half = size / 2
        self.polygon(
            [(x, y - half), (x + half, y + half * 0.8), (x - half, y + half * 0.8)], fill=RED
        )
        self.line(x, y - half * 0.35, x, y + half * 0.3, colour=WHITE, width=size * 0.12)
        self.circle(x, y + half * 0.58, size * 0.065, fill=WHITE)

    def png(self, *, smallest: bool = True, colours: int = COLOURS) -> bytes:
        """The picture as a palette PNG, its words in the Description text chunk.

        ``smallest`` spends about 0.1 s more to save a few kilobytes: right for the pictures kept
        in content/, not for one drawn while a person waits. ``colours``: more for a picture
        whose emoji would otherwise lose theirs to the rest (the invite sheet's strip).
        """
        from PIL import Image, PngImagePlugin

        self.agg.draw()  # type: ignore[no-untyped-call]
        size = self.agg.get_width_height()
        pixels = self.agg.buffer_rgba()  # type: ignore[no-untyped-call]
        image = Image.frombuffer("RGBA", size, pixels, "raw", "RGBA", 0, 1)
        small = image.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT)
        info = PngImagePlugin.PngInfo()
        info.add_text("Description", "\n".join(self.words))
        out = io.BytesIO()
        small.save(out, format="PNG", compress_level=9 if smallest else 6, pnginfo=info)
        return out.getvalue()


def emoji_file(symbol: str) -> Path:
    """The kept image of one emoji (its one code point; a variation selector is ignored)."""
    path = EMOJI_DIR / emoji_name(symbol)
    if not path.is_file():
        raise ValueError(f"no image of {symbol!r}: run scripts/emoji_images.py {symbol}")
    return path


def described(picture: bytes) -> str:
    """The words a picture was drawn with (its Description), for tests and checks."""
    from PIL import Image

    with Image.open(io.BytesIO(picture)) as image:
        text: Any = getattr(image, "text", {})
        return str(text.get("Description", ""))
