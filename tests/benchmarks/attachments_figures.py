"""Figures for the attachments note: 200 phone photos attached at a post, exported and imported at HQ.

Run: `python -m tests.benchmarks.attachments_figures [FOLDER]`. Prints sizes and times; asserts nothing
(the tests in tests/attachments do): these are the numbers an officer and HQ will live with."""

from __future__ import annotations

import io
import random
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from ccp_desktop.store.attachments import attach_files, read_files
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.records import insert_record
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.identity import initialise
from ccp_desktop.sync.importer import import_package
from tests.unit import factories as f

PHOTOS = 200


def phone_photo(seed: int) -> bytes:
    """12 megapixels with texture, about what a phone writes (a few MB), with EXIF orientation."""
    rng = random.Random(seed)
    small = Image.frombytes("RGB", (500, 375), rng.randbytes(500 * 375 * 3))
    image = small.resize((4000, 3000), Image.Resampling.BICUBIC)
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def main(root: Path) -> None:
    camera = root / "camera"
    camera.mkdir(parents=True)
    paths = []
    for n in range(PHOTOS):
        path = camera / f"IMG_{n:04d}.jpg"
        path.write_bytes(phone_photo(n))
        paths.append(path)
    raw = sum(p.stat().st_size for p in paths)
    post_path, hq_path = root / "post" / "post.sqlite3", root / "hq" / "hq.sqlite3"
    initialise(post_path, post_code="FJ-SUVA", officer="Mere", role="field")
    initialise(hq_path, post_code="AU-HQ", officer="Hana", role="hq")
    post, hq = open_database(post_path), open_database(hq_path)
    partner = insert_record(post, "partners", f.partner())
    deliveries = [insert_record(post, "equipment_deliveries", f.delivery(partner["id"]))["id"] for _ in range(20)]
    start = time.perf_counter()
    prepared = read_files(paths)
    prepare_s = time.perf_counter() - start
    start = time.perf_counter()
    for index, delivery in enumerate(deliveries):
        attach_files(post, "delivery", delivery, prepared[index::len(deliveries)])
    store_s = time.perf_counter() - start
    stored = sum(p.size for p in prepared)
    start = time.perf_counter()
    exported = export_package(post, root / "outbox")
    export_s = time.perf_counter() - start
    start = time.perf_counter()
    result = import_package(hq, exported.path)
    import_s = time.perf_counter() - start
    assert result.status == "applied" and f"Attachments: {PHOTOS} stored" in result.message, result.message
    mb = 1024 * 1024
    print(f"{PHOTOS} photos from the camera: {raw / mb:.1f} MB ({raw / PHOTOS / mb:.2f} MB each)")
    print(f"made ready (upright, 1600 px, no metadata): {stored / mb:.1f} MB ({stored / PHOTOS / 1024:.0f} KB each) "
          f"in {prepare_s:.1f} s; stored in the database in {store_s:.2f} s")
    print(f"export: workbook {exported.path.stat().st_size / 1024:.0f} KB + {len(exported.parts)} archives "
          f"({', '.join(f'{p.stat().st_size / mb:.1f}' for p in exported.parts)} MB) in {export_s:.1f} s")
    print(f"import at HQ (workbook and archives): {import_s:.1f} s")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="ccp-attachments-")))
