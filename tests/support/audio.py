"""Small, valid OGG/Opus files for tests: a real container, made here, with no sound in it.

Nothing here is a recording of anyone: the bot must never ship invented audio, and tests only
need bytes that look like what Telegram gives for a voice message.
"""

from __future__ import annotations

import struct


def _crc(data: bytes) -> int:
    """Ogg's page checksum (CRC-32, polynomial 0x04C11DB7, not reflected, starting at 0)."""
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _page(packet: bytes, *, sequence: int, granule: int, flags: int, serial: int) -> bytes:
    segments = [255] * (len(packet) // 255) + [len(packet) % 255]
    header = b"OggS" + struct.pack(
        "<BBqIIIB", 0, flags, granule, serial, sequence, 0, len(segments)
    )
    page = header + bytes(segments) + packet
    return page[:22] + struct.pack("<I", _crc(page)) + page[26:]


def silent_opus(frames: int = 5, serial: int = 1) -> bytes:
    """An OGG/Opus stream of ``frames`` 20 ms frames of silence (mono, 48 kHz)."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    vendor = b"safe-migration-tests"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    pages = [
        _page(head, sequence=0, granule=0, flags=0x02, serial=serial),
        _page(tags, sequence=1, granule=0, flags=0, serial=serial),
    ]
    for n in range(frames):
        last = n == frames - 1
        # TOC 0xF8: CELT-only, 20 ms, mono, one frame; with no frame data it is silence (DTX).
        pages.append(
            _page(
                b"\xf8",
                sequence=2 + n,
                granule=312 + 960 * (n + 1),
                flags=0x04 if last else 0,
                serial=serial,
            )
        )
    return b"".join(pages)
