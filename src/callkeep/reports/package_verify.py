#!/usr/bin/env python3
"""Checks a callkeep production package with nothing but Python's standard library.

    python3 verify.py                 (in the unpacked folder)
    python3 verify.py PACKAGE.zip     (the zip as received)
    python3 verify.py PACKAGE.zip --public-key KEY [--newer CONSISTENCY.json]

Exit 0: intact. Exit 1: something was altered, each problem named with its file. It checks:

1. every file's SHA-256 against manifest.json, and that no file was added or removed;
2. every line of records.jsonl: SHA-256 of the record's canonical JSON equals its ledger
   entry's digest, and the entry's own hash recomputes from its fields;
3. every entry's RFC 6962 inclusion proof against the Merkle tree root in checkpoint.json, so
   the records are shown to be in the ledger of that size and no other;
4. checkpoint.txt, the ledger's checkpoint as a C2SP signed note: its size and root are
   checkpoint.json's, and its Ed25519 signature checks against the key (`--public-key`, the
   verifier key the sender gave you by another channel; without it, the key the package names,
   which proves nothing about who made it);
5. with `--newer FILE` (from `callkeep export consistency`): a newer signed checkpoint of the
   same ledger and the RFC 6962 consistency proof that the package's ledger is its prefix.

callkeep's own `callkeep export verify` runs this very file's checks.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
RECORDS = "records.jsonl"
CHECKPOINT = "checkpoint.json"
NOTE = "checkpoint.txt"


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(value: Any) -> bytes:
    """Sorted-key compact JSON in UTF-8: the bytes callkeep's ledger digests."""
    return _CANONICAL.encode(value).encode()


def entry_hash(line: dict[str, Any], entry: dict[str, Any]) -> str:
    """An entry's hash: SHA-256 over the canonical JSON of its fields, the previous hash included."""
    fields = {
        "seq": entry["seq"],
        "at": entry["at"],
        "actor": entry["actor"],
        "action": entry["action"],
        "entity_type": line["entity_type"],
        "entity_id": line["entity_id"],
        "digest": entry["digest"],
        "prev_hash": entry["prev_hash"],
    }
    return hashlib.sha256(canonical(fields)).hexdigest()


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """The manifest as written: indented sorted JSON carrying the SHA-256 of its own canonical
    content (without that key), so that any changed byte in it is found and named."""
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    sealed = {**body, "manifest_sha256": hashlib.sha256(canonical(body)).hexdigest()}
    return json.dumps(sealed, indent=2, sort_keys=True, ensure_ascii=False).encode() + b"\n"


