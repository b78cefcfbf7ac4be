"""Every batch reader of a contact's utterances reads an edited message once, with its last text.

The log keeps both versions (the edit after the first, with ``edit_of``); the detector and the
review read the edit in the first version's place, and so must the drivers, the missed-moments
list, the report's rows and the summary.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from kairos.outcomes.stored import rows_between
from kairos.runtime import Runtime

IID = "edit-readers-1"
FIRST = "I need a new tracking number for my parcel by Friday"
EDITED = (
    "My flight just got cancelled and I have to be at my daughter's recital by 7 tonight, "
    "this is a disaster, please help me"
)
AGENT_FIRST = "I will email you the parcel tracking number by Friday"
AGENT_EDITED = "I am so sorry, I will rebook you on the 5pm flight to be there by 7 tonight"


def _contact(start: datetime) -> list[dict[str, Any]]:
    def at(seconds: int) -> str:
        return (start + timedelta(seconds=seconds)).isoformat()

    def said(n: int, speaker: str, text: str, edit_of: str | None = None) -> dict[str, Any]:
        return {"type": "utterance", "event_id": f"{IID}-u{n}", "interaction_id": IID,
                "occurred_at": at(10 * n), "speaker": speaker, "text": text,
                **({"edit_of": f"{IID}-u{edit_of}"} if edit_of else {})}  # fmt: skip

    return [
        {"type": "interaction.started", "event_id": f"{IID}-s", "interaction_id": IID,
         "occurred_at": at(0), "channel": "chat"},
        said(1, "customer", FIRST),
        said(2, "agent", AGENT_FIRST),
        said(3, "customer", EDITED, edit_of="1"),
        said(4, "agent", AGENT_EDITED, edit_of="2"),
        {"type": "interaction.ended", "event_id": f"{IID}-e", "interaction_id": IID,
         "occurred_at": at(60), "outcome": {"resolved": False}},
    ]  # fmt: skip


def _post_contact(client: TestClient) -> datetime:
    start = datetime.now(UTC) - timedelta(minutes=10)
    response = client.post("/v1/events", json=_contact(start))
    assert response.status_code == 200, response.text
    review = client.get(f"/v1/interactions/{IID}/review")
    assert review.status_code == 200, review.text
    assert review.json()["missed"], review.json()  # the edit made it a moment nobody saw
    return start


def test_the_drivers_read_the_first_words_as_edited(client: TestClient) -> None:
    _post_contact(client)
    body = client.get("/v1/outcomes/drivers?days=2").json()
    assert body["contacts"] == 1
    [driver] = body["items"]
    assert driver["examples"] == [EDITED]
    assert driver["moments"] == 1


def test_the_report_rows_count_and_keep_each_edited_message_once(
    client: TestClient, runtime: Runtime
) -> None:
    start = _post_contact(client)
    with runtime.db.session() as session:
        [row] = rows_between(
            session=session, since=start - timedelta(hours=1), until=start + timedelta(hours=1)
        )
    assert row.missed and row.agent_turns == 1
    assert [(speaker, text) for speaker, text, _ in row.turns] == [
        ("customer", EDITED),
        ("agent", AGENT_EDITED),
    ]


def test_the_missed_list_shows_the_edited_words_only(client: TestClient) -> None:
    start = _post_contact(client)
    since = (start - timedelta(hours=1)).isoformat()
    body = client.get("/v1/outcomes/missed", params={"since": since}).json()
    [item] = body["items"]
    texts = [span["text"] for span in item["transcript"]]
    assert EDITED in texts and FIRST not in texts and AGENT_FIRST not in texts


def test_the_summary_is_written_from_the_edited_words(client: TestClient) -> None:
    _post_contact(client)
    summary = client.get(f"/v1/interactions/{IID}/summary").json()
    said = [line["text"] for line in summary["lines"]]
    assert said and not any("parcel" in text for text in said), said
    assert "recital" in summary["text"] and "parcel" not in summary["text"]
