"""A transcript segment that arrives after the call's end event: listed where it was said (not
after the end) on the timeline and the desktop, and the post-call review is made again with it.
A voice platform's webhook says when each segment was said (``at``); Contact Lens says where in
the contact (``BeginOffsetMillis``)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.channels.lens_support import event, kinesis
from tests.channels.lens_support import transcript as lens_transcript

from kairos.interactions import service as interaction_service
from kairos.runtime import Runtime
from kairos.web.desktop import transcript

CALL = "CA-late-1"
IID = f"call:{CALL}"
LATE = "I need the refund by 5pm today or I lose my booking, this is the third time I call!!"


def _post(client: TestClient, *items: dict[str, Any]) -> None:
    response = client.post("/v1/channels/voice", json={"call_id": CALL, "events": list(items)})
    assert response.status_code == 200, response.text


def _said(segment: str, text: str, at: str) -> dict[str, Any]:
    return {"type": "transcript", "segment_id": segment, "speaker": "customer", "text": text,
            "at": at}  # fmt: skip


def test_a_late_segment_stands_where_it_was_said_and_is_reviewed(
    client: TestClient, runtime: Runtime
) -> None:
    _post(
        client,
        {"type": "call.started", "id": "s", "at": "2026-12-06T09:00:00Z", "from": "+14155550124"},
        _said("seg-1", "hello, I am calling about my refund", "2026-12-06T09:00:10Z"),
        _said("seg-3", "ok thanks, bye", "2026-12-06T09:04:50Z"),
        {"type": "call.ended", "id": "end", "at": "2026-12-06T09:05:00Z", "resolved": True},
    )
    first = client.get(f"/v1/interactions/{IID}/review")
    assert first.status_code == 200, first.text
    # The platform's recogniser delivers a segment said mid-call after the end event.
    _post(client, _said("seg-2", LATE, "2026-12-06T09:02:00Z"))
    detail = client.get(f"/v1/interactions/{IID}").json()
    said = [(e["type"], e["body"].get("text")) for e in detail["timeline"]]
    assert [t for t, _ in said] == [
        "interaction.started", "utterance", "utterance", "utterance", "interaction.ended"
    ]  # fmt: skip
    assert said[2] == ("utterance", LATE)  # between the first and the last words, by its time
    late_seq = next(e["seq"] for e in detail["timeline"] if e["body"].get("text") == LATE)
    assert late_seq == max(e["seq"] for e in detail["timeline"])  # it was applied last
    with runtime.db.session() as session:
        interaction = interaction_service.get_by_external_id(session=session, interaction_id=IID)
        assert interaction is not None
        lines = [(line.who, line.text) for line in transcript(session, interaction)]
    assert lines.index(("customer", LATE)) < lines.index(("system", "ended"))
    assert lines.index(("customer", LATE)) < lines.index(("customer", "ok thanks, bye"))
    # The review is made again with the late words: they are its evidence now.
    again = client.get(f"/v1/interactions/{IID}/review").json()
    late_id = next(e["event_id"] for e in detail["timeline"] if e["body"].get("text") == LATE)
    assert any(e.get("event_id") == late_id for e in again["evidence"]), again["evidence"]
    assert again["hindsight_score"] > first.json()["hindsight_score"]


def test_a_contact_lens_segment_is_placed_by_its_offset_in_the_contact(client: TestClient) -> None:
    contact = "7a3c1f52-0f4e-4d35-9b0e-52c6a1d2e0aa"

    def push(record: dict[str, Any], arrived_s: int) -> None:
        response = client.post(
            "/v1/channels/contact-lens", json={"Records": [kinesis(record, arrived_s)]}
        )
        assert response.status_code == 200, response.text

    push(event("STARTED", contact=contact), 0)
    push(
        event(
            "SEGMENTS", lens_transcript("t-1", "CUSTOMER", "hello there", 5_000), contact=contact
        ),
        10,
    )
    push(event("COMPLETED", contact=contact), 120)
    # Said a minute into the contact, delivered three minutes after its end.
    push(event("SEGMENTS", lens_transcript("t-2", "CUSTOMER", LATE, 60_000), contact=contact), 300)
    timeline = client.get(f"/v1/interactions/connect:{contact}").json()["timeline"]
    assert [(e["type"], e["body"].get("text")) for e in timeline] == [
        ("interaction.started", None),
        ("utterance", "hello there"),
        ("utterance", LATE),
        ("interaction.ended", None),
    ]
    start = timeline[0]["occurred_at"]
    assert (
        timeline[1]["occurred_at"] > start
        and timeline[2]["occurred_at"] < timeline[3]["occurred_at"]
    )


def test_a_body_of_late_segments_is_reviewed_once_not_once_a_segment(
    client: TestClient, runtime: Runtime
) -> None:
    """A recogniser that transcribes after the call sends its whole transcript after the end:
    one review reads it all; one per segment would replay the call once a segment."""
    _post(
        client,
        {"type": "call.started", "id": "s", "at": "2026-12-06T09:00:00Z", "from": "+14155550125"},
        {"type": "call.ended", "id": "end", "at": "2026-12-06T09:10:00Z", "resolved": True},
    )
    reviews: list[str] = []
    runtime.bus.listen(
        lambda topic, body: reviews.append(str(body.get("interaction_id"))), "outcomes"
    )
    late = [_said(f"seg-{i}", f"{LATE} ({i})", f"2026-12-06T09:0{i}:00Z") for i in range(1, 7)]
    _post(client, *late)
    assert reviews.count(IID) == 1
    evidence = client.get(f"/v1/interactions/{IID}/review").json()["evidence"]
    assert evidence  # made with the late words
    _post(client, _said("seg-9", "and one more thing", "2026-12-06T09:09:00Z"))
    assert reviews.count(IID) == 2  # a later request brings news: reviewed again
