"""Every table, imported in one place so metadata and migrations see them all."""

from kairos.assist.models import Playbook, PlaybookRevision  # noqa: F401
from kairos.auth.models import Team, TeamMember, User  # noqa: F401
from kairos.channels.models import AudioHookBeginning  # noqa: F401
from kairos.customers.models import Customer, CustomerIdentity, Fact
from kairos.db import Base
from kairos.interactions.models import AssessmentRecord, EventRecord, Interaction
from kairos.messages.models import KeyMessage  # noqa: F401
from kairos.outcomes.models import (  # noqa: F401
    FeedbackAction,
    FeedbackTheme,
    InteractionReview,
    MomentVerdict,
    OutreachRule,
    OutreachTask,
    SurveyAnswer,
    WrapUp,
)
from kairos.routing.models import Agent, Assignment, Queue, RoutingDecision  # noqa: F401
from kairos.security.models import ApiToken, AuditEntry  # noqa: F401

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
