"""Requests that once answered 500 (or poisoned a thread for good): each is now a clear 4xx
naming the problem, and nothing stored can make a later request fail (issue 18)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from tests.factories import started, utterance
from tests.security.conftest import AppFactory, bearer
from tests.web.floor import login

from kairos.detection.deadlines import find_deadlines
from kairos.events import Utterance
from kairos.interactions import service as interactions_service
from kairos.runtime import Runtime

FAR = "9999-12-31T20:00:00+00:00"


def _fields(answer: object) -> list[str]:
    body = answer.json()  # type: ignore[attr-defined]
    return [e["field"] for e in body.get("errors", [])]


@pytest.fixture
def client(app_client: AppFactory) -> TestClient:
    """Server errors raise in the test (the default of TestClient): a 500 fails loudly."""
    with app_client() as made:
        yield made  # type: ignore[misc]


def _email(message_id: str, date: str, body: str, reply_to: str | None = None) -> bytes:
    parent = f"In-Reply-To: <{reply_to}>\r\n" if reply_to else ""
    return (
        f"From: jane@example.com\r\nMessage-ID: <{message_id}>\r\n{parent}"
        f"Date: {date}\r\nSubject: refund\r\n\r\n{body}\r\n"
    ).encode()


def test_a_far_future_occurred_at_is_422_naming_the_field(client: TestClient) -> None:
    assert client.post("/v1/events", json=[started("far-1", channel="chat")]).status_code == 200
    far = {**utterance("far-1", "hello"), "occurred_at": FAR}
    answer = client.post("/v1/events", json=[far])
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == ["occurred_at"]
    assert "1970" in answer.text
    later = client.post("/v1/events", json=[utterance("far-1", "I need it by tomorrow")])
    assert later.status_code == 200, later.text


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+05:00", "1969-12-31T23:59:59+00:00"])
def test_a_time_before_1970_is_422(client: TestClient, when: str) -> None:
    event = {**started("early-1", channel="chat"), "occurred_at": when}
    answer = client.post("/v1/events", json=[event])
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == ["occurred_at"]


def test_an_email_dated_9999_does_not_poison_its_thread(client: TestClient) -> None:
    first = _email("far@x", "Fri, 31 Dec 9999 20:00:00 +0000", "please call me")
    answer = client.post(
        "/v1/channels/email", content=first, headers={"content-type": "message/rfc822"}
    )
    assert answer.status_code == 200, answer.text
    reply = _email("far2@x", "Fri, 4 Dec 2026 10:00:00 +0000", "I need it by tomorrow", "far@x")
    answer = client.post(
        "/v1/channels/email", content=reply, headers={"content-type": "message/rfc822"}
    )
    assert answer.status_code == 200, answer.text


def test_an_event_stored_at_9999_cannot_break_later_requests(
    client: TestClient, runtime: Runtime
) -> None:
    """One stored before the bound existed (``model_construct`` skips validation, as the old
    code did): every later message of the thread is still assessed."""
    assert client.post("/v1/events", json=[started("old-far", channel="chat")]).status_code == 200
    stored = Utterance.model_construct(
        event_id="old-far-u",
        interaction_id="old-far",
        occurred_at=datetime(9999, 12, 31, 20, tzinfo=UTC),
        speaker="customer",
        text="I need it by tomorrow",
    )
    interactions_service.ingest(
        db=runtime.db,
        events=[stored],
        bus=runtime.bus,
        detectors=runtime.detectors,
        metrics=runtime.metrics,
    )
    later = client.post("/v1/events", json=[utterance("old-far", "by tomorrow, please")])
    assert later.status_code == 200, later.text
    assert client.get("/v1/interactions/old-far").status_code == 200


def test_deadline_arithmetic_cannot_overflow() -> None:
    for now in (datetime(9999, 12, 31, 20, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC)):
        assert find_deadlines("by tomorrow at 5pm, in 3 days, by Friday EOD", now) == []
    assert find_deadlines(f"in {'9' * 12} days", datetime(2026, 1, 1, tzinfo=UTC)) == []


def test_a_csat_of_5000_digits_is_400(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.post("/v1/events", json=[started("csat-1", channel="chat")]).status_code == 200
    big = "5" * 5000
    event = (
        '[{"type":"survey.response","event_id":"s1","interaction_id":"csat-1",'
        f'"occurred_at":"2026-01-01T00:00:00Z","csat":{big}}}]'
    )
    headers = {"content-type": "application/json"}
    answer = client.post("/v1/events", content=event, headers=headers)
    assert answer.status_code == 400, answer.text
    answer = client.post(
        "/v1/interactions/csat-1/survey", content=f'{{"csat":{big}}}', headers=headers
    )
    assert 400 <= answer.status_code < 500, answer.text


def test_a_lone_surrogate_in_event_id_is_422(client: TestClient) -> None:
    body = (
        b'[{"type":"utterance","event_id":"a\\ud800","interaction_id":"x",'
        b'"occurred_at":"2026-01-01T00:00:00Z","speaker":"customer","text":"x"}]'
    )
    answer = client.post("/v1/events", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == ["event_id"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/interactions?since=9999-12-31T23:59:59-05:00", "query.since"),
        ("/v1/interactions?until=0001-01-01T00:00:00%2B05:00", "query.until"),
        ("/v1/outcomes/today?day=9999-12-31", "query.day"),
        ("/v1/outcomes/agents?since=9999-12-31T23:59:59-05:00", "query.since"),
        ("/v1/outcomes/missed?until=9999-12-31T23:59:59-05:00", "query.until"),
        ("/v1/audit?since=9999-12-31T23:59:59-05:00", "query.since"),
    ],
)
def test_an_out_of_range_query_time_is_422_naming_it(
    client: TestClient, tokens: dict[str, str], path: str, field: str
) -> None:
    answer = client.get(path, headers=bearer(tokens["root"]))
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == [field]


@pytest.mark.parametrize("value", ["abc", "nan", "inf", "0", "1e9"])
def test_a_bad_live_heartbeat_is_422(client: TestClient, value: str) -> None:
    login(client, "sue")
    answer = client.get(f"/live/events?heartbeat={value}")
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == ["query.heartbeat"]


def test_an_email_nesting_3000_multiparts_is_400(client: TestClient) -> None:
    nested = b"From: a@example.com\r\nSubject: x\r\n" + b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(3000)
    )
    answer = client.post(
        "/v1/channels/email",
        content=nested + b"\r\nhi\r\n",
        headers={"content-type": "message/rfc822"},
    )
    assert answer.status_code == 400, answer.text
    assert "multipart" in answer.json()["message"]


@pytest.mark.parametrize(
    "path",
    ["/v1/audit", "/v1/interactions", "/v1/outcomes/agents", "/v1/outcomes/missed"],
)
def test_since_later_than_until_is_422_naming_until(
    client: TestClient, tokens: dict[str, str], path: str
) -> None:
    query = "?since=2026-12-06T10:00:00Z&until=2026-12-06T09:00:00Z"
    answer = client.get(path + query, headers=bearer(tokens["root"]))
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == ["query.until"]
    assert "since" in answer.json()["errors"][0]["message"]
    same = "?since=2026-12-06T10:00:00Z&until=2026-12-06T05:00:00-05:00"  # the same instant
    assert client.get(path + same, headers=bearer(tokens["root"])).status_code == 200
