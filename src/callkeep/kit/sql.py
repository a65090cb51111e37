"""Constant statements of the hot paths, compiled once per dialect and run on the driver's cursor.

SQLAlchemy spends about 80 µs on every execution (cache key, execution context, events, result
object) before the driver spends 10-20 µs on a small indexed query. The pre-call check runs about
ten such statements, so that overhead would be most of its time. A `Prepared` statement is
written with SQLAlchemy Core (the same SQL on SQLite and PostgreSQL), compiled once per dialect,
and then run on the session's own DB-API connection inside the session's transaction; parameters
and results go through the column types' own processors, so values are exactly what the ORM
would bind and return. The private SQLAlchemy calls this needs are in `kit.sqlalchemy_private`.

Use it for small constant statements only: no expanding ``IN`` parameters (one value per
bind parameter), and no ORM entities in the result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.sql import CompoundSelect, Select
from sqlalchemy.sql.compiler import SQLCompiler

from callkeep.kit import sqlalchemy_private as private

Processor = Callable[[Any], Any]
_DRIVER = "callkeep.sql.driver"  # session.info key: (dialect, DB-API connection) of its transaction


def keep_driver_at_hand(maker: sessionmaker[Session]) -> None:
    """Sessions made by `maker` remember their transaction's dialect and DB-API connection
    from its first statement to its end, so that a `Prepared` statement finds them with one
    dictionary look-up (``Session.connection()`` costs about 15 µs a call)."""

    @event.listens_for(maker, "after_begin")
    def _began(session: Session, _transaction: SessionTransaction, connection: Connection) -> None:
        session.info[_DRIVER] = (connection.dialect, connection.connection.driver_connection)

    @event.listens_for(maker, "after_transaction_end")
    def _ended(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            session.info.pop(_DRIVER, None)


def driver_of(session: Session) -> tuple[Dialect, Any]:
    """The session's dialect and DB-API connection, beginning its transaction if need be."""
    found = session.info.get(_DRIVER)
    if found is None:
        connection = session.connection()
        found = session.info.get(_DRIVER)
        if found is None:  # a session from elsewhere
            return connection.dialect, connection.connection.driver_connection
    return found  # type: ignore[no-any-return]


@dataclass(frozen=True)
class _Form:
    sql: str
    compiled: SQLCompiler
    positions: tuple[str, ...] | None  # parameter names in order, for positional drivers
    binds: dict[str, Processor]
    results: tuple[Processor | None, ...]


class Prepared:
    """A Core SELECT (or UNION), compiled once per dialect; `rows` runs it in the session."""

    def __init__(
        self, statement: Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]]
    ) -> None:
        self.statement = statement
        self._forms: dict[str, _Form] = {}

    def _form(self, dialect: Dialect) -> _Form:
        form = self._forms.get(dialect.name)
        if form is not None:
            return form
        compiled = self.statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("a prepared statement takes one value per parameter (no IN lists)")
        binds: dict[str, Processor] = {}
        for bind, name in compiled.bind_names.items():
            processor = private.bind_processor(bind.type, dialect)
            if processor is not None:
                binds[name] = processor
        results = tuple(
            private.result_processor(column.type, dialect)
            for column in self.statement.selected_columns
        )
        form = _Form(
            sql=compiled.string,
            compiled=compiled,
            positions=tuple(compiled.positiontup) if compiled.positiontup is not None else None,
            binds=binds,
            results=results,
        )
        self._forms[dialect.name] = form
        return form

    def rows(self, session: Session, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Every row, each value as the ORM would return it."""
        dialect, driver = driver_of(session)
        form = self._form(dialect)
        values = private.parameters(form.compiled, params or {})
        for name, processor in form.binds.items():
            values[name] = processor(values[name])
        args: Sequence[Any] | Mapping[str, Any] = (
            tuple(values[name] for name in form.positions) if form.positions is not None else values
        )
        cursor = driver.cursor()
        try:
            cursor.execute(form.sql, args)
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        if not any(form.results):
            return [tuple(row) for row in fetched]
        return [
            tuple(v if p is None else p(v) for v, p in zip(row, form.results, strict=True))
            for row in fetched
        ]

    def first(
        self, session: Session, params: dict[str, Any] | None = None
    ) -> tuple[Any, ...] | None:
        """The first row, or None."""
        found = self.rows(session, params)
        return found[0] if found else None
