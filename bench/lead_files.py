"""The synthetic files of `bench/scrub.py`: a national registry, and lead files of its kind of
numbers (plain, a CRM export with every field quoted, tab- and pipe-separated, a workbook)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from callkeep.phone.geo import prefix_validity

POWERS = 10 ** np.arange(9, -1, -1, dtype=np.int64)


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """The decimal digits of `values` as ASCII, `width` columns."""
    text = np.empty((values.size, width), dtype=np.uint8)
    rest = values.copy()
    for column in range(width - 1, -1, -1):
        text[:, column] = rest % 10 + 48
        rest //= 10
    return text


def dialable_codes() -> np.ndarray:
    """Area codes whose every exchange 200-999 but the N11 ones is dialable (so random numbers
    are valid but for those)."""
    table = prefix_validity().reshape(1000, 1000)
    exchanges = np.array([x for x in range(200, 1000) if x % 100 != 11])
    return np.flatnonzero((table[:, exchanges] == 1).all(axis=1))


def write_national(path: Path, count: int, codes: np.ndarray, rng: np.random.Generator) -> int:
    """Writes at least `count` distinct numbers spread over `codes`; returns how many."""
    per_code = -(-count // codes.size)
    written = 0
    with path.open("wb") as out:
        for code in codes.tolist():
            picks = np.zeros(0, dtype=np.int64)
            while picks.size < per_code:
                more = rng.integers(2_000_000, 10_000_000, size=per_code - picks.size)
                more = more[(more // 10_000) % 100 != 11]  # no N11 exchanges (lists refuses them)
                picks = np.unique(np.concatenate((picks, more)))
            lines = np.empty((picks.size, 11), dtype=np.uint8)
            lines[:, :10] = digits(picks + code * 10_000_000, 10)
            lines[:, 10] = 10
            out.write(lines.tobytes())
            written += picks.size
    return written


def write_leads(path: Path, rows: int, codes: np.ndarray, rng: np.random.Generator) -> None:
    """id,name,phone rows: 10-digit numbers, a few formatted ones and a few invalid ones."""
    with path.open("wb") as out:
        out.write(b"id,name,phone\r\n")
        step = 1_000_000
        for start in range(0, rows, step):
            n = min(step, rows - start)
            numbers = rng.choice(codes, size=n) * 10_000_000 + rng.integers(
                2_000_000, 10_000_000, size=n
            )
            line = np.empty((n, 8 + 1 + 4 + 1 + 10 + 2), dtype=np.uint8)
            line[:, 0:8] = digits(np.arange(start, start + n, dtype=np.int64), 8)
            line[:, 8] = ord(",")
            line[:, 9:13] = np.frombuffer(b"Lead", dtype=np.uint8)
            line[:, 13] = ord(",")
            line[:, 14:24] = digits(numbers, 10)
            line[:, 24:26] = np.frombuffer(b"\r\n", dtype=np.uint8)
            invalid = rng.random(n) < 0.01
            line[invalid, 14] = ord("1")  # area code starting with 1: not dialable
            out.write(line.tobytes())
            out.write(b"99999999,Lead,(207) 555-0123\r\n")


NOTES = (
    b'""',
    b'""',
    b'""',
    b'"Called twice, no answer"',
    b'"Spoke to Jane, call back after 5"',
    b'"She said ""not before noon"""',
    b'"Line one\r\nline two, with a comma"',
    b'"Address: 12 Main St.\nApt 4"',
)


def write_crm_export(path: Path, rows: int, codes: np.ndarray, rng: np.random.Generator) -> None:
    """A CRM export of leads: BOM, CRLF, every field quoted, a tenth of the phones formatted as
    typed, notes with commas, doubled quotes and line breaks inside the quotes."""
    with path.open("wb") as out:
        out.write(b'\xef\xbb\xbf"Lead ID","Full Name","Company","Phone","Notes"\r\n')
        step = 200_000
        for start in range(0, rows, step):
            n = min(step, rows - start)
            numbers = (
                rng.choice(codes, size=n) * 10_000_000 + rng.integers(2_000_000, 10_000_000, size=n)
            ).tolist()
            formatted = (rng.random(n) < 0.1).tolist()
            invalid = (rng.random(n) < 0.01).tolist()
            notes = rng.integers(0, len(NOTES), size=n).tolist()
            lines = []
            for i in range(n):
                text = str(numbers[i])
                if invalid[i]:
                    text = "1" + text[1:]
                if formatted[i]:
                    text = f"({text[:3]}) {text[3:6]}-{text[6:]}"
                lines.append(
                    b'"%08d","Lead %d","Acme, Inc.","%s",%s\r\n'
                    % (start + i, start + i, text.encode(), NOTES[notes[i]])
                )
            out.write(b"".join(lines))


def delimited(delimiter: bytes) -> Callable[[Path, int, np.ndarray, np.random.Generator], None]:
    """The plain lead file's writer, with `delimiter` between fields (tab- and pipe-separated
    files with a header, as VICIdial's loader and many CRMs take them)."""

    def write(path: Path, rows: int, codes: np.ndarray, rng: np.random.Generator) -> None:
        write_leads(path, rows, codes, rng)
        path.write_bytes(path.read_bytes().replace(b",", delimiter))

    return write


def write_workbook(path: Path, rows: int, codes: np.ndarray, rng: np.random.Generator) -> None:
    """An Excel workbook of leads (openpyxl, write-only): phones stored as numbers, a tenth as
    text formatted as typed."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["Lead ID", "Full Name", "Company", "Phone", "Notes"])
    numbers = (
        rng.choice(codes, size=rows) * 10_000_000 + rng.integers(2_000_000, 10_000_000, size=rows)
    ).tolist()
    for i, number in enumerate(numbers):
        text = str(number)
        phone: int | str = f"({text[:3]}) {text[3:6]}-{text[6:]}" if i % 10 == 0 else number
        sheet.append([i, f"Lead {i}", "Acme, Inc.", phone, "call back after 5, not before"])
    book.save(path)
