"""Who let a contact go: the ``let_go`` table's one writer. Ingest records a transfer back to a
queue (the agent who held the contact); routing records a declined or expired offer. Routing
reads them (``kairos.routing.passes``) to keep the contact from that agent a while."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kairos.interactions.models import LetGo

#: What an agent did to let a contact go (``let_go.kind``).
TRANSFERRED, DECLINED = "transferred", "declined"


def record(session: Session, *, interaction_row_id: int, agent_id: str, kind: str) -> None:
    """Store, in the caller's transaction, that ``agent_id`` let the contact go now."""
    session.add(LetGo(interaction_id=interaction_row_id, agent_id=agent_id, kind=kind))
