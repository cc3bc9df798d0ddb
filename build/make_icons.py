"""Render the application icon's bitmaps from its SVG sources, so they can be regenerated whenever the
design changes:

    .venv/bin/python build/make_icons.py

Writes, under resources/icons/:
  hicolor/<n>x<n>/apps/ccp-field-desk.png   PNGs for Linux desktops and the window (16 to 512 px)
  ccp-field-desk.ico                        Windows: the .exe, the installer and its shortcuts
  ccp-field-desk.icns                       macOS: the .app bundle

Sizes up to 32 px come from ccp-field-desk-small.svg, a simplified drawing that stays legible where
the full design would blur. Uses only Qt (already a dependency) to render; the ICO and ICNS
containers are small enough to write here.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"
APP_ID = "ccp-field-desk"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
SMALL_DESIGN_MAX = 32
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICO_BMP_MAX = 48  # classic DIB entries up to 48 px (every Windows tool reads them), PNG above
# ICNS entry types holding PNG data, by pixel size (macOS 10.7 and later).
ICNS_TYPES = ((b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256), (b"ic09", 512))


def png_path(size: int) -> Path:
    return ICON_DIR / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def render_png(svg: Path, size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG for Qt")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.convertToFormat(QImage.Format.Format_ARGB32).save(buffer, "PNG")  # type: ignore[call-overload]  # stubs want bytes, Qt takes str
    return bytes(data.data())


def dib_from_png(png: bytes) -> bytes:
    """A 32-bit BMP entry for an ICO: header, bottom-up BGRA rows, then an all-zero AND mask."""
    from PySide6.QtGui import QImage

    image = QImage.fromData(png).convertToFormat(QImage.Format.Format_ARGB32)
    width, height = image.width(), image.height()
    header = struct.pack("<IiiHHIIiiII", 40, width, height * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    rows = [bytes(image.constScanLine(y))[: width * 4] for y in range(height)]  # type: ignore[call-overload]  # BGRA on little-endian
    mask_row = b"\0" * (((width + 31) // 32) * 4)
    return header + b"".join(reversed(rows)) + mask_row * height


def build_ico(pngs: dict[int, bytes]) -> bytes:
    entries = [(size, dib_from_png(pngs[size]) if size <= ICO_BMP_MAX else pngs[size]) for size in ICO_SIZES]
    offset = 6 + 16 * len(entries)
    directory, payload = b"", b""
    for size, data in entries:
        edge = 0 if size >= 256 else size  # 0 means 256 in an ICO directory
        directory += struct.pack("<BBBBHHII", edge, edge, 0, 0, 1, 32, len(data), offset + len(payload))
        payload += data
    return struct.pack("<HHH", 0, 1, len(entries)) + directory + payload


def build_icns(pngs: dict[int, bytes]) -> bytes:
    body = b"".join(kind + struct.pack(">I", len(pngs[size]) + 8) + pngs[size] for kind, size in ICNS_TYPES)
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - Qt needs one
    full, small = ICON_DIR / f"{APP_ID}.svg", ICON_DIR / f"{APP_ID}-small.svg"
    pngs = {size: render_png(small if size <= SMALL_DESIGN_MAX else full, size) for size in PNG_SIZES}
    for size, data in pngs.items():
        png_path(size).parent.mkdir(parents=True, exist_ok=True)
        png_path(size).write_bytes(data)
    (ICON_DIR / f"{APP_ID}.ico").write_bytes(build_ico(pngs))
    (ICON_DIR / f"{APP_ID}.icns").write_bytes(build_icns(pngs))
    print(f"wrote {len(pngs)} PNGs, {APP_ID}.ico and {APP_ID}.icns under {ICON_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
