"""The chunk planner against the csv module: where it finds records and the phone field they agree
with `csv.reader`, it takes every well-formed file (so the fast path is the one tested), and a bad
file (a ragged row, a quote never closed, a stray quote) fails with the same line named whatever
the chunk size; the appended columns are the plain concatenation of each row's texts."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from callkeep.checks import lines, record_bounds
from callkeep.checks.scrub_rows import exact_number
from callkeep.errors import InvalidInput
from tests.checks.conftest import World
from tests.checks.test_scrub_fast_path import (
    PHONES,
    SETTINGS,
    TEXT,
    by_csv_module,
    in_chunks,
    lead_files,
    scrubbed,
)

LIMIT = csv.field_size_limit()


def quoted(value: str, everywhere: bool, delimiter: str) -> str:
    """A field as a CRM (every field quoted) or Excel (quoted where needed) writes it."""
    if everywhere or any(c in value for c in (delimiter, '"', "\r", "\n")):
        return '"' + value.replace('"', '""') + '"'
    return value


@st.composite
def well_formed(draw: st.DrawFn) -> tuple[bytes, str, int, int]:
    """Records (no header) that RFC 4180 reads one way, with their delimiter, width and the
    phone column: quotes, CRLF or LF, delimiters, quotes and line breaks inside fields, empty
    fields and blank lines."""
    width = draw(st.integers(1, 5))
    delimiter = draw(st.sampled_from([",", "\t", "|"]))
    column = draw(st.integers(0, width - 1))
    terminator = draw(st.sampled_from(["\r\n", "\n"]))
    out = []
    for _ in range(draw(st.integers(1, 15))):
        everywhere = draw(st.booleans())
        fields = [
            quoted(draw(PHONES if i == column else TEXT), everywhere, delimiter)
            for i in range(width)
        ]
        line = delimiter.join(fields)
        out.append((line or '""') + terminator)
        if draw(st.integers(0, 7)) == 0:
            out.append(terminator)
    text = "".join(out)
    if draw(st.booleans()):
        text = text.removesuffix(terminator)
    return text.encode(), delimiter, width, column


@SETTINGS
@given(file=well_formed())
def test_the_planner_takes_every_well_formed_chunk_and_finds_what_the_csv_module_reads(
    file: tuple[bytes, str, int, int],
) -> None:
    data, delimiter, width, column = file
    layout = record_bounds.Layout(delimiter.encode(), True, column, width)
    plan = record_bounds.plan(data, layout, True, LIMIT, record_bounds.Scratch())
    assert plan is not None
    rows = [r for r in csv.reader(io.StringIO(data.decode(), newline=""), delimiter=delimiter)]
    rows = [r for r in rows if r]
    assert len(plan.ends) == len(rows)
    assert plan.cut == len(data) and plan.newlines == data.count(b"\n")
    for k, row in enumerate(rows):
        raw = data[int(plan.f_start[k]) : int(plan.f_end[k])]
        assert layout.phone_text(raw, bool(plan.quoted[k])) == row[column]
        assert data[int(plan.ends[k]) : int(plan.ends[k]) + 1] in (b"", b"\r", b"\n")


@SETTINGS
@given(file=well_formed(), stop=st.integers(1, 400))
def test_a_chunk_cut_anywhere_is_planned_up_to_its_last_whole_record(
    file: tuple[bytes, str, int, int], stop: int
) -> None:
    data, delimiter, width, column = file
    layout = record_bounds.Layout(delimiter.encode(), True, column, width)
    whole = record_bounds.plan(data, layout, True, LIMIT)
    assert whole is not None
    part = record_bounds.plan(data[:stop], layout, stop >= len(data), LIMIT)
    if part is None:
        return  # no whole record in it, or a quote open at the cut: the csv module reads on
    # the records found end where the whole file's do, and none beyond the cut
    assert np.array_equal(part.ends, whole.ends[: len(part.ends)])
    assert np.array_equal(part.f_start, whole.f_start[: len(part.ends)])
    assert part.cut <= stop


def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """A well-formed file with one line made bad: a field dropped or added, a quote left open
    or a stray quote inside an unquoted field."""
    lines_ = data.split(b"\n")
    at = draw(st.integers(0, len(lines_) - 1))
    harm = draw(st.sampled_from(["ragged", "extra", "open", "stray"]))
    line = lines_[at]
    if harm == "ragged":
        line = line.rsplit(b",", 1)[0] if b"," in line else line + b",,"
    elif harm == "extra":
        line = line + b",x"
    elif harm == "open":
        line = b'"' + line
    else:
        line = b'a"b,' + line
    lines_[at] = line
    return b"\n".join(lines_)


@st.composite
def bad_files(draw: st.DrawFn) -> bytes:
    width = draw(st.integers(2, 4))
    header = ",".join("phone" if i == 0 else f"c{i}" for i in range(width))
    terminator = draw(st.sampled_from(["\r\n", "\n"]))
    rows = [header]
    for _ in range(draw(st.integers(1, 12))):
        everywhere = draw(st.booleans())
        rows.append(
            ",".join(
                quoted(draw(PHONES if i == 0 else TEXT), everywhere, ",") for i in range(width)
            )
        )
    body = draw(st.sampled_from(["", "\ufeff"])) + terminator.join(rows) + terminator
    data = body.encode()
    head, rest = data.split(b"\n", 1)
    return head + b"\n" + damaged(draw, rest)


def outcome(run: object) -> tuple[str, bytes | str]:
    try:
        return "ok", run()  # type: ignore[operator]
    except InvalidInput as exc:
        return "error", exc.message


@SETTINGS
@given(data=bad_files(), chunk=st.integers(8, 300))
def test_a_bad_file_fails_naming_the_same_line_as_the_csv_module_whatever_the_chunk(
    world: World, monkeypatch: pytest.MonkeyPatch, data: bytes, chunk: int
) -> None:
    fast = outcome(lambda: in_chunks(world, data, chunk, monkeypatch, "csv"))
    assert fast == outcome(lambda: by_csv_module(world, data, monkeypatch, file_format="csv"))
    if fast[0] == "error":
        assert re.match(r"file: line \d+: ", str(fast[1]))


@st.composite
def decided_rows(draw: st.DrawFn) -> tuple[lines.Rows, np.ndarray]:
    count = draw(st.integers(1, 30))
    values = np.array(
        [draw(st.sampled_from([-1, 2075550123, 3055550199, 8005550100])) for _ in range(count)],
        dtype=np.int64,
    )
    others = {
        row: draw(st.sampled_from(["+442079460000", "+33123456789", "+861012345678901"]))
        for row in range(count)
        if values[row] < 0 and draw(st.booleans())
    }
    digits = None
    if draw(st.booleans()):  # digits read from the field, or not (then worked out)
        digits = np.zeros((count, 10), dtype=np.uint8)
        for row in range(count):
            if values[row] >= 0 and draw(st.booleans()):
                digits[row] = np.frombuffer(b"%010d" % values[row], dtype=np.uint8)
    bits = np.array(
        [draw(st.sampled_from([0, 1, 2, 3, 16, 1 << 10, 255])) for _ in range(count)],
        dtype=np.uint16,
    )
    return lines.Rows(values=values, others=others, digits=digits), bits


@SETTINGS
@given(decided=decided_rows(), delimiter=st.sampled_from([b",", b"\t", b"|"]))
def test_the_appended_columns_are_each_rows_phone_and_texts_in_turn(
    decided: tuple[lines.Rows, np.ndarray], delimiter: bytes
) -> None:
    rows, bits = decided
    labels = lines.Labels(delimiter)
    added = lines.suffixes(rows, bits, labels)
    suffix, lengths = added.joined(), added.lengths
    expected = []
    for row, value in enumerate(rows.values.tolist()):
        phone = b"+1%010d" % value if value >= 0 else rows.others.get(row, "").encode()
        expected.append(delimiter + phone + delimiter + labels.text(int(bits[row])))
    assert suffix.tobytes() == b"".join(expected)
    assert lengths.tolist() == [len(e) for e in expected]
    # and spliced in at each record's end, before its terminator
    records = [b"a,b", b'"x\r\ny"', b"", b"z"]
    body = b"".join(records[k % 4] + b"\r\n" for k in range(len(expected)))
    ends = []
    at = 0
    for k in range(len(expected)):
        at += len(records[k % 4])
        ends.append(at)
        at += 2
    arr = np.frombuffer(body, dtype=np.uint8)
    out = lines.splice(arr, np.array(ends), added, record_bounds.Scratch())
    assert out.tobytes() == b"".join(
        records[k % 4] + expected[k] + b"\r\n" for k in range(len(expected))
    )


@SETTINGS
@given(
    stretches=st.lists(st.integers(1, 300), min_size=1, max_size=60),
    last=st.integers(0, 70),
    lengths=st.lists(st.integers(1, 40), min_size=60, max_size=60),
    seed=st.integers(0, 2**32 - 1),
)
def test_suffixes_are_spliced_in_at_record_ends_whatever_the_records_lengths(
    stretches: list[int], last: int, lengths: list[int], seed: int
) -> None:
    """Stretches between two records' ends of 1 to 300 bytes (every size the splice moves in
    its own way) and a tail of 0 to 70, each suffix of its own length, against a plain join."""
    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 256, sum(stretches) + last, dtype=np.uint8)
    ends = np.cumsum(stretches)
    sizes = np.array(lengths[: len(ends)], dtype=np.int64)
    matrix = rng.integers(0, 256, (len(ends), 40), dtype=np.uint8)
    added = lines.Suffixes(matrix, sizes)
    out = lines.splice(arr, ends, added, record_bounds.Scratch())
    data, pieces, at = arr.tobytes(), [], 0
    for k, end in enumerate(ends.tolist()):
        pieces += [data[at:end], matrix[k, : sizes[k]].tobytes()]
        at = end
    assert out.tobytes() == b"".join(pieces) + data[at:]


@pytest.mark.parametrize(
    "data",
    [
        # a quote opening inside an unquoted field: read by parity alone, the delimiter between
        # it and the next quote would be hidden and the record would seem to have 2 fields
        b'a,phone\r\nx"y,z",2075550123\r\n',
        # a quote closing before a byte that is not a delimiter: the csv module reads on
        b'phone,b\r\n"2075550123"9,x\r\n',
        # a CR before an opening quote
        b'a,phone\r\nx,\r"2075550123"\r\n',
    ],
)
def test_a_quote_that_neither_opens_nor_closes_a_field_is_left_to_the_csv_module(
    world: World, monkeypatch: pytest.MonkeyPatch, data: bytes
) -> None:
    body = data.split(b"\n", 1)[1]
    column = data.split(b"\r\n")[0].split(b",").index(b"phone")
    layout = record_bounds.Layout(b",", True, column, 2)
    assert record_bounds.plan(body, layout, True, LIMIT) is None
    assert outcome(lambda: scrubbed(world, data, "csv")) == outcome(
        lambda: by_csv_module(world, data, monkeypatch, file_format="csv")
    )


@SETTINGS
@given(
    size=st.integers(0, 40_000),
    share=st.floats(0, 1),
    seed=st.integers(0, 2**32 - 1),
    offset=st.integers(0, 7),
)
def test_the_quote_parity_is_the_running_xor_of_the_quotes(
    size: int, share: float, seed: int, offset: int
) -> None:
    flags = (np.random.default_rng(seed).random(size) < share).astype(np.uint8)
    out = np.empty(size + offset, dtype=np.uint8)[offset:]  # any alignment
    found = record_bounds.prefix_xor(flags, out, record_bounds.Scratch())
    assert np.array_equal(found, np.bitwise_xor.accumulate(flags))


@SETTINGS
@given(
    size=st.integers(0, 20_000),
    share=st.sampled_from([0.0, 0.002, 0.01, 0.05, 0.3, 1.0]),
    several=st.sampled_from([0, 1, 2, 5, 40]),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_positions_of_a_masks_bits_are_where_it_is_set(
    size: int, share: float, several: int, seed: int
) -> None:
    """Sparse masks (most bytes holding one bit, `several` holding two to eight) and dense ones."""
    rng = np.random.default_rng(seed)
    flags = rng.random(size) < share
    for byte in rng.integers(0, -(-size // 8), several if size else 0).tolist():
        part = flags[byte * 8 : byte * 8 + 8]
        part |= rng.random(len(part)) < 0.6
    padded = np.zeros(-(-size // 64) * 64, dtype=bool)
    padded[:size] = flags
    words = np.packbits(padded, bitorder="little").view("<u8")
    assert np.array_equal(record_bounds._positions(words), np.flatnonzero(flags))


def same_plan(a: record_bounds.Plan | None, b: record_bounds.Plan | None) -> bool:
    if a is None or b is None:
        return a is b
    return (a.cut, a.newlines) == (b.cut, b.newlines) and all(
        np.array_equal(getattr(a, name), getattr(b, name))
        for name in ("ends", "f_start", "f_end", "quoted")
    )


@SETTINGS
@given(file=well_formed(), slice_bytes=st.integers(1, 64), stop=st.integers(1, 400))
def test_a_chunk_tested_in_slices_of_any_size_is_planned_as_in_one(
    monkeypatch: pytest.MonkeyPatch, file: tuple[bytes, str, int, int], slice_bytes: int, stop: int
) -> None:
    data, delimiter, width, column = file
    layout = record_bounds.Layout(delimiter.encode(), True, column, width)
    for block, eof in ((data, True), (data[:stop], stop >= len(data))):
        whole = record_bounds.plan(block, layout, eof, LIMIT, record_bounds.Scratch())
        with monkeypatch.context() as patched:
            patched.setattr(record_bounds, "SLICE", slice_bytes)
            sliced = record_bounds.plan(block, layout, eof, LIMIT, record_bounds.Scratch())
        assert same_plan(sliced, whole)


@SETTINGS
@given(data=bad_files(), chunk=st.integers(8, 300), slice_bytes=st.integers(1, 40))
def test_a_bad_file_tested_in_small_slices_fails_naming_the_csv_modules_line(
    world: World, monkeypatch: pytest.MonkeyPatch, data: bytes, chunk: int, slice_bytes: int
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(record_bounds, "SLICE", slice_bytes)
        fast = outcome(lambda: in_chunks(world, data, chunk, monkeypatch, "csv"))
    assert fast == outcome(lambda: by_csv_module(world, data, monkeypatch, file_format="csv"))


CRM = (
    '\ufeff"id","name","phone","notes"\r\n'
    '"1","Doe, Jane","2075550123","said ""hi""\r\nthen ""bye"""\r\n'
    '"2","","(305) 555-0123",""\r\n'
    '"3","O""Brien","+1 207 555 0199","a,b\nc"\r\n'
    '"4","x","","""quoted"""\r\n'
)


