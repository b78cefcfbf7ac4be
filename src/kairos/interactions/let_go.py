"""Who let a contact go: the ``let_go`` table's one writer. Ingest records a transfer back to a
queue (the agent who held the contact); routing records a declined or expired offer. Routing
reads them (``kairos.routing.passes``) to keep the contact from that agent a while, and names the
rows that can no longer matter, which go here."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete
from sqlalchemy.orm import Session

from kairos.db import rowcount
from kairos.interactions.models import LetGo

#: What an agent did to let a contact go (``let_go.kind``).
TRANSFERRED, DECLINED = "transferred", "declined"


def record(session: Session, *, interaction_row_id: int, agent_id: str, kind: str) -> None:
    """Store, in the caller's transaction, that ``agent_id`` let the contact go now."""
    session.add(LetGo(interaction_id=interaction_row_id, agent_id=agent_id, kind=kind))


def forget(session: Session, row_ids: Collection[int]) -> int:
    """Delete, in the caller's transaction, the rows ``row_ids``: how many went."""
    if not row_ids:
        return 0
    return rowcount(session, delete(LetGo).where(LetGo.id.in_(list(row_ids))))
