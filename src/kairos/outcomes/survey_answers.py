"""What a contact's survey answers say, read once for the review and the day's figures alike.

A customer may answer more than once (the signed link, then the platform's survey, then a
comment by API), and an answer may hold only part of the survey: an NPS with no CSAT, a comment
alone. Each of CSAT, NPS and the comment is the latest answer that gives it, so a later answer
without a CSAT never wipes out the CSAT an earlier one gave, and a contact's CSAT counts once in
an average however many answers it has.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.interactions.models import Interaction
from kairos.outcomes.models import SurveyAnswer


@dataclass(frozen=True, slots=True)
class SurveySaid:
    """A contact's survey, each part from the latest answer that gives it."""

    csat: int | None = None
    nps: int | None = None
    text: str | None = None
    answers: int = 0


def _merge(rows: Iterable[tuple[int | None, int | None, str | None]]) -> SurveySaid:
    """Rows newest first: each part from the first row that gives it."""
    csat: int | None = None
    nps: int | None = None
    text: str | None = None
    count = 0
    for row_csat, row_nps, row_text in rows:
        count += 1
        csat = row_csat if csat is None else csat
        nps = row_nps if nps is None else nps
        text = row_text if text is None and row_text else text
    return SurveySaid(csat=csat, nps=nps, text=text, answers=count)


def said(session: Session, interaction_pk: int) -> SurveySaid:
    """What the interaction's survey answers say (none: every part None, ``answers`` 0)."""
    rows = session.execute(
        select(SurveyAnswer.csat, SurveyAnswer.nps, SurveyAnswer.text)
        .where(SurveyAnswer.interaction_id == interaction_pk)
        .order_by(SurveyAnswer.id.desc())
    ).all()
    return _merge((r.csat, r.nps, r.text) for r in rows)


def csat_of_contacts_started(session: Session, start: datetime, end: datetime) -> list[int]:
    """One CSAT per contact started in ``[start, end)`` that has one: its latest."""
    rows = session.execute(
        select(SurveyAnswer.interaction_id, SurveyAnswer.csat)
        .join(Interaction, Interaction.id == SurveyAnswer.interaction_id)
        .where(
            Interaction.started_at >= start,
            Interaction.started_at < end,
            SurveyAnswer.csat.is_not(None),
        )
        .order_by(SurveyAnswer.interaction_id, SurveyAnswer.id.desc())
    ).all()
    latest: dict[int, int] = {}
    for interaction_pk, csat in rows:
        if csat is not None:
            latest.setdefault(interaction_pk, int(csat))
    return list(latest.values())
