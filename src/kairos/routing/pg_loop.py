"""``next``'s one statement (:mod:`kairos.routing.pg_decide`) run from the event loop, on a
psycopg asynchronous connection the board keeps for it: the loop awaits the round trip (and the
server's commit) instead of handing the whole decision to a worker thread and back.

The statement is the same text SQLAlchemy sends (compiled once per shape with the dialect, its
parameters put through the same bind processors: the JSON columns' serialiser, the aware
timestamps' conversion to UTC), run in autocommit (its own transaction, committed before the
server answers), prepared on the server at its first run. Errors are raised as SQLAlchemy's
(:class:`sqlalchemy.exc.OperationalError` for a lost server: the API answers 503).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Dialect
from sqlalchemy.exc import DBAPIError

from kairos.db import Database, Rider
from kairos.routing import pg_decide


@dataclass(frozen=True)
class DriverStatement:
    """A statement as the driver takes it: its text and each parameter's bind processor."""

    sql: str
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]

    def values(self, values: dict[str, Any]) -> dict[str, Any]:
        """The parameters as SQLAlchemy would hand them to the driver."""
        out = dict(values)
        for name, process in self.processors:
            out[name] = process(out[name])
        return out


@cache
def _compiled(statement: Any, dialect: Dialect) -> DriverStatement:
    compiled = statement.compile(dialect=dialect)
    processors = []
    for name, bind in compiled.binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((name, process))
    return DriverStatement(compiled.string, tuple(processors))


def decision_statement(
    dialect: Dialect, *, lease: dict[str, Any] | None, params: dict[str, Any],
    riders: Sequence[Rider] = (),
) -> tuple[str, dict[str, Any]]:  # fmt: skip
    """:func:`kairos.routing.pg_decide.store`'s statement and parameters, for the driver."""
    statement, values = pg_decide.statement_and_values(lease=lease, params=params, riders=riders)
    driver = _compiled(statement, dialect)
    return driver.sql, driver.values(values)


def available_statement(
    dialect: Dialect, *, lease: dict[str, Any] | None, agent_row: int, now: Any
) -> tuple[str, dict[str, Any]]:
    """:func:`kairos.routing.pg_decide.make_available`'s statement and parameters."""
    statement, values = pg_decide.available_and_values(lease=lease, agent_row=agent_row, now=now)
    driver = _compiled(statement, dialect)
    return driver.sql, driver.values(values)


class LoopLine:
    """The board's asynchronous connection for decisions made on the event loop (PostgreSQL).

    Used by one decision at a time (the board's lock, and :attr:`busy` while a decision awaits
    it); opened on first use on the running loop, and replaced when it breaks, when it has been
    idle over :data:`kairos.routing.pg_decide.IDLE_PING_S` and does not answer a ping, or when
    the loop is another (a test client's portal started anew).
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._connection: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._used = 0.0
        #: A decision on the event loop holds the board's lock across an await: the loop's other
        #: requests must not take the (reentrant) lock meanwhile.
        self.busy = False

    async def _connect(self) -> Any:
        import psycopg  # the `postgres` extra: a board on PostgreSQL has it

        loop = asyncio.get_running_loop()
        connection = self._connection
        if connection is not None and (connection.closed or connection.broken or self._loop
                                       is not loop):  # fmt: skip
            self.close()
            connection = None
        if connection is not None and (
            time.monotonic() - self._used > pg_decide.IDLE_PING_S
            or pg_decide.socket_spoke(connection.pgconn.socket)
        ):
            try:
                await connection.execute("SELECT 1")
            except psycopg.Error:  # gone while idle: a new one
                self.close()
                connection = None
        if connection is None:
            engine = self.db.engine
            args, kwargs = engine.dialect.create_connect_args(engine.url)
            connection = await psycopg.AsyncConnection.connect(
                *args, **kwargs, autocommit=True, prepare_threshold=0
            )
            self._connection, self._loop = connection, loop
        return connection

    async def one(self, sql: str, values: dict[str, Any]) -> tuple[Any, ...]:
        """Run one statement in its own transaction; its one row."""
        import psycopg

        try:
            connection = await self._connect()
            cursor = await connection.execute(sql, values)
            row = await cursor.fetchone()
        except psycopg.Error as error:
            if self._connection is not None and (self._connection.broken
                                                 or self._connection.closed):  # fmt: skip
                self.close()
            raise DBAPIError.instance(sql, values, error, psycopg.Error) from error
        except BaseException:  # cancelled mid-statement: the connection's state is unknown
            self.close()
            raise
        self._used = time.monotonic()
        assert row is not None
        return tuple(row)

    def close(self) -> None:
        """Drop the connection (the board stops, or it broke); from any thread, no await."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.pgconn.finish()
