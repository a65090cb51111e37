"""The private SQLAlchemy APIs callkeep's hot paths use, and only here.

`kit.sql.Prepared` and `ledger.inserts.bulk_insert` run statements on the driver's cursor and bind
values through the column types' own processors. SQLAlchemy's public routes to those processors
(``TypeEngine.bind_processor``, ``result_processor``, ``SQLCompiler.construct_params``) build or
check afresh on every call; the private ones below return the per-dialect cached processor and
skip the check that every bind parameter has a value. They were proven on the SQLAlchemy
versions in `PROVEN_ON`: `tests/kit/test_sqlalchemy_private.py` fails when the installed version
is outside that range, and compares each private call with its public path, so an upgrade that
changes them is caught before it ships. Outside the range (`PRIVATE_APIS_USABLE` false) every
function here takes the public path, which is slower and binds the same values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

import sqlalchemy
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeEngine

Processor = Callable[[Any], Any]

# The versions (inclusive lowest, exclusive highest) whose private APIs below were proven.
PROVEN_ON: tuple[tuple[int, int, int], tuple[int, int, int]] = ((2, 0, 30), (2, 2, 0))


def _version(text: str) -> tuple[int, int, int]:
    """(major, minor, patch) of a version string; a pre-release suffix ("0b1") is dropped."""
    parts = [int(re.match(r"\d*", piece).group() or 0) for piece in text.split(".")[:3]]  # type: ignore[union-attr]
    while len(parts) < 3:
        parts.append(0)
    return parts[0], parts[1], parts[2]


INSTALLED = _version(sqlalchemy.__version__)


def proven(version: tuple[int, int, int]) -> bool:
    """Whether `version` is in the range the private calls here were proven on."""
    low, high = PROVEN_ON
    return low <= version < high


PRIVATE_APIS_USABLE = (
    proven(INSTALLED)
    and hasattr(TypeEngine, "_cached_bind_processor")
    and hasattr(TypeEngine, "_cached_result_processor")
)


def bind_processor(kind: TypeEngine[Any], dialect: Dialect) -> Processor | None:
    """The column type's bind processor for `dialect` (None when values pass unchanged)."""
    if PRIVATE_APIS_USABLE:
        return kind._cached_bind_processor(dialect)
    return kind.dialect_impl(dialect).bind_processor(dialect)


def result_processor(kind: TypeEngine[Any], dialect: Dialect) -> Processor | None:
    """The column type's result processor for `dialect` (None when values pass unchanged)."""
    if PRIVATE_APIS_USABLE:
        return kind._cached_result_processor(dialect, None)
    return kind.dialect_impl(dialect).result_processor(dialect, None)


def parameters(compiled: SQLCompiler, params: Mapping[str, Any]) -> MutableMapping[str, Any]:
    """The compiled statement's parameters with `params` filled in, not yet processed, without
    the check that each has a value (a `Prepared` statement's callers pass them all)."""
    if PRIVATE_APIS_USABLE:
        return compiled.construct_params(params, _check=False)
    return compiled.construct_params(params)
