"""Which stored interactions are contacts that took place, for every count of contacts.

Outreach (a follow-up, a check-in) starts its calls as interactions whose ids carry
:data:`OUTREACH_PREFIX`. One withdrawn before any agent took it (the moment turned out won, the
customer opted out) is ended with the disposition :data:`WITHDRAWN`: nobody was called, so it
is no contact in the day's figures, the report or the plan's history.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_

from kairos.interactions.models import Interaction

#: Outreach task interactions carry this prefix: they are never a customer's recontact.
OUTREACH_PREFIX = "outreach-"

#: The disposition of an outreach call withdrawn before anyone took it: no contact took place.
WITHDRAWN = "withdrawn"


def took_place() -> ColumnElement[bool]:
    """True for an interaction that is a contact: every one but a withdrawn outreach call."""
    disposition = func.coalesce(Interaction.outcome["disposition"].as_string(), "")
    return or_(
        Interaction.external_id.not_like(f"{OUTREACH_PREFIX}%"),
        disposition != WITHDRAWN,
    )


def never_happened(interaction: Interaction) -> bool:
    """Whether this is an outreach call withdrawn before any agent took it (no moment to count)."""
    outcome = interaction.outcome or {}
    return outcome.get("disposition") == WITHDRAWN and interaction.external_id.startswith(
        OUTREACH_PREFIX
    )
