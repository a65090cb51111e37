"""Lead files as the tools that make them write them: a Salesforce export (BOM, CRLF, every field
quoted, line breaks in a description), an Excel workbook, VICIdial's tab and pipe lead files; and
files that cannot be read, which end the scrub naming the line and leave no output behind."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from callkeep.checks import scrub
from callkeep.checks.lead_formats import VICIDIAL_COLUMNS
from callkeep.errors import InvalidInput
from tests.checks.conftest import ME_NUMBER, World
from tests.checks.test_scrub import run_scrub, scrub_to_file, single

FRESH = date(2026, 7, 1)
AT = "2026-07-06T13:00:00Z"
FILES = Path(__file__).parent / "files"


def scrubbed(world: World, data: bytes, name: str = "", **kw: str | None) -> bytes:
    return run_scrub(
        world, data, kw.get("phone_column"), file_format=kw.get("file_format") or "auto", name=name
    )


def records(data: bytes, delimiter: str = ",") -> list[list[str]]:
    text = io.StringIO(data.decode("utf-8-sig"), newline="")
    return [r for r in csv.reader(text, delimiter=delimiter) if r]


def test_a_salesforce_export_keeps_its_bytes_and_gets_each_rows_decision(world: World) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH, area_codes=[207, 305])
    data = (FILES / "salesforce-leads.csv").read_bytes()
    assert data.startswith(b'\xef\xbb\xbf"Id","FirstName"') and b'""' in data
    out = scrubbed(world, data)
    assert out.startswith(data.split(b"\r\n", 1)[0] + b",callkeep_phone,callkeep_status,")
    before, after = records(data), records(out)
    phone = before[0].index("Phone")
    assert len(after) == len(before) == 7
    for original, row in zip(before[1:], after[1:], strict=True):
        assert row[:-3] == original
        assert tuple(row[-3:]) == single(world, original[phone])
    assert after[1][-3:] == [ME_NUMBER, "blocked", "national_dnc"]
    assert "\r\n" in after[1][before[0].index("Description")]
    # every record's own bytes, then the three columns, then its CRLF
    raw_rows = data.split(b'\r\n"00Q')[1:]
    for raw in raw_rows:
        body = b'"00Q' + raw.removesuffix(b"\r\n")
        assert body + b"," in out


def test_an_excel_workbook_is_scrubbed_into_csv(world: World, tmp_path: Path) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH, area_codes=[207, 305])
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Mobile Phone", "Added", "Note"])
    sheet.append(["Ann", 2075550123, datetime(2026, 6, 1, 9, 30), '=HYPERLINK("x")'])
    sheet["D2"].data_type = "s"  # text that looks like a formula, as a typed-in cell is
    sheet.append(["Bob", "(207) 555-0199", date(2026, 6, 2), 'call, "later"'])
    sheet.append(["Cy", "+1 305 555 0123", None, None])
    sheet.append([])
    sheet.append(["Di", "garbage"])
    path = tmp_path / "leads.xlsx"
    book.save(path)
    out = scrubbed(world, path.read_bytes(), name="leads.xlsx")
    assert out.startswith(b"Name,Mobile Phone,Added,Note,callkeep_phone,callkeep_status,")
    rows = records(out)
    assert rows[1] == [
        "Ann", "2075550123", "2026-06-01 09:30:00", "'=HYPERLINK(\"x\")",
        ME_NUMBER, "blocked", "national_dnc",
    ]  # fmt: skip
    assert rows[2] == [
        "Bob", "(207) 555-0199", "2026-06-02 00:00:00", 'call, "later"',
        "+12075550199", "allowed", "",
    ]  # fmt: skip
    assert rows[3][1] == "+1 305 555 0123" and rows[3][4:6] == ["+13055550123", "allowed"]
    assert rows[4] == ["Di", "garbage", "", "", "", "invalid", "invalid_number"]
    assert len(rows) == 5  # the empty row of the sheet is left out


def vicidial_lead(phone: str, first: str, delimiter: str) -> str:
    fields = dict.fromkeys(VICIDIAL_COLUMNS, "")
    fields.update(
        vendor_lead_code="V1", list_id="101", phone_code="1", phone_number=phone,
        first_name=first, last_name="Doe", city="Portland", state="ME",
        postal_code="04101", alt_phone="3055550123", comments="no \"answer\", try again",
    )  # fmt: skip
    return delimiter.join(fields.values())


@pytest.mark.parametrize(("delimiter", "fixture"), [("\t", "vicidial-leads.txt"), ("|", None)])
def test_vicidials_lead_file_is_read_and_written_as_vicidial_reads_it(
    world: World, delimiter: str, fixture: str | None
) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH, area_codes=[207, 305])
    if fixture:
        data = (FILES / fixture).read_bytes()
    else:
        lines = [vicidial_lead(p, "Ann", "|") for p in ("2075550123", "207-555-0199", "bad")]
        data = "".join(line + "\r\n" for line in lines).encode()
    out = scrubbed(world, data)  # no header, more tabs (pipes) than commas: VICIdial's file
    assert len(out.splitlines()) == len(data.splitlines())
    for before, after in zip(data.splitlines(), out.splitlines(), strict=True):
        fields = after.decode().split(delimiter)
        assert len(fields) == 28 and after.startswith(before + delimiter.encode())
        assert tuple(fields[25:]) == single(world, before.decode().split(delimiter)[4])
    assert out.splitlines()[0].decode().split(delimiter)[25:] == [
        ME_NUMBER, "blocked", "national_dnc"
    ]  # fmt: skip
    assert out.endswith(b"\r\n") == data.endswith(b"\r\n")
    alt = scrubbed(world, data, file_format="vicidial", phone_column="alt_phone")
    assert alt.splitlines()[0].decode().split(delimiter)[25] == "+13055550123"


def test_a_tab_file_with_a_header_is_read_as_csv_with_tabs(world: World) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH, area_codes=[207])
    data = b'name\tphone\tnote\r\nAnn\t207-555-0123\t"tab\there"\r\n'
    out = scrubbed(world, data)
    assert out == (
        b"name\tphone\tnote\tcallkeep_phone\tcallkeep_status\tcallkeep_reasons\r\n"
        b'Ann\t207-555-0123\t"tab\there"\t+12075550123\tblocked\tnational_dnc\r\n'
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name,phone\r\nAnn,2075550123\r\nCaf\xe9,2075550199\r\n", "line 3: not UTF-8 (byte 0xe9"),
        (b"name,phone\nAnn,2075550123\nBob,2075550199,x\nCy,2075550100\n", "line 3: 3 fields"),
        (b'name,phone\nAnn,2075550123\n"Bob\n\n,2075550199\n', "line 3: a quoted field opened"),
        (b'name,phone\n"Ann\nsays",2075550123\nBob\n', "line 4: 1 fields where the header has 2"),
        (
            b"name,phone\nAnn,2075550123\r\nBob\r,2075550199\n",
            "line 3: a carriage return (CR) alone",
        ),
        ("name\tphone\r\n".encode("utf-16"), "UTF-16"),
        (b"\t".join([b"x"] * 25) + b"\n" + b"\t".join([b"x"] * 24) + b"\n", "line 2: 24 fields"),
    ],
)
def test_a_file_that_cannot_be_read_names_the_line_and_leaves_no_output(
    world: World, tmp_path: Path, data: bytes, message: str
) -> None:
    out = tmp_path / "out" / "scrubbed.csv"
    out.parent.mkdir()
    with pytest.raises(InvalidInput) as caught:
        scrub_to_file(world, data, out)
    assert message in caught.value.message
    assert list(out.parent.iterdir()) == []


def test_the_installed_command_exits_2_naming_the_line_and_leaves_no_file(tmp_path: Path) -> None:
    leads = tmp_path / "leads.csv"
    leads.write_bytes(b'"id","phone"\r\n"1","2075550123"\r\n"2","2075550199\r\n')
    out = tmp_path / "scrubbed.csv"
    env = {**os.environ, "CALLKEEP_DATA_DIR": str(tmp_path / "data")}
    command = Path(sys.executable).with_name("callkeep")
    done = subprocess.run(
        [str(command), "scrub", str(leads), "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "line 3" in done.stderr and "never closes" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "leads.csv"]


def test_the_upload_names_the_bad_line_and_keeps_nothing(
    world: World,
    client: TestClient,
    tokens: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp))
    auth = {"Authorization": f"Bearer {tokens['compliance']}"}
    bad = client.post(
        "/api/v1/scrubs",
        files={"file": ("leads.csv", b"name,phone\nAnn,1\nBob\n", "text/csv")},
        headers=auth,
    )
    assert bad.status_code == 422
    assert "line 3: 1 fields where the header has 2" in bad.text
    assert list(temp.iterdir()) == []
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Phone"])
    sheet.append(["Ann", 2075550199])
    workbook = io.BytesIO()
    book.save(workbook)
    good = client.post(
        "/api/v1/scrubs",
        files={"file": ("leads.xlsx", workbook.getvalue(), "application/octet-stream")},
        data={"at": AT},
        headers=auth,
    )
    assert good.status_code == 200, good.text
    assert good.headers["content-type"].startswith("text/csv")
    assert "leads.scrubbed.csv" in good.headers["content-disposition"]
    assert records(good.content)[1] == ["Ann", "2075550199", "+12075550199", "allowed", ""]
    vicidial = client.post(
        "/api/v1/scrubs",
        files={"file": ("list101.txt", (FILES / "vicidial-leads.txt").read_bytes(), "text/plain")},
        data={"at": AT, "format": "vicidial", "phone_column": "alt_phone"},
        headers=auth,
    )
    assert vicidial.status_code == 200, vicidial.text
    assert "list101.scrubbed.txt" in vicidial.headers["content-disposition"]
    first = vicidial.content.splitlines()[0].split(b"\t")
    assert len(first) == 28 and first[25] == b"+13055550123"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (b"Bob,2075550199,x", "line 150: 3 fields"),
        (b"Caf\xe9,2075550199", "line 150: not UTF-8"),
        # the quote runs on to the next line's first quote: the record read has 3 fields
        (b'"Bob,2075550199', "line 150: 3 fields"),
    ],
)
def test_the_line_named_is_the_files_own_whatever_chunk_it_falls_in(
    world: World, monkeypatch: pytest.MonkeyPatch, bad: bytes, message: str
) -> None:
    rows = [b'"name","phone"'] + [b'"Ann, Jr.","20755501%02d"' % (i % 100) for i in range(2, 150)]
    data = b"\r\n".join([*rows, bad, *rows[1:50]]) + b"\r\n"
    monkeypatch.setattr(scrub, "CHUNK_BYTES", 64)
    with pytest.raises(InvalidInput, match=message):
        scrubbed(world, data)
