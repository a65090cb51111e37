"""Production package v2: everything behind the calls, proofs against the ledger, and a
verifier the recipient runs without callkeep that agrees with `callkeep export verify`."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from callkeep.kit.runtime import Runtime
from callkeep.ledger import checkpoints, merkle
from callkeep.ledger.models import LedgerEntry
from callkeep.records.calls import service as calls
from callkeep.reports import safeharbor, service
from callkeep.reports.schemas import ExportFilters
from tests.reports.seeded import seed

EXPECTED_FILES = {
    "calls.csv",
    "decisions.csv",
    "dnc_requests.csv",
    "consents.csv",
    "consent_revocations.csv",
    "purchases.csv",
    "inquiries.csv",
    "sellers.csv",
    "campaigns.csv",
    "employees.csv",
    "employee_fictitious_names.csv",
    "campaign_documents.csv",
    "service_contracts.csv",
    "procedures.csv",
    "trainings.csv",
    "list_versions.csv",
    "amendments.csv",
    "records.jsonl",
    "checkpoint.json",
    "checkpoint.txt",
    "manifest.json",
    "README.txt",
    "verify.py",
}


def _export(rt: Runtime, tmp_path: Path, **filters: str) -> Path:
    out = tmp_path / "package.zip"
    with rt.db.transaction() as s:
        service.build(
            session=s,
            actor="regulator",
            filters=ExportFilters(**filters),
            out=out,
            signer=checkpoints.signer_for(rt.settings),
        )
    return out


def _evidence(rt: Runtime) -> None:
    with rt.db.transaction() as s:
        safeharbor.add_procedure(
            session=s, actor="c", slug="dnc-list", title="Our DNC list", content="We keep it."
        )
        safeharbor.record_training(
            session=s,
            actor="c",
            slug="dnc-list",
            trainee="Claire",
            trained_at=datetime(2026, 6, 2, tzinfo=UTC),
        )
        safeharbor.add_contract(
            session=s,
            actor="c",
            seller="acme",
            provider="Dial Co",
            goods="heat pumps",
            signed_at=datetime(2026, 5, 1, tzinfo=UTC),
            effective_from=datetime(2026, 5, 1, tzinfo=UTC),
            expires_at=datetime(2027, 5, 1, tzinfo=UTC),
            document="=cmd|' /C calc'!A0",
        )


def _unpack(path: Path, folder: Path) -> Path:
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
    return folder


def _run_verifier(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The package's own verify.py, run by a bare interpreter with nothing of callkeep."""
    return subprocess.run(
        [sys.executable, "-I", "-S", str(folder / "verify.py"), *args],
        capture_output=True,
        text=True,
        cwd=folder,
    )


def test_a_package_holds_everything_behind_the_calls(rt: Runtime, tmp_path: Path) -> None:
    world = seed(rt)
    _evidence(rt)
    path = _export(rt, tmp_path, seller="acme", date_from="2026-07-01", date_to="2026-07-31")
    assert path.stat().st_mode & 0o777 == 0o600
    with zipfile.ZipFile(path) as archive:
        assert set(archive.namelist()) == EXPECTED_FILES
        manifest = json.loads(archive.read("manifest.json"))
        docs = list(csv.DictReader(io.StringIO(archive.read("campaign_documents.csv").decode())))
        contracts = list(
            csv.DictReader(io.StringIO(archive.read("service_contracts.csv").decode()))
        )
        empty = archive.read("consents.csv").decode()
        readme = archive.read("README.txt").decode()
        checkpoint = json.loads(archive.read("checkpoint.json"))
        lines = [json.loads(x) for x in archive.read("records.jsonl").splitlines()]
    assert manifest["counts"]["calls"] == 8
    assert [d["id"] for d in docs] == [world.script_id]
    assert contracts[0]["document"] == "'=cmd|' /C calc'!A0"  # a formula never runs
    assert empty == (  # a header, and no rows
        "seller_id,phone,contact_id,name,request_text,request_format,purpose,consent_text,"
        "kind,given_at,signature,expires_at,id,recorded_at,recorded_by\r\n"
    )
    assert manifest["counts"]["procedures"] == 1 and manifest["counts"]["trainings"] == 1
    for name in EXPECTED_FILES - {"README.txt"}:
        assert name in readme
    assert "called_number: the called number (E.164)" in readme
    # the checkpoint is the ledger as it was just before the export was recorded
    with rt.db.transaction(read_only=True) as s:
        hashes = [
            bytes.fromhex(h) for h in s.scalars(select(LedgerEntry.hash).order_by(LedgerEntry.seq))
        ]
    size = checkpoint["size"]
    assert merkle.root(hashes[:size]).hex() == checkpoint["root"] and len(hashes) == size + 1
    for line in lines:
        entry = line["ledger"]
        proof = [bytes.fromhex(p) for p in line["proof"]]
        assert merkle.verify_inclusion(
            leaf=bytes.fromhex(entry["hash"]),
            index=entry["seq"] - 1,
            size=size,
            proof=proof,
            root_hash=bytes.fromhex(checkpoint["root"]),
        )


