"""``next``'s writes on PostgreSQL as one statement: one round trip instead of five.

On SQLite the database is in the process and each statement costs microseconds; on PostgreSQL each
costs a round trip to the server (two context switches, more on a busy machine). So the live board
stores a decision there with one statement of data-modifying CTEs: the lease checked (with a shared
row lock, as :meth:`kairos.routing.ownership.SiteLease.holds` does), the conditional ``UPDATE``
of the interaction (it must still wait, in the same queue, with no agent), the decision, the
assignment, and the agent made busy when it fills up; each step only if the one before it
happened. What it answers: the decision's id (None: the contact was taken or moved meanwhile) and
whether the lease was still ours (with no lease, always).

The statement runs on a :class:`DecisionLine`: one connection the board keeps for its decisions
(they are made one at a time under the board's lock), not one checked out of the pool per
request. A checkout from the pool pings the server first (a round trip of its own), and a
connection used again and again lets psycopg prepare the statement on the server after its fifth
run: what is left is one round trip for the statement and one for the commit. The lease row is
read ``FOR KEY SHARE``: the owner's renewal (an ``UPDATE`` of ``expires_at``, which takes the
weaker ``FOR NO KEY UPDATE``) does not wait for a decision nor make one wait, while a takeover
(``SELECT ... FOR UPDATE``) still waits for a decision in flight.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import JSON, Connection, bindparam, text

from kairos.db import AwareDateTime, Database

_LEASE = """lease AS (
  SELECT token FROM routing_leases
  WHERE site = :site AND owner = :owner AND token = :token AND expires_at > :at
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
busy AS (
  UPDATE agents SET state = 'busy', state_since = :decided_at
  WHERE id = :agent_row AND :busy AND EXISTS (SELECT 1 FROM decision)
)
SELECT (SELECT id FROM decision), {held}"""

_TYPES = (
    bindparam("inputs", type_=JSON),
    bindparam("reasons", type_=JSON),
    bindparam("decided_at", type_=AwareDateTime()),
)
_FENCED = text(
    _STATEMENT.format(
        lease=_LEASE,
        fenced=" AND EXISTS (SELECT 1 FROM lease)",
        held="EXISTS (SELECT 1 FROM lease)",
    )
).bindparams(*_TYPES, bindparam("at", type_=AwareDateTime()))
_OPEN = text(_STATEMENT.format(lease="", fenced="", held="true")).bindparams(*_TYPES)


#: A line idle longer than this is pinged before it is used (the server may have gone since).
IDLE_PING_S = 1.0


class DecisionLine:
    """The connection a board stores its decisions on (PostgreSQL), kept between decisions.

    Used by one decision at a time (the board's lock); a connection lost (the server restarted)
    is replaced at the next decision, and one idle for a while is pinged before it is trusted.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._connection: Connection | None = None
        self._used = 0.0

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """The line's connection in a transaction of the caller's: commit it, or it is rolled
        back when the block ends (and on an error)."""
        connection = self._connect()
        try:
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
        if connection is not None and time.monotonic() - self._used > IDLE_PING_S:
            try:
                connection.exec_driver_sql("SELECT 1")
                connection.rollback()
            except Exception:  # gone while idle: a new one
                self.close()
                connection = None
        if connection is None:
            connection = self._connection = self.db.engine.connect()
        return connection

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
    connection: Connection, *, lease: dict[str, Any] | None, params: dict[str, Any]
) -> tuple[int | None, bool]:
    """Store a decision in the connection's transaction: (its id or None, whether the lease held).

    ``lease``: ``site``, ``owner``, ``token`` and ``at`` (now) of the lease this process must
    hold, or None with no lease. ``params``: ``agent`` (external id), ``agent_row``,
    ``row_id`` (the interaction's), ``queue``, ``states``, ``policy``, ``score``, ``mot``,
    ``inputs``, ``reasons``, ``model_version``, ``decided_at``, ``request_key``, ``busy``.
    """
    statement = _OPEN if lease is None else _FENCED
    values = {**params, **(lease or {}), "states": list(params["states"])}
    row = connection.execute(statement, values).one()
    return (int(row[0]) if row[0] is not None else None), bool(row[1])
