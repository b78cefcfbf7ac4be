"""Ingest's checks: everything in a request is checked before anything is written, and one
bad event refuses the whole request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, defer

from kairos.errors import AgentVoiceRefused, Conflict, Forbidden, UnknownInteraction
from kairos.events import AGENT_VOICE_NOTICE, AudioSegment, Event, InteractionStarted
from kairos.interactions import write_path
from kairos.interactions.models import EventRecord, Interaction
from kairos.interactions.schemas import EventAck


def no_agent_voice(events: list[Event]) -> None:
    """Refuse the whole request if it carries analysis of anyone's voice but the customer's.

    Emotion recognition of a worker is prohibited (EU AI Act, Article 5(1)(f)): an agent's (or a
    bot's) ``audio.segment`` is never stored, whatever sent it.
    """
    agent_voice = [
        e.event_id for e in events if isinstance(e, AudioSegment) and e.speaker != "customer"
    ]
    if agent_voice:
        raise AgentVoiceRefused(
            f"{AGENT_VOICE_NOTICE}; audio.segment {agent_voice[0][:80]!r} is not the customer's",
            errors=[  # each named by its field, as every refusal's (the schema's ErrorBody)
                {"event_id": i, "field": "speaker", "message": "speaker must be customer"}
                for i in agent_voice[:20]
            ],
        )


def same_source(
    events: list[Event],
    interactions: dict[str, Interaction],
    escalated: dict[str, Interaction],
    source: str | None,
) -> None:
    """Refuse the whole request if an event source's token names another source's interaction
    (as the one its events are about, or as the one an escalation continues).

    Interactions no source started (an agent's, a page's, or older than source tagging) stay
    open to every source. The refusal names neither the other source nor its interaction's data.
    """
    if source is None:
        return

    def other(interaction: Interaction | None) -> bool:
        return interaction is not None and interaction.source not in (None, source)

    refused = [
        {"index": index, "event_id": e.event_id, "interaction_id": e.interaction_id}
        for index, e in enumerate(events)
        if other(interactions.get(e.interaction_id))
        or (
            isinstance(e, InteractionStarted)
            and e.escalation is not None
            and other(escalated.get(e.escalation.source))
        )
    ]
    if refused:
        raise Forbidden(
            f"{len(refused)} events name interactions another event source started; an event "
            "source's token may only send to its own source's interactions; nothing was applied",
            errors=[{**r, "message": "another event source's interaction"} for r in refused[:20]],
        )


def escalation_sources(
    session: Session, events: list[Event]
) -> tuple[dict[str, Interaction], set[int]]:
    """The interactions that escalations in ``events`` continue, and those already escalated."""
    wanted = sorted(
        {e.escalation.source for e in events if isinstance(e, InteractionStarted) and e.escalation}
    )
    if not wanted:
        return {}, set()
    sources = {
        i.external_id: i
        for i in session.scalars(
            select(Interaction).where(Interaction.external_id.in_(wanted)).with_for_update()
        )
    }
    ids = [i.id for i in sources.values()]
    taken = set(
        session.scalars(
            select(Interaction.escalated_from_id).where(Interaction.escalated_from_id.in_(ids))
        )
    )
    return sources, {i for i in taken if i is not None}


def _check_escalation(
    event: InteractionStarted,
    sources: dict[str, Interaction],
    taken: set[int],
    where: dict[str, Any],
) -> dict[str, Any] | None:
    """Why this escalation cannot be applied, or None."""
    assert event.escalation is not None
    source = sources.get(event.escalation.source)
    field = {**where, "field": "escalation.source"}
    if source is None:
        return {**field, "message": "unknown interaction: nothing to continue"}
    if source.channel == "call":
        return {**field, "message": "a call is escalated by a transfer, not a new call"}
    if source.id in taken:
        return {**field, "message": "this interaction was escalated already"}
    taken.add(source.id)
    return None


def reused(event: Event, owner: tuple[str, str]) -> str | None:
    """Why a repeated ``event_id`` is not a repeat of the same event (another interaction's, or
    another type of event), or None when it is one. The other interaction is not named: it may
    be another event source's."""
    interaction_id, kind = owner
    if interaction_id != event.interaction_id:
        problem = "already names an event of another interaction"
    elif kind != event.type:
        problem = f"already names this interaction's {kind} event"
    else:
        return None
    return f"this event_id {problem}: give every event its own id (nothing was applied)"


