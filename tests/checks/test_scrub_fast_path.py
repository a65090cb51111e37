"""The scrub's chunk reader gives byte for byte what the csv module gives, on files quoted as CRMs
and Excel write them, with CRLF, a BOM, delimiters, quotes and line breaks inside fields, stray
quotes the csv module reads as text, and VICIdial's unquoted tab and pipe files."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callkeep.checks import lead_reading, record_bounds, scrub
from callkeep.phone.parse import try_normalize
from tests.checks.conftest import ME_NUMBER, World
from tests.checks.test_scrub import run_scrub

AT = "2026-07-06T13:00:00Z"
FRESH = date(2026, 7, 1)

PHONES = st.one_of(
    st.sampled_from(["2075550123", "(207) 555-0199", "+1 305 555 0123", "", "garbage", "555-0123"]),
    st.from_regex(r"\+?1?[ -]?\(?[2-9]\d{2}\)?[ .-]?\d{3}[ .-]?\d{4}", fullmatch=True),
    st.text(alphabet="0123456789 -.()+x\"'", max_size=16),
)
# é and € and U+194A: bytes of UTF-8 characters, one of them 0x8A (an LF with the high bit set)
TEXT = st.lists(st.sampled_from([*"ab ,;|\t\"'\r\né€\u194a0", "\r\n"]), max_size=12).map("".join)


def written(value: str, style: str, delimiter: str) -> str:
    """A field as a CRM (every field quoted), Excel (quoted where needed) or a hand-made file
    (raw, and a quote at its start kept off by a leading letter) writes it."""
    needs = any(c in value for c in (delimiter, '"', "\r", "\n"))
    if style == "all" or (style == "minimal" and needs):
        return '"' + value.replace('"', '""') + '"'
    for c in (delimiter, "\r", "\n"):
        value = value.replace(c, " ")
    return "x" + value if value.startswith('"') else value


@st.composite
def lead_files(draw: st.DrawFn) -> tuple[bytes, str]:
    width = draw(st.integers(1, 4))
    # one column has no delimiter to tell: it is read as commas
    delimiter = draw(st.sampled_from([",", "\t", "|"])) if width > 1 else ","
    column = draw(st.integers(0, width - 1))
    terminator = draw(st.sampled_from(["\r\n", "\n"]))
    header = [f"c{i}" for i in range(width)]
    header[column] = "phone"
    out = [draw(st.sampled_from(["", "\ufeff"])) + delimiter.join(header) + terminator]
    for _ in range(draw(st.integers(0, 12))):
        style = draw(st.sampled_from(["all", "minimal", "raw"]))
        fields = [
            written(draw(PHONES if i == column else TEXT), style, delimiter) for i in range(width)
        ]
        line = delimiter.join(fields)
        if line == "":
            line = "z" + line  # not a blank line (which passes through as it is)
        out.append(line + terminator)
        if draw(st.integers(0, 9)) == 0:
            out.append(terminator)  # a blank line
    text = "".join(out)
    if draw(st.booleans()):
        text = text.removesuffix(terminator)
    return text.encode(), delimiter


def scrubbed(world: World, data: bytes, file_format: str = "auto") -> bytes:
    return run_scrub(world, data, file_format=file_format)


def by_csv_module(world: World, data: bytes, monkeypatch: pytest.MonkeyPatch, **kw: str) -> bytes:
    """The scrub with every record read by the csv module."""
    with monkeypatch.context() as patched:
        patched.setattr(record_bounds, "plan", lambda *args: None)
        return scrubbed(world, data, **kw)


def in_chunks(
    world: World, data: bytes, chunk: int, monkeypatch: pytest.MonkeyPatch, file_format: str
) -> bytes:
    """The scrub read in chunks of `chunk` bytes."""
    with monkeypatch.context() as patched:
        patched.setattr(scrub, "CHUNK_BYTES", chunk)
        return scrubbed(world, data, file_format)


SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(file=lead_files(), chunk=st.integers(8, 200))
def test_quoted_files_scrub_as_the_csv_module_reads_them(
    world: World, monkeypatch: pytest.MonkeyPatch, file: tuple[bytes, str], chunk: int
) -> None:
    data, delimiter = file
    fast = in_chunks(world, data, chunk, monkeypatch, "csv")
    assert fast == by_csv_module(world, data, monkeypatch, file_format="csv")
    # and the csv module reads the output as the input's records, three columns added
    text = io.StringIO(data.decode().removeprefix("\ufeff"), newline="")
    before = [r for r in csv.reader(text, delimiter=delimiter) if r]
    text = io.StringIO(fast.decode().removeprefix("\ufeff"), newline="")
    after = [r for r in csv.reader(text, delimiter=delimiter) if r]
    assert len(after) == len(before)
    column = before[0].index("phone")
    assert after[0] == [*before[0], "callkeep_phone", "callkeep_status", "callkeep_reasons"]
    for original, row in zip(before[1:], after[1:], strict=True):
        assert row[: len(original)] == original
        expected = try_normalize(original[column]) if original[column] else None
        assert row[-3] == (expected or "")
        assert (row[-2] == "invalid") == (expected is None)


@st.composite
def vicidial_files(draw: st.DrawFn) -> bytes:
    delimiter = draw(st.sampled_from(["\t", "|"]))
    terminator = draw(st.sampled_from(["\r\n", "\n"]))
    text = st.text(alphabet=st.sampled_from(list("ab ,\"'é0")), max_size=8)
    rows = []
    for _ in range(draw(st.integers(1, 10))):
        fields = [draw(text) for _ in range(25)]
        fields[4] = draw(PHONES).replace("\r", "").replace("\n", "")
        rows.append(delimiter.join(fields) + terminator)
    return "".join(rows).encode()


@SETTINGS
@given(data=vicidial_files(), chunk=st.integers(8, 300))
def test_vicidial_files_scrub_as_the_csv_module_reads_them_unquoted(
    world: World, monkeypatch: pytest.MonkeyPatch, data: bytes, chunk: int
) -> None:
    fast = in_chunks(world, data, chunk, monkeypatch, "vicidial")
    assert fast == by_csv_module(world, data, monkeypatch, file_format="vicidial")
    delimiter = "\t" if data.count(b"\t") else "|"
    for before, after in zip(data.splitlines(), fast.splitlines(), strict=True):
        phone, status, _ = after.decode().split(delimiter)[25:]
        assert after.startswith(before + delimiter.encode())
        number = before.decode().split(delimiter)[4].replace('"', "").replace("'", "")
        assert phone == ((try_normalize(number) if number else None) or "")
        assert (status == "invalid") == (phone == "")


def test_a_character_whose_last_byte_is_0x8a_is_not_taken_for_a_quoted_newline(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = 'phone,c1\r\n"2075550123","\u194a"\r\n"2075550199","a\nb"\r\n'.encode()
    assert b"\x8a" in data
    assert scrubbed(world, data) == by_csv_module(world, data, monkeypatch)


def test_a_crm_export_is_read_in_chunks_not_by_the_csv_module(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH, area_codes=[207])
    row = '"1","Doe, Jane","2075550123","said ""hi""\r\nthen ""bye"""\r\n'
    data = ('\ufeff"id","name","phone","notes"\r\n' + row * 1000).encode()
    read_by_csv: list[int] = []
    real = lead_reading.csv_records

    def counted(*args: object, **kw: object) -> object:
        read_by_csv.append(1)
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(lead_reading, "csv_records", counted)
    out = scrubbed(world, data)
    assert len(read_by_csv) == 1  # the header line only
    assert out.count(b'"2075550123","said ""hi""\r\nthen ""bye""",+12075550123,blocked,') == 1000
