"""Retention: records older than their kind's setting are purged (``kairos purge``, and every
``KAIROS_PURGE_INTERVAL_S`` in ``kairos serve``).

Each kind counts from its own clock: a contact's events (its transcript), subject, review
quotes and how its AudioHook connections' audio began from when the contact ended, its
assessment history likewise, an audit row from when it was written. A contact still open is
never touched: the detector rebuilds from its events. With no setting a kind is kept forever, as
before retention existed. Contacts are purged a batch at a time, each batch its own transaction,
so a large first purge holds no long lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import Session

from kairos.channels.models import AudioHookBeginning
from kairos.config import Settings
from kairos.db import Database, utcnow
from kairos.interactions.models import AssessmentRecord, EventRecord, Interaction
from kairos.outcomes.models import InteractionReview
from kairos.periodic import Periodic
from kairos.privacy.contact_rows import deleted
from kairos.privacy.schemas import PurgeReport
from kairos.security.models import AuditEntry

log = logging.getLogger(__name__)

#: Contacts per purge transaction.
BATCH = 500

Progress = Callable[[str, int], None]


def cutoffs(settings: Settings, now: datetime | None = None) -> dict[str, datetime]:
    """Per kind with a retention setting: records older than this go."""
    now = now or utcnow()
    days = {
        "events": settings.retention_events_days,
        "assessments": settings.retention_assessments_days,
        "audit_log": settings.retention_audit_days,
    }
    return {kind: now - timedelta(days=d) for kind, d in days.items() if d is not None}


def _contacts(session: Session, cutoff: datetime, table: type[EventRecord | AssessmentRecord],
              after: int) -> list[int]:  # fmt: skip
    """The next batch of ended contacts, ended before ``cutoff``, that still have rows in
    ``table`` (for the events, or an AudioHook beginning: it goes with them)."""
    held: ColumnElement[bool] = (
        select(table.id).where(table.interaction_id == Interaction.id).exists()
    )
    if table is EventRecord:
        began = AudioHookBeginning.interaction_id == Interaction.id
        held = or_(held, select(AudioHookBeginning.id).where(began).exists())
    return list(
        session.scalars(
            select(Interaction.id)
            .where(
                Interaction.state == "ended",
                Interaction.ended_at < cutoff,
                Interaction.id > after,
                held,
            )
            .order_by(Interaction.id)
            .limit(BATCH)
        )
    )


def _purge_contacts(db: Database, kind: str, cutoff: datetime, *, dry_run: bool,
                    progress: Progress | None) -> int:  # fmt: skip
    table = EventRecord if kind == "events" else AssessmentRecord
    total, after = 0, 0
    while True:
        with db.write_lock(), db.session() as session:
            ids = _contacts(session, cutoff, table, after)
            if not ids:
                return total
            after = ids[-1]
            if dry_run:
                total += (
                    session.scalar(
                        select(func.count()).select_from(table).where(table.interaction_id.in_(ids))
                    )
                    or 0
                )
            else:
                total += deleted(session, delete(table).where(table.interaction_id.in_(ids)))
                if kind == "events":
                    _blank_words(session, ids)
                session.commit()
        if progress is not None:
            progress(kind, total)


def _blank_words(session: Session, ids: list[int]) -> None:
    """With their transcript gone, the contacts' subjects, their reviews' quotes and how their
    AudioHook connections' audio began go too."""
    deleted(session, delete(AudioHookBeginning).where(AudioHookBeginning.interaction_id.in_(ids)))
    session.execute(
        update(Interaction)
        .where(Interaction.id.in_(ids))
        .values(subject=None, assessed_seq=Interaction.event_count)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(InteractionReview)
        .where(InteractionReview.interaction_id.in_(ids))
        .values(evidence=[])
        .execution_options(synchronize_session=False)
    )


def _purge_audit(db: Database, cutoff: datetime, *, dry_run: bool) -> int:
    with db.write_lock(), db.session() as session:
        old = AuditEntry.at < cutoff
        if dry_run:
            return session.scalar(select(func.count()).select_from(AuditEntry).where(old)) or 0
        n = deleted(session, delete(AuditEntry).where(old))
        session.commit()
        return n


def purge(
    *,
    db: Database,
    settings: Settings,
    dry_run: bool = False,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> PurgeReport:
    """Purge (or with ``dry_run`` count) what is older than each kind's retention."""
    limits = cutoffs(settings, now)
    counts: dict[str, int] = {}
    for kind, cutoff in limits.items():
        if kind == "audit_log":
            counts[kind] = _purge_audit(db, cutoff, dry_run=dry_run)
        else:
            counts[kind] = _purge_contacts(db, kind, cutoff, dry_run=dry_run, progress=progress)
    if counts and not dry_run:
        log.info("retention purge: %s", ", ".join(f"{k} {n}" for k, n in counts.items()))
    return PurgeReport(dry_run=dry_run, counts=counts, cutoffs=limits)


def purger(db: Database, settings: Settings) -> Periodic:
    """The purge every ``KAIROS_PURGE_INTERVAL_S`` (``kairos serve``), not started."""
    interval = settings.purge_interval_s or 86_400.0
    return Periodic(lambda: purge(db=db, settings=settings), interval_s=interval, name="purge")
