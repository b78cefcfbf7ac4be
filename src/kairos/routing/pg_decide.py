"""``next``'s writes on PostgreSQL as one statement: one round trip instead of five.

On SQLite the database is in the process and each statement costs microseconds; on PostgreSQL each
costs a round trip to the server (two context switches, more on a busy machine). So the live board
stores a decision there with one statement of data-modifying CTEs: the lease checked (with a shared
row lock, as :meth:`kairos.routing.ownership.SiteLease.holds` does), the conditional ``UPDATE``
of the interaction (it must still wait, in the same queue, with no agent), the decision, the
assignment, and the agent made busy when it fills up; each step only if the one before it
happened. What it answers: the decision's id (None: the contact was taken or moved meanwhile) and
whether the lease was still ours (with no lease, always).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, bindparam, text
from sqlalchemy.orm import Session

from kairos.db import AwareDateTime

_LEASE = """lease AS (
  SELECT token FROM routing_leases
  WHERE site = :site AND owner = :owner AND token = :token AND expires_at > :at
  FOR SHARE
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


def store(
    session: Session, *, lease: dict[str, Any] | None, params: dict[str, Any]
) -> tuple[int | None, bool]:
    """Store a decision in the session's transaction: (its id or None, whether the lease held).

    ``lease``: ``site``, ``owner``, ``token`` and ``at`` (now) of the lease this process must
    hold, or None with no lease. ``params``: ``agent`` (external id), ``agent_row``,
    ``row_id`` (the interaction's), ``queue``, ``states``, ``policy``, ``score``, ``mot``,
    ``inputs``, ``reasons``, ``model_version``, ``decided_at``, ``request_key``, ``busy``.
    """
    statement = _OPEN if lease is None else _FENCED
    values = {**params, **(lease or {}), "states": list(params["states"])}
    row = session.connection().execute(statement, values).one()
    return (int(row[0]) if row[0] is not None else None), bool(row[1])
