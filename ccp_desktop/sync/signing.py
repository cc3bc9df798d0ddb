"""Ed25519 keys: each installation signs its packages; HQ pins each post's public key."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ccp_desktop.errors import PackageError, SetupError


def create_private_key(path: Path) -> Ed25519PrivateKey:
    if path.exists():
        raise SetupError(f"A signing key exists already at {path}; it will not be replaced")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())
    return key


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise SetupError(f"The signing key {path} is missing; packages cannot be signed") from None
    except ValueError as exc:
        raise SetupError(f"The signing key {path} is damaged: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SetupError(f"{path} is not an Ed25519 key")
    return key


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The raw 32-byte public key as URL-safe base64: short enough to read out over a phone line."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).decode("ascii")


def parse_public_key(text: str) -> Ed25519PublicKey:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
        return Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, UnicodeEncodeError):
        raise PackageError(f"{text[:20]!r}… is not a valid public key") from None


def fingerprint(public_text: str) -> str:
    """Eight groups of four hex digits, for people to compare."""
    digest = hashlib.sha256(public_text.strip().encode("ascii")).hexdigest()[:32].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.urlsafe_b64encode(key.sign(message)).decode("ascii")


def verify(public_text: str, message: bytes, signature: str) -> bool:
    try:
        parse_public_key(public_text).verify(base64.urlsafe_b64decode(signature.encode("ascii")), message)
    except (InvalidSignature, ValueError, UnicodeEncodeError, PackageError):
        return False
    return True
