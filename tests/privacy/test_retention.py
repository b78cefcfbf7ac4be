"""Retention: ``kairos purge`` (and the periodic purge of ``kairos serve``) deletes what is older
than each kind's setting, keeps open contacts and recent ones, and with no setting keeps all."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.security.conftest import bearer
from tests.web.floor import chat_events
from typer.testing import CliRunner

from kairos.cli import app
from kairos.config import Settings, get_settings
from kairos.interactions.models import AssessmentRecord, EventRecord, Interaction
from kairos.runtime import Runtime
from kairos.security import audit
from kairos.security.models import AuditEntry


def _contacts(client: TestClient, tokens: dict[str, str]) -> None:
    """An old ended chat, an old chat still open, and one that ended a minute ago."""
    pbx = bearer(tokens["pbx"])
    old = chat_events("old-1")
    old.append(
        {
            "type": "interaction.ended",
            "event_id": "old-1-end",
            "interaction_id": "old-1",
            "occurred_at": old[-1]["occurred_at"],
        }
    )
    recent = chat_events("new-1")
    now = datetime.now(UTC) - timedelta(minutes=1)
    for n, event in enumerate(recent):
        event["occurred_at"] = (now + timedelta(seconds=n)).isoformat()
    recent.append(
        {
            "type": "interaction.ended",
            "event_id": "new-1-end",
            "interaction_id": "new-1",
            "occurred_at": now.isoformat(),
        }
    )
    recent[-1]["occurred_at"] = (now + timedelta(seconds=30)).isoformat()
    for events in (old, chat_events("open-1"), recent):
        response = client.post("/v1/events", json=events, headers=pbx)
        assert response.status_code == 200, response.text


def _left(runtime: Runtime) -> dict[str, int]:
    """Events and assessments per contact, and audit rows."""
    with runtime.db.session() as session:
        out: dict[str, int] = {}
        for table, name in ((EventRecord, "events"), (AssessmentRecord, "assessments")):
            rows = session.execute(
                select(Interaction.external_id, func.count())
                .join(table, table.interaction_id == Interaction.id)
                .group_by(Interaction.external_id)
            )
            out |= {f"{name}:{iid}": n for iid, n in rows}
        out["audit_log"] = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        return out


def _old_audit_row(runtime: Runtime) -> None:
    row = audit.entry(
        actor="sue",
        actor_kind="user_token",
        action="read",
        method="GET",
        path="/v1/customers/1",
        status=200,
        client=None,
        at=datetime.now(UTC) - timedelta(days=400),
    )
    with runtime.db.session() as session:
        session.execute(audit.INSERT, [row])
        session.commit()


def test_purge_deletes_only_what_is_past_its_retention(
    secured: TestClient,
    tokens: dict[str, str],
    runtime: Runtime,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _contacts(secured, tokens)
    _old_audit_row(runtime)
    secured.app.state.security.flush()  # type: ignore[attr-defined]
    before = _left(runtime)
    assert before["events:old-1"] >= 3 and before["assessments:old-1"] >= 1

    monkeypatch.setenv("KAIROS_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        kept_all = CliRunner().invoke(app, ["purge"])
        assert kept_all.exit_code == 0, kept_all.output
        assert json.loads(kept_all.stdout)["counts"] == {} and _left(runtime) == before
        for name in ("EVENTS", "ASSESSMENTS"):
            monkeypatch.setenv(f"KAIROS_RETENTION_{name}_DAYS", "7")
        monkeypatch.setenv("KAIROS_RETENTION_AUDIT_DAYS", "365")
        get_settings.cache_clear()
        dry = CliRunner().invoke(app, ["purge", "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert _left(runtime) == before
        done = CliRunner().invoke(app, ["purge"])
        assert done.exit_code == 0, done.output
    finally:
        get_settings.cache_clear()
    expected = {
        "events": before["events:old-1"],
        "assessments": before["assessments:old-1"],
        "audit_log": 1,
    }
    assert json.loads(dry.stdout)["counts"] == expected
    assert json.loads(done.stdout)["counts"] == expected
    after = _left(runtime)
    assert "events:old-1" not in after and "assessments:old-1" not in after
    for kept in ("events:open-1", "events:new-1", "assessments:new-1"):
        assert after[kept] == before[kept], kept
    assert after["audit_log"] == before["audit_log"] - 1


def test_serve_purges_periodically(
    secured: TestClient, tokens: dict[str, str], runtime: Runtime, settings: Settings
) -> None:
    _contacts(secured, tokens)
    assert _left(runtime)["events:old-1"] >= 3
    purging = Runtime.build(
        settings.model_copy(update={"purge_interval_s": 0.2, "retention_events_days": 7})
    )
    try:
        deadline = time.monotonic() + 20
        while "events:old-1" in _left(runtime) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        purging.close()
    after = _left(runtime)
    assert "events:old-1" not in after and after["events:new-1"] >= 3
