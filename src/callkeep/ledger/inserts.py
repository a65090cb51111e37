"""Many rows into one table in one statement, at the speed of the driver.

SQLAlchemy prepares each row of an ``executemany`` in Python (parameter dictionaries, each value
through its column type's processor): for 10,000 calls and their ledger entries that costs more
than SQLite's own work. On SQLite the INSERT is compiled once per table, each value that needs
processing goes through its column type's own bind processor (exactly what SQLAlchemy would bind),
and the rows go to the driver's ``executemany`` on the session's connection, inside the session's
transaction. On PostgreSQL (psycopg) thousands of rows go by ``COPY``, and a few rows (a group of
pre-call decisions and their ledger entries, say) by INSERTs sent together in one pipeline: one
round trip for every table instead of two a table. Other engines take SQLAlchemy's Core path,
which batches rows into multi-row INSERTs.
"""

from __future__ import annotations

import gc
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from callkeep.kit.db import UTCDateTime
from callkeep.kit.sql import driver_of
from callkeep.kit.sqlalchemy_private import bind_processor

Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class _Form:
    sql: str
    keys: tuple[str, ...]  # column keys in parameter order
    processed: tuple[tuple[int, Processor], ...]  # (position, bind processor) where one exists


_FORMS: dict[tuple[str, str, frozenset[str]], _Form] = {}


def _form(table: Table, dialect: Dialect, omitted: frozenset[str]) -> _Form:
    """The INSERT of every column of `table` but `omitted`, as SQLAlchemy compiles it."""
    found = _FORMS.get((table.name, dialect.name, omitted))
    if found is not None:
        return found
    named = [c.key for c in table.columns if c.key not in omitted]
    compiled = table.insert().compile(dialect=dialect, column_keys=named)
    assert isinstance(compiled, SQLCompiler) and compiled.positiontup is not None
    keys = tuple(compiled.positiontup)
    processed = []
    for position, name in enumerate(keys):
        kind = compiled.binds[name].type
        processor = bind_processor(kind, dialect)
        if processor is None:
            continue
        if isinstance(kind, UTCDateTime) and dialect.name == "sqlite":
            processed.append((position, _utc_instant_on_sqlite(processor)))
        else:
            processed.append((position, processor))
    found = _Form(sql=compiled.string, keys=keys, processed=tuple(processed))
    _FORMS[(table.name, dialect.name, omitted)] = found
    return found


_LEAVABLE: dict[str, tuple[str, ...]] = {}


def _null_everywhere(table: Table, rows: Sequence[Mapping[str, Any]]) -> frozenset[str]:
    """The columns null in every row that SQLite fills with null when left out (no server
    default, not the key): binding fewer values makes each row cheaper to insert."""
    leavable = _LEAVABLE.get(table.name)
    if leavable is None:
        leavable = _LEAVABLE[table.name] = tuple(
            c.key for c in table.columns if c.server_default is None and not c.primary_key
        )
    first = rows[0]
    candidates = [key for key in leavable if first.get(key) is None]
    if len(rows) == 1 or not candidates:
        return frozenset(candidates)
    # one C call a row while every candidate stays null; a row where one is not narrows them
    nulls = (None,) * len(candidates)
    pick = operator.itemgetter(*candidates)
    for row in rows:
        try:
            values = pick(row)
        except KeyError:  # a row without the key: null there too
            values = tuple(row.get(key) for key in candidates)
        if len(candidates) == 1:
            values = (values,)
        if values != nulls:
            candidates = [
                key for key, value in zip(candidates, values, strict=True) if value is None
            ]
            if not candidates:
                return frozenset()
            nulls = (None,) * len(candidates)
            pick = operator.itemgetter(*candidates)
    return frozenset(candidates)


_PIPELINED_MOST = 64  # on PostgreSQL, up to this many rows in all go as pipelined INSERTs


def insert_together(
    session: Session, parts: Sequence[tuple[Table, Sequence[Mapping[str, Any]]]]
) -> None:
    """Each (table, rows) as `bulk_insert` inserts it, in order; on PostgreSQL a few rows in all
    are sent in one round trip, and many by one ``COPY`` a table."""
    parts = [(table, rows) for table, rows in parts if rows]
    if not parts:
        return
    dialect, dbapi_connection = driver_of(session)
    if _psycopg(dialect):
        if sum(len(rows) for _table, rows in parts) <= _PIPELINED_MOST:
            _pipelined(dialect, dbapi_connection, parts)
        else:
            for table, rows in parts:
                _copy(dialect, dbapi_connection, table, rows)
        return
    for table, rows in parts:
        if dialect.name == "sqlite" and dialect.paramstyle == "qmark":
            _executemany(dialect, dbapi_connection, table, rows)
        else:
            session.execute(table.insert(), list(rows))


