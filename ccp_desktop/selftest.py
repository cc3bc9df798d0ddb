"""`ccp-desktop --self-test`: a headless end-to-end run that tells IT staff (and the build check) that
this installation works, from source or inside the frozen build.

It sets up a post and HQ in a temporary folder, adds demo data at the post, exports a package,
verifies it and imports it at HQ, compares the record counts, and opens and closes the main window
offscreen. It prints one line and returns 0 only if every step held. Nothing outside its temporary
folder is touched: not the officer's database, data folder or Qt settings.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccp_desktop import APP_NAME, __version__

POST_CODE, HQ_CODE = "FJ-SUVA", "AU-HQ"
DEMO_ACTIVITIES, DEMO_EQUIPMENT, DEMO_SEED = 40, 12, 7


class SelfTestFailure(Exception):
    """A step ran but did not give what it should."""


@dataclass
class SelfTest:
    """The state passed from step to step."""

    folder: Path
    post_path: Path = field(init=False)
    hq_path: Path = field(init=False)
    package: Path | None = None
    post_counts: dict[str, int] = field(default_factory=dict)
    hq_counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.post_path = self.folder / "post" / "post.sqlite3"
        self.hq_path = self.folder / "hq" / "hq.sqlite3"


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[Any]:
    from ccp_desktop.store.connection import open_database

    db = open_database(path)
    try:
        yield db
    finally:
        db.close()


def step_set_up(t: SelfTest) -> None:
    from ccp_desktop.sync.identity import initialise

    initialise(t.post_path, post_code=POST_CODE, officer="Self Test Officer", role="field")
    initialise(t.hq_path, post_code=HQ_CODE, officer="Self Test HQ", role="hq")


def step_add_demo_data(t: SelfTest) -> None:
    from ccp_desktop.demo import load_demo_data
    from ccp_desktop.store.maintenance import count_live

    with _opened(t.post_path) as db:
        load_demo_data(db, activities=DEMO_ACTIVITIES, equipment=DEMO_EQUIPMENT, seed=DEMO_SEED)
        attach_sample_evidence(db)
        t.post_counts = count_live(db)
    if not all(t.post_counts.values()):
        raise SelfTestFailure(f"demo data left a table empty: {t.post_counts}")


def attach_sample_evidence(db: Any) -> None:
    """A phone photo (large, held sideways) and a signed form on the first delivery: Pillow, as bundled,
    must turn, shrink and re-encode the photo, and the bytes must reach HQ in the archives."""
    import io

    from PIL import Image

    from ccp_desktop.domain.attachments import prepare_file
    from ccp_desktop.store.attachments import attach_files

    photo = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: the camera was held on its side
    Image.new("RGB", (3200, 2400), (30, 90, 160)).save(photo, format="JPEG", exif=exif.tobytes())
    ready = prepare_file("serial-plate.jpg", photo.getvalue())
    if Image.open(io.BytesIO(ready.data)).size != (1200, 1600):
        raise SelfTestFailure("a photo was not turned upright and made smaller")
    form = prepare_file("signed-form.pdf", b"%PDF-1.4\n% self-test signed handover form\n%%EOF\n")
    delivery = db.execute("SELECT id FROM equipment_deliveries WHERE deleted = 0 ORDER BY rowid LIMIT 1").fetchone()[0]
    attach_files(db, "delivery", delivery, [ready, form])


def step_export(t: SelfTest) -> None:
    from ccp_desktop.sync.export import export_package

    outbox = t.folder / "outbox"
    outbox.mkdir()
    with _opened(t.post_path) as db:
        result = export_package(db, outbox, kind="changes")
    if not result.path.is_file():
        raise SelfTestFailure(f"export reported {result.path} but wrote no file")
    t.package = result.path


def _exported(t: SelfTest) -> Path:
    if t.package is None:
        raise SelfTestFailure("no package was exported")
    return t.package


def step_verify(t: SelfTest) -> None:
    from ccp_desktop.sync.verify import verify_package

    result = verify_package(_exported(t))
    if result.status != "verified":
        raise SelfTestFailure(f"package did not verify ({result.status}): {result.message}")


def step_import(t: SelfTest) -> None:
    from ccp_desktop.store.maintenance import count_live
    from ccp_desktop.sync.importer import import_package

    package = _exported(t)
    with _opened(t.hq_path) as db:
        result = import_package(db, package)
        if result.status != "applied":
            raise SelfTestFailure(f"HQ import was {result.status}: {result.message}")
        t.hq_counts = count_live(db)
        from ccp_desktop.store.attachments import expected_hashes

        if expected_hashes(db):
            raise SelfTestFailure(f"HQ is still waiting for {len(expected_hashes(db))} attachment file(s) from the archives")
        again = import_package(db, package)
        if again.status != "already-imported":
            raise SelfTestFailure(f"importing the same package twice gave {again.status}, not already-imported")


def step_compare(t: SelfTest) -> None:
    differ = {k: (v, t.hq_counts.get(k)) for k, v in t.post_counts.items() if t.hq_counts.get(k) != v}
    if differ:
        shown = ", ".join(f"{k} post {p} HQ {h}" for k, (p, h) in differ.items())
        raise SelfTestFailure(f"HQ does not hold what the post sent: {shown}")


def step_open_window(t: SelfTest) -> None:
    # The Qt half lives in ui/ (the core never imports Qt); it reports what failed in plain words.
    from ccp_desktop.ui.selftest_window import open_and_close_main_window

    problem = open_and_close_main_window(t.post_path, t.folder)
    if problem:
        raise SelfTestFailure(problem)


STEPS: tuple[tuple[str, Callable[[SelfTest], None]], ...] = (
    ("set up post and HQ databases", step_set_up),
    ("add demo data at the post", step_add_demo_data),
    ("export a package", step_export),
    ("verify the package", step_verify),
    ("import at HQ", step_import),
    ("compare counts", step_compare),
    ("open and close the main window", step_open_window),
)


def run_self_test(*, out: Any = None) -> int:
    """Run every step; print one line (`self-test ok: ...` or `self-test FAILED at ...`)."""
    from ccp_desktop.errors import describe_error

    out = out or sys.stdout
    # Headless wherever it runs: the frozen build on a server, CI, or an IT desk over SSH.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ccp-self-test-", ignore_cleanup_errors=True) as folder:
        t = SelfTest(Path(folder))
        # No step may fall back to the officer's own data folder.
        previous = os.environ.get("CCP_DESKTOP_DATA_DIR")
        os.environ["CCP_DESKTOP_DATA_DIR"] = str(t.folder / "userdata")
        try:
            for name, step in STEPS:
                try:
                    step(t)
                except Exception as exc:
                    reason = str(exc) if isinstance(exc, SelfTestFailure) else describe_error(exc)
                    if isinstance(exc, ImportError):
                        reason = f"part of the program is missing ({exc})"
                    print(f"self-test FAILED at {name}: {reason}", file=out, flush=True)
                    if os.environ.get("CCP_DEBUG"):
                        traceback.print_exc()
                    return 1
        finally:
            if previous is None:
                os.environ.pop("CCP_DESKTOP_DATA_DIR", None)
            else:
                os.environ["CCP_DESKTOP_DATA_DIR"] = previous
    took = time.perf_counter() - started
    sent = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in t.post_counts.items())
    print(
        f"self-test ok: {APP_NAME} {__version__}; {POST_CODE} sent {sent} to {HQ_CODE}; "
        f"verified, imported, counts match; main window opened and closed ({took:.1f} s)",
        file=out,
        flush=True,
    )
    return 0