@pytest.mark.parametrize(
    "tail",
    [
        "",  # well formed
        '"5","y","2075550123"\r\n',  # ragged: a field short
        '"5","y","2075550123","z\r\n',  # a quote never closed
        '"5","y"z,"2075550123",""\r\n',  # a quote closing before a letter (read as text)
    ],
)
def test_every_slice_size_over_a_crm_export_scrubs_as_the_csv_module_reads_it(
    world: World, monkeypatch: pytest.MonkeyPatch, tail: str
) -> None:
    """Every slice size from one byte to the whole body: each quote, doubled quote, CRLF and
    delimiter falls on a slice's first and last byte in turn."""
    data = (CRM + tail).encode()
    expected = outcome(lambda: by_csv_module(world, data, monkeypatch, file_format="csv"))
    if tail.count(",") == 2 or tail.endswith("z\r\n"):  # ragged, or a quote never closed
        assert expected[0] == "error" and str(expected[1]).startswith("file: line 8: ")
    for slice_bytes in range(1, len(data) + 1):
        with monkeypatch.context() as patched:
            patched.setattr(record_bounds, "SLICE", slice_bytes)
            assert outcome(lambda: scrubbed(world, data, "csv")) == expected, slice_bytes


@SETTINGS
@given(file=lead_files(), chunk=st.integers(8, 200), slice_bytes=st.integers(1, 48))
def test_lead_files_tested_in_small_slices_scrub_as_the_csv_module_reads_them(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    file: tuple[bytes, str],
    chunk: int,
    slice_bytes: int,
) -> None:
    data, _ = file
    with monkeypatch.context() as patched:
        patched.setattr(record_bounds, "SLICE", slice_bytes)
        fast = outcome(lambda: in_chunks(world, data, chunk, monkeypatch, "csv"))
    assert fast == outcome(lambda: by_csv_module(world, data, monkeypatch, file_format="csv"))


