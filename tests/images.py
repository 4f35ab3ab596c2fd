"""Real, small PNG images for tests (no imaging library: zlib and struct)."""

from __future__ import annotations

import struct
import zlib


def png(width: int = 64, height: int = 48, seed: int = 1) -> bytes:
    """An RGB PNG with a gradient that differs by `seed`, so two photos never share bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + bytes(((x * 4 + seed * 37) % 256, (y * 5 + seed * 11) % 256, (x + y + seed * 53) % 256)
                        [c] for x in range(width) for c in range(3))
        for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
