"""Contacts assessed before Kairos kept ``mot_logit`` (2026-12-06): the calibration says how many
of the window they are and why they cannot be re-thresholded, instead of a bare refusal."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.factories import ended, started, utterance
from tests.outcomes.conftest import post_events, recent
from tests.outcomes.support import TEXTS

from kairos.interactions.models import Interaction
from kairos.runtime import Runtime


def _forget_logits(runtime: Runtime, prefix: str) -> None:
    """Store these contacts' assessments as Kairos did before it kept mot_logit."""
    with runtime.db.session() as session, session.begin():
        for interaction in session.scalars(
            select(Interaction).where(Interaction.external_id.startswith(prefix))
        ):
            kept = dict(interaction.assessment or {})
            kept.pop("mot_logit", None)
            interaction.assessment = kept


def _post_contacts(client: TestClient, kind: str, count: int) -> None:
    phones = iter(range(2000 + 100 * len(kind), 3000))
    for n in range(count):
        cid = f"{kind}-{n}"
        start = started(cid, phone=f"+1415555{next(phones)}")
        post_events(client, recent([start, utterance(cid, TEXTS[kind], seconds=5), ended(cid)]))


def _reviewed_window(client: TestClient) -> None:
    """30 flagged contacts, each judged a moment of truth, and 30 routine ones."""
    _post_contacts(client, "furious", 30)
    _post_contacts(client, "routine", 30)
    for n in range(30):
        said = client.post(f"/v1/interactions/furious-{n}/verdicts", json={"verdict": "moment"})
        assert said.status_code == 201, said.text


def test_a_window_stored_before_mot_logit_is_refused_saying_how_many_and_why(
    client: TestClient, runtime: Runtime
) -> None:
    _reviewed_window(client)
    fresh = client.get("/v1/outcomes/calibration").json()
    assert fresh["rescorable"] == 60 and fresh["stored_before_logit"] == 0
    assert fresh["recommended"] is not None
    _forget_logits(runtime, "")
    old = client.get("/v1/outcomes/calibration").json()
    assert (old["contacts"], old["rescorable"], old["stored_before_logit"]) == (60, 0, 60)
    assert old["recommended"] is None
    assert old["refused"].startswith("none of the 60 contacts can be re-thresholded: 60 were")
    assert "the base rate they were scored at was not stored" in old["refused"]


def test_a_mixed_window_counts_the_contacts_kept_at_their_stored_flag(
    client: TestClient, runtime: Runtime
) -> None:
    _reviewed_window(client)
    _forget_logits(runtime, "routine-1")  # routine-1 and routine-10 .. routine-19
    mixed = client.get("/v1/outcomes/calibration").json()
    assert (mixed["rescorable"], mixed["stored_before_logit"]) == (49, 11)
    assert mixed["recommended"] is not None
