"""Writes icons/icon{16,48,128}.png with the stdlib only. Run once: python3 extension/tools/make_icons.py"""
import struct
import zlib
from pathlib import Path

YELLOW, PAGE, INK, CLEAR = (255, 210, 30, 255), (255, 255, 255, 255), (40, 44, 52, 255), (0, 0, 0, 0)


def pixel(x: float, y: float) -> tuple:
    """Colour at (x, y) in the unit square: a rounded yellow tile holding a page with text lines."""
    r = 0.18
    cx, cy = min(max(x, r), 1 - r), min(max(y, r), 1 - r)
    if (x - cx) ** 2 + (y - cy) ** 2 > r * r:
        return CLEAR
    if 0.25 <= x <= 0.75 and 0.16 <= y <= 0.84:
        for top in (0.30, 0.45, 0.60):
            if top <= y <= top + 0.07 and 0.33 <= x <= (0.67 if top < 0.6 else 0.55):
                return INK
        return PAGE
    return YELLOW


def png(size: int) -> bytes:
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel((i + 0.5) / size, (j + 0.5) / size)) for i in range(size))
        for j in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "icons"
    for size in (16, 48, 128):
        (out / f"icon{size}.png").write_bytes(png(size))
