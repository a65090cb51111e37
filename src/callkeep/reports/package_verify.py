#!/usr/bin/env python3
"""Checks a callkeep production package with nothing but Python's standard library.

    python3 verify.py                 (in the unpacked folder)
    python3 verify.py PACKAGE.zip     (the zip as received)

Exit 0: intact. Exit 1: something was altered, each problem named with its file. It checks:

1. every file's SHA-256 against manifest.json, and that no file was added or removed;
2. every line of records.jsonl: SHA-256 of the record's canonical JSON equals its ledger
   entry's digest, and the entry's own hash recomputes from its fields;
3. every entry's RFC 6962 inclusion proof against the Merkle tree root in checkpoint.json, so
   the records are shown to be in the ledger of that size and no other.

callkeep's own `callkeep export verify` runs this very file's checks.
"""

from __future__ import annotations

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


def canonical(value: Any) -> bytes:
    """Sorted-key compact JSON in UTF-8: the bytes callkeep's ledger digests."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


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


def included(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: whether `proof` shows `leaf` at `index` in the tree of `size`."""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = _leaf(leaf)
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _node(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


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


def _sha256(source: _Source, name: str) -> str:
    digest = hashlib.sha256()
    with source.open(name) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _lines(source: _Source) -> Iterator[tuple[int, bytes]]:
    with source.open(RECORDS) as handle:
        yield from enumerate(handle, start=1)


def _check_line(number: int, raw: bytes, tree: tuple[int, bytes] | None) -> list[str]:
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
            size, root = tree
            proof = [bytes.fromhex(p) for p in line["proof"]]
            if not included(bytes.fromhex(entry["hash"]), entry["seq"] - 1, size, proof, root):
                problems.append(f"{where}: not in the ledger of {CHECKPOINT} (inclusion proof)")
    except (KeyError, TypeError, ValueError):
        problems.append(f"{where}: unreadable")
    return problems


def verify(path: Path, *, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Checks the package at `path` (zip or folder): {intact, files, records, problems}."""
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
    if CHECKPOINT in names and CHECKPOINT not in damaged:
        try:
            checkpoint = json.loads(source.read(CHECKPOINT))
            tree = (int(checkpoint["size"]), bytes.fromhex(checkpoint["root"]))
        except (KeyError, ValueError, TypeError) as exc:
            problems.append(f"{CHECKPOINT}: unreadable ({exc})")
    elif RECORDS in names:
        problems.append(f"{CHECKPOINT}: missing, so no record can be shown to be in the ledger")
    records = 0
    if RECORDS in names and RECORDS not in damaged:
        for number, raw in _lines(source):
            records += 1
            problems += _check_line(number, raw, tree)
            if progress is not None and records % 100_000 == 0:
                progress(records)
    return {"intact": not problems, "files": len(listed), "records": records, "problems": problems}


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    result = verify(target)
    if result["intact"]:
        print(f"intact: {result['files']} files, {result['records']} records")
        return 0
    print(f"ALTERED: {target}")
    for problem in result["problems"]:
        print(f"  {problem}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
