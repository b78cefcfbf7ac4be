"""A thread escalated to a call is one moment of truth: the call carries the thread on.

The thread's review reads the call as the rest of the conversation (its words after the
thread's, its wrap-up and survey as the moment's ending: the call is where it ended), and names
it. The call's own review is kept (its behaviours, its handle time) with the status
``continued``: it counts no moment of its own, so the customer's moment counts once, on the day
and hour the thread started, in the day's figures, the missed list, the scorecards and the report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.interactions import service as interaction_service
from kairos.interactions.models import Interaction
from kairos.outcomes.review import Known

#: The status of the review of a call that carries a thread's moment on (counted on the thread).
CONTINUED = "continued"


def call_of(session: Session, thread: Interaction) -> Interaction | None:
    """The call that carries ``thread`` on, if it was escalated to one."""
    return interaction_service.get_escalated_to(session=session, interaction=thread)


def thread_of(session: Session, call: Interaction) -> Interaction | None:
    """The thread ``call`` carries on, if it is an escalation's call."""
    return interaction_service.get_escalated_from(session=session, interaction=call)


def has_ended(session: Session, interaction: Interaction) -> bool:
    """Whether the contact is over: ended, or escalated to a call that has ended (an escalated
    thread goes on as the call and may never be ended on its own)."""
    if interaction.state == "ended":
        return True
    if interaction.state != "escalated":
        return False
    call = call_of(session, interaction)
    return call is not None and call.state == "ended"


def with_call(known: Known, call_known: Known | None) -> Known:
    """What is known of the moment's ending: the call's, where it says something (it is where
    the moment ended), else the thread's; handled as a moment if either was."""
    if call_known is None:
        return known

    def latest(name: str) -> Any:
        said = getattr(call_known, name)
        return said if said is not None else getattr(known, name)

    return replace(
        known,
        resolved=latest("resolved"),
        confirmed_by_customer=latest("confirmed_by_customer"),
        csat=latest("csat"),
        nps=latest("nps"),
        survey_text=latest("survey_text"),
        handled_as_moment=known.handled_as_moment or call_known.handled_as_moment,
    )


def carried_on(
    session: Session,
    thread: Interaction,
    rows: Sequence[Any],
    read: Callable[[Interaction], tuple[Sequence[Any], Known]],
) -> tuple[list[Any], Interaction | None, Known | None]:
    """The thread's utterances followed by its call's, the call, and what the call knows of the
    ending (``read``: the call's utterances and its ``Known``); the thread's alone without one."""
    call = call_of(session, thread)
    if call is None:
        return list(rows), None, None
    said, known = read(call)
    return [*rows, *said], call, known


def name_or_continue(
    session: Session, values: dict[str, Any], interaction: Interaction, call: Interaction | None
) -> None:
    """Name the call in a thread's review values; make a call's those of a continuation."""
    if call is not None:
        name_call(values, call)
    thread = thread_of(session, interaction)
    if thread is not None:
        as_continued(values, thread)


def thread_to_review(session: Session, call_id: str) -> str | None:
    """The thread a call carries on, by its channel id, when it is over and may be reviewed."""
    call = session.scalar(select(Interaction).where(Interaction.external_id == call_id))
    thread = thread_of(session, call) if call is not None else None
    return thread.external_id if thread is not None and has_ended(session, thread) else None


def as_continued(values: dict[str, Any], thread: Interaction) -> None:
    """Make a call's review values those of a call that carries ``thread``'s moment on."""
    values.update(status=CONTINUED, missed=False)
    values["evidence"] = [
        {"why": [f"carries on {thread.channel} {thread.external_id}: the moment is counted there"]},
        *[e for e in values["evidence"] if "why" not in e],
    ]


def name_call(values: dict[str, Any], call: Interaction) -> None:
    """Add to a thread's review values the call that carried it on."""
    for item in values["evidence"]:
        if "why" in item:
            item["why"] = [*item["why"], f"escalated to a call, {call.external_id}: read with it"]
            return
