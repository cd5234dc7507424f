"""QR codes of the bot's links (segno: pure Python, no system library, the ISO 18004 encoder).

Error correction level M (15 % of the code may be lost): a poster on a village wall gets
creased, faded and fly-specked, and M still keeps the code small enough to scan from 1–2 m.
"""

from __future__ import annotations

import segno

QUIET_ZONE = 4  # modules of white around the code, as the standard asks


def qr_matrix(link: str) -> list[list[bool]]:
    """The code's dark (True) and light modules, row by row, without the quiet zone."""
    code = segno.make_qr(link, error="m")
    return [[bool(module) for module in row] for row in code.matrix]


def qr_png(link: str, scale: int = 8) -> bytes:
    """The link's QR code as a small PNG, for a phone's screen (another phone's camera reads it)."""
    import io

    buffer = io.BytesIO()
    segno.make_qr(link, error="m").save(buffer, kind="png", scale=scale, border=QUIET_ZONE)
    return buffer.getvalue()
