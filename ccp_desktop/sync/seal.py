"""Sealed packages: files encrypted for HQ's eyes in the standard age format (X25519 recipients), so IT can
open one by hand with the `age` tool in an emergency (`age -d -i KEYS FILE.xlsx.age > FILE.xlsx`).

A post seals every file an export writes (`seal_files`) to HQ's public key (`age1…`). HQ keeps its private
keys ("identities", `AGE-SECRET-KEY-1…`) in one owner-only keyring file beside its signing key; that file is
itself a valid age identity file (metadata lives in `#` comment lines), so `age -d -i` reads it as it is.
The reader opens a sealed file with the identities of the installation doing the reading (`unsealing`),
into a private work folder, and refuses, in plain words, one sealed for someone else or altered in transit.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pyrage

from ccp_desktop.domain.coerce import format_timestamp
from ccp_desktop.errors import PackageError, SetupError
from ccp_desktop.store.files import (
    fsync_dir,
    make_work_dir,
    partial_path,
    remove_tree,
    require_free_space,
    restrict_file,
    write_failure,
)
from ccp_desktop.sync import signing

AGE_MAGIC = b"age-encryption.org/v1\n"
SEALED_SUFFIX = ".age"
RECIPIENT_PREFIX = "age1"
IDENTITY_PREFIX = "AGE-SECRET-KEY-1"
MAX_SEALED_BYTES = 300 * 1024 * 1024 + 1024 * 1024  # the reader's package limit, plus age's small overhead
_META = "# key "
_KEYRING_HEADER = (
    "# CCP Field Desk: HQ's private encryption keys (age X25519 identities). Owner-only: never send this file.\n"
    "# Emergency decryption by hand: age -d -i THIS_FILE PACKAGE.xlsx.age > PACKAGE.xlsx\n"
)


# ---- keys as text ------------------------------------------------------------------------------------

def parse_recipient(text: str, source: str = "the key") -> pyrage.x25519.Recipient:
    """An age X25519 public key (`age1…`), or a PackageError naming where it came from."""
    text = (text or "").strip()
    if text.upper().startswith(IDENTITY_PREFIX):
        raise PackageError(f"{source} holds a PRIVATE key (AGE-SECRET-KEY-…), not HQ's public key: it must never "
                           "leave HQ. Ask HQ for the file `hq-key --export` writes; nothing was changed")
    try:
        if not text.startswith(RECIPIENT_PREFIX):
            raise ValueError(text)
        return pyrage.x25519.Recipient.from_str(text)
    except (ValueError, pyrage.RecipientError):
        shown = text[:24] + ("…" if len(text) > 24 else "")
        raise PackageError(f"{source} does not hold an age public key (one line beginning age1…; found "
                           f"{shown!r}); nothing was changed") from None


def key_fingerprint(recipient: str) -> str:
    """Eight groups of four hex digits, as for signing keys: for people to compare by phone."""
    return signing.fingerprint(recipient)


def read_recipient_file(path: Path) -> str:
    """The one public key in a key file as `hq-key --export` writes it (comment lines start with #)."""
    path = Path(path)
    try:
        if path.stat().st_size > 64 * 1024:
            raise PackageError(f"{path} is far too large to be a key file; nothing was changed")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PackageError(f"No key file at {path}; nothing was changed") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PackageError(f"{path} cannot be read as a key file ({exc}); nothing was changed") from None
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if len(lines) != 1:
        found = "no key" if not lines else f"{len(lines)} lines that are not comments"
        raise PackageError(f"{path} is not HQ's encryption key file: it should hold one line beginning age1…, "
                           f"and holds {found}; nothing was changed")
    parse_recipient(lines[0], str(path))
    return lines[0]


def recipient_file_text(recipient: str, note: str = "") -> str:
    """A key file for posts: a valid age recipients file (`age -R FILE`) with the fingerprint as a comment."""
    return (f"# CCP Field Desk: HQ's public encryption key (age). Posts seal their packages to it.\n"
            f"# Fingerprint: {key_fingerprint(recipient)}\n" + (f"# {note}\n" if note else "") + f"{recipient}\n")


# ---- HQ's keyring --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SealKey:
    """One of HQ's key pairs: current (retired_at None), in its overlap (opens until open_until) or expired."""

    identity: str
    public_key: str
    created_at: str
    retired_at: str | None = None
    open_until: str | None = None

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.public_key)

    def opens_at(self, now: dt.datetime) -> bool:
        return self.open_until is None or format_timestamp(now) < self.open_until


