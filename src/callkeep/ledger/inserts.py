"""Many rows into one table in one statement, at the speed of the driver.

SQLAlchemy prepares each row of an ``executemany`` in Python (parameter dictionaries, each value
through its column type's processor): for 10,000 calls and their ledger entries that costs more
than SQLite's own work. On SQLite the INSERT is compiled once per table, each value that needs
processing goes through its column type's own bind processor (exactly what SQLAlchemy would bind),
and the rows go to the driver's ``executemany`` on the session's connection, inside the session's
transaction. Other engines take SQLAlchemy's Core path, which batches rows into multi-row INSERTs.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class _Form:
    sql: str
    keys: tuple[str, ...]  # column keys in parameter order
    processed: tuple[tuple[int, Processor], ...]  # (position, bind processor) where one exists


_FORMS: dict[tuple[str, str], _Form] = {}


def _form(table: Table, dialect: Dialect) -> _Form:
    found = _FORMS.get((table.name, dialect.name))
    if found is not None:
        return found
    compiled = table.insert().compile(dialect=dialect, column_keys=[c.key for c in table.columns])
    assert isinstance(compiled, SQLCompiler) and compiled.positiontup is not None
    keys = tuple(compiled.positiontup)
    processed = []
    for position, name in enumerate(keys):
        processor = compiled.binds[name].type._cached_bind_processor(dialect)
        if processor is not None:
            processed.append((position, processor))
    found = _Form(sql=compiled.string, keys=keys, processed=tuple(processed))
    _FORMS[(table.name, dialect.name)] = found
    return found


def bulk_insert(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Inserts `rows` (each holding every column, by column key) into `table` in the session's
    transaction; values are bound exactly as SQLAlchemy binds them. Errors are SQLAlchemy's own
    (a duplicate key is an ``IntegrityError``)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite" or dialect.paramstyle != "qmark":
        session.execute(table.insert(), list(rows))
        return
    form = _form(table, dialect)
    values = _bound_values(form, rows)
    dbapi_connection = connection.connection.driver_connection
    assert dbapi_connection is not None
    cursor = dbapi_connection.cursor()
    try:
        cursor.executemany(form.sql, values)
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(
            form.sql, None, exc, dialect.loaded_dbapi.Error, dialect=dialect, ismulti=True
        ) from exc
    finally:
        cursor.close()


def _bound_values(form: _Form, rows: Sequence[Mapping[str, Any]]) -> list[Sequence[Any]]:
    """Each row's parameters in order, each value through its column's bind processor.

    A processor maps None to None; an instant identical to the previous one in its column (the
    same `recorded_at` across a batch) reuses its bound form. (Only instants: an encrypted
    text bound twice must get two nonces.)
    """
    pick: Callable[[Mapping[str, Any]], Any]
    if len(form.keys) == 1:
        only = form.keys[0]

        def pick(row: Mapping[str, Any]) -> Any:
            return (row[only],)

    else:
        pick = operator.itemgetter(*form.keys)
    if not form.processed:
        return [pick(row) for row in rows]
    last: dict[int, tuple[Any, Any]] = {}
    out: list[Sequence[Any]] = []
    for row in rows:
        values = list(pick(row))
        for position, processor in form.processed:
            value = values[position]
            if value is None:
                continue
            if type(value) is not datetime:
                values[position] = processor(value)
                continue
            seen = last.get(position)
            if seen is not None and seen[0] is value:
                values[position] = seen[1]
                continue
            bound = processor(value)
            last[position] = (value, bound)
            values[position] = bound
        out.append(values)
    return out
