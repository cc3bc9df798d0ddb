"""Shared pieces of the reliability suites: sites on disk, the CLI in a child process (optionally with
a file-size limit, the portable way to make a drive "fill up"), and digests of files and folders."""

from __future__ import annotations

import hashlib
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import sqlite_utils

from ccp_desktop.demo import load_demo_data
from ccp_desktop.store.connection import open_database
from ccp_desktop.sync.identity import initialise

ROOT = Path(__file__).resolve().parents[2]


def make_site(root: Path, post: str, *, role: str = "field", activities: int = 0, equipment: int = 0,
              seed: int = 1) -> Path:
    path = root / post / f"{post}.sqlite3"
    initialise(path, post_code=post, officer=f"Officer {post}", role=role)
    if activities or equipment:
        db = open_database(path)
        load_demo_data(db, activities=activities, equipment=equipment, seed=seed)
        db.close()
    return path


def digest(path: Path) -> str:
    """SHA-256 of a database file after its WAL is folded in (so "unchanged" means the bytes)."""
    wal = Path(f"{path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0, f"{wal} is still open somewhere"
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def closed_digest(db: sqlite_utils.Database) -> str:
    """Close `db` (checkpointing its WAL) and digest its file."""
    path = Path(db.execute("PRAGMA database_list").fetchone()[2])
    db.close()
    return digest(path)


def all_files(folder: Path) -> list[str]:
    """Every file under `folder` (hidden ones too), relative, sorted."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def run_cli(args: Sequence[str], *, data_dir: Path, fsize_limit: int | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m ccp_desktop ARGS` in a child; with `fsize_limit`, no file it writes may grow beyond
    that many bytes (the kernel refuses with EFBIG, as a full drive refuses with ENOSPC)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1", CCP_DESKTOP_DATA_DIR=str(data_dir))

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing
        if fsize_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize_limit, fsize_limit))

    return subprocess.run([sys.executable, "-m", "ccp_desktop", *args], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=timeout, preexec_fn=limit, check=False)


def plain(stderr: str) -> None:
    """What a person sees: no traceback, no Python internals."""
    for needle in ("Traceback", "Exception ignored", "SerialisationError", "unexpected problem", "Errno"):
        assert needle not in stderr, stderr


def know_hq(post_path: Path, hq_path: Path) -> None:
    """The post learns HQ's key (as at setup), so that HQ's receipts are trusted."""
    from ccp_desktop.store.installation import require_installation
    from ccp_desktop.sync.trust import trust_key

    hq, post = open_database(hq_path), open_database(post_path)
    try:
        install = require_installation(hq)
        assert install.public_key is not None
        trust_key(post, install.post_code, install.public_key)
    finally:
        hq.close()
        post.close()
