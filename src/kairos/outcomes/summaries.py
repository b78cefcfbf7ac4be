"""A stored contact's summary (:mod:`kairos.outcomes.summary`) read from its event log: every
line linked to the turn it came from on the interaction's page."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.interactions import service as interaction_service
from kairos.interactions.edits import in_place
from kairos.interactions.models import EventRecord, Interaction
from kairos.outcomes.schemas import SummaryLineOut, SummaryOut
from kairos.outcomes.summary import HEADINGS, Turn, summarize


def _turns(said: Sequence[EventRecord]) -> list[Turn]:
    """Utterances as summary turns (customer or agent), in order; an edited message once, with
    its last text, in its place."""
    out = []
    for row in in_place(
        said, event_id=lambda r: r.event_id, edit_of=lambda r: r.payload.get("edit_of")
    ):
        speaker = str(row.payload.get("speaker", ""))
        if speaker in ("customer", "agent"):
            out.append(Turn(speaker, str(row.payload.get("text", "")), row.event_id, row.seq))
    return out


def turns_of(session: Session, interaction: Interaction) -> list[Turn]:
    """The interaction's utterances as summary turns (customer or agent), in order; an edited
    message once, with its last text, in its place."""
    return _turns(
        [
            row
            for row in interaction_service.timeline(session=session, interaction=interaction)
            if row.type == "utterance"
        ]
    )


def summary_for(*, session: Session, interaction: Interaction) -> SummaryOut:
    """The summary of the interaction as it stands (ended or not)."""
    return _summary(interaction, turns_of(session, interaction))


def summaries_for(*, session: Session, interaction_ids: Collection[str]) -> dict[str, SummaryOut]:
    """The summaries of many interactions (by channel id) in two queries, whatever their number:
    the missed-moments page lists 50 at a time. An unknown id has none."""
    if not interaction_ids:
        return {}
    interactions = session.scalars(
        select(Interaction).where(Interaction.external_id.in_(list(interaction_ids)))
    ).all()
    said: dict[int, list[EventRecord]] = {i.id: [] for i in interactions}
    # The order the timeline reads utterances in (its start, first, is not an utterance).
    for row in session.scalars(
        select(EventRecord)
        .where(EventRecord.interaction_id.in_(list(said)), EventRecord.type == "utterance")
        .order_by(EventRecord.interaction_id, EventRecord.occurred_at, EventRecord.seq)
    ):
        said[row.interaction_id].append(row)
    return {i.external_id: _summary(i, _turns(said[i.id])) for i in interactions}


def _summary(interaction: Interaction, turns: list[Turn]) -> SummaryOut:
    resolved = (interaction.outcome or {}).get("resolved")
    known = resolved if isinstance(resolved, bool) else None
    summary = summarize(turns, resolved=known)
    page = f"/interactions/{interaction.external_id}"
    return SummaryOut(
        interaction_id=interaction.external_id,
        ended=interaction.state == "ended",
        resolved=known,
        text=summary.text,
        lines=[
            SummaryLineOut(
                part=line.part,
                heading=HEADINGS[line.part],
                text=line.text,
                speaker=line.speaker,
                event_id=line.event_id,
                when=line.when,
                evidence=f"{page}#event-{line.seq}" if line.seq is not None else None,
            )
            for line in summary.lines
        ],
    )
