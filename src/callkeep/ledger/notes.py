"""Signed checkpoints as C2SP signed notes, under an Ed25519 key of their own.

A checkpoint (C2SP tlog-checkpoint) is the text ``<origin>\\n<size>\\n<base64 root hash>\\n``;
the note (C2SP signed-note) adds a blank line and one line per signature,
``— <key name> <base64(4-byte key hash || 64-byte Ed25519 signature)>``, the signature being over
the text exactly. The key hash is the first four bytes of
``SHA-256(key name || 0x0A || 0x01 || public key)``. A recipient pins the verifier key, printed as
``<name>+<key hash hex>+<base64(0x01 || public key)>``, and any signed-note implementation (Go's
``golang.org/x/mod/sumdb/note``, say) checks the note with it.

The key file holds the signer key in the same family's form,
``PRIVATE+KEY+<name>+<key hash hex>+<base64(0x01 || 32-byte seed)>``, mode 0600, beside the secret
key file. It is not the secret key: losing it loses no data, only the ability to sign as before.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from callkeep.errors import CallkeepError, InvalidInput

ED25519 = 0x01
KEY_FILE_NAME = "checkpoint.key"
_DASH = "\u2014"  # the em dash that opens every signature line
_NAME = re.compile(r"^[^\s+]+$")


def key_hash(name: str, public_key: bytes) -> bytes:
    """The 4-byte id of an Ed25519 verifier key named `name` (C2SP signed-note)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    """A named Ed25519 public key: what a recipient pins."""

    name: str
    public_key: bytes

    @property
    def key_hash(self) -> bytes:
        return key_hash(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        """``<name>+<hash hex>+<base64(0x01 || public key)>``."""
        encoded = base64.b64encode(bytes([ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_hash.hex()}+{encoded}"

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        """The verifier a vkey text names; InvalidInput if it is not one."""
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise InvalidInput.for_field("key", "a verifier key is <name>+<hash>+<base64 key>")
        name, hash_hex, encoded = parts
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise InvalidInput.for_field("key", "the verifier key is not base64") from None
        if len(raw) != 33 or raw[0] != ED25519:
            raise InvalidInput.for_field("key", "the verifier key is not an Ed25519 key")
        found = cls(name=name, public_key=raw[1:])
        if found.key_hash.hex() != hash_hex.lower():
            raise InvalidInput.for_field("key", "the verifier key's hash does not match it")
        return found

    def accepts(self, text: str, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text.encode())
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """The installation's checkpoint key."""

    name: str
    private_key: Ed25519PrivateKey

    @property
    def verifier(self) -> Verifier:
        raw = self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return Verifier(name=self.name, public_key=raw)

    def sign(self, text: str) -> str:
        """`text` as a signed note: the text, a blank line, and this key's signature line."""
        signature = self.private_key.sign(text.encode())
        stamp = base64.b64encode(self.verifier.key_hash + signature).decode()
        return f"{text}\n{_DASH} {self.name} {stamp}\n"


def checkpoint_text(*, origin: str, size: int, root_hash: bytes) -> str:
    """The checkpoint body (C2SP tlog-checkpoint), ending in a newline."""
    return f"{origin}\n{size}\n{base64.b64encode(root_hash).decode()}\n"


@dataclass(frozen=True)
class Signature:
    name: str
    key_hash: bytes
    signature: bytes


@dataclass(frozen=True)
class Note:
    """A parsed checkpoint note: its text, its checkpoint lines and its signatures."""

    text: str
    origin: str
    size: int
    root_hash: bytes
    signatures: tuple[Signature, ...]

    def signed_by(self, verifier: Verifier) -> bool:
        """Whether a signature line of this note is `verifier`'s and checks out."""
        return any(
            s.name == verifier.name
            and s.key_hash == verifier.key_hash
            and verifier.accepts(self.text, s.signature)
            for s in self.signatures
        )


def parse_note(raw: str, *, where: str = "checkpoint") -> Note:
    """Reads a signed checkpoint note; InvalidInput (naming `where`) if it is malformed."""

    def bad(why: str) -> InvalidInput:
        return InvalidInput.for_field("checkpoint", f"{where}: {why}")

    text, sep, signed = raw.partition("\n\n")
    if not sep:
        raise bad("no blank line before the signatures: not a signed note")
    text += "\n"
    lines = text.splitlines()
    if len(lines) < 3:
        raise bad("a checkpoint has an origin, a size and a root hash, one a line")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not origin or not size_text.isdigit() or (size_text != "0" and size_text[0] == "0"):
        raise bad("the second line must be the tree size in decimal")
    try:
        root_hash = base64.b64decode(root_text, validate=True)
    except binascii.Error:
        raise bad("the third line is not base64") from None
    if len(root_hash) != 32:
        raise bad("the root hash is not 32 bytes")
    signatures = []
    for line in signed.splitlines():
        if not line:
            continue
        head, _, rest = line.partition(" ")
        name, _, stamp = rest.partition(" ")
        if head != _DASH or not name or not stamp:
            raise bad(f"not a signature line: {line[:80]!r}")
        try:
            blob = base64.b64decode(stamp, validate=True)
        except binascii.Error:
            raise bad("a signature is not base64") from None
        if len(blob) < 5:
            raise bad("a signature is too short")
        signatures.append(Signature(name=name, key_hash=blob[:4], signature=blob[4:]))
    if not signatures:
        raise bad("the note holds no signature")
    return Note(
        text=text,
        origin=origin,
        size=int(size_text),
        root_hash=root_hash,
        signatures=tuple(signatures),
    )


def _default_name() -> str:
    host = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname()) or "host"
    return f"callkeep/{host}/{secrets.token_hex(4)}"


def load_or_create_signer(path: Path, *, name: str = "") -> Signer:
    """The checkpoint key in `path`, created (mode 0600) on first use under `name`.

    Without a name, a new key is named ``callkeep/<host>/<8 hex>``; the name is the checkpoints'
    origin and is fixed with the key.
    """
    if not path.exists():
        chosen = name or _default_name()
        if not _NAME.match(chosen):
            raise CallkeepError(f"checkpoint origin {chosen!r} may hold no space and no '+'")
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        fresh = Signer(name=chosen, private_key=Ed25519PrivateKey.from_private_bytes(seed))
        encoded = base64.b64encode(bytes([ED25519]) + seed).decode()
        _write_private(path, f"PRIVATE+KEY+{chosen}+{fresh.verifier.key_hash.hex()}+{encoded}\n")
    parts = path.read_text().strip().split("+", 4)
    try:
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise ValueError
        raw = base64.b64decode(parts[4], validate=True)
        if len(raw) != 33 or raw[0] != ED25519:
            raise ValueError
        signer = Signer(name=parts[2], private_key=Ed25519PrivateKey.from_private_bytes(raw[1:]))
    except (ValueError, binascii.Error):
        raise CallkeepError(
            f"{path} is not a checkpoint key (PRIVATE+KEY+<name>+<hash>+<key>)"
        ) from None
    if signer.verifier.key_hash.hex() != parts[3]:
        raise CallkeepError(f"{path}: the key's hash does not match the key")
    return signer


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # a name of its own per writer: two threads (or processes) may create the key at once
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(temp, path)  # never replaces a key another process created meanwhile
    except FileExistsError:
        pass
    finally:
        temp.unlink(missing_ok=True)
