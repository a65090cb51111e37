"""A package's checkpoint is signed: both verifiers hold it against the pinned key, check every
record's inclusion proof against it, and a newer checkpoint's consistency with it.

The attacks here re-seal the manifest after their change (as anyone rewriting a package would),
so only the signature, the proofs and the digests can catch them.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from callkeep.kit.runtime import Runtime
from callkeep.ledger import checkpoints, merkle, notes
from callkeep.ledger import service as ledger
from callkeep.reports import consistency, package_verify, service
from callkeep.reports.schemas import ExportFilters
from tests.reports.seeded import seed


def _export(rt: Runtime, out: Path) -> Path:
    with rt.db.transaction() as s:
        service.build(
            session=s,
            actor="regulator",
            filters=ExportFilters(),
            out=out,
            signer=checkpoints.signer_for(rt.settings),
        )
    return out


@pytest.fixture
def package(rt: Runtime, tmp_path: Path) -> Path:
    seed(rt)
    return _export(rt, tmp_path / "package.zip")


def _resealed(path: Path, change: Callable[[dict[str, bytes]], None]) -> Path:
    """The package with `change` applied to its files and the manifest's hashes recomputed."""
    with zipfile.ZipFile(path) as src:
        files = {name: src.read(name) for name in src.namelist()}
    change(files)
    manifest = json.loads(files["manifest.json"])
    for name in manifest["files"]:
        manifest["files"][name] = hashlib.sha256(files[name]).hexdigest()
    files["manifest.json"] = package_verify.manifest_bytes(manifest)
    out = path.with_name("resealed.zip")
    with zipfile.ZipFile(out, "w") as dst:
        for name, data in files.items():
            dst.writestr(name, data)
    return out


