"""Contact Lens records delivered by Amazon Data Firehose to an HTTP endpoint.

The delivery is written from Firehose's published HTTP endpoint specification: a POST carrying
``X-Amz-Firehose-Request-Id`` and the configured access key in ``X-Amz-Firehose-Access-Key``,
its body ``{"requestId", "timestamp", "records": [{"data": base64}]}``; Firehose counts a
delivery done only on a 200 whose JSON echoes ``requestId`` with a ``timestamp``, and retries
anything else (an error body carries ``errorMessage``).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.channels.lens_support import call_records, event, transcript, types_of

from kairos.interactions.models import EventRecord, Interaction
from kairos.main import create_app
from kairos.runtime import Runtime
from kairos.security import tokens as token_service

PATH = "/v1/channels/contact-lens/firehose"


@pytest.fixture
def secured(runtime: Runtime) -> Iterator[TestClient]:
    """Tokens required, as in production."""
    changed = runtime.settings.model_copy(update={"require_tokens": True})
    with TestClient(create_app(changed, runtime=runtime)) as client:
        yield client


@pytest.fixture
def access_key(runtime: Runtime) -> str:
    """A source token, set as the Firehose stream's access key."""
    return token_service.create(db=runtime.db, name="connect", kind="source").token


def delivery(records: list[dict[str, Any]]) -> tuple[dict[str, Any], str]:
    request_id = str(uuid.uuid4())
    body = {
        "requestId": request_id,
        "timestamp": 1764876000000,
        "records": [{"data": base64.b64encode(json.dumps(r).encode()).decode()} for r in records],
    }
    return body, request_id


def send(client: TestClient, body: Any, request_id: str, key: str) -> Any:
    headers = {"X-Amz-Firehose-Request-Id": request_id, "X-Amz-Firehose-Access-Key": key,
               "X-Amz-Firehose-Protocol-Version": "1.0"}  # fmt: skip
    return client.post(PATH, json=body, headers=headers)


def test_a_firehose_delivery_is_applied_once_and_answered_as_firehose_expects(
    secured: TestClient, access_key: str, runtime: Runtime
) -> None:
    body, request_id = delivery(call_records("c-hose"))
    answer = send(secured, body, request_id, access_key)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["requestId"] == request_id and isinstance(answer.json()["timestamp"], int)
    assert set(answer.json()) == {"requestId", "timestamp"}
    # Firehose retries a delivery it did not hear back about: the same records again.
    again = send(secured, body, request_id, access_key)
    assert again.status_code == 200 and again.json()["requestId"] == request_id
    with runtime.db.session() as session:
        stored = session.scalars(
            select(EventRecord.type).join(Interaction)
            .where(Interaction.external_id == "connect:c-hose").order_by(EventRecord.seq)
        ).all()  # fmt: skip
    assert stored == ["interaction.started", "utterance", "utterance", "ivr.selection",
                      "interaction.ended"]  # fmt: skip


def test_a_bad_delivery_is_refused_in_firehose_shape_and_nothing_of_it_is_stored(
    client: TestClient,
) -> None:
    client.post("/v1/channels/contact-lens", json=event("STARTED", contact="c-hose-bad"))
    good = event("SEGMENTS", transcript("x", "CUSTOMER", "hi", 0), contact="c-hose-bad")
    body, request_id = delivery([good])
    body["records"].append({"data": "!!"})
    answer = send(client, body, request_id, "")
    assert answer.status_code == 422
    refused = answer.json()
    assert refused["requestId"] == request_id and "record 1" in refused["errorMessage"]
    assert types_of(client, "connect:c-hose-bad") == ["interaction.started"]


def test_a_wrong_access_key_is_refused(secured: TestClient, access_key: str) -> None:
    body, request_id = delivery(call_records("c-hose-key"))
    assert send(secured, body, request_id, "krs_not-a-token").status_code == 401
    assert send(secured, body, request_id, "").status_code == 401
