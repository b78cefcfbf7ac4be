"""Intent-first IVR: the menu offers moment-of-truth-prone reasons first and routing sees them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kairos.channels.ivr import DEFAULT_MENU_PATH, IvrMenuError, load_menu, read_menu
from kairos.channels.voice import VoiceAdapter
from kairos.config import Settings
from kairos.detection.detector import MomentDetector
from kairos.events import InteractionStarted, IvrSelection
from kairos.main import create_app
from kairos.runtime import Runtime

MOT_PRONE = {"claim", "cancellation", "outage", "fraud", "travel_disruption"}


def test_the_shipped_menu_offers_moment_of_truth_reasons_first(client: TestClient) -> None:
    response = client.get("/v1/channels/voice/ivr-menu")
    assert response.status_code == 200
    menu = response.json()
    assert menu["menu"] == "main" and menu["prompt"]
    flags = [o["mot_prone"] for o in menu["options"]]
    assert flags == sorted(flags, reverse=True), "MoT-prone options come first"
    assert {o["reason"] for o in menu["options"] if o["mot_prone"]} == MOT_PRONE
    assert len({o["digits"] for o in menu["options"]}) == len(menu["options"])


@pytest.mark.parametrize("option", [o for o in load_menu().options if o.mot_prone])
def test_each_moment_of_truth_prone_option_reads_as_one_to_the_detector(option: Any) -> None:
    now = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
    detector = MomentDetector(interaction_id="c")
    quiet = detector.update(
        InteractionStarted(event_id="s", interaction_id="c", occurred_at=now, channel="call")
    )
    chosen = detector.update(
        IvrSelection(
            event_id="e", interaction_id="c", occurred_at=now, menu="main",
            option=option.digits, label=option.label, reason=option.reason, mot_prone=True,
        )
    )  # fmt: skip
    assert {r.kind for r in chosen.reasons} & {"stakes", "churn"}, option.reason
    assert chosen.mot_score > quiet.mot_score
    if option.stakes:
        assert option.stakes in chosen.stakes


def _write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


YAML_MENU = """\
menu: main
prompt: Why are you calling?
options:
  - {digits: "1", reason: billing, label: Billing and payments}
  - {digits: "2", reason: technical_support, label: Technical support}
  - {digits: "9", reason: claim, label: Make an insurance claim after an accident,
     mot_prone: true, stakes: insurance_claim}