def _leaf(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class Tree:
    """The checkpoint's tree (size, root), checking inclusion proofs with exactly the answer of
    RFC 9162 §2.1.3.2's step-by-step check (`ledger.merkle.verify_inclusion`), but fast for records in about the ledger's order. The path last proven is kept;
    the next leaf's path is hashed up to the level where it meets that one (its node there is
    the sibling of the last one's). If the nodes there are each other's siblings and the rest
    of the proof is the last one's, the rest would hash to the same root, so it is not hashed
    again; otherwise the path is hashed to the top as that check does."""

    def __init__(self, size: int, root: bytes) -> None:
        self.size, self.root = size, root
        # the last proven leaf: index, node per level, proof, proof elements used below each level
        self._last: tuple[int, list[bytes], list[bytes], list[int]] | None = None

    def includes(self, leaf: bytes, index: int, proof: list[bytes]) -> bool:
        """Whether `proof` shows `leaf` at `index` in this tree."""
        if not 0 <= index < self.size:
            return False
        last, at = self._last, index
        meet = (index ^ last[0]).bit_length() - 1 if last else -1
        r, width, height, used = _leaf(leaf), self.size, 0, 0
        nodes: list[bytes] = []
        places: list[int] = []
        while width > 1:
            nodes.append(r)
            places.append(used)
            if index ^ 1 < width:  # else the node is carried up unchanged (RFC 6962)
                if used == len(proof):
                    return False
                p = proof[used]
                if height == meet and last is not None:
                    _, their_nodes, their_proof, their_places = last
                    theirs = their_places[height]
                    if (
                        p == their_nodes[height]
                        and their_proof[theirs] == r
                        and proof[used + 1 :] == their_proof[theirs + 1 :]
                    ):
                        shift = used - theirs
                        self._last = (
                            at,
                            nodes + their_nodes[height + 1 :],
                            proof,
                            places + [k + shift for k in their_places[height + 1 :]],
                        )
                        return True
                r = _node(p, r) if index & 1 else _node(r, p)
                used += 1
            index, width, height = index >> 1, (width + 1) >> 1, height + 1
        if used != len(proof) or r != self.root:
            return False
        self._last = (at, nodes, proof, places)
        return True


def consistent(old: tuple[int, bytes], new: tuple[int, bytes], proof: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: whether `proof` shows the tree `old` (size, root) is a prefix of `new`."""
    (m, old_root), (n, new_root) = old, new
    if m < 1 or m > n:
        return False
    if m == n:
        return not proof and old_root == new_root
    path = [old_root, *proof] if m & (m - 1) == 0 else list(proof)
    if not path:
        return False
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# Ed25519 verification (RFC 8032 §5.1.7, after its reference code): slow, plain, enough for one
# signature, and no library to install.
_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_Point = tuple[int, int, int, int]


def _add(a: _Point, b: _Point) -> _Point:
    x = (a[1] - a[0]) * (b[1] - b[0]) % _P
    y = (a[1] + a[0]) * (b[1] + b[0]) % _P
    c, z = 2 * a[3] * b[3] * _D % _P, 2 * a[2] * b[2] % _P
    e, f, g, h = y - x, z - c, z + c, y + x
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _times(s: int, point: _Point) -> _Point:
    found = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            found = _add(found, point)
        point = _add(point, point)
        s >>= 1
    return found


def _x_of(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return None
    return _P - x if (x & 1) != sign else x


def _point(raw: bytes) -> _Point | None:
    if len(raw) != 32:
        return None
    y = int.from_bytes(raw, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = _x_of(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _x_of(_GY, 0) or 0
_BASE = (_GX, _GY, 1, _GX * _GY % _P)


def ed25519_valid(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether `signature` is `public_key`'s Ed25519 signature of `message`."""
    a, r = _point(public_key), _point(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or len(signature) != 64 or s >= _L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little")
    left, right = _times(s, _BASE), _add(r, _times(h % _L, a))
    return (left[0] * right[2] - right[0] * left[2]) % _P == 0 and (
        left[1] * right[2] - right[1] * left[2]
    ) % _P == 0


def signed_checkpoint(note: str, vkey: str) -> tuple[int, bytes] | str:
    """(size, root) of a C2SP signed checkpoint note signed by the verifier key `vkey`
    (``name+hash+base64(0x01 || key)``), or why not."""
    try:
        name, key_id, encoded = vkey.strip().split("+", 2)
        key = base64.b64decode(encoded, validate=True)
        text, sep, signed = note.partition("\n\n")
        origin, size, root = text.split("\n")[:3]
        tree = (int(size), base64.b64decode(root, validate=True))
    except (ValueError, binascii.Error):
        return "not a signed checkpoint, or not a verifier key"
    if not sep or not origin or len(key) != 33 or key[0] != 1 or len(tree[1]) != 32:
        return "not a signed checkpoint, or not an Ed25519 verifier key"
    for line in signed.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != "\u2014" or parts[1] != name:
            continue
        try:
            blob = base64.b64decode(parts[2], validate=True)
        except binascii.Error:
            continue
        if blob[:4].hex() == key_id.lower() and ed25519_valid(
            key[1:], text.encode() + b"\n", blob[4:]
        ):
            return tree
    return f"no valid signature by {name}"


class _Source:
    """The package's files, in a zip or in a folder."""

    def __init__(self, path: Path) -> None:
        self.zip: zipfile.ZipFile | None = None
        self.folder: Path | None = None
        if path.is_dir():
            self.folder = path
        else:
            self.zip = zipfile.ZipFile(path)

    def names(self) -> set[str]:
        if self.zip is not None:
            return {n for n in self.zip.namelist() if not n.endswith("/")}
        assert self.folder is not None
        return {
            p.relative_to(self.folder).as_posix() for p in self.folder.rglob("*") if p.is_file()
        }

    def open(self, name: str) -> Any:
        if self.zip is not None:
            return self.zip.open(name)
        assert self.folder is not None
        return (self.folder / name).open("rb")

    def read(self, name: str) -> bytes:
        with self.open(name) as handle:
            data: bytes = handle.read()
        return data


def read_member(path: Path, name: str) -> bytes:
    """One file of a package (zip or folder)."""
    try:
        return _Source(path).read(name)
    except (KeyError, zipfile.BadZipFile) as exc:
        raise OSError(str(exc)) from None


def _sha256(source: _Source, name: str) -> str:
    digest = hashlib.sha256()
    with source.open(name) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _lines(source: _Source) -> Iterator[tuple[int, bytes]]:
    """records.jsonl's lines with their numbers, read a megabyte at a time."""
    number, rest = 0, b""
    with source.open(RECORDS) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            lines = (rest + block).split(b"\n")
            rest = lines.pop()
            for line in lines:
                number += 1
                yield number, line
    if rest:
        yield number + 1, rest


def _check_line(number: int, raw: bytes, tree: Tree | None) -> list[str]:
    try:
        line = json.loads(raw)
        entry = line["ledger"]
        where = f"{RECORDS} line {number} ({line['entity_type']} {line['entity_id']})"
    except (ValueError, KeyError, TypeError):
        return [f"{RECORDS} line {number}: unreadable"]
    if entry is None:
        return [f"{where}: no ledger entry"]
    problems = []
    try:
        if hashlib.sha256(canonical(line["content"])).hexdigest() != entry["digest"]:
            problems.append(f"{where}: content differs from its ledger digest")
        if entry_hash(line, entry) != entry["hash"]:
            problems.append(f"{where}: ledger entry {entry['seq']} was altered")
        if tree is not None:
            proof = [bytes.fromhex(p) for p in line["proof"]]
            if not tree.includes(bytes.fromhex(entry["hash"]), entry["seq"] - 1, proof):
                problems.append(f"{where}: not in the ledger of {CHECKPOINT} (inclusion proof)")
    except (KeyError, TypeError, ValueError):
        problems.append(f"{where}: unreadable")
    return problems


def _signature(source: _Source, names: set[str], tree: tuple[int, bytes], key: str) -> list[str]:
    """The problems with checkpoint.txt: unsigned by `key`, or another tree than checkpoint.json's."""
    if NOTE not in names:
        return [f"{NOTE}: missing, so the checkpoint is not signed"]
    signed = signed_checkpoint(source.read(NOTE).decode("utf-8", "replace"), key)
    if isinstance(signed, str):
        return [f"{NOTE}: {signed}"]
    if signed != tree:
        return [f"{NOTE}: signs another ledger than {CHECKPOINT} describes"]
    return []


def _newer(tree: tuple[int, bytes], key: str, raw: str) -> list[str]:
    """The problems with a newer checkpoint and its consistency proof (callkeep export consistency)."""
    where = "newer checkpoint"
    try:
        given = json.loads(raw)
        signed = signed_checkpoint(given["checkpoint"], key)
        proof = [bytes.fromhex(p) for p in given["proof"]]
    except (ValueError, KeyError, TypeError):
        return [f"{where}: unreadable (a JSON with checkpoint and proof)"]
    if isinstance(signed, str):
        return [f"{where}: {signed}"]
    if not consistent(tree, signed, proof):
        return [
            f"{where}: the package's ledger of {tree[0]} entries is not its prefix (consistency)"
        ]
    return []


def verify(
    path: Path,
    *,
    public_key: str | None = None,
    newer: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Checks the package at `path` (zip or folder): {intact, files, records, problems, key,
    pinned}. `public_key` is the verifier key the recipient pins; `newer` the text of a newer
    checkpoint with its consistency proof."""
    try:
        source = _Source(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return {
            "intact": False,
            "files": 0,
            "records": 0,
            "problems": [f"{path}: not a readable package ({exc})"],
        }
    problems: list[str] = []
    try:
        raw_manifest = source.read(MANIFEST)
        manifest = json.loads(raw_manifest)
        listed: dict[str, str] = manifest["files"]
    except (KeyError, ValueError, TypeError, OSError, zipfile.BadZipFile) as exc:
        return {
            "intact": False,
            "files": 0,
            "records": 0,
            "problems": [f"{MANIFEST}: missing or unreadable ({exc})"],
        }
    if manifest_bytes(manifest) != raw_manifest:
        problems.append(f"{MANIFEST}: altered (it no longer matches its own manifest_sha256)")
    names = source.names() - {MANIFEST}
    problems += [f"{n}: not listed in the manifest" for n in sorted(names - set(listed))]
    problems += [f"{n}: listed but missing" for n in sorted(set(listed) - names)]
    damaged: set[str] = set()
    for name in sorted(names & set(listed)):
        try:
            if _sha256(source, name) != listed[name]:
                problems.append(f"{name}: content differs from the manifest")
        except (OSError, zipfile.BadZipFile, EOFError, ValueError) as exc:
            problems.append(f"{name}: damaged, cannot be read ({exc})")
            damaged.add(name)
    tree: tuple[int, bytes] | None = None
    key = public_key or ""
    if CHECKPOINT in names and CHECKPOINT not in damaged:
        try:
            checkpoint = json.loads(source.read(CHECKPOINT))
            tree = (int(checkpoint["size"]), bytes.fromhex(checkpoint["root"]))
            key = public_key or str(checkpoint.get("key", ""))
        except (KeyError, ValueError, TypeError) as exc:
            problems.append(f"{CHECKPOINT}: unreadable ({exc})")
        else:
            if NOTE not in damaged:
                problems += _signature(source, names, tree, key)
            if newer is not None:
                problems += _newer(tree, key, newer)
    elif RECORDS in names:
        problems.append(f"{CHECKPOINT}: missing, so no record can be shown to be in the ledger")
    records = 0
    proofs = None if tree is None else Tree(*tree)
    if RECORDS in names and RECORDS not in damaged:
        for number, raw in _lines(source):
            records += 1
            problems += _check_line(number, raw, proofs)
            if progress is not None and records % 100_000 == 0:
                progress(records)
    return {
        "intact": not problems,
        "files": len(listed),
        "records": records,
        "problems": problems,
        "key": key,
        "pinned": public_key is not None,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Checks a callkeep production package.")
    parser.add_argument("package", nargs="?", default=str(Path(__file__).resolve().parent))
    parser.add_argument("--public-key", help="the sender's checkpoint verifier key, as pinned")
    parser.add_argument("--newer", help="a newer checkpoint with its consistency proof (JSON)")
    args = parser.parse_args(argv[1:])
    target = Path(args.package)
    try:
        newer = Path(args.newer).read_text(encoding="utf-8") if args.newer else None
    except OSError as exc:
        print(f"cannot read {args.newer}: {exc.strerror or exc}")
        return 2
    result = verify(target, public_key=args.public_key, newer=newer)
    if result["intact"]:
        print(f"intact: {result['files']} files, {result['records']} records")
        if not result["pinned"]:
            print(
                f"  signed by {result['key'] or 'no key'}: pass --public-key to check it is the sender's"
            )
        return 0
    print(f"ALTERED: {target}")
    for problem in result["problems"]:
        print(f"  {problem}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
