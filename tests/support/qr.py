"""Reading back what the bot printed: a PDF page rendered as a camera would see it, QR decoded.

pypdfium2 renders the page (PDFium, the PDF engine of Chromium), zxing-cpp reads the code.
"""

from __future__ import annotations

import io

import pypdfium2
import zxingcpp
from PIL import Image


def pdf_page(pdf: bytes, dpi: int = 100) -> Image.Image:
    """The first page of a PDF as a picture."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        assert len(document) == 1, "one page"
        picture: Image.Image = document[0].render(scale=dpi / 72).to_pil()
        return picture.convert("RGB")
    finally:
        document.close()


def pdf_text(pdf: bytes) -> str:
    """The text a PDF reader extracts from the first page (what copy and paste would give)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return str(document[0].get_textpage().get_text_range())
    finally:
        document.close()


def qr_links(picture: Image.Image) -> list[str]:
    """Every QR code's text in the picture."""
    return [
        r.text for r in zxingcpp.read_barcodes(picture) if r.format == zxingcpp.BarcodeFormat.QRCode
    ]


def qr_links_in_pdf(pdf: bytes) -> list[str]:
    return qr_links(pdf_page(pdf))


def qr_links_in_png(png: bytes) -> list[str]:
    return qr_links(Image.open(io.BytesIO(png)).convert("RGB"))