def check_all(
    events: list[Event],
    existing: dict[str, tuple[str, str]],
    interactions: dict[str, Interaction],
    sources: dict[str, Interaction],
    taken: set[int],
    *,
    park: bool = False,
) -> tuple[list[EventAck], list[Event], list[Event]]:
    """The acknowledgements, the events to apply and the early ones to park; raises when any
    event cannot be applied.

    ``existing`` maps each stored event id of the request to its interaction and type: a repeat
    of the same event is acknowledged as a duplicate, an id reused for another event a conflict.
    ``park``: an event naming an interaction not started (here or before) is acknowledged
    ``parked`` and returned to wait for its start; else the request is refused with 404.
    """
    seen: dict[str, tuple[str, str]] = {}
    starting: set[str] = set()
    # An interaction this request starts is known to every event of it, before its start too.
    started_here = {e.interaction_id for e in events if isinstance(e, InteractionStarted)}
    unknown: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    acks: list[EventAck] = []
    fresh: list[Event] = []
    for index, event in enumerate(events):
        where = {"index": index, "event_id": event.event_id, "interaction_id": event.interaction_id}
        owner = seen.get(event.event_id) or existing.get(event.event_id)
        if owner is not None:
            misuse = reused(event, owner)
            if misuse is not None:
                conflicts.append({**where, "field": "event_id", "message": misuse})
            acks.append(EventAck(event_id=event.event_id, status="duplicate"))
            continue
        seen[event.event_id] = (event.interaction_id, event.type)
        acks.append(EventAck(event_id=event.event_id, status="applied"))
        fresh.append(event)
        if isinstance(event, InteractionStarted):
            if event.interaction_id in interactions or event.interaction_id in starting:
                conflicts.append(
                    {
                        **where,
                        "field": "interaction_id",
                        "message": "this interaction was already started by another event",
                    }
                )
            starting.add(event.interaction_id)
            if event.escalation is not None:
                problem = _check_escalation(event, sources, taken, where)
                if problem is not None:
                    conflicts.append(problem)
        elif event.interaction_id not in interactions and event.interaction_id not in started_here:
            unknown.append(
                {
                    **where,
                    "field": "interaction_id",
                    "message": "unknown interaction: send interaction.started first",
                }
            )
    if conflicts:
        raise Conflict(
            f"{len(conflicts)} events conflict with stored interactions; nothing was applied",
            errors=conflicts + unknown,
        )
    if unknown and not park:
        raise UnknownInteraction(
            f"{len(unknown)} events name interactions that were never started; nothing was applied",
            errors=unknown,
        )
    early_ids = {u["event_id"] for u in unknown}
    early = [e for e in fresh if e.event_id in early_ids]
    for ack in acks:
        if ack.event_id in early_ids:
            ack.status = "parked"
    return acks, _starts_first([e for e in fresh if e.event_id not in early_ids]), early


def _starts_first(fresh: list[Event]) -> list[Event]:
    """``fresh`` with each ``interaction.started`` moved before its interaction's other events
    (a sender that batched them out of order), the rest in the order sent."""
    late: dict[str, Event] = {}
    seen: set[str] = set()
    for event in fresh:
        if isinstance(event, InteractionStarted) and event.interaction_id in seen:
            late[event.interaction_id] = event
        seen.add(event.interaction_id)
    if not late:
        return fresh
    moved = {id(start) for start in late.values()}
    ordered: list[Event] = []
    for event in fresh:
        if id(event) in moved:
            continue
        start = late.pop(event.interaction_id, None)
        if start is not None:
            ordered.append(start)
        ordered.append(event)
    return ordered


_CHUNK = 500


def _chunks(items: Sequence[str]) -> list[Sequence[str]]:
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]


# Built once (a statement built per request cost more than running it): the ids go in as one
# expanding parameter.
_STORED_IDS = select(EventRecord.event_id).where(
    EventRecord.event_id.in_(bindparam("ids", expanding=True))
)
# The interaction and type of stored events: read only for ids a request repeats.
_STORED_OWNERS = (
    select(EventRecord.event_id, Interaction.external_id, EventRecord.type)
    .join(Interaction, Interaction.id == EventRecord.interaction_id)
    .where(EventRecord.event_id.in_(bindparam("ids", expanding=True)))
)
# Row locks (PostgreSQL) keep the per-interaction sequence numbers gap-free and ordered when two
# requests feed the same interaction at once. The latest assessment (a JSON document of 2 kB or
# so) is not read: ingest only replaces it, and decoding it cost more than the rest of the row.
_LOCKED = (
    select(Interaction)
    .options(defer(Interaction.assessment))
    .where(Interaction.external_id.in_(bindparam("ids", expanding=True)))
    .with_for_update()
)


def stored_event_ids(session: Session, ids: list[str]) -> set[str]:
    """Which of these event ids are stored already (a repeat is acknowledged, not applied)."""
    existing: set[str] = set()
    for chunk in _chunks(ids):
        # Plain ids, no objects: the Core path on the transaction's connection.
        existing.update(session.connection().execute(_STORED_IDS, {"ids": list(chunk)}).scalars())
    return existing


def stored_owners(session: Session, ids: set[str]) -> dict[str, tuple[str, str]]:
    """The interaction (external id) and type of each of these stored events, by event id."""
    owners: dict[str, tuple[str, str]] = {}
    for chunk in _chunks(sorted(ids)):
        rows = session.connection().execute(_STORED_OWNERS, {"ids": list(chunk)})
        owners.update((event_id, (interaction, kind)) for event_id, interaction, kind in rows)
    return owners


def locked_interactions(session: Session, external_ids: list[str]) -> dict[str, Interaction]:
    """The interactions these events name that exist, row-locked, by external id."""
    interactions: dict[str, Interaction] = {}
    for chunk in _chunks(external_ids):
        rows = session.scalars(_LOCKED, {"ids": list(chunk)})
        interactions.update((i.external_id, i) for i in rows)
    return interactions


def stored_and_locked(
    session: Session, events: list[Event]
) -> tuple[set[str], dict[str, Interaction]]:
    """:func:`stored_event_ids` and :func:`locked_interactions` of a request's events: for one
    event about a stored interaction, read in one statement."""
    if len(events) == 1:
        event = events[0]
        # Driver SQL compiled once (``write_path``): the ORM's read cost twice the statement.
        found = write_path.locked_one(session, event.event_id, event.interaction_id)
        if found is not None:
            interaction, stored = found
            return ({event.event_id} if stored else set()), {interaction.external_id: interaction}
    existing = stored_event_ids(session, [e.event_id for e in events])
    return existing, locked_interactions(session, sorted({e.interaction_id for e in events}))
