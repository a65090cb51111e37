"""PII encryption at rest (AES-256-GCM), signing keys and blind indexes, all from the key file.

The key file holds one key per line, ``<key-id> <base64 key>``; the last line is the key new
values are encrypted with, earlier ones still decrypt older values until `rotate` re-encrypts them.
Signing and blind-index keys derive from the first key, so rotation does not log anyone out or
invalidate the search index.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from callkeep.errors import CallkeepError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_LINE = re.compile(r"^(k\d+) ([A-Za-z0-9_\-=+/]+)$")


@cache
def _cipher() -> tuple[type[AESGCM], type[Exception]]:
    """AES-GCM and the error it raises on a value it cannot open: cryptography is loaded on the
    first value encrypted or decrypted, not by every command that reads the tables."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM, InvalidTag


class Undecryptable(str):
    """A stored value that no key decrypts: altered ciphertext, or a lost key."""

    __slots__ = ()


@dataclass(frozen=True)
class Keyring:
    """The keys of one key file, oldest first."""

    keys: tuple[tuple[str, bytes], ...]

    @property
    def current_id(self) -> str:
        return self.keys[-1][0]

    def key(self, key_id: str) -> bytes | None:
        return next((k for i, k in self.keys if i == key_id), None)

    def derived(self, purpose: str) -> bytes:
        """A 32-byte key for `purpose`, derived from the first key."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
            self.keys[0][1]
        )

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = _cipher()[0](self.keys[-1][1]).encrypt(nonce, plaintext.encode("utf-8"), None)
        return f"{self.current_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str) -> str:
        key_id, _, body = stored.partition(":")
        key = self.key(key_id)
        if key is None:
            return Undecryptable(stored)
        aesgcm, invalid_tag = _cipher()
        try:
            raw = base64.urlsafe_b64decode(body.encode())
            return aesgcm(key).decrypt(raw[:12], raw[12:], None).decode("utf-8")
        except (invalid_tag, ValueError, UnicodeDecodeError):
            return Undecryptable(stored)

    def blind_index(self, text: str) -> str:
        """A keyed digest of `text` (already normalized) for equality search without plaintext."""
        return hmac.new(self.derived("blind-index"), text.encode(), hashlib.sha256).hexdigest()[:32]


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _new_key_line(index: int) -> str:
    return f"k{index} {base64.urlsafe_b64encode(os.urandom(32)).decode()}\n"


def load_or_create_keyring(path: Path) -> Keyring:
    """Reads the key file, creating it with one fresh key (mode 0600) if it does not exist."""
    if not path.exists():
        _write_private(path, _new_key_line(1))
    return read_keyring(path)


def read_keyring(path: Path) -> Keyring:
    """Reads an existing key file."""
    keys: list[tuple[str, bytes]] = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line.strip())
        if not match:
            raise CallkeepError(f"{path}: line {number} is not '<key-id> <base64 key>'")
        keys.append((match.group(1), base64.urlsafe_b64decode(match.group(2))))
    if not keys:
        raise CallkeepError(f"{path} holds no key")
    return Keyring(tuple(keys))


def add_key(path: Path) -> Keyring:
    """Appends a new current key to the key file and returns the new keyring."""
    ring = load_or_create_keyring(path)
    _write_private(path, path.read_text() + _new_key_line(len(ring.keys) + 1))
    return load_or_create_keyring(path)


_installed: Keyring | None = None


def install(ring: Keyring) -> None:
    """Makes `ring` the keyring that encrypted columns use in this process."""
    global _installed
    _installed = ring


def keyring() -> Keyring:
    if _installed is None:
        raise CallkeepError("no key installed: the app or command must load the key file first")
    return _installed


class EncryptedText(TypeDecorator[str]):
    """A text column stored encrypted; reads back plaintext (or `Undecryptable`)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring().encrypt(str(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring().decrypt(str(value))
