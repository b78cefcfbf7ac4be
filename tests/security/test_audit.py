"""The audit log: reads of interactions and customers, every change, with the right actor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.security.conftest import AppFactory, assign, bearer
from tests.web.floor import chat_events, login
from typer.testing import CliRunner

from kairos.cli import app
from kairos.config import get_settings
from kairos.runtime import Runtime
from kairos.security import audit
from kairos.security.models import AuditEntry


def rows(client: TestClient, token: str, **filters: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/audit", params=filters, headers=bearer(token))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@contextmanager
def _own_writes(client: TestClient) -> Iterator[list[dict[str, Any]]]:
    """The audit rows the writer commits on their own (``write_now``) while the block runs; a
    row that rides in a request's own transaction is not among them."""
    writer = client.app.state.security.writer  # type: ignore[attr-defined]
    written: list[dict[str, Any]] = []
    write_now = writer.write_now

    def counted(row: dict[str, Any]) -> None:
        written.append(row)
        write_now(row)

    writer.write_now = counted
    try:
        yield written
    finally:
        writer.write_now = write_now


def test_a_read_and_a_change_show_up_with_the_right_actor(
    secured: TestClient, tokens: dict[str, str]
) -> None:
    assign(secured, tokens, "i-ava", "agent-ava", "+14155550101")
    assert secured.get("/v1/interactions/i-ava", headers=bearer(tokens["ava"])).status_code == 200
    assert secured.get("/v1/interactions/i-ava", headers=bearer(tokens["ben"])).status_code == 404

    reads = rows(secured, tokens["sue"], resource_kind="interaction", resource_id="i-ava",
                 action="read")  # fmt: skip
    assert [(r["actor"], r["actor_kind"], r["status"]) for r in reads] == [
        ("ben", "user_token", 404),  # newest first: the refused try is there too
        ("ava", "user_token", 200),
    ]
    assert reads[0]["method"] == "GET" and reads[0]["path"] == "/v1/interactions/i-ava"
    assert reads[0]["client"] == "testclient"

    changes = rows(secured, tokens["sue"], action="change")
    shown = [(r["actor"], r["actor_kind"], r["method"], r["path"], r["status"]) for r in changes]
    assert ("pbx", "source_token", "POST", "/v1/events", 200) in shown
    assert ("ava", "user_token", "POST", "/v1/agents/agent-ava/next", 200) in shown
    event_rows = [r for r in changes if r["path"] == "/v1/events"]
    assert len(event_rows) == 1  # one row per request, not per event
    assert event_rows[0]["resource_kind"] == "events"


def test_refusals_are_recorded_and_anonymous_callers_named(
    secured: TestClient, tokens: dict[str, str]
) -> None:
    assert secured.get("/v1/customers").status_code == 401
    assert secured.get("/v1/outcomes/today", headers=bearer(tokens["ava"])).status_code == 403
    shown = {(r["actor"], r["actor_kind"], r["path"], r["status"])
             for r in rows(secured, tokens["root"])}  # fmt: skip
    assert ("anonymous", "anonymous", "/v1/customers", 401) in shown
    assert ("ava", "user_token", "/v1/outcomes/today", 403) in shown


def test_a_path_with_a_nul_byte_is_recorded_and_takes_no_other_row_with_it(
    secured: TestClient, tokens: dict[str, str]
) -> None:
    # PostgreSQL stores no NUL in text: such a row failed its insert, and the batch it was queued
    # in (every refusal of the moment, whoever sent it) was dropped with it.
    assert secured.get("/v1/customers").status_code == 401
    assert secured.get("/v1/interactions/%00probe").status_code == 401
    assert secured.get("/v1/outcomes/today", headers=bearer(tokens["ava"])).status_code == 403
    # No such interaction: 404 on SQLite, 422 on PostgreSQL (no id with a NUL can be stored).
    unknown = secured.get("/v1/interactions/a%00b", headers=bearer(tokens["sue"])).status_code
    assert unknown in (404, 422)
    shown = {(r["actor"], r["path"], r["resource_id"], r["status"])
             for r in rows(secured, tokens["root"])}  # fmt: skip
    assert ("anonymous", "/v1/customers", None, 401) in shown
    assert ("anonymous", "/v1/interactions/\\x00probe", "\\x00probe", 401) in shown
    assert ("ava", "/v1/outcomes/today", None, 403) in shown
    assert ("sue", "/v1/interactions/a\\x00b", "a\\x00b", unknown) in shown


