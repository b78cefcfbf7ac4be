"""Every table, imported in one place so metadata and migrations see them all."""

from kairos.customers.models import Customer, CustomerIdentity, Fact
from kairos.db import Base
from kairos.interactions.models import AssessmentRecord, EventRecord, Interaction
from kairos.routing.models import Agent, Assignment, Queue, RoutingDecision  # noqa: F401

__all__ = [
    "Agent",
    "AssessmentRecord",
    "Base",
    "Customer",
    "CustomerIdentity",
    "EventRecord",
    "Fact",
    "Interaction",
    "Queue",
]
