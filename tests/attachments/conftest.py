"""Photos and scans as a phone or scanner makes them, and a post and HQ to send them between."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from PIL import Image

from tests.sync.conftest import add_sample, hq, outbox, post  # noqa: F401 - fixtures shared with the sync tests

__all__ = ["add_sample", "jpeg_bytes", "noisy_jpeg", "pdf_bytes", "png_bytes"]


def jpeg_bytes(width: int = 4000, height: int = 3000, *, orientation: int | None = None, gps: bool = False,
               seed: int = 1) -> bytes:
    """A phone photo: large, with EXIF (orientation, GPS position) when asked."""
    image = Image.new("RGB", (width, height), (seed * 37 % 256, 120, 40))
    image.paste((200, 10, 10), (0, 0, width // 4, height // 4))  # a red corner shows which way is up
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "S", 2: (18.0, 8.0, 0.0), 3: "E", 4: (178.0, 26.0, 0.0)}  # Suva
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def noisy_jpeg(seed: int, side: int = 1600, quality: int = 85) -> bytes:
    """A photo that compresses like a real one (noise), different for each seed."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (side // 4, side // 4), rng.randbytes(3 * (side // 4) ** 2)).resize((side, side * 3 // 4))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def png_bytes(width: int = 800, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 200, 30)).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes(text: str = "Signed handover form", pad: int = 0) -> bytes:
    """A small valid PDF (a scanner's is the same format, larger); `pad` bytes of comment make it bigger."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    if pad:
        out.write(b"%%%d" % pad + b"a" * pad + b"\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


@pytest.fixture
def files(tmp_path: Path):
    """Write named bytes into a folder and give back their paths."""
    folder = tmp_path / "camera"
    folder.mkdir()

    def write(name: str, data: bytes) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return write
