"""The pages' panels that come from other packages: guidance (playbook, key messages, coaching)
from :mod:`kairos.assist`, the day's figures from :mod:`kairos.outcomes`, key messages from
:mod:`kairos.messages`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kairos.assist import service as assist_service
from kairos.messages import service as message_service
from kairos.outcomes import figures as outcome_figures
from kairos.outcomes import summaries
from kairos.web.desktop import InteractionView


def for_interaction(*, session: Session, view: InteractionView) -> dict[str, Any]:
    """Playbook, matching key messages, coaching nudges and the contact's summary."""
    guidance = assist_service.guidance(session=session, interaction_id=view.interaction.external_id)
    return {
        "playbook": guidance.playbook,
        "key_messages": guidance.key_messages,
        "coaching": guidance.nudges,
        "situation": guidance.situation,
        "summary": summaries.summary_for(session=session, interaction=view.interaction),
    }


def for_wallboard(*, session: Session, timezone: str) -> dict[str, Any]:
    """The day's figures (today in the centre's ``timezone``, as the trends and
    ``/v1/outcomes/today`` count it) and the active key messages for the wallboard."""
    return {
        "figures": outcome_figures.day_figures(session=session, timezone=timezone),
        "key_messages": message_service.get_active(session=session),
    }
