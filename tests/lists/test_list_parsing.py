"""Reading list files: every spelling of a number, every unreadable line counted where it is."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callkeep.errors import InvalidInput
from callkeep.lists import cli as lists_cli
from callkeep.lists import parse
from callkeep.lists.sources import member_name_problem

VALID_AREA_CODES = [int(c) for c in np.flatnonzero(parse.area_code_table())]


def read_all(
    data: bytes, *, change: bool = False, chunk: int = 1 << 20
) -> tuple[list[int], list[bool], parse.ParseTally]:
    tally = parse.ParseTally()
    numbers: list[int] = []
    deletes: list[bool] = []
    for batch in parse.read_numbers(
        io.BytesIO(data), source="f", change=change, tally=tally, chunk_bytes=chunk
    ):
        numbers.extend(batch.numbers.tolist())
        deletes.extend(batch.deletes.tolist())
    return numbers, deletes, tally


numbers_strategy = st.builds(
    lambda npa, exchange, line: npa * 10_000_000 + exchange * 10_000 + line,
    st.sampled_from(VALID_AREA_CODES),
    st.integers(200, 999).filter(lambda e: e % 100 != 11),
    st.integers(0, 9999),
)


def spell(number: int, style: int) -> str:
    text = f"{number:010d}"
    a, b, c = text[:3], text[3:6], text[6:]
    return [
        text,
        f"{a},{b}{c}",
        f"{a}-{b}-{c}",
        f"+1 {a} {b} {c}",
        f"({a}) {b}-{c}",
        f"1{text}",
        f"  {a}.{b}.{c}  ",
        f'"{a}","{b}{c}"',
    ][style]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(numbers_strategy, st.integers(0, 7)), min_size=1, max_size=40),
    st.booleans(),
    st.booleans(),
    st.integers(8, 200),
)
def test_any_mix_of_valid_spellings_reads_as_the_same_numbers(
    items: list[tuple[int, int]], crlf: bool, bom: bool, chunk: int
) -> None:
    ending = "\r\n" if crlf else "\n"
    text = ending.join(spell(n, s) for n, s in items) + ending
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode()
    numbers, deletes, tally = read_all(data, chunk=chunk)
    assert numbers == [n for n, _ in items]
    assert not any(deletes)
    assert tally.unreadable == 0
    assert tally.numbers == len(items)


garbage_strategy = st.sampled_from(
    [
        "12345",
        "207555013",
        "20755501345",
        "9115550134",
        "0125550134",
        "2071115555",
        "hello world",
        "207,555,01x4",
        "---",
        "+44 20 7946 0958",
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(numbers_strategy, garbage_strategy), min_size=1, max_size=40),
    st.integers(8, 300),
)
def test_garbage_lines_are_counted_with_their_line_numbers(
    lines: list[int | str], chunk: int
) -> None:
    # a header is only tolerated on line 1, so start with a number
    lines = [2075550134, *lines]
    text = "\n".join(f"{x:010d}" if isinstance(x, int) else x for x in lines) + "\n"
    numbers, _, tally = read_all(text.encode(), chunk=chunk)
    expected_bad = [i + 1 for i, x in enumerate(lines) if isinstance(x, str)]
    assert numbers == [x for x in lines if isinstance(x, int)]
    assert tally.unreadable == len(expected_bad)
    assert [u.line for u in tally.first_unreadable] == expected_bad[: parse.SHOWN_UNREADABLE]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            numbers_strategy, st.sampled_from(["A", "a", "add", "D", "d", "delete", "DELETE"])
        ),
        min_size=1,
        max_size=30,
    )
)
def test_change_list_flags_read_in_any_case(items: list[tuple[int, str]]) -> None:
    text = "".join(f"{n // 10_000_000},{n % 10_000_000:07d},{flag}\n" for n, flag in items)
    numbers, deletes, tally = read_all(text.encode(), change=True)
    assert numbers == [n for n, _ in items]
    assert deletes == [flag.upper().startswith("D") for _, flag in items]
    assert tally.unreadable == 0


def test_a_header_line_is_skipped_and_not_counted_as_unreadable() -> None:
    numbers, _, tally = read_all(b"AreaCode,PhoneNumber\r\n207,5550134\r\n")
    assert numbers == [2075550134]
    assert tally.headers == 1
    assert tally.unreadable == 0


def test_a_deletion_in_a_full_list_is_unreadable() -> None:
    numbers, _, tally = read_all(b"207,5550134,D\n207,5550135\n")
    assert numbers == [2075550135]
    assert tally.first_unreadable[0].line == 1
    assert "--change" in tally.first_unreadable[0].reason


def test_area_codes_that_do_not_exist_are_named_as_such() -> None:
    _, _, tally = read_all(b"2075550134\n9115550134\n1005550134\n")
    assert [u.reason for u in tally.first_unreadable] == ["area code does not exist"] * 2


def test_blank_lines_are_neither_numbers_nor_unreadable() -> None:
    numbers, _, tally = read_all(b"\n\n2075550134\n   \n\r\n")
    assert numbers == [2075550134]
    assert tally.unreadable == 0


def test_only_twenty_unreadable_lines_are_kept_but_all_are_counted() -> None:
    _, _, tally = read_all(b"x1\n" * 50)
    assert tally.unreadable == 50
    assert len(tally.first_unreadable) == parse.SHOWN_UNREADABLE


def test_zip_member_names_that_climb_out_or_are_absolute_are_refused() -> None:
    assert member_name_problem("../x.txt")
    assert member_name_problem("a/../../x.txt")
    assert member_name_problem("/etc/passwd")
    assert member_name_problem("C:\\x.txt")
    assert member_name_problem("lists/207.txt") is None


def test_a_fixed_layout_change_list_with_a_bad_number_keeps_the_rest_in_order() -> None:
    data = b"207,5550134,A\n207,1115550,D\n603,5550199,d\n207,5550135,a\n"
    numbers, deletes, tally = read_all(data, change=True)
    assert numbers == [2075550134, 6035550199, 2075550135]
    assert deletes == [False, True, False]
    assert [(u.line, u.reason) for u in tally.first_unreadable] == [
        (2, "exchange (digits 4-6) cannot exist")
    ]


@given(
    st.lists(st.sampled_from([201, 207, 603, 802, 999]), min_size=1, max_size=6),
    st.sampled_from([",", ", ", " "]),
)
def test_area_codes_option_reads_any_separator(codes: list[int], separator: str) -> None:
    assert lists_cli.parse_area_codes(separator.join(map(str, codes))) == codes


@given(st.text(max_size=12))
def test_area_codes_option_refuses_what_is_not_three_digits(text: str) -> None:
    parts = [p for p in text.replace(" ", ",").split(",") if p]
    if all(p.isdigit() and len(p) == 3 for p in parts):
        return
    with pytest.raises(InvalidInput):
        lists_cli.parse_area_codes(text)
