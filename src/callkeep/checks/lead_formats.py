"""The lead files the scrub reads: CSV with a header line (comma, tab or pipe), VICIdial's
standard lead file, and Excel workbooks; which one a file is, and a workbook as CSV.

VICIdial's standard lead file (`www/vicidial/admin_listloader_fifth_gen.php`) has no header line,
25 fields in a fixed order, tab- or pipe-separated: the loader counts tabs and pipes in the first
line and splits on tabs when there are more tabs, else on pipes; it drops double quotes rather
than reading them as quoting.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO, Any, BinaryIO

from callkeep.errors import InvalidInput

FORMATS = ("auto", "csv", "vicidial", "xlsx")
BOM = b"\xef\xbb\xbf"
ZIP_MAGIC = b"PK\x03\x04"
VICIDIAL_COLUMNS = (
    "vendor_lead_code",
    "source_id",
    "list_id",
    "phone_code",
    "phone_number",
    "title",
    "first_name",
    "middle_initial",
    "last_name",
    "address1",
    "address2",
    "address3",
    "city",
    "state",
    "province",
    "postal_code",
    "country_code",
    "gender",
    "date_of_birth",
    "alt_phone",
    "email",
    "security_phrase",
    "comments",
    "rank",
    "owner",
)
VICIDIAL_PHONE = VICIDIAL_COLUMNS.index("phone_number")


@dataclass(frozen=True)
class Kind:
    """What a lead file is: its format and, for text files, its field delimiter."""

    file_format: str  # "csv", "vicidial" or "xlsx"
    delimiter: bytes = b","

    @property
    def has_header(self) -> bool:
        return self.file_format != "vicidial"

    @property
    def quoting(self) -> bool:
        return self.file_format != "vicidial"


def vicidial_delimiter(line: bytes) -> bytes:
    """The delimiter VICIdial's loader picks for a file whose first line is `line`."""
    return b"\t" if line.count(b"\t") > line.count(b"|") else b"|"


def first_line(head: bytes) -> bytes:
    """The first line of a file's first bytes, without its BOM and terminator."""
    line = head.removeprefix(BOM).split(b"\n", 1)[0]
    return line.removesuffix(b"\r")


def detect(head: bytes, name: str, wanted: str, names_a_phone: Callable[[list[str]], bool]) -> Kind:
    """The kind of a lead file from its name and first bytes; `wanted` is the format asked for.

    `auto`: a workbook by its name (`.xlsx`) or its zip signature; otherwise, when the first
    line holds more tabs or pipes than commas, VICIdial's delimiter rule picks one and the file
    is CSV with that delimiter if its first line names a phone column, else VICIdial's standard
    lead file; otherwise CSV with commas.
    """
    if wanted not in FORMATS:
        raise InvalidInput.for_field("format", f"no format {wanted!r}; one of {', '.join(FORMATS)}")
    is_zip = head.startswith(ZIP_MAGIC)
    if wanted == "xlsx" or (wanted == "auto" and (is_zip or name.lower().endswith(".xlsx"))):
        if not is_zip:
            raise InvalidInput.for_field("file", "not an Excel workbook (.xlsx)")
        return Kind("xlsx")
    if is_zip:
        raise InvalidInput.for_field(
            "file", "this is a zip file (an Excel workbook?); scrub it with --format xlsx"
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidInput.for_field(
            "file",
            "line 1: the file is UTF-16 (Excel's 'Unicode Text'); save it as 'CSV UTF-8'",
        )
    line = first_line(head)
    commas, tabs, pipes = line.count(b","), line.count(b"\t"), line.count(b"|")
    if wanted == "vicidial":
        return Kind("vicidial", vicidial_delimiter(line))
    if tabs + pipes <= commas:
        return Kind("csv", b",")
    delimiter = vicidial_delimiter(line)
    if wanted == "csv":
        return Kind("csv", delimiter)
    try:
        columns = next(csv.reader([line.decode("utf-8")], delimiter=delimiter.decode()), [])
    except (UnicodeDecodeError, csv.Error):
        columns = []
    return Kind("csv", delimiter) if names_a_phone(columns) else Kind("vicidial", delimiter)


_NUMBER_LIKE = re.compile(r"[+-][\d\s().-]*")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: Any) -> str:
    """A workbook cell as CSV text: numbers as written (a whole number without ``.0``), dates in
    ISO 8601, and text that a spreadsheet would run as a formula behind a quote (``'``), except
    numbers such as ``+1 207 555 0123``, which keep their meaning."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e17:
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER_LIKE.fullmatch(text):
        return "'" + text
    return text


def workbook_as_csv(source: BinaryIO) -> IO[bytes]:
    """The first worksheet of an `.xlsx` workbook as UTF-8 CSV (CRLF, quoted where needed), read
    with openpyxl in read-only mode (cached values, not formulas); trailing empty cells dropped
    and short rows filled out to the header's width."""
    # imported here: only workbooks need it, and it is slow to import
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InvalidInput.for_field("file", f"not a readable Excel workbook ({exc})") from None
    out = tempfile.SpooledTemporaryFile(max_size=64 << 20)  # noqa: SIM115 - returned open
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    try:
        sheet = book.worksheets[0]
        width = 0
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [cell_text(v) for v in row]
            while cells and cells[-1] == "":
                cells.pop()
            if number == 1:
                width = len(cells)
            elif not cells:
                continue  # an empty row of the sheet
            elif len(cells) > width:
                raise InvalidInput.for_field(
                    "file", f"row {number}: {len(cells)} cells, the header row has {width}"
                )
            writer.writerow(cells + [""] * (width - len(cells)))
    finally:
        book.close()
    text.flush()
    text.detach()
    out.seek(0)
    return out
