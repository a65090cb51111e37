"""Every record's inclusion proof in a package is the plain function's over the whole ledger,
whatever the height the tree is cut at, and the package verifies with both verifiers."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from callkeep.kit.runtime import Runtime
from callkeep.ledger import merkle, proof_blocks
from callkeep.ledger.models import LedgerEntry
from callkeep.reports import service
from tests.reports.seeded import seed
from tests.reports.test_package import _export


@pytest.mark.parametrize("height", [0, 1, 3, proof_blocks.HEIGHT])
def test_each_records_proof_is_the_plain_one_and_both_verifiers_pass(
    rt: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, height: int
) -> None:
    seed(rt)
    monkeypatch.setattr(proof_blocks, "HEIGHT", height)
    out = _export(rt, tmp_path)
    with rt.db.transaction(read_only=True) as s:
        leaves = [
            bytes.fromhex(h) for h in s.scalars(select(LedgerEntry.hash).order_by(LedgerEntry.seq))
        ]
    with zipfile.ZipFile(out) as package:
        lines = [json.loads(line) for line in package.read("records.jsonl").splitlines()]
        checkpoint = json.loads(package.read("checkpoint.json"))
    size = checkpoint["size"]
    assert checkpoint["root"] == merkle.root(leaves[:size]).hex()
    plain = merkle.levels(leaves[:size])
    proven = [line for line in lines if line["ledger"] is not None]
    assert len(proven) > 8  # more records than one block of the small heights holds
    for line in proven:
        index = line["ledger"]["seq"] - 1
        assert line["proof"] == [p.hex() for p in merkle.inclusion_proof_from_levels(plain, index)]
    intact, _files, records, problems = service.check(path=out)
    assert intact and not problems and records == len(lines)
    (tmp_path / "verify.py").write_bytes(zipfile.ZipFile(out).read("verify.py"))
    ran = subprocess.run(
        [sys.executable, "-I", "verify.py", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert ran.returncode == 0 and f"{records} records" in ran.stdout, ran.stdout + ran.stderr
