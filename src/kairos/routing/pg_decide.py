"""``next``'s writes on PostgreSQL as one statement in its own transaction: one round trip.

On SQLite the database is in the process and each statement costs microseconds; on PostgreSQL each
costs a round trip to the server (two context switches, more on a busy machine). So the live board
stores a decision there with one statement of data-modifying CTEs: the lease checked (with a shared
row lock, as :meth:`kairos.routing.ownership.SiteLease.holds` does), the conditional ``UPDATE``
of the interaction (it must still wait, in the same queue, with no agent), the decision, the
assignment, the agent's state (made busy when the decision fills it up; made available when it
asks for work while Kairos still holds it busy from a contact that has ended since, decision or
not), and the request's audit row (its rider, see :class:`kairos.db.Rider`); each step only if
the one before it happened. What it answers: the decision's id (None: the contact was taken or
moved meanwhile) and whether the lease was still ours (with no lease, always).

Run on its own (:meth:`DecisionLine.statement`, the connection in autocommit), the statement is
its own transaction: the server commits it (durably: ``synchronous_commit`` stays on) before it
answers, so the decision, its assignment and its audit row are stored together or not at all, in
one round trip; in a transaction psycopg would send ``BEGIN`` and ``COMMIT`` as round trips of
their own (``tests/routing/test_pg_decide.py`` counts what reaches the server).

The statement runs on a :class:`DecisionLine`: one connection the board keeps for its decisions
(they are made one at a time under the board's lock), not one checked out of the pool per
request. A checkout from the pool pings the server first (a round trip of its own), and on a
connection kept, psycopg prepares each statement on the server at its first run (one prepared
statement per shape: with and without a rider); the owner opens it as it takes the board over.
The lease row is read ``FOR KEY SHARE``: the owner's renewal (an ``UPDATE`` of ``expires_at``,
which takes the weaker ``FOR NO KEY UPDATE``) does not wait for a decision nor make one wait,
while a takeover (``SELECT ... FOR UPDATE``) still waits for a decision in flight.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, Connection, Dialect, Table, TextClause, bindparam, text
from sqlalchemy.exc import DBAPIError

from kairos.db import AwareDateTime, Database, Rider

_LEASE = """lease AS (
  SELECT token FROM routing_leases
  WHERE site = :site AND owner = :owner AND token = :token
  FOR KEY SHARE
),"""

_STATEMENT = """WITH {lease}
taken AS (
  UPDATE interactions SET agent_id = :agent, state = 'assigned'
  WHERE id = :row_id AND agent_id IS NULL AND queue = :queue AND state = ANY(:states){fenced}
  RETURNING id
),
decision AS (
  INSERT INTO routing_decisions (interaction_id, agent_id, queue, policy, score,
    moment_of_truth, inputs, reasons, model_version, decided_at, request_key)
  SELECT id, :agent_row, :queue, :policy, :score, :mot, :inputs, :reasons, :model_version,
    :decided_at, :request_key FROM taken
  RETURNING id
),
assignment AS (
  INSERT INTO assignments (interaction_id, agent_id, decision_id, empowered, assigned_at)
  SELECT :row_id, :agent_row, id, :mot, :decided_at FROM decision
),
agent AS (
  UPDATE agents
  SET state = CASE WHEN :busy AND EXISTS (SELECT 1 FROM decision) THEN 'busy' ELSE 'available' END,
    state_since = :decided_at
  WHERE id = :agent_row
    AND ((:busy AND EXISTS (SELECT 1 FROM decision)) OR (:flip{flip_fenced}))
){riders}
SELECT (SELECT id FROM decision), {held}"""

#: A rider's row, inserted only when the decision is.
_RIDER = """,
rider{n} AS (
  INSERT INTO {table} ({columns})
  SELECT {values} WHERE EXISTS (SELECT 1 FROM decision)
)"""

_TYPES = (
    bindparam("inputs", type_=JSON),
    bindparam("reasons", type_=JSON),
    bindparam("decided_at", type_=AwareDateTime()),
)


@cache
def _statement(fenced: bool, riders: tuple[tuple[Table, tuple[str, ...]], ...]) -> TextClause:
    """The statement for a fenced board or not, with these riders (their table and columns):
    built once per shape."""
    parts, types = [], list(_TYPES)
    for n, (table, columns) in enumerate(riders):
        values = ", ".join(f":r{n}_{c}" for c in columns)
        parts.append(_RIDER.format(n=n, table=table.name, columns=", ".join(columns),
                                   values=values))  # fmt: skip
        types += [bindparam(f"r{n}_{c}", type_=table.c[c].type) for c in columns]
    sql = _STATEMENT.format(
        lease=_LEASE if fenced else "",
        fenced=" AND EXISTS (SELECT 1 FROM lease)" if fenced else "",
        flip_fenced=" AND EXISTS (SELECT 1 FROM lease)" if fenced else "",
        held="EXISTS (SELECT 1 FROM lease)" if fenced else "true",
        riders="".join(parts),
    )
    return text(sql).bindparams(*types)


def _table(rider: Rider) -> Table | None:
    table = getattr(rider.statement, "table", None)  # an insert's table
    return table if isinstance(table, Table) else None


def _riding(rider: Rider) -> Table:
    table = _table(rider)
    if table is None or not rides(rider):
        raise ValueError(f"a rider that cannot ride in the statement: {rider.statement}")
    return table


def rides(rider: Rider) -> bool:
    """Whether a rider can ride in the statement: an insert of one row into a table."""
    table = _table(rider)
    return table is not None and all(c in table.c for c in rider.row)


_AVAILABLE = """WITH {lease}
made AS (
  UPDATE agents SET state = 'available', state_since = :since
  WHERE id = :agent_row{fenced}
)
SELECT {held}"""


@cache
def _available(fenced: bool) -> TextClause:
    sql = _AVAILABLE.format(
        lease=_LEASE if fenced else "",
        fenced=" AND EXISTS (SELECT 1 FROM lease)" if fenced else "",
        held="EXISTS (SELECT 1 FROM lease)" if fenced else "true",
    )
    return text(sql).bindparams(bindparam("since", type_=AwareDateTime()))


def make_available(
    connection: Connection, *, lease: dict[str, Any] | None, agent_row: int, now: datetime
) -> bool:
    """Make the agent available (it asked for work and there is none to give), in one statement
    with the lease's check as :func:`store` does; whether the lease held."""
    values = {**(lease or {}), "agent_row": agent_row, "since": now}
    return bool(connection.execute(_available(lease is not None), values).one()[0])


