"""Playbooks: shipped defaults, the choice for an interaction, and supervisors' edits."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select
from tests.assist.conftest import RecordingBus

from kairos.assist import service
from kairos.assist.models import Playbook, PlaybookRevision
from kairos.assist.schemas import SITUATIONS, PlaybookUpdate
from kairos.detection import STAKES
from kairos.errors import Conflict, NotFound
from kairos.runtime import Runtime


def _by_key(client: TestClient) -> dict[str, dict[str, Any]]:
    response = client.get("/v1/playbooks")
    assert response.status_code == 200
    return {p["key"]: p for p in response.json()}


def _edit(playbook: dict[str, Any], **changes: Any) -> dict[str, Any]:
    fields = ("title", "summary", "stakes", "reasons", "cube", "actions", "steps", "wording")
    return {name: playbook[name] for name in fields} | changes


def test_every_stakes_category_has_a_shipped_playbook(client: TestClient) -> None:
    assert set(STAKES) <= set(SITUATIONS)
    playbooks = _by_key(client)
    covered = {s for p in playbooks.values() for s in p["stakes"]}
    assert set(SITUATIONS) <= covered
    travel = playbooks["travel_disruption"]
    actions = " ".join(a["action"].lower() for a in travel["actions"])
    assert "partner airline" in actions and "hotel" in actions and "waive" in actions
    claim = playbooks["insurance_claim_first"]
    assert any("first notice of loss" in step.lower() for step in claim["steps"])
    assert all(p["version"] == 1 and p["updated_by"] is None for p in playbooks.values())


def test_seed_defaults_restores_only_what_is_missing(runtime: Runtime) -> None:
    assert service.seed_defaults(db=runtime.db) == 0
    with runtime.db.session() as session:
        session.execute(delete(Playbook).where(Playbook.key == "safety"))
        session.commit()
    assert service.seed_defaults(db=runtime.db) == 1
    with runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Playbook)) == len(
            service.default_playbooks()
        )


CHOICES: list[tuple[list[str], str | None, str | None, str | None]] = [
    (
        ["travel_disruption"],
        None,
        "emotion:high urgency:high complexity:low",
        "travel_disruption_urgent",
    ),
    (["travel_disruption"], None, "emotion:high urgency:low complexity:low", "travel_disruption"),
    (["travel_disruption"], None, None, "travel_disruption"),
    # The concrete problem before the reason it matters.
    (
        ["family_event", "travel_disruption"],
        None,
        "emotion:low urgency:high complexity:low",
        "travel_disruption_urgent",
    ),
    (["family_event"], None, None, "family_event"),
    # Safety first, whatever else is at stake.
    (["travel_disruption", "safety"], None, None, "safety"),
    # Covering both stakes beats covering one.
    (["insurance_claim", "first_time"], None, None, "insurance_claim_first"),
    (["fraud"], None, None, "money_lost_or_stolen"),
    (["repeat_contact"], None, None, "repeat_contact"),
    # A contact reason alone, as a whole-word phrase.
    ([], "Lost baggage at Heathrow", None, "travel_disruption"),
    ([], "Broadband OUTAGE", None, "outage"),
    ([], "baggagefees", None, None),
    ([], None, None, None),
    (["not_a_stake"], "hello", None, None),
]


def test_playbook_for_picks_the_best_match(runtime: Runtime) -> None:
    with runtime.db.session() as session:
        for stakes, reason, cube, expected in CHOICES:
            chosen = service.playbook_for(session=session, stakes=stakes, reason=reason, cube=cube)
            assert (chosen.key if chosen else None) == expected, (stakes, reason, cube)
            assert chosen is None or chosen.matched_on


def test_supervisor_edit_is_versioned_recorded_and_published_after_commit(
    client: TestClient, runtime: Runtime, bus: RecordingBus
) -> None:
    def stored() -> tuple[int, int]:
        with runtime.db.session() as session:
            row = session.scalar(select(Playbook).where(Playbook.key == "travel_disruption"))
            revisions = session.scalar(select(func.count()).select_from(PlaybookRevision))
            assert row is not None
            return row.version, revisions or 0

    bus.probe = stored
    travel = _by_key(client)["travel_disruption"]
    actions = [*travel["actions"], {"action": "Book a lounge pass", "limit": "up to 40 EUR"}]
    body = _edit(travel, actions=actions, title="Travel disruption (winter)", version=1)
    response = client.put(
        f"/v1/playbooks/{travel['id']}", json=body, headers={"X-Kairos-User": "sup-ana"}
    )
    assert response.status_code == 200, response.text
    saved = response.json()
    assert saved["version"] == 2 and saved["updated_by"] == "sup-ana"
    assert saved["title"] == "Travel disruption (winter)"
    assert saved["actions"][-1] == {"action": "Book a lounge pass", "limit": "up to 40 EUR"}
    assert saved["updated_at"] > travel["updated_at"]
    ((topic, message, at_publish),) = bus.of_type("playbook.updated")
    assert topic == "assist"
    assert message["playbook"]["id"] == travel["id"] and message["version"] == 2
    assert message["updated_by"] == "sup-ana"
    assert at_publish == (2, 1)  # the edit and its revision were committed before the message
    assert client.get(f"/v1/playbooks/{travel['id']}").json() == saved
    (revision,) = client.get(f"/v1/playbooks/{travel['id']}/revisions").json()
    assert revision["version"] == 2 and revision["updated_by"] == "sup-ana"
    assert revision["content"]["title"] == "Travel disruption (winter)"
    # The choice for an interaction follows the edit.
    with runtime.db.session() as session:
        chosen = service.playbook_for(session=session, stakes=["travel_disruption"])
    assert chosen is not None and chosen.title == "Travel disruption (winter)"


def test_a_stale_edit_is_refused_and_changes_nothing(client: TestClient, bus: RecordingBus) -> None:
    travel = _by_key(client)["travel_disruption"]
    url = f"/v1/playbooks/{travel['id']}"
    assert client.put(url, json=_edit(travel, title="First", version=1)).status_code == 200
    response = client.put(url, json=_edit(travel, title="Second", version=1))
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "version"
    assert client.get(url).json()["title"] == "First"
    # Without a version the edit is a plain overwrite.
    assert client.put(url, json=_edit(travel, title="Third")).json()["version"] == 3
    assert len(bus.of_type("playbook.updated")) == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"stakes": ["weather"]}, "body.stakes.0"),
        ({"actions": []}, "body.actions"),
        ({"actions": [{"action": ""}]}, "body.actions.0.action"),
        ({"cube": "urgency:medium"}, "body.cube"),
        ({"cube": "urgency:high urgency:low"}, "body.cube"),
        ({"title": "   "}, "body.title"),
        ({"stakes": [], "reasons": []}, "body"),
        ({"colour": "red"}, "body.colour"),
        ({"version": 0}, "body.version"),
    ],
)
def test_bad_edits_are_refused_with_the_field(
    client: TestClient, bus: RecordingBus, changes: dict[str, Any], field: str
) -> None:
    travel = _by_key(client)["travel_disruption"]
    response = client.put(f"/v1/playbooks/{travel['id']}", json=_edit(travel, **changes))
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert client.get(f"/v1/playbooks/{travel['id']}").json() == travel
    assert bus.of_type("playbook.updated") == []


def test_cube_filter_is_normalised(client: TestClient) -> None:
    travel = _by_key(client)["travel_disruption"]
    body = _edit(travel, cube="complexity:low   emotion:high")
    response = client.put(f"/v1/playbooks/{travel['id']}", json=body)
    assert response.json()["cube"] == "emotion:high complexity:low"


def test_unknown_playbook(client: TestClient, runtime: Runtime) -> None:
    travel = _by_key(client)["travel_disruption"]
    assert client.get("/v1/playbooks/9999").status_code == 404
    assert client.put("/v1/playbooks/9999", json=_edit(travel)).status_code == 404
    assert client.get("/v1/playbooks/9999/revisions").status_code == 404
    update = PlaybookUpdate.model_validate(_edit(travel))
    with pytest.raises(NotFound):
        service.update_playbook(
            db=runtime.db, bus=runtime.bus, playbook_id=9999, playbook_in=update
        )


def test_service_update_records_who(runtime: Runtime, bus: RecordingBus) -> None:
    with runtime.db.session() as session:
        safety = next(p for p in service.get_all_playbooks(session=session) if p.key == "safety")
    update = PlaybookUpdate.model_validate(
        safety.model_dump(
            include={"title", "summary", "stakes", "reasons", "cube", "actions", "steps", "wording"}
        )
        | {"summary": "Safety first."}
    )
    out = service.update_playbook(
        db=runtime.db,
        bus=runtime.bus,
        playbook_id=safety.id,
        playbook_in=update,
        updated_by="sup-bo",
    )
    assert out.version == 2 and out.updated_by == "sup-bo" and out.summary == "Safety first."
    with pytest.raises(Conflict):
        stale = update.model_copy(update={"version": 1})
        service.update_playbook(
            db=runtime.db, bus=runtime.bus, playbook_id=safety.id, playbook_in=stale
        )
    assert [m["playbook"]["key"] for _, m, _ in bus.of_type("playbook.updated")] == ["safety"]