@pytest.mark.parametrize("tail", ["", '"5","y","2075550123"\r\n', '"5","y"z,"2075550123",""\r\n'])
def test_every_byte_of_a_crm_export_falls_on_a_words_edge_in_turn(tail: str) -> None:
    """The masks are 64-bit words: the first field padded by 0 to 130 bytes moves each quote,
    doubled quote, CRLF and delimiter across the words' first and last bits; the chunk is planned
    as the csv module reads it, or (with a ragged row or a stray quote) left to it."""
    layout = record_bounds.Layout(b",", True, 2, 4)
    for pad in range(131):
        body = CRM.split("\r\n", 1)[1].replace('"1"', '"1' + "x" * pad + '"', 1) + tail
        data = body.encode()
        for eof, block in ((True, data), (False, data + b'"6"')):
            plan = record_bounds.plan(block, layout, eof, LIMIT, record_bounds.Scratch())
            if tail:
                assert plan is None, pad
                continue
            assert plan is not None, pad
            rows = list(csv.reader(io.StringIO(body, newline="")))
            assert (plan.cut, plan.newlines) == (len(data), data.count(b"\n"))
            assert len(plan.ends) == len(rows)
            for k, row in enumerate(rows):
                raw = data[int(plan.f_start[k]) : int(plan.f_end[k])]
                assert layout.phone_text(raw, bool(plan.quoted[k])) == row[2], (pad, k)


