"""The private SQLAlchemy calls of `kit.sqlalchemy_private` give what the public paths give, on
the SQLAlchemy installed: an upgrade that changes or removes them fails here first."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import Boolean, Column, Date, Integer, MetaData, String, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeEngine

from callkeep.kit import sqlalchemy_private as private
from callkeep.kit.db import UTCDateTime

DIALECTS: list[Dialect] = [sqlite.dialect(), postgresql.psycopg.dialect()]  # type: ignore[no-untyped-call]
SAMPLES: list[tuple[TypeEngine[Any], list[Any]]] = [
    (UTCDateTime(), [datetime(2026, 3, 1, 14, 30, 5, tzinfo=UTC), None]),
    (Date(), [date(2026, 3, 1), None]),
    (Boolean(), [True, False, None]),
    (Integer(), [0, 7, None]),
    (String(20), ["+12025550123", None]),
]
RESULTS: list[tuple[TypeEngine[Any], list[Any]]] = [
    (UTCDateTime(), ["2026-03-01 14:30:05.000000", None]),
    (Date(), ["2026-03-01", None]),
    (Boolean(), [1, 0, None]),
    (Integer(), [7, None]),
    (String(20), ["+12025550123", None]),
]


def test_the_installed_sqlalchemy_is_one_the_private_calls_were_proven_on() -> None:
    assert private.proven(private.INSTALLED), (
        f"SQLAlchemy {sqlalchemy.__version__} is outside {private.PROVEN_ON}: prove the calls "
        "in kit/sqlalchemy_private.py on it (this file) and widen the range"
    )
    assert private.PRIVATE_APIS_USABLE


def test_versions_outside_the_proven_range_take_the_public_path() -> None:
    low, high = private.PROVEN_ON
    assert private.proven(low)
    assert not private.proven(high)
    assert not private.proven((1, 4, 54))
    assert private._version("2.1.9") == (2, 1, 9)
    assert private._version("2.2.0b1") == (2, 2, 0)


def _applied(processor: Any, value: Any) -> Any:
    return value if processor is None else processor(value)


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
@pytest.mark.parametrize("kind,values", SAMPLES, ids=lambda k: type(k).__name__)
def test_the_cached_bind_processor_binds_what_the_public_one_binds(
    dialect: Dialect, kind: TypeEngine[Any], values: list[Any]
) -> None:
    cached = kind._cached_bind_processor(dialect)
    public = kind.dialect_impl(dialect).bind_processor(dialect)
    assert private.bind_processor(kind, dialect) is cached
    for value in values:
        assert _applied(cached, value) == _applied(public, value)


@pytest.mark.parametrize("kind,values", RESULTS, ids=lambda k: type(k).__name__)
def test_the_cached_result_processor_reads_what_the_public_one_reads(
    kind: TypeEngine[Any], values: list[Any]
) -> None:
    dialect = sqlite.dialect()
    cached = kind._cached_result_processor(dialect, None)
    public = kind.dialect_impl(dialect).result_processor(dialect, None)
    assert private.result_processor(kind, dialect) is cached
    for value in values:
        assert _applied(cached, value) == _applied(public, value)


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_unchecked_parameters_are_the_checked_ones(dialect: Dialect) -> None:
    table = Table("t", MetaData(), Column("id", Integer), Column("phone", String(20)))
    statement = select(table.c.id).where(table.c.phone == sqlalchemy.bindparam("phone"))
    statement = statement.where(table.c.id > sqlalchemy.bindparam("least"))
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    params = {"phone": "+12025550123", "least": 3}
    unchecked = compiled.construct_params(params, _check=False)
    assert unchecked == compiled.construct_params(params)
    assert private.parameters(compiled, params) == unchecked
