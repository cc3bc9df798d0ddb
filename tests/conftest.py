"""Test configuration: Qt offscreen, no network, every test in its own data folder."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlite_utils

from ccp_desktop.store.connection import open_database
from ccp_desktop.sync.identity import initialise

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may touch the real per-user data folder or the network."""
    monkeypatch.setenv("CCP_DESKTOP_DATA_DIR", str(tmp_path / "userdata"))
    monkeypatch.setenv("CCP_DESKTOP_CONFIG_DIR", str(tmp_path / "userconfig"))
    # Documents (where packages and certificates go by default) is under HOME: a test's own, too.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("tests must not use the network")

    local_connect = socket.socket.connect

    def connect(sock: socket.socket, address: object) -> None:
        # A Unix-domain socket never leaves the machine (multiprocessing's fork server talks over one).
        if sock.family != getattr(socket, "AF_UNIX", None):
            refuse()
        local_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(autouse=True)
def _workers_stopped() -> Iterator[None]:
    """A form opened on its own saves on a background worker of its own (`ui.worker.shared_worker`): stop
    every worker still running once the test is over (and its windows closed), before its files go."""
    yield
    import sys

    if "ccp_desktop.ui.worker" in sys.modules:
        sys.modules["ccp_desktop.ui.worker"].BackgroundWorker.stop_all()


@pytest.fixture
def post_db_path(tmp_path: Path) -> Path:
    from ccp_desktop.sync.identity import initialise

    path = tmp_path / "post" / "post.sqlite3"
    initialise(path, post_code="FJ-SUVA", officer="Mere Tuilagi", role="field")
    return path


@pytest.fixture
def post_db(post_db_path: Path) -> Iterator[object]:
    from ccp_desktop.store.connection import open_database

    db = open_database(post_db_path)
    yield db
    db.close()


@pytest.fixture(scope="session")
def soffice() -> str:
    """LibreOffice, which HQ uses to open packages and reports. Missing is a failure, never a quiet pass:
    `.ci/run` installs it (`apt-get install libreoffice-calc-nogui`)."""
    import shutil

    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        pytest.fail("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
    return path


# Databases set up as a post or HQ would be, under the test's folder (`sites("FJ-SUVA")`), closed after it.
def make_site(root: Path, post: str, role: str = "field", officer: str = "Officer") -> sqlite_utils.Database:
    path = root / post / f"{post}.sqlite3"
    initialise(path, post_code=post, officer=officer, role=role)
    return open_database(path)


@pytest.fixture
def sites(tmp_path: Path) -> Iterator[Callable[..., sqlite_utils.Database]]:
    opened: list[sqlite_utils.Database] = []

    def make(post: str, role: str = "field", officer: str = "Officer") -> sqlite_utils.Database:
        db = make_site(tmp_path / "sites", post, role, officer)
        opened.append(db)
        return db

    yield make
    for db in opened:
        db.close()