def test_both_verifiers_agree_on_an_intact_package(rt: Runtime, tmp_path: Path) -> None:
    seed(rt)
    path = _export(rt, tmp_path)
    intact, files, records, problems = service.check(path=path)
    assert intact and not problems and files == len(EXPECTED_FILES) - 1
    folder = _unpack(path, tmp_path / "unpacked")
    here = _run_verifier(folder)
    assert here.returncode == 0, here.stdout + here.stderr
    assert f"{records} records" in here.stdout
    zipped = _run_verifier(folder, str(path))
    assert zipped.returncode == 0, zipped.stdout


def _rewrite(path: Path, name: str, position: float) -> Path:
    """The package with one byte of `name` changed (at a relative position), re-zipped."""
    altered = path.with_name(f"altered-{name}.zip")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(altered, "w") as dst:
        for item in src.infolist():
            data = bytearray(src.read(item.filename))
            if item.filename == name:
                i = min(len(data) - 1, int(len(data) * position))
                data[i] = (data[i] + 1) % 256 if data[i] != ord("{") else ord("[")
            dst.writestr(item, bytes(data))
    return altered


@pytest.mark.parametrize("name", sorted(EXPECTED_FILES))
def test_one_altered_byte_in_any_file_is_named(rt: Runtime, tmp_path: Path, name: str) -> None:
    seed(rt)
    path = _export(rt, tmp_path)
    for position in (0.5, 0.99):
        altered = _rewrite(path, name, position)
        intact, _, _, problems = service.check(path=altered)
        assert not intact
        assert any(p.startswith(name) for p in problems), problems
        folder = _unpack(altered, tmp_path / f"u-{position}")
        if name == "verify.py":  # an altered verifier may not run at all: check with a good one
            good = tmp_path / "good" / "verify.py"
            good.parent.mkdir(exist_ok=True)
            shutil.copy(Path(service.package_verify.__file__), good)
            result = _run_verifier(good.parent, str(folder))
        else:
            result = _run_verifier(folder)
        assert result.returncode == 1 and name in result.stdout, result.stdout


def test_a_truncated_or_damaged_zip_is_said_to_be(rt: Runtime, tmp_path: Path) -> None:
    seed(rt)
    path = _export(rt, tmp_path)
    data = path.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) // 2])
    intact, _, _, problems = service.check(path=cut)
    assert not intact and "not a readable package" in problems[0]
    folder = _unpack(path, tmp_path / "unpacked")
    result = _run_verifier(folder, str(cut))
    assert result.returncode == 1 and "not a readable package" in result.stdout