#: A line idle longer than this is pinged before it is used (the server may have gone since).
IDLE_PING_S = 1.0


def _spoke(connection: Connection) -> bool:
    """Whether the server sent something on an idle connection (it closes one it terminates with
    a message): checked on the socket, without a round trip."""
    try:
        fileno = connection.connection.driver_connection.pgconn.socket  # type: ignore[union-attr]
        return bool(select.select([fileno], [], [], 0)[0])
    except Exception:  # no socket to look at: the connection is gone
        return True


class DecisionLine:
    """The connection a board stores its decisions on (PostgreSQL), kept between decisions.

    Used by one decision at a time (the board's lock); a connection lost (the server restarted)
    is replaced at the next decision: one idle for a while, or on which the server has said
    something (a backend terminated sends its reason, then closes), is pinged before it is
    trusted.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._connection: Connection | None = None
        self._used = 0.0
        self._autocommit = False

    @contextmanager
    def statement(self) -> Iterator[Connection]:
        """The line's connection in autocommit: each statement is a transaction of its own,
        committed by the server before it answers (no ``BEGIN``, no ``COMMIT``)."""
        connection = self._connect()
        try:
            self._mode(connection, autocommit=True)
            yield connection
            connection.commit()  # ends SQLAlchemy's transaction; nothing is sent
        except BaseException:
            self._rollback(connection)
            raise
        self._used = time.monotonic()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """The line's connection in a transaction of the caller's: commit it, or it is rolled
        back when the block ends (and on an error)."""
        connection = self._connect()
        try:
            self._mode(connection, autocommit=False)
            yield connection
        except BaseException:
            self._rollback(connection)
            raise
        if connection.in_transaction():
            self._rollback(connection)
        self._used = time.monotonic()

    def _connect(self) -> Connection:
        connection = self._connection
        if connection is not None and (connection.closed or connection.invalidated):
            self.close()
            connection = None
        if connection is not None and (
            time.monotonic() - self._used > IDLE_PING_S or _spoke(connection)
        ):
            try:
                connection.exec_driver_sql("SELECT 1")
                connection.rollback()
            except Exception:  # gone while idle: a new one
                self.close()
                connection = None
        if connection is None:
            connection = self._connection = self.db.engine.connect()
            self._autocommit = False
            # Prepared on the server at its first run, not its sixth: few statements, each
            # run again and again.
            driver = connection.connection.driver_connection
            if driver is not None and hasattr(driver, "prepare_threshold"):
                driver.prepare_threshold = 0
        return connection

    def open(self) -> None:
        """Connect now (the board is taken over), not in the first decision's time; a server
        away is left to the first decision to find."""
        try:
            self._connect()
            self._used = time.monotonic()
        except Exception:  # the first decision connects, or answers 503
            self.close()

    def _mode(self, connection: Connection, *, autocommit: bool) -> None:
        """Autocommit on or off (psycopg sets it in the client: no round trip)."""
        if self._autocommit != autocommit:
            level = "AUTOCOMMIT" if autocommit else connection.default_isolation_level
            connection.execution_options(isolation_level=level)
            self._autocommit = autocommit

    def _rollback(self, connection: Connection) -> None:
        try:
            connection.rollback()
        except Exception:  # the connection is broken: the next decision opens another
            self.close()

    def close(self) -> None:
        """Give the connection back (the board stops, or it broke)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # already broken: nothing to give back
                connection.invalidate()


