"""An HQ database consolidated from three posts' packages (demo data with fixed seeds), one package from
one post left unimported (a gap), and one activity deleted at a post: what HQ reports from."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccp_desktop.demo import load_demo_data
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.records import iter_records, tombstone_record
from ccp_desktop.sync.export import export_package
from ccp_desktop.sync.importer import import_package
from tests.sync.conftest import make_site
from tests.ui.conftest import demo_db_path, main_window, shown_errors  # noqa: F401  (the GUI tests' fixtures)

HQ_POST = "AU-CANBERRA"
POSTS = {"FJ-SUVA": 11, "ID-JAKARTA": 12, "PG-PORTMORESBY": 13}
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


def _send(post: Any, hq: Any, outbox: Path, kind: str = "changes", *, deliver: bool = True) -> Path:
    package = export_package(post, outbox, kind=kind)
    if deliver:
        result = import_package(hq, package.path)
        assert result.status == "applied", result.message
    return package.path


def build_hq(root: Path) -> Path:
    """Every post sends a full package; Port Moresby then sends two more, and the first of them is lost."""
    hq = make_site(root, HQ_POST, role="hq", officer="Hana HQ")
    outbox = root / "outbox"
    for post_code, seed in POSTS.items():
        post = make_site(root, post_code, officer=f"Officer {seed}")
        load_demo_data(post, activities=60, equipment=15, seed=seed)
        first = next(iter_records(post, "activities"))
        tombstone_record(post, "activities", first["id"])  # a deleted activity reaches HQ as a tombstone
        _send(post, hq, outbox, "full")
        if post_code == "PG-PORTMORESBY":
            load_demo_data(post, activities=10, equipment=3, seed=seed + 100)
            _send(post, hq, outbox, deliver=False)  # lost on the way: HQ sees a gap
            load_demo_data(post, activities=12, equipment=4, seed=seed + 200)
            _send(post, hq, outbox)
        post.close()
    path = Path(hq.execute("PRAGMA database_list").fetchone()[2])
    hq.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    hq.close()
    return path


@pytest.fixture(scope="session")
def _hq_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_hq(tmp_path_factory.mktemp("hq-template"))


@pytest.fixture
def hq_path(_hq_template: Path, tmp_path: Path) -> Path:
    """A private copy of the consolidated HQ database (tests may write to it)."""
    target = tmp_path / "hq" / _hq_template.name
    target.parent.mkdir()
    for source in _hq_template.parent.glob(_hq_template.name + "*"):
        shutil.copy2(source, target.parent / source.name)
    return target


@pytest.fixture
def hq_db(hq_path: Path) -> Iterator[Any]:
    db = open_database(hq_path)
    yield db
    db.close()