"""


@pytest.fixture
def yaml_client(tmp_path: Path, migrated_url: str) -> Iterator[TestClient]:
    path = _write(tmp_path, "menu.yaml", YAML_MENU)
    runtime = Runtime.build(Settings(database_url=migrated_url, ivr_menu_path=path))
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        yield client
    runtime.close()


def test_a_configured_yaml_menu_is_served_intent_first(
    yaml_client: TestClient, tmp_path: Path
) -> None:
    options = yaml_client.get("/v1/channels/voice/ivr-menu").json()["options"]
    assert [o["digits"] for o in options] == ["9", "1", "2"]
    # The file breaks while running: a clear 503, and calls still flow, unmapped.
    _write(tmp_path, "menu.yaml", "options: [{digits: '1', reason: x}]\n")
    broken = yaml_client.get("/v1/channels/voice/ivr-menu")
    assert broken.status_code == 503 and "options.0.label" in broken.json()["message"]
    call = {"call_id": "y1", "events": [
        {"type": "call.started", "from": "+14155550100"},
        {"type": "ivr.selection", "menu": "main", "option": "9"},
    ]}  # fmt: skip
    assert yaml_client.post("/v1/channels/voice", json=call).status_code == 200
    assert yaml_client.get("/v1/interactions/call:y1").json()["reason"] == "9"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("m.json", "{not json", "not valid JSON"),
        ("m.yaml", "options: [", "not valid YAML"),
        ("m.json", "[]", "expected an object"),
        ("m.json", '{"options": []}', "options: List should have at least 1 item"),
        (
            "m.json",
            json.dumps({"options": [
                {"digits": "1", "reason": "a", "label": "A"},
                {"digits": "1", "reason": "b", "label": "B"},
            ]}),
            "two options have digits '1'",
        ),
        (
            "m.json",
            json.dumps({"options": [{"digits": "1", "reason": "a", "label": "A", "stakes": "x"}]}),
            "unknown stakes 'x'",
        ),
        (
            "m.json",
            json.dumps({"options": [{"digits": "12345", "reason": "a", "label": "A"}]}),
            "options.0.digits",
        ),
        (
            "m.json",
            json.dumps({"options": [{"digits": "1", "reason": "a", "label": "A", "queue": "q"}]}),
            "options.0.queue: Extra inputs are not permitted",
        ),
    ],
)  # fmt: skip
def test_a_bad_menu_file_is_a_clear_error(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = _write(tmp_path, name, content)
    with pytest.raises(IvrMenuError) as caught:
        read_menu(path)
    assert message in str(caught.value) and str(path) in str(caught.value)
    # The app refuses to start on it, with the same message.
    with pytest.raises(IvrMenuError, match="IVR menu"):
        create_app(Settings(database_url="sqlite://", ivr_menu_path=path))


def test_a_missing_menu_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IvrMenuError, match="cannot be read"):
        load_menu(tmp_path / "nowhere.json")
    assert load_menu(None) == read_menu(DEFAULT_MENU_PATH)


def _call(call_id: str, digits: str, at: datetime) -> dict[str, Any]:
    return {
        "call_id": call_id,
        "events": [
            {"id": "1", "type": "call.started", "at": at.isoformat(), "queue": "front",
             "from": f"+1415555{call_id[-4:]}"},
            {"id": "2", "type": "ivr.selection", "at": (at + timedelta(seconds=20)).isoformat(),
             "menu": "main", "option": digits},
        ],
    }  # fmt: skip


def test_an_ivr_choice_sets_the_reason_and_flags_the_call_to_routing(client: TestClient) -> None:
    now = datetime.now(UTC)
    # A routine call comes first, a claim a minute later; both wait before anyone speaks.
    for call in (_call("c-0001", "7", now - timedelta(minutes=3)),
                 _call("c-0002", "1", now - timedelta(minutes=2))):  # fmt: skip
        response = client.post("/v1/channels/voice", json=call)
        assert response.status_code == 200, response.text
    routine = client.get("/v1/interactions/call:c-0001").json()
    claim = client.get("/v1/interactions/call:c-0002").json()
    assert routine["reason"] == "billing" and claim["reason"] == "claim"
    selection = claim["timeline"][1]["body"]
    assert selection["mot_prone"] is True and selection["reason"] == "claim"
    assert "insurance claim" in selection["label"]
    assert ("stakes", "insurance_claim") in {
        (r["kind"], r["label"]) for r in claim["assessment"]["reasons"]
    }
    assert claim["mot_score"] >= 0.5 > (routine["mot_score"] or 0.0)

    client.post("/v1/queues", json={"name": "front", "policy": "moments"})
    agent = {"external_id": "ag-1", "name": "Al", "channels": ["call"], "state": "available"}
    assert client.post("/v1/agents", json=agent).status_code == 201
    decision = client.post("/v1/agents/ag-1/next").json()["decision"]
    assert decision["interaction_id"] == "call:c-0002" and decision["moment_of_truth"] is True


def test_a_speech_ivr_may_name_the_reason_instead_of_keying_digits() -> None:
    adapter = VoiceAdapter(menu=load_menu())
    payload = {"call_id": "s1", "events": [
        {"type": "call.started", "from": "+14155550100"},
        {"type": "ivr.selection", "menu": "MAIN", "option": "Fraud"},
        {"type": "ivr.selection", "menu": "other-menu", "option": "1", "label": "Spanish"},
    ]}  # fmt: skip
    events = adapter.to_events(json.dumps(payload).encode(), received_at=datetime.now(UTC))
    fraud, other = events[1], events[2]
    assert isinstance(fraud, IvrSelection) and isinstance(other, IvrSelection)
    assert (fraud.reason, fraud.mot_prone, fraud.option) == ("fraud", True, "Fraud")
    assert (other.reason, other.mot_prone, other.label) == (None, False, "Spanish")


def test_routing_offers_a_menu_flagged_call_first_even_when_its_words_score_low(
    client: TestClient,
) -> None:
    # "Cancel my contract" scores low on its words alone; the menu marks it as prone to moments
    # of truth, so routing takes it before a routine call that has waited longer.
    now = datetime.now(UTC)
    for call in (_call("c-0011", "7", now - timedelta(minutes=3)),
                 _call("c-0012", "5", now - timedelta(minutes=2))):  # fmt: skip
        assert client.post("/v1/channels/voice", json=call).status_code == 200
    cancel = client.get("/v1/interactions/call:c-0012").json()
    assert cancel["reason"] == "cancellation"
    assert "mot_prone_ivr_choice" in {r["label"] for r in cancel["assessment"]["reasons"]}

    client.post("/v1/queues", json={"name": "front", "policy": "moments"})
    agent = {"external_id": "ag-2", "name": "Bo", "channels": ["call"], "state": "available"}
    assert client.post("/v1/agents", json=agent).status_code == 201
    decision = client.post("/v1/agents/ag-2/next").json()["decision"]
    assert decision["interaction_id"] == "call:c-0012"
    assert decision["moment_of_truth"] is True