def test_pages_are_recorded_with_the_signed_in_user(
    secured: TestClient, tokens: dict[str, str]
) -> None:
    assign(secured, tokens, "i-ava", "agent-ava", "+14155550101")
    csrf = login(secured, "ava")
    assert secured.get("/interactions/i-ava").status_code == 200
    assert secured.get("/interactions/i-ava/panels").status_code == 200  # a refresh: not again
    page = secured.post("/desktop/state", data={"state": "away", "csrf_token": csrf},
                        follow_redirects=False)  # fmt: skip
    assert page.status_code == 303
    found = rows(secured, tokens["sue"], actor="ava", actor_kind="session")
    shown = [(r["action"], r["method"], r["path"], r["resource_kind"], r["resource_id"])
             for r in found]  # fmt: skip
    assert ("read", "GET", "/interactions/i-ava", "interaction", "i-ava") in shown
    assert ("change", "POST", "/desktop/state", "agent", None) in shown
    assert ("change", "POST", "/login", None, None) in shown  # the sign-in, by who signed in
    assert not any(path.endswith("/panels") for _, _, path, _, _ in shown)


def test_only_supervisors_and_admins_read_the_log_and_it_filters_and_pages(
    app_client: AppFactory, tokens: dict[str, str]
) -> None:
    with app_client(require_tokens=False) as client:
        assert client.get("/v1/audit").status_code == 403  # never open, even without tokens
        assert client.get("/v1/audit", headers=bearer(tokens["ava"])).status_code == 403
        for n in range(5):
            client.post("/v1/events", json=chat_events(f"p-{n}"), headers=bearer(tokens["pbx"]))
        first = client.get("/v1/audit", params={"actor": "pbx", "limit": 2},
                           headers=bearer(tokens["sue"])).json()  # fmt: skip
        second = client.get("/v1/audit", params={"actor": "pbx", "limit": 2, "offset": 2},
                            headers=bearer(tokens["sue"])).json()  # fmt: skip
        assert first["total"] == second["total"] == 5
        ids = [r["id"] for r in first["items"] + second["items"]]
        assert len(set(ids)) == 4 and ids == sorted(ids, reverse=True)
        later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
        assert rows(client, tokens["sue"], since=later) == []
        assert len(rows(client, tokens["sue"], until=later, actor="pbx")) == 5
        bad = client.get("/v1/audit", params={"action": "delete"}, headers=bearer(tokens["sue"]))
        assert bad.status_code == 422


def test_queued_rows_are_written_on_shutdown(
    app_client: AppFactory, runtime: Runtime, tokens: dict[str, str]
) -> None:
    """Refusals are the rows still queued (reads and changes are written before their answer):
    a stop writes them."""
    with app_client(require_tokens=True) as client:
        writer = client.app.state.security.writer  # type: ignore[attr-defined]
        writer.interval_s = 60  # the thread would not write for a minute
        for n in range(3):
            refused = client.get(f"/v1/customers/{n}", headers=bearer(tokens["ava"]))
            assert refused.status_code == 404  # not one of the agent's customers
        assert len(writer._rows) == 3
    with runtime.db.session() as session:
        paths = session.scalars(select(AuditEntry.path).where(AuditEntry.actor == "ava")).all()
    assert sorted(paths) == [f"/v1/customers/{n}" for n in range(3)]


@pytest.mark.parametrize(
    ("method", "path", "status", "expected"),
    [
        ("GET", "/v1/interactions/x/timeline", 200, ("read", "interaction", "x")),
        ("GET", "/v1/customers/7", 200, ("read", "customer", "7")),
        ("GET", "/v1/customers", 200, ("read", "customer", None)),
        ("GET", "/v1/agents", 200, None),
        ("GET", "/v1/agents", 403, ("read", "agent", None)),
        ("POST", "/v1/messages", 201, ("change", "key_message", None)),
        ("PUT", "/v1/playbooks/rebook", 200, ("change", "playbook", "rebook")),
        ("WS", "/v1/media/pcm", 101, ("change", "events", None)),
        ("GET", "/interactions/x/panels", 200, None),
        ("GET", "/wallboard", 200, None),
        ("POST", "/wallboard/messages/3/expire", 303, ("change", "key_message", "3")),
    ],
)
def test_what_is_recorded(
    method: str, path: str, status: int, expected: tuple[str, str | None, str | None] | None
) -> None:
    action = audit.action_of(method, path, status)
    if expected is None:
        assert action is None
    else:
        assert (action, *audit.resource_of(path)) == expected


def test_a_survey_links_token_is_not_kept_in_the_log() -> None:
    row = audit.entry(actor="anonymous", actor_kind="anonymous", action="change", method="POST",
                      path="/v1/surveys/abc.def", status=201, client=None)  # fmt: skip
    assert row["path"] == "/v1/surveys/{token}"