def test_an_amended_record_keeps_its_proof_and_its_correction(rt: Runtime, tmp_path: Path) -> None:
    world = seed(rt)
    with rt.db.transaction() as s:
        calls.amend_call(
            session=s,
            actor="compliance",
            call_id=world.ids["c4"],
            changes={"script_version_id": world.script_id},
            reason="the agent read the opening script",
        )
    path = _export(rt, tmp_path, phone="+12075550144")
    assert service.check(path=path)[0]
    with zipfile.ZipFile(path) as archive:
        amended = list(csv.DictReader(io.StringIO(archive.read("amendments.csv").decode())))
    assert [a["target_id"] for a in amended] == [world.ids["c4"]]


def test_export_verify_exits_as_verify_py_does(rt: Runtime, tmp_path: Path) -> None:
    seed(rt)
    path = _export(rt, tmp_path)
    env = {
        "CALLKEEP_DATA_DIR": str(rt.settings.data_dir),
        "CALLKEEP_DATABASE_URL": rt.settings.database_url,
        "PATH": "/usr/bin:/bin",
    }
    ok = subprocess.run(
        [sys.executable, "-m", "callkeep", "export", "verify", str(path)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ok.returncode == 0, ok.stderr
    altered = _rewrite(path, "calls.csv", 0.5)
    bad = subprocess.run(
        [sys.executable, "-m", "callkeep", "export", "verify", str(altered)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 1 and "calls.csv" in bad.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "callkeep", "export", "verify", str(tmp_path / "nope.zip")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def _written(cells: list[object]) -> str:
    """One CSV line as the package's writer would write these cells."""
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()


@given(st.one_of(st.text(), st.none(), st.booleans(), st.integers()))
def test_the_packages_csv_cell_is_csvsafe_cell(value: object) -> None:
    from callkeep.reports.csvsafe import cell
    from callkeep.reports.package_cells import cells_and_contents

    rows, _ = cells_and_contents(["v"], [(value,)])
    assert _written(list(rows[0])) == _written([cell(value)])


def test_formula_cells_are_neutralised_in_every_csv() -> None:
    from callkeep.reports.package_cells import cells_and_contents

    attacks = ("=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "\r=x", '=HYPERLINK("x")')
    rows, _ = cells_and_contents(["v"], [(attack,) for attack in attacks])
    assert [row[0] for row in rows] == ["'" + attack for attack in attacks]
    rows, _ = cells_and_contents(["v"], [("plain",), ("",)])
    assert [row[0] for row in rows] == ["plain", ""]


def test_the_readme_describes_every_field_of_every_file() -> None:
    from callkeep.domains import load_models
    from callkeep.ledger.models import recorded_models
    from callkeep.reports import readme
    from callkeep.reports.sections import columns_of

    load_models()
    models = {m.__tablename__: m for m in recorded_models()}
    tables = {
        "calls.csv": "calls",
        "decisions.csv": "check_decisions",
        "dnc_requests.csv": "dnc_requests",
        "consents.csv": "consents",
        "consent_revocations.csv": "consent_revocations",
        "purchases.csv": "purchases",
        "inquiries.csv": "inquiries",
        "sellers.csv": "sellers",
        "campaigns.csv": "campaigns",
        "employees.csv": "employees",
        "employee_fictitious_names.csv": "employee_fictitious_names",
        "campaign_documents.csv": "campaign_documents",
        "service_contracts.csv": "service_contracts",
        "procedures.csv": "safe_harbor_procedures",
        "trainings.csv": "safe_harbor_trainings",
        "list_versions.csv": "list_versions",
        "amendments.csv": "amendments",
    }
    assert set(tables) | {
        "records.jsonl",
        "checkpoint.json",
        "checkpoint.txt",
        "manifest.json",
        "verify.py",
        "README.txt",
    } == set(readme.FILES)
    for file_name, table in tables.items():
        for column in columns_of(models[table]):
            described = readme.BY_FILE.get(file_name, {}).get(column) or readme.FIELDS.get(column)
            assert described, f"{file_name}: {column}"