TEN_DIGITS = st.from_regex(r"[2-9]\d{2}[2-9]\d{6}", fullmatch=True)


@SETTINGS
@given(
    fields=st.lists(st.one_of(TEN_DIGITS, PHONES), min_size=1, max_size=40),
    only_ten=st.booleans(),
    tail=st.integers(0, 30),
)
def test_numbers_read_from_fields_are_what_libphonenumber_reads(
    fields: list[str], only_ten: bool, tail: int
) -> None:
    """Fields of ten digits only (every row read by the first pass) or of anything, the last
    one `tail` bytes from the end of the buffer (so some are read from a padded copy)."""
    if only_ten:
        fields = [f if re.fullmatch(r"\d{10}", f) else "2075550123" for f in fields]
    raw = [f.encode() for f in fields]
    body = b"".join(r + b"," for r in raw) + b"x" * tail
    starts = np.cumsum([0] + [len(r) + 1 for r in raw[:-1]])
    f_start = np.asarray(starts, dtype=np.int64)
    f_end = f_start + np.array([len(r) for r in raw], dtype=np.int64)
    arr = np.frombuffer(body, dtype=np.uint8)
    values, decided, digits = lines.read_numbers(arr, f_start, f_end, record_bounds.Scratch())
    for k, text in enumerate(fields):
        if not decided[k]:
            continue
        expected = exact_number(text)[0] if text else -1
        assert values[k] == expected, text
        if expected >= 0:
            assert digits[k].tobytes() in (b"%010d" % expected, bytes(10))
