"""The Asterisk reader parses the whole file with one C reader, yet each line reads as it reads
alone: generated files of quotes, commas, blanks and every line ending (unbalanced quotes too,
which would swallow the lines after them) give the same numbers, texts and fields as each line
parsed on its own."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from callkeep.dialer.asterisk import _lines


def _alone(text: str) -> list[tuple[int, str, list[str]]]:
    lines = io.StringIO(text, newline="")
    return [(n, t, next(csv.reader((t,)))) for n, t in enumerate(lines, start=1) if t.strip()]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='"a, \r\n\t', max_size=80))
def test_each_line_reads_as_it_reads_alone(text: str) -> None:
    assert list(_lines(io.StringIO(text, newline=""))) == _alone(text)


def test_an_open_quote_swallows_no_line() -> None:
    text = '"a","b\n"c","d"\r\n\n  \n"e,f\r"g"'
    assert list(_lines(io.StringIO(text, newline=""))) == _alone(text)
    assert [n for n, _t, _r in _alone(text)] == [1, 2, 5, 6]
