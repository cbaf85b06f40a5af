"""Rekindle's skill icons, drawn in code: a flame with a brighter flame inside, on a dusk sky.

The Alexa skill store needs a small (108×108) and a large (512×512) PNG icon for
every locale. ``python -m skill.icons DIR`` draws both into ``DIR``; the copies in
``skill/assets/`` are exactly what this module draws (a test checks), and
``rekindle skill-package`` ships them in the package.
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from pathlib import Path

SMALL, LARGE = 108, 512
ASSETS = Path(__file__).parent / "assets"
ICON_FILES = {SMALL: "icon-108.png", LARGE: "icon-512.png"}

Colour = tuple[float, float, float]
_SKY_TOP: Colour = (38, 24, 58)        # deep plum
_SKY_BOTTOM: Colour = (112, 52, 82)    # evening rose
_OUTER: Colour = (231, 111, 81)        # coral
_INNER: Colour = (255, 200, 120)       # warm gold
_GLOW: Colour = (255, 214, 165)


def _mix(a: Colour, b: Colour, t: float) -> Colour:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)


def _flame(u: float, v: float, size: int, base: float, radius: float, tip: float) -> float:
    """How much of the pixel at (u, v) a flame covers: a round base of ``radius`` at height
    ``base`` narrowing to a point at height ``tip`` (0 outside, 1 inside, between on the rim)."""
    if v >= base:
        inside = radius - math.hypot(u - 0.5, v - base)
    elif v <= tip:
        inside = -1.0
    else:
        rise = (base - v) / (base - tip)  # 0 at the base, 1 at the tip
        inside = radius * math.cos(rise * math.pi / 2) ** 0.8 - abs(u - 0.5)
    return min(1.0, max(0.0, inside * size + 0.5))


def _pixel(x: int, y: int, size: int) -> Colour:
    u, v = (x + 0.5) / size, (y + 0.5) / size
    colour = _mix(_SKY_TOP, _SKY_BOTTOM, v)
    glow = max(0.0, 1.0 - math.hypot(u - 0.5, v - 0.58) / 0.42)
    colour = _mix(colour, _GLOW, 0.22 * glow * glow)
    colour = _mix(colour, _OUTER, _flame(u, v, size, base=0.62, radius=0.20, tip=0.14))
    return _mix(colour, _INNER, _flame(u, v, size, base=0.68, radius=0.10, tip=0.38))


def draw(size: int) -> bytes:
    """The icon as an RGB PNG of ``size`` × ``size`` pixels."""
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter type: none
        for x in range(size):
            rows.extend(max(0, min(255, round(c))) for c in _pixel(x, y, size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(bytes(rows), 9)) \
        + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_icons(folder: Path) -> list[Path]:
    """Draw both icons into ``folder``; returns the files."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for size, name in ICON_FILES.items():
        path = folder / name
        path.write_bytes(draw(size))
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write_icons(Path(sys.argv[1]) if len(sys.argv) > 1 else ASSETS):
        print(written)
