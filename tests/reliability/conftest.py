"""A post with a few thousand records and an HQ, made once per test module and copied per test (making
them is the slow part)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.reliability.helpers import know_hq, make_site


@pytest.fixture(scope="module")
def _sites_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sites")
    post = make_site(root, "FJ-SUVA", activities=600, equipment=150)
    know_hq(post, make_site(root, "AU-HQ", role="hq"))
    return root


@pytest.fixture
def sites(_sites_template: Path, tmp_path: Path) -> Path:
    """tmp/sites/FJ-SUVA/FJ-SUVA.sqlite3 (a post with records) and tmp/sites/AU-HQ/AU-HQ.sqlite3."""
    target = tmp_path / "sites"
    shutil.copytree(_sites_template, target)
    return target


@pytest.fixture
def post_path(sites: Path) -> Path:
    return sites / "FJ-SUVA" / "FJ-SUVA.sqlite3"


@pytest.fixture
def hq_path(sites: Path) -> Path:
    return sites / "AU-HQ" / "AU-HQ.sqlite3"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """The per-user data folder the autouse fixture points CCP_DESKTOP_DATA_DIR at."""
    return tmp_path / "userdata"


@pytest.fixture(scope="session")
def hostile_world(tmp_path_factory: pytest.TempPathFactory) -> object:
    """Valid packages, receipts and the sites they came from (see hostile_corpus.make_world)."""
    from tests.reliability.hostile_corpus import make_world

    return make_world(tmp_path_factory.mktemp("world"))
