"""Bulk scrub: the original bytes kept, three columns added, identical to single checks."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callkeep.checks import scrub, service
from callkeep.errors import InvalidInput
from callkeep.phone.parse import try_normalize
from tests.checks.conftest import ME_NUMBER, World, make_context

FRESH = date(2026, 7, 1)
AT = "2026-07-06T13:00:00Z"


def run_scrub(
    world: World,
    data: bytes,
    column: str | None = None,
    at: str = AT,
    file_format: str = "auto",
    name: str = "",
) -> bytes:
    out = io.BytesIO()
    with world.rt.db.transaction() as session:
        ctx = make_context(session, at=at)
        scrub.scrub_stream(
            session=session,
            ctx=ctx,
            source=io.BytesIO(data),
            out=out,
            phone_column=column,
            file_format=file_format,
            name=name,
        )
    return out.getvalue()


def scrub_to_file(world: World, data: bytes, out: Path) -> None:
    """`data` scrubbed into the file `out`, as `callkeep scrub` does, with its record."""
    with world.rt.db.transaction() as session:
        scrub.scrub_file(
            session=session,
            actor="test",
            source=io.BytesIO(data),
            source_name="leads.csv",
            out_path=out,
            phone_column=None,
            seller=None,
            campaign=None,
            at=AT,
        )


def single(world: World, phone: str, at: str = AT) -> tuple[str, str, str]:
    with world.rt.db.transaction() as session:
        ctx = make_context(session, at=at)
        decision = service.decide(session=session, ctx=ctx, inputs=[phone])[0]
    codes = [r.code for r in decision.reasons]
    status = (
        "allowed" if decision.allowed else "invalid" if codes == ["invalid_number"] else "blocked"
    )
    return ("" if status == "invalid" else decision.phone, status, ";".join(codes))


MIXED = (
    "\ufeffid,name,phone,notes\r\n"
    '1,"Doe, Jane",207-555-0123,"said ""call me""\r\nlater"\r\n'
    "2,Bob,(207) 555-0199,\r\n"
    "3,Cy,+1 305 555 0123,\r\n"
    "4,Di,garbage,\r\n"
    "\r\n"
    "5,Ed,+44 20 7946 0958,\r\n"
    "6,Fe,1-800-555-0100,\r\n"
    "7,Gu,555-0123,\r\n"
    "8,Ha,207 555 0123 ext. 7,\r\n"
    "9,Io,,\r\n"
    "10,Ju,8505550123,"
)


def test_scrub_output_is_identical_to_single_checks_on_a_mixed_file(world: World) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH, area_codes=[207, 305])
    out = run_scrub(world, MIXED.encode()).decode("utf-8")
    assert out.startswith(
        "\ufeffid,name,phone,notes,callkeep_phone,callkeep_status,callkeep_reasons\r\n"
    )
    rows = list(csv.reader(io.StringIO(out.removeprefix("\ufeff"))))
    source = list(csv.reader(io.StringIO(MIXED.removeprefix("\ufeff"))))
    kept = [r for r in source[1:] if r]
    body = [r for r in rows[1:] if r]
    assert len(body) == len(kept) == 10
    for original, scrubbed in zip(kept, body, strict=True):
        assert scrubbed[: len(original)] == original
        assert len(scrubbed) == len(original) + 3
        assert tuple(scrubbed[-3:]) == single(world, original[2] if len(original) > 2 else "")
    assert body[0][-3:] == [ME_NUMBER, "blocked", "national_dnc"]
    assert body[0][3] == 'said "call me"\r\nlater'


def test_the_original_bytes_of_each_line_are_kept(world: World) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    data = b"phone;x,extra\n207.555.0123;x,  spaced  \n"
    out = run_scrub(world, data, column="phone;x")
    lines = out.split(b"\n")
    assert lines[1].startswith(b"207.555.0123;x,  spaced  ,")


def test_chunk_boundaries_do_not_change_the_output(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH, area_codes=[207, 305])
    lines = ["phone,n"] + [f"20755501{i % 100:02d},{i}" for i in range(300)] + ["3055550123,x"]
    data = ("\r\n".join(lines) + "\r\n").encode()
    whole = run_scrub(world, data)
    monkeypatch.setattr(scrub, "CHUNK_BYTES", 37)
    assert run_scrub(world, data) == whole
    assert whole.count(b"\r\n") == len(lines)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("name,Phone Number,city", "Phone Number"),
        ("name,MOBILE", "MOBILE"),
        ("cell,name", "cell"),
        ("tel", "tel"),
    ],
)
def test_the_phone_column_is_guessed_from_common_names(header: str, expected: str) -> None:
    columns = header.split(",")
    assert columns[scrub.find_phone_column(columns, None)] == expected


def test_a_file_without_a_phone_column_names_the_columns_it_saw(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        run_scrub(world, b"name,city\nAnn,Auburn\n")
    assert "'name', 'city'" in caught.value.fields[0].message
    assert caught.value.fields[0].field == "phone_column"
    with pytest.raises(InvalidInput):
        run_scrub(world, b"name,city\n", column="telephone")
    with pytest.raises(InvalidInput):
        run_scrub(world, b"")


# Fields a lead file may hold: digits and punctuation, sometimes letters, pluses, extensions.
FIELD = st.one_of(
    st.text(alphabet="0123456789 -.()+", max_size=20),
    st.from_regex(r"\+?1?[ -]?\(?[2-9]\d{2}\)?[ .-]?\d{3}[ .-]?\d{4}", fullmatch=True),
    st.text(alphabet="0123456789x+ext. ", max_size=24),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(fields=st.lists(FIELD, min_size=1, max_size=40))
def test_the_fast_path_reads_numbers_exactly_as_libphonenumber_does(
    world: World, fields: list[str]
) -> None:
    data = ("phone\n" + "".join(f"{f}\n" for f in fields)).encode()
    out = run_scrub(world, data).decode()
    rows = [line for line in out.split("\n")[1:] if line]
    kept = [f for f in fields if f]
    assert len(rows) == len(kept)
    for field, row in zip(kept, rows, strict=True):
        phone, status, _ = row.split(",")[-3:]
        expected = try_normalize(field)
        assert phone == (expected or ""), field
        assert (status == "invalid") == (expected is None), field


@pytest.mark.parametrize(
    "data",
    [
        b"phone,n\n2075550123,1\n\n(207) 555-0199,2\n3055550123,3\n",
        b"phone,n\r\n2075550123,1\r\n\r\n(207) 555-0199,2\r\n3055550123,3",
        b"phone,n\n2075550123,1\r\n\n(207) 555-0199,2\r\n3055550123,3\n",
    ],
)
def test_blank_lines_and_line_endings_pass_through_on_the_fast_path(
    world: World, data: bytes
) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH, area_codes=[207, 305])
    out = run_scrub(world, data)
    source_lines = data.split(b"\n")
    out_lines = out.split(b"\n")
    assert len(out_lines) == len(source_lines)
    for before, after in zip(source_lines[1:], out_lines[1:], strict=True):
        body = before.rstrip(b"\r")
        if not body:
            assert after == before
            continue
        assert after.startswith(body + b",") and after.endswith(before[len(body) :])
        phone, status, reasons = after[len(body) + 1 :].rstrip(b"\r").decode().split(",")
        assert (phone, status, reasons) == single(world, body.decode().split(",")[0])
