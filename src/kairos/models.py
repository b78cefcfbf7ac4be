"""Every table, imported in one place so metadata and migrations see them all."""

from kairos.customers.models import Customer, CustomerIdentity, Fact
from kairos.db import Base
from kairos.interactions.models import AssessmentRecord, EventRecord, Interaction
from kairos.routing.models import Agent, Queue

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
