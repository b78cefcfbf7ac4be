"""What the Contact Lens tests share: its events, Kinesis records and the transcripts they carry."""

from __future__ import annotations

import base64
import json
from typing import Any

from fastapi.testclient import TestClient

CONTACT = "7a3c1f52-0f4e-4d35-9b0e-52c6a1d2e001"

BASE = {
    "Version": "1.0.0",
    "Channel": "VOICE",
    "AccountId": "123456789012",
    "InstanceId": "2f9c7b1e-8d4a-4c6e-9f1a-3b5d7e9a1c2f",
    "ContactId": CONTACT,
    "LanguageCode": "en-US",
}


def event(kind: str, *segments: dict[str, Any], contact: str = CONTACT) -> dict[str, Any]:
    return {**BASE, "ContactId": contact, "EventType": kind, "Segments": list(segments)}


def transcript(seg_id: str, role: str, text: str, begin: int) -> dict[str, Any]:
    return {
        "Transcript": {
            "Id": seg_id,
            "ParticipantId": role,
            "ParticipantRole": role,
            "Content": text,
            "BeginOffsetMillis": begin,
            "EndOffsetMillis": begin + 2500,
            "Sentiment": "NEGATIVE" if role == "AGENT" else "NEUTRAL",
        }
    }


def partial(seg_id: str, role: str, text: str) -> dict[str, Any]:
    return {
        "Utterance": {
            "Id": f"{seg_id}-p",
            "TranscriptId": seg_id,
            "ParticipantId": role,
            "ParticipantRole": role,
            "PartialContent": text,
            "BeginOffsetMillis": 0,
            "EndOffsetMillis": 800,
        }
    }


def kinesis(record: dict[str, Any], seq: int) -> dict[str, Any]:
    """A record as a Lambda consumer of the Kinesis stream receives it."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": CONTACT,
            "sequenceNumber": f"4959{seq:040d}",
            "data": base64.b64encode(json.dumps(record).encode()).decode(),
            "approximateArrivalTimestamp": 1764876000.0 + seq,
        },
        "eventSource": "aws:kinesis",
        "eventName": "aws:kinesis:record",
    }


def call_records(contact: str = CONTACT) -> list[dict[str, Any]]:
    said = "I have been charged twice and I will cancel my account today if this is not fixed"
    return [
        event("STARTED", contact=contact),
        event(
            "SEGMENTS",
            partial("t1", "CUSTOMER", "I have been charged"),
            transcript("t1", "CUSTOMER", said, 1000),
            contact=contact,
        ),
        event(
            "SEGMENTS",
            transcript("t2", "AGENT", "I'm sorry about that, let me look into it.", 4000),
            {"Categories": {"MatchedCategories": ["cancellation threat"], "MatchedDetails": {}}},
            contact=contact,
        ),
        event(
            "SEGMENTS",
            {
                "PostContactSummary": {
                    "Content": "Refund of a double charge.",
                    "Status": "COMPLETED",
                }
            },
            contact=contact,
        ),
        event("COMPLETED", contact=contact),
    ]


def types_of(client: TestClient, interaction_id: str) -> list[str]:
    detail = client.get(f"/v1/interactions/{interaction_id}")
    assert detail.status_code == 200, detail.text
    return [e["type"] for e in detail.json()["timeline"]]
