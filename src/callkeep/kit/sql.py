"""Constant statements of the hot paths, compiled once per dialect and run on the driver's cursor.

SQLAlchemy spends about 80 µs on every execution (cache key, execution context, events, result
object) before the driver spends 10-20 µs on a small indexed query. The pre-call check runs about
ten such statements, so that overhead would be most of its time. A `Prepared` statement is
written with SQLAlchemy Core (the same SQL on SQLite and PostgreSQL), compiled once per dialect,
and then run on the session's own DB-API connection inside the session's transaction; parameters
and results go through the column types' own processors, so values are exactly what the ORM
would bind and return. The private SQLAlchemy calls this needs are in `kit.sqlalchemy_private`.

Use it for small constant statements, with no ORM entities in the result. An expanding ``IN``
parameter (``bindparam(name, expanding=True)``) takes a list: SQLAlchemy writes the statement for
each count of values (``construct_expanded_state``), and the statement for a given count is kept,
so a check of two numbers runs as cheaply as a check of one.
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
    """The session's dialect and DB-API connection, beginning its transaction if need be.

    Inside ``begin_nested()`` the session is asked for its connection first, which emits the
    SAVEPOINT if no statement has yet: SQLAlchemy emits it lazily, so a statement sent straight
    to the driver would otherwise fall outside it, and rolling back to it would keep its rows.
    """
    found = session.info.get(_DRIVER)
    if found is None or session.in_nested_transaction():
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
    expanding: tuple[str, ...]  # the names of the parameters that take a list


@dataclass(frozen=True)
class _Expanded:
    """The statement written for one count of values of each expanding parameter."""

    sql: str
    positions: tuple[str, ...] | None
    members: dict[str, tuple[str, ...]]  # a list parameter's name: its values' names, in order
    binds: dict[str, Processor]


_MOST_EXPANDED = 256  # statements kept per Prepared and dialect for counts of list values


class Prepared:
    """A Core SELECT (or UNION), compiled once per dialect; `rows` runs it in the session."""

    def __init__(
        self, statement: Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]]
    ) -> None:
        self.statement = statement
        self._forms: dict[str, _Form] = {}
        self._expansions: dict[tuple[str, tuple[int, ...]], _Expanded] = {}

    def _form(self, dialect: Dialect) -> _Form:
        form = self._forms.get(dialect.name)
        if form is not None:
            return form
        compiled = self.statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        if compiled.literal_execute_params:
            raise ValueError("a prepared statement does not render values into its SQL")
        expanding = tuple(
            sorted(compiled.bind_names[bind] for bind in compiled.post_compile_params)
        )
        if any(not bind.expanding for bind in compiled.post_compile_params):
            raise ValueError("a prepared statement takes IN lists as expanding parameters only")
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
            expanding=expanding,
        )
        self._forms[dialect.name] = form
        return form

    def _expanded(self, dialect: Dialect, form: _Form, params: Mapping[str, Any]) -> _Expanded:
        """The statement for the counts of values `params` gives its list parameters."""
        counts = tuple(len(params[name]) for name in form.expanding)
        key = (dialect.name, counts)
        found = self._expansions.get(key)
        if found is not None:
            return found
        state = form.compiled.construct_expanded_state(
            {**params, **{name: [None] * n for name, n in zip(form.expanding, counts, strict=True)}}
        )
        members = {name: tuple(state.parameter_expansion.get(name, ())) for name in form.expanding}
        binds = {name: p for name, p in form.binds.items() if name not in form.expanding}
        binds.update(state.processors)
        found = _Expanded(
            sql=state.statement,
            positions=tuple(state.positiontup) if state.positiontup is not None else None,
            members=members,
            binds=binds,
        )
        if len(self._expansions) < _MOST_EXPANDED:
            self._expansions[key] = found
        return found

    def rows(self, session: Session, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Every row, each value as the ORM would return it."""
        dialect, driver = driver_of(session)
        form = self._form(dialect)
        given = params or {}
        values = private.parameters(form.compiled, given)
        sql, positions, binds = form.sql, form.positions, form.binds
        if form.expanding:  # each list's values under the names its count's statement gives them
            expanded = self._expanded(dialect, form, given)
            sql, positions, binds = expanded.sql, expanded.positions, expanded.binds
            for name, names in expanded.members.items():
                del values[name]
                values.update(zip(names, given[name], strict=True))
        for name, processor in binds.items():
            values[name] = processor(values[name])
        args: Sequence[Any] | Mapping[str, Any] = (
            tuple(values[name] for name in positions) if positions is not None else values
        )
        cursor = driver.cursor()
        try:
            cursor.execute(sql, args)
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
