"""The contact summary: the four parts from what was said, each line with its evidence; the API
serves it with links to the turns."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from kairos.outcomes.summary import Turn, lead, sentences, summarize

CALL = [
    Turn("customer", "Hello. My flight to Denver was cancelled, I must be there by 7 tonight.",
         "u1", 2),
    Turn("agent", "I'm sorry to hear that. Let me look.", "u2", 3),
    Turn("agent", "I have rebooked you on the 4:10 flight with a window seat.", "u3", 4),
    Turn("agent", "I will email you the new boarding pass within 10 minutes.", "u4", 5),
    Turn("customer", "Thanks. But my bag is still checked on the old flight?", "u5", 6),
]  # fmt: skip


def test_the_four_parts_with_their_evidence() -> None:
    summary = summarize(CALL)
    parts = {line.part: line for line in summary.lines}
    assert parts["needed"].text.startswith("My flight to Denver was cancelled")
    assert parts["needed"].event_id == "u1" and parts["needed"].seq == 2
    assert parts["done"].text == "I have rebooked you on the 4:10 flight with a window seat."
    assert parts["promised"].event_id == "u4" and parts["promised"].when == "within 10 minutes"
    assert parts["open"].text == "But my bag is still checked on the old flight?"
    assert [line.part for line in summary.lines] == ["needed", "done", "promised", "open"]
    # Every line is a sentence somebody said, word for word.
    said = {s for t in CALL for s in sentences(t.text)}
    assert all(line.text in said for line in summary.lines)
    assert "open" not in {line.part for line in summarize(CALL, resolved=True).lines}


def test_greetings_are_never_a_summary_and_the_baseline_is_the_first_sentences() -> None:
    assert sentences("Hi. Thanks! Ok. I need a new card please.") == ["I need a new card please."]
    assert summarize([Turn("customer", "Hello!"), Turn("agent", "Hi there.")]).lines == []
    two = lead(CALL, 2)
    assert two.startswith("My flight to Denver") and two.endswith("I'm sorry to hear that.")


def _events() -> list[dict[str, Any]]:
    def said(n: int, speaker: str, text: str) -> dict[str, Any]:
        return {"type": "utterance", "event_id": f"s-{n}", "interaction_id": "sum-1",
                "occurred_at": f"2026-11-22T14:00:{n:02d}+00:00", "speaker": speaker,
                "text": text}  # fmt: skip

    return [
        {"type": "interaction.started", "event_id": "s-0", "interaction_id": "sum-1",
         "occurred_at": "2026-11-22T14:00:00+00:00", "channel": "chat"},
        *(said(i + 1, t.speaker, t.text) for i, t in enumerate(CALL)),
        {"type": "interaction.ended", "event_id": "s-9", "interaction_id": "sum-1",
         "occurred_at": "2026-11-22T14:00:30+00:00", "outcome": {"resolved": False}},
    ]  # fmt: skip


def test_the_api_serves_the_summary_with_links_to_the_turns(client: TestClient) -> None:
    assert client.post("/v1/events", json=_events()).status_code == 200
    response = client.get("/v1/interactions/sum-1/summary")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ended"] is True and body["resolved"] is False
    lines = {line["part"]: line for line in body["lines"]}
    assert set(lines) == {"needed", "done", "promised", "open"}
    assert lines["promised"]["when"] == "within 10 minutes"
    assert lines["needed"]["event_id"] == "s-1"
    timeline = client.get("/v1/interactions/sum-1").json()["timeline"]
    seq = next(e["seq"] for e in timeline if e["event_id"] == "s-1")
    assert lines["needed"]["evidence"] == f"/interactions/sum-1#event-{seq}"
    assert lines["needed"]["heading"] == "What the customer needed"
    assert client.get("/v1/interactions/nope/summary").status_code == 404
