"""People's verdicts on the moment-of-truth flag, and the calibration they feed.

The only place that writes ``moment_verdicts``. A verdict is never changed: a second one on the
same contact is a new row, and the latest counts (``calibration``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from kairos.db import Database, utcnow
from kairos.detection import HIGH
from kairos.errors import ClientError, Conflict, NotFound
from kairos.interactions.models import Interaction
from kairos.outcomes import calibration
from kairos.outcomes.models import InteractionReview, MomentVerdict
from kairos.outcomes.verdict_schemas import (
    CalibrationOut,
    Reading,
    VerdictIn,
    VerdictOut,
)
from kairos.routing.models import AlertRecord

log = logging.getLogger(__name__)


class NotYourContact(ClientError):
    """An agent gave a verdict on a contact someone else handled."""

    status_code = 403
    code = "forbidden"


def reading(verdict: str, flagged: bool) -> Reading:
    """What a verdict says of the flag."""
    if verdict == "moment":
        return "confirmed" if flagged else "missed"
    return "false_flag" if flagged else "routine"


def verdict_out(row: MomentVerdict, interaction_id: str) -> VerdictOut:
    """The API view of a stored verdict."""
    return VerdictOut.model_validate(
        {
            "id": row.id,
            "interaction_id": interaction_id,
            "verdict": row.verdict,
            "reading": reading(row.verdict, row.flagged),
            "flagged": row.flagged,
            "mot_score": row.mot_score,
            "mot_logit": row.mot_logit,
            "alert_id": row.alert_id,
            "given_by": row.given_by,
            "role": row.role,
            "note": row.note,
            "created_at": row.created_at,
        }
    )


def create(
    *,
    db: Database,
    interaction_id: str,
    verdict_in: VerdictIn,
    given_by: str,
    role: str,
    agent_id: str | None = None,
) -> VerdictOut:
    """Store a verdict with the contact's score now; an agent (``agent_id`` set) only on a
    contact they handled, and ``alert_id`` only an alert raised on this contact."""
    with db.write_lock(), db.session() as session, session.begin():
        interaction = session.scalar(
            select(Interaction).where(Interaction.external_id == interaction_id)
        )
        if interaction is None:
            raise NotFound(f"no interaction {interaction_id!r}")
        if agent_id is not None and interaction.agent_id != agent_id:
            raise NotYourContact("an agent gives verdicts on their own contacts only")
        if verdict_in.alert_id is not None:
            alert = session.get(AlertRecord, verdict_in.alert_id)
            if alert is None:
                raise NotFound(f"no alert {verdict_in.alert_id}")
            if alert.interaction_id != interaction_id:
                raise Conflict(f"alert {alert.id} was raised on {alert.interaction_id!r}")
        score = interaction.mot_score
        logit = (interaction.assessment or {}).get("mot_logit")
        row = MomentVerdict(
            interaction_id=interaction.id, verdict=verdict_in.verdict,
            flagged=score is not None and score >= HIGH, mot_score=score,
            mot_logit=float(logit) if isinstance(logit, int | float) else None,
            alert_id=verdict_in.alert_id, given_by=given_by, role=role,
            note=(verdict_in.note or "").strip() or None, created_at=utcnow(),
        )  # fmt: skip
        session.add(row)
        session.flush()
        out = verdict_out(row, interaction_id)
    log.info(
        "verdict %s on %s by %s (%s): %s at score %s",
        out.verdict, interaction_id, given_by, role, out.reading, out.mot_score,
    )  # fmt: skip
    return out


def get_all(
    *,
    session: Session,
    interaction_id: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[VerdictOut]]:
    """Stored verdicts, newest first: one contact's, or all given since ``since``."""
    where = []
    if interaction_id is not None:
        where.append(Interaction.external_id == interaction_id)
    if since is not None:
        where.append(MomentVerdict.created_at >= since)
    query = select(MomentVerdict, Interaction.external_id).join(
        Interaction, Interaction.id == MomentVerdict.interaction_id
    )
    total = session.scalar(select(func.count()).select_from(query.where(*where).subquery()))
    rows = session.execute(
        query.where(*where).order_by(MomentVerdict.id.desc()).limit(limit).offset(offset)
    )
    return total or 0, [verdict_out(row, external) for row, external in rows]


def latest_by_interaction(*, session: Session, interaction_ids: list[str]) -> dict[str, str]:
    """Each listed contact's latest verdict (``moment`` or ``not_moment``), where it has one."""
    if not interaction_ids:
        return {}
    rows = session.execute(
        select(Interaction.external_id, MomentVerdict.verdict)
        .join(MomentVerdict, MomentVerdict.interaction_id == Interaction.id)
        .where(Interaction.external_id.in_(interaction_ids))
        .order_by(MomentVerdict.id)
    )
    return {external: verdict for external, verdict in rows}


def _without_logit_key(session: Session) -> ColumnElement[bool]:
    """The stored assessment has no ``mot_logit`` key at all (stored before Kairos kept it); a
    key holding null is a contact the semantic tier did not read. SQLite's JSON path reads both
    as NULL: ``json_type`` tells them apart."""
    if session.get_bind().dialect.name == "sqlite":
        return func.json_type(Interaction.assessment, "$.mot_logit").is_(None)
    return Interaction.assessment["mot_logit"].is_(None)


def contacts_of(
    *, session: Session, since: datetime, until: datetime
) -> tuple[list[calibration.Contact], int]:
    """The assessed contacts that started in [since, until), with what is known of each, and
    how many verdicts were given on them."""
    window = (Interaction.started_at >= since, Interaction.started_at < until)
    verdict_of: dict[int, bool] = {}
    verdicts = 0
    for interaction, verdict in session.execute(
        select(MomentVerdict.interaction_id, MomentVerdict.verdict)
        .join(Interaction, Interaction.id == MomentVerdict.interaction_id)
        .where(*window)
        .order_by(MomentVerdict.id)
    ):
        verdict_of[interaction] = verdict == "moment"
        verdicts += 1
    status_of: dict[int, str] = {
        interaction: status
        for interaction, status in session.execute(
            select(InteractionReview.interaction_id, InteractionReview.status)
            .join(Interaction, Interaction.id == InteractionReview.interaction_id)
            .where(*window)
        )
    }
    contacts = []
    # Only the one number out of each stored assessment: a week's JSON would not fit in memory.
    kept_logit = Interaction.assessment["mot_logit"].as_float()
    for interaction_id, score, logit, before in session.execute(
        select(Interaction.id, Interaction.mot_score, kept_logit, _without_logit_key(session))
        .where(*window, Interaction.mot_score.is_not(None))
    ):  # fmt: skip
        contacts.append(
            calibration.Contact(
                flagged=score >= HIGH,
                mot_logit=logit,
                verdict=verdict_of.get(interaction_id),
                review=status_of.get(interaction_id),
                stored_before_logit=bool(before),
            )
        )
    return contacts, verdicts


def calibrate(
    *,
    session: Session,
    since: datetime,
    until: datetime,
    base_rate: float,
    minimum: int = calibration.MIN_REVIEWED,
) -> CalibrationOut:
    """The flag over the contacts that started in [since, until) against the verdicts and the
    reviews, and the base rate that would have matched the truth (``outcomes.calibration``)."""
    contacts, verdicts = contacts_of(session=session, since=since, until=until)
    return calibration.calibrate(
        contacts, since=since, until=until, current_base_rate=base_rate, verdicts=verdicts,
        minimum=minimum,
    )  # fmt: skip