def store(
    connection: Connection,
    *,
    lease: dict[str, Any] | None,
    params: dict[str, Any],
    riders: Sequence[Rider] = (),
) -> tuple[int | None, bool]:
    """Store a decision in the connection's transaction: (its id or None, whether the lease held).

    ``lease``: ``site``, ``owner`` and ``token`` of the lease this process must hold (not its
    expiry: see :mod:`kairos.routing.ownership`), or None with no lease. ``params``: ``agent``
    (external id), ``agent_row``, ``row_id`` (the interaction's), ``queue``, ``states``,
    ``policy``, ``score``, ``mot``, ``inputs``, ``reasons``, ``model_version``, ``decided_at``,
    ``request_key``, ``busy``, ``flip`` (the agent is made available, whether a decision is
    stored or not). ``riders`` (each one that :func:`rides`): inserted by the same statement
    when the decision is stored, not otherwise.
    """
    shape = tuple((_riding(r), tuple(r.row)) for r in riders)
    statement = _statement(lease is not None, shape)
    values = {**params, **(lease or {}), "states": list(params["states"])}
    for n, rider in enumerate(riders):
        values.update({f"r{n}_{c}": v for c, v in rider.row.items()})
    driver = connection.connection.driver_connection
    row: Sequence[Any]
    if driver is None or not getattr(driver, "autocommit", False):  # in a caller's transaction
        row = connection.execute(statement, values).one()
    else:
        try:
            row = _run(driver, _compiled(statement, connection.dialect), values)
        except DBAPIError as error:
            if error.connection_invalidated:  # as SQLAlchemy does: the line opens another
                connection.invalidate()
            raise
    return (int(row[0]) if row[0] is not None else None), bool(row[1])


@cache
def _compiled(
    statement: TextClause, dialect: Dialect
) -> tuple[str, tuple[tuple[str, Callable[[Any], Any]], ...]]:
    """The statement's text as the driver takes it and its parameters' bind processors (the JSON
    columns' serialiser, the aware timestamps' conversion to UTC): what SQLAlchemy sends, built
    once per shape."""
    compiled = statement.compile(dialect=dialect)
    processors = []
    for name, bind in compiled.binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((name, process))
    return compiled.string, tuple(processors)


def _run(
    driver: Any,
    compiled: tuple[str, tuple[tuple[str, Callable[[Any], Any]], ...]],
    values: dict[str, Any],
) -> tuple[Any, ...]:
    """Run the statement on the driver's connection (in autocommit: its own transaction), not
    through SQLAlchemy's ``execute`` (its result and parameter handling were a tenth of the
    decision's CPU); a driver error is raised as SQLAlchemy's (a lost server: 503)."""
    import psycopg  # the `postgres` extra: a connection kept on PostgreSQL has it

    sql, processors = compiled
    for name, process in processors:
        values[name] = process(values[name])
    try:
        row = driver.execute(sql, values, prepare=True).fetchone()
    except psycopg.Error as error:
        lost = bool(driver.broken or driver.closed)
        raise DBAPIError.instance(  # no values in the error: they reach the logs
            sql, values, error, psycopg.Error, hide_parameters=True, connection_invalidated=lost
        ) from error
    assert row is not None
    return tuple(row)