def _verify_py(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The package's own verify.py, run by a bare interpreter with nothing of callkeep."""
    with zipfile.ZipFile(path) as archive:
        script = path.with_name("verify.py")
        script.write_bytes(archive.read("verify.py"))
    return subprocess.run(
        [sys.executable, "-I", "-S", str(script), str(path), *args],
        capture_output=True,
        text=True,
    )


def _name(rt: Runtime) -> str:
    return checkpoints.verifier_for(rt.settings).name


def _vkey(rt: Runtime) -> str:
    return checkpoints.verifier_for(rt.settings).vkey


def test_the_package_carries_its_checkpoint_signed_by_the_checkpoint_key(
    rt: Runtime, package: Path
) -> None:
    with zipfile.ZipFile(package) as archive:
        note = notes.parse_note(archive.read("checkpoint.txt").decode())
        described = json.loads(archive.read("checkpoint.json"))
    assert note.signed_by(checkpoints.verifier_for(rt.settings))
    assert (note.size, note.root_hash.hex()) == (described["size"], described["root"])
    assert described["key"] == _vkey(rt)
    run = _verify_py(package, "--public-key", _vkey(rt))
    assert run.returncode == 0, run.stdout
    assert service.check(path=package, public_key=_vkey(rt))[0]
    # the ledger still holds the package's checkpoint, as `audit verify --checkpoint` proves it
    presented = [checkpoints.Presented(source="checkpoint.txt", note=note)]
    with rt.db.transaction(read_only=True) as s:
        report = ledger.verify(
            session=s, presented=presented, verifier=checkpoints.verifier_for(rt.settings)
        )
    assert report.intact and report.checkpoints[0].intact
    unpinned = _verify_py(package)
    assert unpinned.returncode == 0 and "--public-key" in unpinned.stdout


def _other_key() -> str:
    return notes.Signer(name="someone-else", private_key=Ed25519PrivateKey.generate()).verifier.vkey


def test_a_key_other_than_the_pinned_one_is_refused(rt: Runtime, package: Path) -> None:
    run = _verify_py(package, "--public-key", _other_key())
    assert run.returncode == 1 and "checkpoint.txt" in run.stdout
    intact, _, _, problems = service.check(path=package, public_key=_other_key())
    assert not intact and any(p.startswith("checkpoint.txt") for p in problems)


def test_a_tampered_signature_is_found_by_both_verifiers(rt: Runtime, package: Path) -> None:
    def flip_signature(files: dict[str, bytes]) -> None:
        text, _, signature = files["checkpoint.txt"].decode().partition("\n\n")
        head, name, stamp = signature.strip().split(" ")
        blob = bytearray(package_verify.base64.b64decode(stamp))
        blob[10] ^= 1
        encoded = package_verify.base64.b64encode(bytes(blob)).decode()
        files["checkpoint.txt"] = f"{text}\n\n{head} {name} {encoded}\n".encode()

    altered = _resealed(package, flip_signature)
    for key in ([], ["--public-key", _vkey(rt)]):
        run = _verify_py(altered, *key)
        assert run.returncode == 1 and "checkpoint.txt: no valid signature" in run.stdout
    intact, _, _, problems = service.check(path=altered, public_key=_vkey(rt))
    assert not intact and any("checkpoint.txt" in p for p in problems)


def _jsonl(files: dict[str, bytes], change: Callable[[dict[str, object]], None]) -> None:
    lines = [json.loads(x) for x in files["records.jsonl"].splitlines()]
    change(lines[0])
    files["records.jsonl"] = b"".join(
        json.dumps(line, sort_keys=True).encode() + b"\n" for line in lines
    )


def test_a_proof_that_does_not_match_the_checkpoint_is_named(rt: Runtime, package: Path) -> None:
    def wrong_proof(line: dict[str, object]) -> None:
        proof = list(line["proof"])  # type: ignore[call-overload]
        proof[0] = "00" * 32
        line["proof"] = proof

    altered = _resealed(package, lambda files: _jsonl(files, wrong_proof))
    run = _verify_py(altered, "--public-key", _vkey(rt))
    assert run.returncode == 1 and "line 1" in run.stdout and "inclusion proof" in run.stdout
    intact, _, _, problems = service.check(path=altered, public_key=_vkey(rt))
    assert not intact and any("inclusion proof" in p for p in problems)


def test_a_record_altered_with_its_hashes_and_a_new_signature_fails_the_pinned_key(
    rt: Runtime, package: Path
) -> None:
    """A record altered: first as is (its digest no longer matches), then by a forger who
    recomputes every digest, entry hash, proof and the tree, and signs it with a key of their
    own. Every hash then agrees: only the pinned key tells the package from the sender's."""

    def alter(line: dict[str, object]) -> None:
        line["content"] = {**line["content"], "recorded_by": "someone else"}  # type: ignore[dict-item]

    plain = _resealed(package, lambda files: _jsonl(files, alter))
    intact, _, _, problems = service.check(path=plain, public_key=_vkey(rt))
    assert not intact and any("line 1" in p and "digest" in p for p in problems), problems
    forger = notes.Signer(name="forger", private_key=Ed25519PrivateKey.generate())

    def forge(files: dict[str, bytes]) -> None:
        lines = [json.loads(x) for x in files["records.jsonl"].splitlines()]
        alter(lines[0])
        described = json.loads(files["checkpoint.json"])
        leaves = [b"\x00" * 32] * described["size"]
        for line in lines:
            entry = line["ledger"]
            entry["digest"] = hashlib.sha256(package_verify.canonical(line["content"])).hexdigest()
            entry["hash"] = package_verify.entry_hash(line, entry)
            leaves[entry["seq"] - 1] = bytes.fromhex(entry["hash"])
        tree = merkle.levels(leaves)
        for line in lines:
            proof = merkle.inclusion_proof_from_levels(tree, line["ledger"]["seq"] - 1)
            line["proof"] = [node.hex() for node in proof]
        files["records.jsonl"] = b"".join(json.dumps(x).encode() + b"\n" for x in lines)
        root = tree[-1][0]
        described.update(root=root.hex(), key=forger.verifier.vkey)
        files["checkpoint.json"] = json.dumps(described).encode()
        text = notes.checkpoint_text(origin=forger.name, size=len(leaves), root_hash=root)
        files["checkpoint.txt"] = forger.sign(text).encode()

    forged = _resealed(package, forge)
    assert _verify_py(forged).returncode == 0  # whole and self-consistent, signed by the forger
    run = _verify_py(forged, "--public-key", _vkey(rt))
    assert run.returncode == 1 and "checkpoint.txt: no valid signature" in run.stdout
    intact, _, _, problems = service.check(path=forged, public_key=_vkey(rt))
    assert not intact and problems == [f"checkpoint.txt: no valid signature by {_name(rt)}"]


def test_a_newer_checkpoint_is_consistent_with_the_package(
    rt: Runtime, package: Path, tmp_path: Path
) -> None:
    _export(rt, tmp_path / "second.zip")  # the ledger grows (the first export is recorded)
    newer = consistency.newer(rt=rt, package=package)
    assert newer["to_size"] > newer["from_size"]
    given_file = tmp_path / "newer.json"
    given_file.write_text(json.dumps(newer))
    run = _verify_py(package, "--public-key", _vkey(rt), "--newer", str(given_file))
    assert run.returncode == 0, run.stdout
    assert service.check(path=package, public_key=_vkey(rt), newer=json.dumps(newer))[0]
    broken = {**newer, "proof": ["00" * 32, *newer["proof"][1:]]}
    given_file.write_text(json.dumps(broken))
    run = _verify_py(package, "--public-key", _vkey(rt), "--newer", str(given_file))
    assert run.returncode == 1 and "consistency" in run.stdout
    unsigned = {**newer, "checkpoint": newer["checkpoint"].split("\n\n")[0] + "\n\n"}
    intact, _, _, problems = service.check(
        path=package, public_key=_vkey(rt), newer=json.dumps(unsigned)
    )
    assert not intact and problems == ["newer checkpoint: no valid signature by " + _name(rt)]


@settings(max_examples=25, deadline=None)
@given(message=st.binary(max_size=200), flip=st.integers(min_value=0, max_value=511))
def test_the_standard_library_ed25519_agrees_with_cryptography(message: bytes, flip: int) -> None:
    """verify.py's Ed25519 against an independent implementation (OpenSSL, via cryptography)."""
    key = Ed25519PrivateKey.generate()
    public = notes.Signer(name="k", private_key=key).verifier.public_key
    signature = key.sign(message)
    assert package_verify.ed25519_valid(public, message, signature)
    bad = bytearray(signature)
    bad[flip // 8] ^= 1 << (flip % 8)
    assert not package_verify.ed25519_valid(public, message, bytes(bad))
    assert not package_verify.ed25519_valid(public, message + b"x", signature)


@settings(max_examples=40, deadline=None)
@given(size=st.integers(min_value=1, max_value=40), data=st.data())
def test_the_standard_library_consistency_check_is_the_ledgers(
    size: int, data: st.DataObject
) -> None:
    """verify.py keeps its own copy (it imports nothing of callkeep): it answers as merkle does."""
    old = data.draw(st.integers(min_value=1, max_value=size))
    leaves = [bytes([i]) * 32 for i in range(size)]
    proof = merkle.consistency_proof(leaves, old)
    if proof and data.draw(st.booleans()):
        proof[data.draw(st.integers(0, len(proof) - 1))] = b"\x00" * 32
    old_tree = (old, merkle.root(leaves[:old]))
    new_tree = (size, merkle.root(leaves))
    assert package_verify.consistent(old_tree, new_tree, proof) == merkle.verify_consistency(
        old_size=old, new_size=size, old_root=old_tree[1], new_root=new_tree[1], proof=proof
    )


def test_a_package_whose_signed_checkpoint_was_removed_is_said_to_be_unsigned(
    rt: Runtime, package: Path
) -> None:
    def unsign(files: dict[str, bytes]) -> None:
        del files["checkpoint.txt"]
        manifest = json.loads(files["manifest.json"])
        del manifest["files"]["checkpoint.txt"]
        files["manifest.json"] = json.dumps(manifest).encode()

    altered = _resealed(package, unsign)
    intact, _, _, problems = service.check(path=altered)
    assert not intact
    assert problems == ["checkpoint.txt: missing, so the checkpoint is not signed"]
