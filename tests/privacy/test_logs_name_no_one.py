"""What Kairos logs at its default level names contacts and customers by id only: an erasure
cannot reach log files, so nothing a customer said or is (words, numbers, addresses) may go
there. The paths where it did: a failed database statement's error (its parameters are the
customer's words, and PostgreSQL's message may quote a value), a refused email address, a bus
message that does not read (pydantic quotes its input)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.outcomes.support import _customer, _queue_tasks
from tests.servers import free_port, serving
from tests.web.floor import chat_events

from kairos.bus.messages import parse
from kairos.config import Settings
from kairos.db import make_engine
from kairos.outcomes.sending import send_queued
from kairos.runtime import Runtime

WORDS = "my parrot Marmaduke Fizzwhistle missed the flight"
PHONE = "+14155550177"


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    """What Kairos' own loggers wrote, tracebacks included (not the test's SMTP server's)."""
    mine = [r for r in caplog.records if r.name.startswith("kairos")]
    handler = logging.Handler()
    handler.setFormatter(logging.Formatter())
    return "\n".join(handler.format(r) for r in mine)


@pytest.fixture
def refusing(migrated_url: str) -> str:
    """The database, with a trigger that refuses every stored event; on PostgreSQL its message
    quotes the event, as a constraint's DETAIL quotes the value it refused."""
    engine = make_engine(migrated_url)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text(
                "CREATE TRIGGER refuse_events BEFORE INSERT ON events "
                "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            ))  # fmt: skip
        else:
            connection.execute(text(
                "CREATE FUNCTION refuse_events() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'refused: %', NEW.payload::text; END $$ LANGUAGE plpgsql"
            ))  # fmt: skip
            connection.execute(text(
                "CREATE TRIGGER refuse_events BEFORE INSERT ON events "
                "FOR EACH ROW EXECUTE FUNCTION refuse_events()"
            ))  # fmt: skip
    engine.dispose()
    return migrated_url


def test_a_database_error_does_not_log_what_the_customer_said(
    refusing: str, tmp_path: Path
) -> None:
    """``kairos serve`` at its default level, as an operator runs it; its log as written."""
    env = {**os.environ, "KAIROS_DATABASE_URL": refusing}
    log_path = tmp_path / "serve.log"
    with serving(env=env, log=log_path, timeout_s=60) as base:
        events = chat_events("chat-logged-1", text=WORDS)
        events[0] |= {"identities": [{"kind": "phone", "value": PHONE}], "subject": WORDS}
        response = httpx.post(base + "/v1/events", json=events, timeout=30)
        assert response.status_code == 500, response.text  # refused: nothing stored
    logged = log_path.read_text()
    assert "unhandled error on POST /v1/events" in logged  # the failure is logged, with
    assert "INSERT INTO events" in logged  # which statement and which error
    for needle in (WORDS, "Fizzwhistle", PHONE, PHONE[-7:]):
        assert needle not in logged


class _Refusing:
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        return "550 5.1.1 no such mailbox"


def test_a_refused_email_address_is_not_logged(
    client: TestClient, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    controller = Controller(_Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        _customer(client, 1, [{"kind": "email", "value": "ann@example.com"}])
        ids = _queue_tasks(runtime)
        settings = Settings(
            database_url=runtime.settings.database_url, smtp_host="127.0.0.1", smtp_port=port,
            smtp_from="care@example.com",
        )  # fmt: skip
        caplog.set_level(logging.INFO)
        report = send_queued(db=runtime.db, settings=settings)
    finally:
        controller.stop()
    assert report.failed == [ids["ann@example.com"]]
    logged = _logged(caplog)
    assert f"outreach task {ids['ann@example.com']}" in logged and "SMTP" in logged
    assert "ann@example.com" not in logged


def test_a_bus_message_that_does_not_read_is_logged_without_its_content(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    # A customer id where a number belongs, and a field missing (pydantic quotes the whole).
    body = {"type": "reask.detected", "interaction_id": "chat-1", "event_id": "e1",
            "agent_id": None, "customer_id": f"tel:{PHONE}", "fact": "phone",
            "value_masked": "***0177", "verified": True, "source": "chat", "channel": "chat",
            "message": WORDS}  # fmt: skip
    assert parse(body) is None
    logged = _logged(caplog)
    assert "ReaskDetected" in logged and "customer_id" in logged and "observed_at" in logged
    for needle in (PHONE, "missed the flight"):
        assert needle not in logged


def test_an_audit_outage_is_logged_without_the_drivers_message(
    migrated_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The audit writer's "could not write" line: the database's refusal by class and statement
    only. Before, it quoted the first line of the driver's message (a trigger's or a
    constraint's text, which may quote the row: here the customer's words)."""
    from kairos.db import Database
    from kairos.security import audit

    engine = make_engine(migrated_url)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text(
                f"CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, 'refused: {WORDS}'); END"
            ))  # fmt: skip
        else:
            connection.execute(text(
                "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN "
                f"RAISE EXCEPTION 'refused: {WORDS} %', NEW.path; END $$ LANGUAGE plpgsql"
            ))  # fmt: skip
            connection.execute(text(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log "
                "FOR EACH ROW EXECUTE FUNCTION refuse_audit()"
            ))  # fmt: skip
    engine.dispose()
    db = Database(migrated_url)
    writer = audit.AuditWriter(interval_s=60)
    writer.bind(db)
    caplog.set_level(logging.INFO)
    try:
        writer.write_now(audit.entry(actor="a", actor_kind="admin", action="read", method="GET",
                                     path="/v1/customers/7", status=200, client=None))  # fmt: skip
        assert writer.flush() == 0  # still refused: kept
    finally:
        writer._rows.clear()
        writer.close()
        db.dispose()
    logged = _logged(caplog)
    assert "could not write 1 audit rows" in logged and "INSERT INTO audit_log" in logged
    assert WORDS not in logged and "refused:" not in logged
