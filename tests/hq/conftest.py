"""A morning at HQ: a folder of packages from three posts, with a duplicate, a tampered copy, one signed
by a key HQ does not trust for its post, and one that leaves a gap."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlite_utils

from ccp_desktop.store.installation import require_installation
from ccp_desktop.store.records import insert_record
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.trust import trust_key
from tests.conftest import make_site
from tests.ui.conftest import shown_errors  # noqa: F401  (errors shown to the officer, for the GUI tests here)
from tests.unit import factories as f


def add_post_records(db: sqlite_utils.Database, tag: str) -> None:
    """An activity, a partner and a delivery with one item whose serial is the post's own."""
    partner = insert_record(db, "partners", f.partner(name=f"Partner {tag}"))
    insert_record(db, "activities", f.activity(title=f"Training {tag}"))
    delivery = insert_record(db, "equipment_deliveries", f.delivery(partner["id"]))
    insert_record(db, "equipment_items", f.item(delivery["id"], serials=[f"SN-{tag}-1", f"SN-{tag}-2"]))


@dataclass
class Morning:
    folder: Path
    good: list[Path] = field(default_factory=list)  # in the order they should be applied
    duplicate: Path | None = None
    tampered: Path | None = None
    unknown_key: Path | None = None
    after_gap: Path | None = None
    lost: Path | None = None  # the package that never arrived (not in the folder)


def tamper(path: Path, out: Path) -> Path:
    book = openpyxl.load_workbook(path)
    sheet = book["activities"]
    col = [c.value for c in sheet[1]].index("title") + 1
    sheet.cell(2, col).value = "Quietly renamed"
    book.save(out)
    return out


def open_posts_page(qtbot: Any, hq: sqlite_utils.Database, post_code: str) -> Any:
    """HQ's window on its Posts page, read, with `post_code` selected; the page is returned (`.window()`)."""
    from ccp_desktop.store.connection import database_path
    from ccp_desktop.ui.main_window import MainWindow

    window = MainWindow(database_path(hq))
    qtbot.addWidget(window)
    window.show()
    posts = window.pages["posts"]
    with qtbot.waitSignal(posts.loaded, timeout=30_000):
        window.show_page("posts")
    posts.select_post(post_code)
    return posts


@pytest.fixture
def morning(tmp_path: Path, sites: Callable[..., sqlite_utils.Database]) -> tuple[sqlite_utils.Database, Morning]:
    """HQ (already trusting FJ-SUVA's key) and the folder the data officer finds in the morning."""
    hq = sites("AU-CANBERRA", role="hq", officer="Hana HQ")
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    folder = tmp_path / "morning"
    folder.mkdir()
    found = Morning(folder)

    suva = sites("FJ-SUVA", officer="Mere")
    trust_key(hq, "FJ-SUVA", require_installation(suva).public_key or "")
    add_post_records(suva, "SUVA-A")
    s1 = export_package(suva, outbox).path
    add_post_records(suva, "SUVA-B")
    s2 = export_package(suva, outbox).path
    vila = sites("VU-PORTVILA", officer="Jean")
    add_post_records(vila, "VILA-A")
    v1 = export_package(vila, outbox).path
    add_post_records(vila, "VILA-B")
    v2 = export_package(vila, outbox).path  # lost on the way
    add_post_records(vila, "VILA-C")
    v3 = export_package(vila, outbox).path  # arrives: leaves a gap
    apia = sites("WS-APIA", officer="Sina")
    add_post_records(apia, "APIA-A")
    a1 = export_package(apia, outbox).path

    # A laptop claiming to be FJ-SUVA with a key HQ does not trust for it.
    impostor = make_site(tmp_path / "impostor", "FJ-SUVA", officer="Someone")
    add_post_records(impostor, "IMPOSTOR")
    forged = export_package(impostor, outbox).path
    impostor.close()

    def put(path: Path, name: str) -> Path:
        return Path(shutil.copy2(path, folder / name))

    # Names in an order unlike the right one: the batch orders by post and sequence, not by file name.
    found.good = [put(s1, "z-suva-1.xlsx"), put(s2, "a-suva-2.xlsx"), put(v1, "m-vila-1.xlsx"), put(a1, "b-apia-1.xlsx")]
    found.after_gap = put(v3, "c-vila-3.xlsx")
    found.duplicate = put(s1, "copy-of-suva-1.xlsx")
    found.tampered = tamper(a1, folder / "apia-edited.xlsx")
    found.unknown_key = put(forged, "suva-other-laptop.xlsx")
    found.lost = v2
    return hq, found


@pytest.fixture
def post(sites: Callable[..., sqlite_utils.Database]) -> sqlite_utils.Database:
    return sites("FJ-SUVA", officer="Mere Tuilagi")


@pytest.fixture
def hq(sites: Callable[..., sqlite_utils.Database]) -> sqlite_utils.Database:
    return sites("AU-CANBERRA", role="hq", officer="Hana HQ")


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    folder = tmp_path / "outbox"
    folder.mkdir(exist_ok=True)
    return folder