def test_the_cli_shows_recent_rows(
    secured: TestClient, tokens: dict[str, str], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    secured.post("/v1/events", json=chat_events("cli-1"), headers=bearer(tokens["pbx"]))
    secured.app.state.security.flush()  # type: ignore[attr-defined]
    monkeypatch.setenv("KAIROS_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["audit", "--actor", "pbx", "--since-minutes", "5"])
        nothing = CliRunner().invoke(app, ["audit", "--actor", "nobody"])
        wrong = CliRunner().invoke(app, ["audit", "--action", "delete"])
        # A window past what a date holds ended in an OverflowError traceback.
        too_far = [
            CliRunner().invoke(app, ["audit", "--since-minutes", minutes])
            for minutes in ("99999999999", "nan", "-5")
        ]
    finally:
        get_settings.cache_clear()
    for refused in too_far:
        assert refused.exit_code == 2, refused.output
        assert "--since-minutes" in refused.output and "Traceback" not in refused.output
    assert result.exit_code == 0, result.output
    assert "pbx" in result.stdout and "/v1/events" in result.stdout and "change" in result.stdout
    assert "1 of 1" in result.stdout
    assert nothing.exit_code == 0 and "0 of 0" in nothing.stdout
    assert wrong.exit_code == 2


@pytest.mark.parametrize(
    "params",
    [
        {"offset": str(2**70)},
        {"limit": "0"},
        {"since": "not-a-time"},
        {"since": "2026-11-30T00:00:00"},  # no timezone
        {"actor_kind": "robot"},
    ],
)
def test_bad_filters_are_a_clear_422(
    secured: TestClient, tokens: dict[str, str], params: dict[str, str]
) -> None:
    response = secured.get("/v1/audit", params=params, headers=bearer(tokens["sue"]))
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request"


def test_next_is_recorded_in_the_commit_that_stores_its_decision(
    secured: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    """``next`` takes its audit row along in the decision's transaction (no write of its own,
    one row); a refused ``next`` is recorded on its own, with its status."""
    events = chat_events("i-one")
    events[0]["identities"] = [{"kind": "phone", "value": "+14155550171"}]
    assert secured.post("/v1/events", json=events, headers=bearer(tokens["pbx"])).status_code == 200
    with _own_writes(secured) as own_writes:
        answer = secured.post("/v1/agents/agent-ava/next", headers=bearer(tokens["ava"]))
        assert answer.status_code == 200 and answer.json()["decision"]["interaction_id"] == "i-one"
        unknown = secured.post("/v1/agents/nobody/next", headers=bearer(tokens["root"]))
        assert unknown.status_code == 404  # refused by the view: nothing stored, still recorded
    assert [row["path"] for row in own_writes] == [
        "/v1/agents/nobody/next"
    ]  # the decision's commit carried ava's row
    with runtime.db.session() as session:
        found = session.scalars(
            select(AuditEntry).where(AuditEntry.path.like("/v1/agents/%/next"))
        ).all()
    assert sorted((r.action, r.actor, r.path, r.status) for r in found) == [
        ("change", "ava", "/v1/agents/agent-ava/next", 200),
        ("change", "root", "/v1/agents/nobody/next", 404),
    ]


def test_events_are_recorded_in_the_commit_that_stores_them(
    secured: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    """``POST /v1/events`` takes its audit row along in the ingest's transaction (no write of
    its own, one row a request, repeats included); a refused request is recorded on its own."""
    with _own_writes(secured) as own_writes:
        events = chat_events("i-rides")
        for _ in range(2):  # the second time every event is a repeat: still one row
            answer = secured.post("/v1/events", json=events, headers=bearer(tokens["pbx"]))
            assert answer.status_code == 200, answer.text
        bad = secured.post("/v1/events", json=[{"type": "nope"}], headers=bearer(tokens["pbx"]))
        assert bad.status_code == 422
    assert [row["status"] for row in own_writes] == [
        422
    ]  # the two stored requests' commits carried their rows
    with runtime.db.session() as session:
        found = session.scalars(select(AuditEntry).where(AuditEntry.path == "/v1/events")).all()
    assert sorted((r.actor, r.status) for r in found) == [("pbx", 200), ("pbx", 200), ("pbx", 422)]


@pytest.mark.postgres
def test_a_row_the_database_refuses_is_lost_alone_not_with_its_batch(postgres_url: str) -> None:
    from kairos import migrations
    from kairos.db import Database

    migrations.upgrade(postgres_url)
    db = Database(postgres_url)
    writer = audit.AuditWriter(interval_s=60)
    writer.bind(db)
    try:
        made = [audit.entry(actor="a", actor_kind="anonymous", action="read", method="GET",
                            path=f"/v1/customers/{n}", status=401, client=None)
                for n in range(3)]  # fmt: skip
        made[1]["status"] = 2**40  # beyond PostgreSQL's integer: refused
        for row in made:
            writer.record(row)
        assert writer.flush() == 2 and writer.dropped == 1
        with db.session() as session:
            paths = session.scalars(select(AuditEntry.path).order_by(AuditEntry.id)).all()
        assert paths == ["/v1/customers/0", "/v1/customers/2"]
    finally:
        writer.close()
        db.dispose()