def new_seal_key(now: dt.datetime | None = None) -> SealKey:
    identity = pyrage.x25519.Identity.generate()
    return SealKey(str(identity), str(identity.to_public()), format_timestamp(now or dt.datetime.now(dt.UTC)))


def read_keyring(path: Path) -> list[SealKey]:
    """HQ's keys, oldest first. A missing file is an empty keyring; a damaged one is a SetupError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise SetupError(f"HQ's encryption keys at {path} cannot be read: {exc}") from None
    keys, meta = [], None
    for number, line in enumerate(text.splitlines(), 1):
        try:
            if line.startswith(_META):
                meta = json.loads(line[len(_META):])
            elif line.strip().startswith(IDENTITY_PREFIX):
                identity = pyrage.x25519.Identity.from_str(line.strip())
                public = str(identity.to_public())
                meta = meta or {}
                keys.append(SealKey(line.strip(), public, str(meta.get("created_at") or ""),
                                    meta.get("retired_at"), meta.get("open_until")))
                meta = None
        except (ValueError, pyrage.IdentityError) as exc:
            raise SetupError(f"HQ's encryption keys at {path} are damaged (line {number}: {exc}); restore the "
                             "file from HQ's safe copy") from None
    return keys


def write_keyring(path: Path, keys: Sequence[SealKey]) -> Path:
    """Owner-only, written beside the final name and renamed into place: old or new, never half."""
    path = Path(path)
    lines = [_KEYRING_HEADER]
    for key in keys:
        meta = {"public_key": key.public_key, "created_at": key.created_at, "retired_at": key.retired_at,
                "open_until": key.open_until}
        lines.append(f"{_META}{json.dumps(meta)}\n{key.identity}\n")
    partial = partial_path(path)
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("".join(lines))
            handle.flush()
            os.fsync(handle.fileno())
        restrict_file(partial)
        os.replace(partial, path)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        if isinstance(exc, Exception):
            raise write_failure(exc, path.parent, "HQ's encryption keys") from exc
        raise
    fsync_dir(path.parent)
    return path


def current_key(keys: Sequence[SealKey]) -> SealKey | None:
    live = [k for k in keys if k.retired_at is None]
    return live[-1] if live else None


def rotated(keys: Sequence[SealKey], overlap_days: int, now: dt.datetime) -> list[SealKey]:
    """A new current key; the one it replaces keeps opening packages for `overlap_days` more days."""
    stamp = format_timestamp(now)
    until = format_timestamp(now + dt.timedelta(days=overlap_days))
    kept = [replace(k, retired_at=stamp, open_until=until) if k.retired_at is None else k for k in keys]
    return [*kept, new_seal_key(now)]


# ---- sealing -----------------------------------------------------------------------------------------

def is_sealed(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(AGE_MAGIC)) == AGE_MAGIC
    except OSError:
        return False


def sealed_name(path: Path) -> str:
    return Path(path).name + SEALED_SUFFIX


def seal_files(paths: Iterable[Path], recipients: Sequence[str], out_dir: Path) -> list[Path]:
    """Seal each file to `recipients` as `out_dir/NAME.age` (hidden partial file, fsync, rename). All or
    nothing: if one fails, those already sealed by this call are removed again."""
    keys = [parse_recipient(r) for r in recipients]
    if not keys:
        raise PackageError("No key to seal for; nothing was written")
    out_dir = Path(out_dir)
    sources = [Path(p) for p in paths]
    require_free_space(out_dir, sum(p.stat().st_size for p in sources), "the sealed package")
    done: list[Path] = []
    try:
        for source in sources:
            target = out_dir / sealed_name(source)
            if target.exists():
                raise PackageError(f"{target} exists already; nothing was written")
            partial = partial_path(target)
            try:
                pyrage.encrypt_file(str(source), str(partial), keys)
                with open(partial, "rb+") as handle:
                    os.fsync(handle.fileno())
                restrict_file(partial)
                os.replace(partial, target)
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
            done.append(target)
        fsync_dir(out_dir)
    except BaseException as exc:
        for path in done:
            path.unlink(missing_ok=True)
        if isinstance(exc, (OSError, pyrage.EncryptError)):
            raise write_failure(exc, out_dir, "the sealed package") from exc
        raise
    return done


# ---- opening -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Keyring:
    """What an installation may open sealed files with, and its private folder for their plain copies."""

    keys: tuple[SealKey, ...]
    work_folder: Path
    now: dt.datetime | None = None


_KEYRING: contextvars.ContextVar[Keyring | None] = contextvars.ContextVar("ccp_seal_keyring", default=None)


@contextlib.contextmanager
def unsealing(keyring: Keyring | None) -> Iterator[None]:
    """Sealed files read inside this block (on this thread) are opened with `keyring`; None keeps the
    keyring of an enclosing block (a batch's rehearsal runs on an in-memory copy that has no folder)."""
    if keyring is None:
        yield
        return
    token = _KEYRING.set(keyring)
    try:
        yield
    finally:
        _KEYRING.reset(token)


class _Discard:
    def write(self, data: bytes) -> int:
        return len(data)


def _sealed_to(path: Path, key: SealKey) -> bool:
    """Whether `key` opens the header of `path` (the rest is not decrypted: nothing is written)."""
    try:
        with open(path, "rb") as handle:
            pyrage.decrypt_io(handle, _Discard(), [pyrage.x25519.Identity.from_str(key.identity)])
    except pyrage.DecryptError as exc:
        return "No matching keys" not in str(exc)
    return True


def open_sealed(path: Path, keys: Sequence[SealKey], into: Path, now: dt.datetime | None = None) -> Path:
    """Decrypt `path` into the folder `into` (named without `.age`) with the keys that still open packages.
    Refuses, naming the file: one for another recipient, one sealed to a key retired past its overlap,
    and one altered or cut short after sealing (age authenticates every chunk and the end)."""
    path, now = Path(path), now or dt.datetime.now(dt.UTC)
    name = path.name
    if path.stat().st_size > MAX_SEALED_BYTES:
        raise PackageError(f"Refused: {name} is {path.stat().st_size // (1024 * 1024)} MB, over the package limit")
    usable = [k for k in keys if k.opens_at(now)]
    target = Path(into) / (name[: -len(SEALED_SUFFIX)] if name.endswith(SEALED_SUFFIX) else name + ".xlsx")
    try:
        pyrage.decrypt_file(str(path), str(target), [pyrage.x25519.Identity.from_str(k.identity) for k in usable])
    except pyrage.DecryptError as exc:
        target.unlink(missing_ok=True)
        if "No matching keys" in str(exc):
            expired = next((k for k in keys if not k.opens_at(now) and _sealed_to(path, k)), None)
            if expired is not None:
                raise PackageError(
                    f"Refused: {name} is sealed to HQ's key {expired.fingerprint}, retired on "
                    f"{(expired.retired_at or '')[:10]} and accepted only until {(expired.open_until or '')[:10]}. "
                    "Send the post HQ's current key (`hq-key --export`), have it set it (`hq-key --set`) and "
                    "export again; nothing was changed") from None
            raise PackageError(
                f"Refused: {name} is sealed for another recipient, not for this HQ (none of its encryption keys "
                "opens it), or its header was damaged. Check that the post holds this HQ's current key "
                "(`hq-key` at both ends); nothing was changed") from None
        raise _altered(name, exc) from None
    except OSError as exc:
        target.unlink(missing_ok=True)
        if exc.errno is None:  # age's streaming reader reports a chunk that fails to authenticate this way
            raise _altered(name, exc) from None
        raise write_failure(exc, Path(into), f"the opened copy of {name}") from exc
    restrict_file(target)
    return target


def _altered(name: str, exc: BaseException) -> PackageError:
    return PackageError(f"Refused: {name} was altered or cut short after it was sealed (its content does not check "
                        f"out: {exc}). Ask the post to send it again; nothing was changed")


def open_if_sealed(path: Path) -> Path | None:
    """For the reader: None for a plain file; for a sealed one, a private plain copy (its folder is removed
    with `discard_opened`). Refuses clearly when this installation holds no key to open it."""
    if not is_sealed(path):
        return None
    keyring = _KEYRING.get()
    if keyring is None or not keyring.keys:
        raise PackageError(f"Refused: {Path(path).name} is sealed for HQ; only HQ's installation, which holds "
                           "HQ's encryption key, can open it (at HQ, give the database: --db HQ.sqlite3)")
    folder = make_work_dir(keyring.work_folder)
    try:
        return open_sealed(path, keyring.keys, folder, keyring.now)
    except BaseException:
        remove_tree(folder)
        raise


def discard_opened(plain: Path | None) -> None:
    """Remove the plain copy `open_if_sealed` made, and its private folder."""
    if plain is not None:
        remove_tree(plain.parent)
