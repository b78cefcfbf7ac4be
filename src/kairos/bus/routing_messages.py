"""Routing's bus messages: placements by the queue mapping, decisions and push offers.
Imported through :mod:`kairos.bus.messages` like every other message."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import JsonValue

from kairos.bus.message_base import IsoTime, Message


class InteractionQueued(Message):
    """The queue mapping placed an interaction: in ``queue``, or in none (``note`` says why)."""

    topic: ClassVar[str] = "interactions"
    type: Literal["interaction.queued"] = "interaction.queued"
    interaction_id: str
    queue: str | None
    note: str


class RoutingDecided(Message):
    """A waiting interaction went to an agent: the stored decision (also the API's answer)."""

    topic: ClassVar[str] = "routing"
    type: Literal["routing.decided"] = "routing.decided"
    id: int
    interaction_id: str
    agent_id: str
    queue: str | None
    policy: str
    score: float
    moment_of_truth: bool
    empowered_handling: bool
    reasons: list[dict[str, JsonValue]]
    inputs: dict[str, JsonValue]
    model_version: str | None
    decided_at: datetime
    summary: str = ""
    """The reasons in plain words ("moment of truth: travel disruption, ...; you: certified")."""


class RoutingOffered(Message):
    """Push: routing offers a waiting interaction to a free agent, who accepts or declines."""

    topic: ClassVar[str] = "routing"
    type: Literal["routing.offered"] = "routing.offered"
    offer_id: str
    interaction_id: str
    agent_id: str
    queue: str | None
    channel: str
    moment_of_truth: bool
    summary: str
    reasons: list[dict[str, JsonValue]]
    offered_at: IsoTime
    expires_at: IsoTime
    #: The customer's other contacts, in progress or ended lately (``interaction_id``,
    #: ``channel``, ``state``, ``agent_id``, ``words``): the same person on another channel.
    same_customer: list[dict[str, JsonValue]] = []


class RoutingOfferEnded(Message):
    """An offer is over: accepted (the decision is stored), declined, expired or withdrawn."""

    topic: ClassVar[str] = "routing"
    type: Literal["routing.offer_ended"] = "routing.offer_ended"
    offer_id: str
    interaction_id: str
    agent_id: str
    outcome: Literal["accepted", "declined", "expired", "withdrawn"]


class QueueCreated(Message):
    """A routing queue was added (contacts may already wait in it by name)."""

    topic: ClassVar[str] = "routing"
    type: Literal["queue.created"] = "queue.created"
    name: str
    policy: str
