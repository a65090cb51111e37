"""The one rule for a dialable NANP number, used by list imports, checks, scrubs, call records and
requests alike.

A NANP number is dialable when it has the shape NXX-NXX-XXXX (N is 2-9), neither its area code nor
its exchange is an N11 service code, and its area code is in service (libphonenumber knows a valid
number in it: the area codes of phone/data/area_codes.csv). The last four digits never matter, so
the rule is one table over the million NPA-NXX prefixes. A number a list file holds and this rule
refuses is reported by the import and answered `invalid_number` by the decision: never `allowed`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy loads only when a table is built, not to read one number
    import numpy as np
    import numpy.typing as npt

_SUBSCRIBERS = 10_000
_PREFIXES = 1_000_000

# Why a 10-digit number is refused (0: dialable).
DIALABLE = 0
NO_AREA_CODE = 1
NO_EXCHANGE = 2
REFUSALS = {
    NO_AREA_CODE: "area code does not exist",
    NO_EXCHANGE: "exchange (digits 4-6) cannot exist",
}


def _n11(code: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    found: npt.NDArray[np.bool_] = (code % 100) == 11
    return found


@lru_cache(maxsize=1)
def area_codes_in_service() -> npt.NDArray[np.bool_]:
    """Indexed by 0-999: whether the area code is in service (and so not N11, not 0XX or 1XX)."""
    import numpy as np

    from callkeep.phone.geo import area_codes

    table = np.zeros(1000, dtype=bool)
    codes = np.array(sorted(area_codes()), dtype=np.int64)
    codes = codes[(codes >= 200) & ~_n11(codes)]
    table[codes] = True
    return table


@lru_cache(maxsize=1)
def prefix_refusals() -> npt.NDArray[np.int8]:
    """Indexed by NPA-NXX (``npa * 1000 + nxx``): why its numbers are refused, 0 if dialable."""
    import numpy as np

    # one row of 1,000 exchanges per area code: the exchange's verdict unless the area code's
    codes = np.arange(1000, dtype=np.int64)
    exchange = np.where((codes < 200) | _n11(codes), NO_EXCHANGE, DIALABLE).astype(np.int8)
    in_service = area_codes_in_service()[:, None]
    found: npt.NDArray[np.int8] = np.where(in_service, exchange[None, :], np.int8(NO_AREA_CODE))
    return found.astype(np.int8, copy=False).reshape(_PREFIXES)


@lru_cache(maxsize=1)
def dialable_prefixes() -> npt.NDArray[np.bool_]:
    """Indexed by NPA-NXX: whether every number of the prefix is dialable (the rule's table)."""
    found: npt.NDArray[np.bool_] = prefix_refusals() == DIALABLE
    return found


def refusals(numbers: npt.NDArray[np.int64]) -> npt.NDArray[np.int8]:
    """Per 10-digit number (area code first): 0 dialable, else the reason it is refused."""
    import numpy as np

    numbers = np.asarray(numbers, dtype=np.int64)
    in_range = (numbers >= 0) & (numbers < _PREFIXES * _SUBSCRIBERS)
    found = prefix_refusals()[np.where(in_range, numbers // _SUBSCRIBERS, 0)].copy()
    found[~in_range] = NO_AREA_CODE
    return found


def is_dialable(ten_digits: int) -> bool:
    """Whether the 10-digit NANP number (area code first) is dialable under the rule."""
    return 0 <= ten_digits < _PREFIXES * _SUBSCRIBERS and bool(
        dialable_prefixes()[ten_digits // _SUBSCRIBERS]
    )


@lru_cache(maxsize=1)
def _area_codes_in_service() -> frozenset[int]:
    from callkeep.phone.geo import area_codes

    return frozenset(c for c in area_codes() if c >= 200 and c % 100 != 11)


def prefix_dialable(prefix: int) -> bool:
    """Whether the NPA-NXX prefix (``npa * 1000 + nxx``) is dialable: the rule's table for one
    prefix, worked out without building the table (a single check reads one number)."""
    npa, nxx = divmod(prefix, 1000)
    return (
        0 <= prefix < _PREFIXES
        and nxx >= 200
        and nxx % 100 != 11
        and (npa in _area_codes_in_service())
    )
