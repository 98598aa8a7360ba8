"""Statements every update runs, executed on the database driver's cursor.

A dialog step's own reads and writes (store the update, load and save the user's dialog) are
defined as SQLAlchemy Core statements like every other query, but SQLAlchemy's execution path
costs more CPU than the driver's work: in /tmp measurements of a simple step on PostgreSQL,
the three statements and the commit cost 600 µs of client CPU through `Connection.execute`
and 410 µs through this class (raw psycopg: 330 µs). A `DriverStatement` compiles its
statement once per dialect, with SQLAlchemy's own parameter and result conversions, and runs
it on the DBAPI connection inside the caller's transaction. Driver errors are raised as
SQLAlchemy's exceptions, as `Connection.execute` would raise them.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, Callable, Optional

from sqlalchemy import Connection, exc
from sqlalchemy.sql import ClauseElement


class _Plan:
    """A statement compiled for one dialect: its SQL, its parameters in the driver's order
    (each with its default value and bind conversion), and its result columns' conversions."""

    def __init__(self, statement: ClauseElement, dialect):
        compiled = statement.compile(dialect=dialect)
        if any(bind.expanding for bind in compiled.binds.values()):  # IN (...) lists
            raise ValueError("a DriverStatement takes no expanding parameter (IN lists)")
        self.sql = compiled.string
        processors = compiled._bind_processors
        order = compiled.positiontup if compiled.positional else list(compiled.binds)
        self.positional = compiled.positional
        self.params: list[tuple[str, Any, Optional[Callable]]] = [
            (name, compiled.binds[name].value, processors.get(name)) for name in order]
        self.results: list[Optional[Callable]] = [
            entry.type.dialect_impl(dialect).result_processor(dialect, None)
            for entry in compiled._result_columns]
        self.converts_results = any(p is not None for p in self.results)
        # rows read by column name, like SQLAlchemy's
        self.row = namedtuple("Row", [entry.keyname for entry in compiled._result_columns],
                              rename=True)


class DriverStatement:
    """One Core statement, run with `rows`, `first`, `scalar` or `run` in the caller's
    transaction (a Connection: `session.connection()`)."""

    def __init__(self, statement: ClauseElement):
        self.statement = statement
        self._plans: dict[str, _Plan] = {}

    def _plan(self, dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            plan = self._plans[dialect.name] = _Plan(self.statement, dialect)
        return plan

    def _execute(self, conn: Connection, params: dict):
        if not conn.in_transaction():
            conn.begin()  # as Connection.execute would: the caller's commit() then commits it
        plan = self._plan(conn.dialect)
        values = []
        for name, default, convert in plan.params:
            value = params[name] if name in params else default
            values.append(convert(value) if convert is not None else value)
        bound = values if plan.positional else {name: v for (name, _, _), v in
                                                zip(plan.params, values)}
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(plan.sql, bound)
        except conn.dialect.loaded_dbapi.Error as error:
            # SQLAlchemy's exception, as Connection.execute raises; the caller's rollback finds
            # a connection the database dropped and keeps it out of the pool.
            cursor.close()
            raise exc.DBAPIError.instance(plan.sql, bound, error,
                                          conn.dialect.loaded_dbapi.Error) from error
        return plan, cursor

    def rows(self, conn: Connection, params: dict) -> list[tuple]:
        """The result rows, named tuples of converted column values."""
        plan, cursor = self._execute(conn, params)
        try:
            rows = cursor.fetchall()
        finally:
            cursor.close()
        make = plan.row._make
        if not plan.converts_results:
            return [make(row) for row in rows]
        return [make(v if p is None or v is None else p(v) for p, v in zip(plan.results, row))
                for row in rows]

    def first(self, conn: Connection, params: dict) -> Optional[tuple]:
        rows = self.rows(conn, params)
        return rows[0] if rows else None

    def scalar(self, conn: Connection, params: dict) -> Any:
        """The first column of the first row (None without rows)."""
        row = self.first(conn, params)
        return None if row is None else row[0]

    def run(self, conn: Connection, params: dict) -> int:
        """Execute a statement without a result; the number of rows it changed."""
        _, cursor = self._execute(conn, params)
        try:
            return cursor.rowcount
        finally:
            cursor.close()