def bulk_insert(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Inserts `rows` (each holding every column, by column key) into `table` in the session's
    transaction; values are bound exactly as SQLAlchemy binds them. Errors are SQLAlchemy's own
    (a duplicate key is an ``IntegrityError``)."""
    insert_together(session, [(table, rows)])


def _executemany(
    dialect: Dialect, connection: Any, table: Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """`rows` into `table` on SQLite by the driver's ``executemany``, the columns null in every
    row left out."""
    form = _form(table, dialect, _null_everywhere(table, rows))
    values = _bound_values(form, rows)
    cursor = connection.cursor()
    try:
        cursor.executemany(form.sql, values)
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(
            form.sql, None, exc, dialect.loaded_dbapi.Error, dialect=dialect, ismulti=True
        ) from exc
    finally:
        cursor.close()


def _psycopg(dialect: Dialect) -> bool:
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


def _pipelined(
    dialect: Dialect, connection: Any, parts: Sequence[tuple[Table, Sequence[Mapping[str, Any]]]]
) -> None:
    """Each (table, rows) by one INSERT a row, all sent in one psycopg pipeline and answered at
    its end: one round trip, each value bound as `_copy` binds it."""
    statement = ""
    try:
        with connection.pipeline(), connection.cursor() as cursor:
            for table, rows in parts:
                form = _insert_form(table, dialect)
                statement = form.sql
                cursor.executemany(form.sql, _bound_values(form, rows))
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(
            statement, None, exc, dialect.loaded_dbapi.Error, dialect=dialect, ismulti=True
        ) from exc


def _insert_form(table: Table, dialect: Dialect) -> _Form:
    """An INSERT of every column of `table` with positional parameters, bound as `_copy_form`
    binds them."""
    found = _FORMS.get((table.name, "insert", frozenset()))
    if found is not None:
        return found
    copy = _copy_form(table, dialect)
    preparer = dialect.identifier_preparer
    names = ", ".join(preparer.quote(c.name) for c in table.columns)
    marks = ", ".join(["%s"] * len(copy.keys))
    # names from the table's own metadata, quoted by the dialect; every value is a parameter
    sql = f"INSERT INTO {preparer.format_table(table)} ({names}) VALUES ({marks})"  # noqa: S608
    found = _Form(
        sql=sql,
        keys=copy.keys,
        processed=copy.processed,
    )
    _FORMS[(table.name, "insert", frozenset())] = found
    return found


def _copy(
    dialect: Dialect, connection: Any, table: Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """`rows` into `table` on PostgreSQL by one ``COPY … FROM STDIN`` (psycopg), each value
    through its column's bind processor as SQLAlchemy binds it: for thousands of rows far less
    work in Python than SQLAlchemy's multi-row INSERTs, and one statement for the server."""
    form = _copy_form(table, dialect)
    values = _bound_values(form, rows)
    try:
        with connection.cursor() as cursor, cursor.copy(form.sql) as copy:
            for row in values:
                copy.write_row(row)
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(
            form.sql, None, exc, dialect.loaded_dbapi.Error, dialect=dialect, ismulti=True
        ) from exc


def _copy_form(table: Table, dialect: Dialect) -> _Form:
    """The COPY of every column of `table`, with the bind processors of their types."""
    found = _FORMS.get((table.name, "copy", frozenset()))
    if found is not None:
        return found
    preparer = dialect.identifier_preparer
    columns = list(table.columns)
    names = ", ".join(preparer.quote(c.name) for c in columns)
    processed = []
    for position, column in enumerate(columns):
        processor = bind_processor(column.type, dialect)
        if processor is not None:
            processed.append((position, processor))
    found = _Form(
        sql=f"COPY {preparer.format_table(table)} ({names}) FROM STDIN",
        keys=tuple(c.key for c in columns),
        processed=tuple(processed),
    )
    _FORMS[(table.name, "copy", frozenset())] = found
    return found


def _bound_values(form: _Form, rows: Sequence[Mapping[str, Any]]) -> Sequence[Sequence[Any]]:
    """Each row's parameters in order, each value through its column's bind processor.

    A processor maps None to None. Booleans are bound once per value, and an instant identical
    to the previous one in its column (the same `recorded_at` across a batch) reuses its bound
    form: their processors are pure. (Nothing else is reused: an encrypted text bound twice
    gets two nonces.)
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
    out: list[list[Any]] = [list(pick(row)) for row in rows]
    for position, processor in form.processed:
        booleans: dict[bool, Any] = {}
        last_instant: Any = None
        last_bound: Any = None
        for values in out:
            value = values[position]
            if value is None:
                continue
            kind = type(value)
            if kind is bool:
                if value not in booleans:
                    booleans[value] = processor(value)
                values[position] = booleans[value]
            elif kind is datetime:
                if value is not last_instant:
                    last_instant, last_bound = value, processor(value)
                values[position] = last_bound
            else:
                values[position] = processor(value)
    return out


def _utc_instant_on_sqlite(processor: Processor) -> Processor:
    """`processor` of a `UTCDateTime` on SQLite, with a short road for instants already in UTC.

    SQLAlchemy writes an instant as ``YYYY-MM-DD HH:MM:SS.ffffff`` after `UTCDateTime` has put it
    in UTC to the second; for an instant in UTC that is its ISO text to the second with zero
    microseconds, written by one C call instead of two Python steps. (Tests compare the two.)
    """

    def process(value: Any) -> Any:
        if type(value) is datetime and value.tzinfo is UTC:
            return value.isoformat(" ", "seconds")[:19] + ".000000"
        return processor(value)

    return process


@contextmanager
def collection_paused(size: int) -> Iterator[None]:
    """Pauses Python's cycle collector while a batch of `size` rows is built and written.

    Building thousands of row dictionaries triggers full collections, each of which walks every
    object of the process (tens of milliseconds in a server) to find cycles these rows cannot
    form. Reference counting still frees everything at once; the collector resumes as it was
    (another thread's pause ending first only shortens this one). Small batches are left alone.
    """
    if size < 1000 or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
