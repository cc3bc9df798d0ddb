"""The installation row: which post this database belongs to, its device, officer and role."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import sqlite_utils

from ccp_desktop.domain.coerce import utc_now
from ccp_desktop.errors import Problem, SetupError, ValidationError
from ccp_desktop.store.audit import write_audit
from ccp_desktop.store.transactions import write_transaction

POST_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{2,20}$")
ROLES = ("field", "hq")


@dataclass(frozen=True)
class Installation:
    post_code: str
    device_id: str
    officer: str
    role: str
    created_at: str
    public_key: str | None
    key_fingerprint: str | None
    incarnation: str

    @property
    def is_hq(self) -> bool:
        return self.role == "hq"


def installation_problems(post_code: str, officer: str, role: str) -> list[Problem]:
    """What is wrong with a proposed identity (used by `init` and the setup wizard)."""
    problems = []
    if not POST_CODE.match(post_code or ""):
        problems.append(
            Problem("post", "Post code must look like FJ-SUVA: two capital letters, a dash, then letters or digits", post_code)
        )
    if not (officer or "").strip():
        problems.append(Problem("officer", "Officer name is required", officer))
    elif len(officer.strip()) > 120:
        problems.append(Problem("officer", "Officer name is longer than 120 characters", officer[:40]))
    if role not in ROLES:
        problems.append(Problem("role", "Role must be 'field' or 'hq'", role))
    return problems


def get_installation(db: sqlite_utils.Database) -> Installation | None:
    row = db.execute(
        "SELECT post_code, device_id, officer, role, created_at, public_key, key_fingerprint, incarnation FROM installation"
    ).fetchone()
    return Installation(*row) if row else None


def require_installation(db: sqlite_utils.Database) -> Installation:
    install = get_installation(db)
    if install is None:
        raise SetupError("This database is not set up yet: run `init --post CODE --officer NAME` or the setup wizard")
    return install


def create_installation(
    db: sqlite_utils.Database, *, post_code: str, officer: str, role: str = "field",
    public_key: str | None = None, key_fingerprint: str | None = None,
) -> Installation:
    problems = installation_problems(post_code, officer, role)
    if problems:
        raise ValidationError(problems)
    with write_transaction(db):
        if get_installation(db) is not None:
            raise SetupError("This database is already set up; it will not be set up again")
        device = str(uuid.uuid4())
        install = Installation(post_code, device, officer.strip(), role, utc_now(), public_key, key_fingerprint, device)
        db.execute(
            "INSERT INTO installation (singleton, post_code, device_id, officer, role, created_at, public_key,"
            " key_fingerprint, incarnation) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
            [install.post_code, install.device_id, install.officer, install.role, install.created_at,
             install.public_key, install.key_fingerprint, install.incarnation],
        )
        db.execute(
            "INSERT INTO incarnations (incarnation, post_code, parent, branch_seq, device_id, fingerprint, started_at,"
            " reason) VALUES (?, ?, NULL, NULL, ?, ?, ?, 'setup')",
            [install.incarnation, post_code, device, key_fingerprint, install.created_at],
        )
    return install


def set_officer(db: sqlite_utils.Database, officer: str) -> Installation:
    install = require_installation(db)
    problems = [p for p in installation_problems(install.post_code, officer, install.role) if p.field == "officer"]
    if problems:
        raise ValidationError(problems)
    with write_transaction(db):
        db.execute("UPDATE installation SET officer = ?", [officer.strip()])
        write_audit(db, officer.strip(), "set-officer", changes={"from": install.officer})
    return require_installation(db)



def set_public_key(db: sqlite_utils.Database, public_key: str, fingerprint: str) -> None:
    """Record a new signing key (a restore onto a new laptop). The caller holds the transaction and
    has made the key file."""
    db.execute("UPDATE installation SET public_key = ?, key_fingerprint = ?", [public_key.strip(), fingerprint])
