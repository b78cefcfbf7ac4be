"""The missed-moments page and ``GET /v1/outcomes/missed`` read a page of moments in a fixed
number of statements, however many it lists (they read each moment's transcript and summary one
contact at a time before 2026-12-07: two to three statements a contact)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from tests.interactions.support import statements
from tests.web.floor import login

from kairos.db import Database
from kairos.interactions.models import EventRecord, Interaction
from kairos.outcomes.models import InteractionReview
from kairos.runtime import Runtime

SAID = (
    ("customer", "My flight was cancelled and I need to be at my mother's funeral tomorrow."),
    ("agent", "That's not my department, you'll have to call the airline."),
)


def seed_missed(db: Database, count: int, *, first: int = 0) -> None:
    """``count`` missed moments started in the last hours, each with its two turns and the
    evidence the review stored for them, as the review worker stores them."""
    now = datetime.now(UTC)
    with db.session() as session:
        for n in range(first, first + count):
            started = now - timedelta(hours=2, seconds=n)
            interaction = Interaction(
                external_id=f"many-{n:03d}", channel="chat", state="ended", started_at=started,
                ended_at=started + timedelta(minutes=5), last_event_at=started,
                reason="flight cancelled", event_count=len(SAID),
            )  # fmt: skip
            session.add(interaction)
            session.flush()
            for seq, (speaker, text) in enumerate(SAID, start=1):
                session.add(EventRecord(
                    event_id=f"many-{n:03d}-{seq}", interaction_id=interaction.id, seq=seq,
                    type="utterance", occurred_at=started + timedelta(seconds=seq),
                    payload={"speaker": speaker, "text": text},
                ))  # fmt: skip
            cue = {"kind": "stakes", "label": "bereavement", "text": "funeral", "weight": 0.8,
                   "event_id": f"many-{n:03d}-1"}  # fmt: skip
            deflection = {"kind": "deflection", "label": "deflect", "text": "not my department",
                          "event_id": f"many-{n:03d}-2", "start": 7, "end": 24}  # fmt: skip
            session.add(InteractionReview(
                interaction_id=interaction.id, agent_id="agent-ava", started_at=started,
                ended_at=interaction.ended_at, hindsight_score=0.9, live_score=0.2,
                status="missed", missed=True, customer_value=1 - n / 1000, model_version="test",
                reason="flight cancelled", behaviours=[deflection],
                evidence=[{"why": ["only seen in hindsight: not flagged while it happened"]}, cue],
            ))  # fmt: skip
        session.commit()


def test_the_missed_page_reads_a_page_in_the_same_statements_for_5_or_50_moments(
    client: TestClient, runtime: Runtime
) -> None:
    login(client, "sue")
    seed_missed(runtime.db, 5)
    client.get("/wallboard/missed?days=7")  # warm: the session, the vendored chart script
    with statements(runtime) as few:
        page = client.get("/wallboard/missed?days=7")
    assert page.status_code == 200 and page.text.count('<article class="missed-item"') == 5
    seed_missed(runtime.db, 95, first=5)
    with statements(runtime) as many:
        page = client.get("/wallboard/missed?days=7")
    assert page.status_code == 200 and page.text.count('<article class="missed-item"') == 50
    # Each listed moment still has its summary and its evidence in the transcript.
    assert page.text.count('data-testid="summary"') == 50
    assert page.text.count("Evidence in the transcript (2 turns)") == 50
    assert len(many) == len(few), (len(few), len(many))


def test_the_missed_list_reads_200_moments_in_the_statements_it_reads_10_in(
    client: TestClient, runtime: Runtime
) -> None:
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    seed_missed(runtime.db, 10)
    with statements(runtime) as few:
        answer = client.get("/v1/outcomes/missed", params={"since": since, "limit": 500})
    assert answer.json()["total"] == 10
    seed_missed(runtime.db, 190, first=10)
    with statements(runtime) as many:
        answer = client.get("/v1/outcomes/missed", params={"since": since, "limit": 500})
    items = answer.json()["items"]
    assert len(items) == 200
    assert all([t["seq"] for t in m["transcript"]] == [1, 2] for m in items)
    assert len(many) == len(few), (len(few), len(many))
