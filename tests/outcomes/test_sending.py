"""'You said, we did' messages go out for real: email to a local SMTP server (aiosmtpd) and SMS to
a stand-in for Twilio's Messages API that the test starts; each once, never twice."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.outcomes.support import _customer, _queue_tasks
from tests.servers import free_port
from typer.testing import CliRunner

from kairos.bus import MemoryBus
from kairos.cli import app
from kairos.config import Settings, get_settings
from kairos.main import create_app
from kairos.outcomes.models import OutreachTask
from kairos.outcomes.sending import send_queued
from kairos.runtime import Runtime


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, _Inbox]]:
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


@pytest.fixture
def twilio() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A stand-in for api.twilio.com's Messages.json: records each request, answers 201."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = parse_qs(self.rfile.read(length).decode())
            auth = base64.b64decode(self.headers["Authorization"].split()[1]).decode()
            received.append({"path": self.path, "auth": auth, **{k: v[0] for k, v in form.items()}})
            body = json.dumps({"sid": f"SM{len(received):032d}", "status": "queued"}).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()


def _ann_and_other(client: TestClient, runtime: Runtime) -> dict[str, int]:
    """Ann (email and phone) and another customer (phone only), and the queued messages."""
    _customer(client, 1, [{"kind": "email", "value": "ann@example.com"},
                          {"kind": "phone", "value": "+14155550199"}])  # fmt: skip
    _customer(client, 2, [{"kind": "phone", "value": "+14155550123"}])
    return _queue_tasks(runtime)


def _sending_settings(
    runtime: Runtime, smtp: tuple[int, _Inbox], twilio: tuple[str, list[dict[str, Any]]]
) -> Settings:
    """Settings that send by the test's SMTP server and the stand-in for Twilio's API."""
    return Settings(
        database_url=runtime.settings.database_url, smtp_host="127.0.0.1", smtp_port=smtp[0],
        smtp_from="care@example.com", twilio_account_sid="AC123", twilio_auth_token="secret",
        twilio_api_url=twilio[0], twilio_from="+15005550006",
    )  # fmt: skip


def _opt_out_after_queueing(client: TestClient) -> int:
    """After the messages were queued: Ann wants no more email, the other customer no more
    texts; the other customer's id."""
    ann = client.get("/v1/interactions/c1").json()["customer_id"]
    other = client.get("/v1/interactions/c2").json()["customer_id"]
    for customer_id, channel in ((ann, "email"), (other, "sms")):
        body = {"channels_off": [channel]}
        response = client.put(f"/v1/customers/{customer_id}/contact-preference", json=body)
        assert response.status_code == 200, response.text
    return int(other)


def test_messages_go_by_email_or_sms_once(
    client: TestClient,
    runtime: Runtime,
    smtp: tuple[int, _Inbox],
    twilio: tuple[str, list[dict[str, Any]]],
) -> None:
    ids = _ann_and_other(client, runtime)
    _, inbox = smtp
    _, received = twilio
    settings = _sending_settings(runtime, smtp, twilio)
    report = send_queued(db=runtime.db, settings=settings)
    assert report.email == [ids["ann@example.com"]]  # email first when there is one
    assert report.sms == [ids["+14155550123"]]
    assert report.unreachable == [ids["nobody"]]
    [mail] = inbox.messages
    assert mail["To"] == "ann@example.com" and mail["From"] == "care@example.com"
    assert "We did: longer sessions." in mail.get_payload()
    [sms] = received
    assert sms["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert sms["auth"] == "AC123:secret"
    assert (sms["To"], sms["From"]) == ("+14155550123", "+15005550006")
    assert sms["Body"].startswith("You said:")
    with runtime.db.session() as session:
        tasks = {t.id: t for t in session.scalars(select(OutreachTask))}
    assert (tasks[ids["ann@example.com"]].status, tasks[ids["ann@example.com"]].result) == (
        "done", "sent_email",
    )  # fmt: skip
    assert tasks[ids["+14155550123"]].result == "sent_sms"
    assert (tasks[ids["nobody"]].status, tasks[ids["nobody"]].result) == ("queued", "no_channel")
    # A second run sends nothing again.
    again = send_queued(db=runtime.db, settings=settings)
    assert again.email == again.sms == [] and len(inbox.messages) == 1 and len(received) == 1


def test_a_failed_send_stays_queued_and_the_cli_says_what_it_did(
    client: TestClient,
    runtime: Runtime,
    twilio: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _customer(client, 1, [{"kind": "email", "value": "ann@example.com"}])
    _customer(client, 2, [{"kind": "phone", "value": "+14155550123"}])
    ids = _queue_tasks(runtime)
    closed = free_port()  # no SMTP server there: the email fails, the SMS goes
    url, received = twilio
    env = {
        "KAIROS_DATABASE_URL": runtime.settings.database_url, "KAIROS_SMTP_HOST": "127.0.0.1",
        "KAIROS_SMTP_PORT": str(closed), "KAIROS_TWILIO_ACCOUNT_SID": "AC1",
        "KAIROS_TWILIO_AUTH_TOKEN": "t", "KAIROS_TWILIO_API_URL": url,
        "KAIROS_TWILIO_FROM": "+15005550006",
    }  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["send-outreach"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1, result.output
    assert "sent 0 by email, 1 by SMS" in result.output and "1 failed" in result.output
    with runtime.db.session() as session:
        failed = session.get(OutreachTask, ids["ann@example.com"])
        assert failed is not None and (failed.status, failed.result) == ("queued", "send_failed")
    assert len(received) == 1


def test_a_running_kairos_sends_them_on_its_own(
    client: TestClient, runtime: Runtime, smtp: tuple[int, _Inbox]
) -> None:
    """With an SMTP server configured, the runtime's sender sends without anyone asking; a
    message with no channel stays queued and does not hold up the next."""
    _customer(client, 1, [{"kind": "email", "value": "ann@example.com"}])
    ids = _queue_tasks(runtime)
    port, inbox = smtp
    settings = runtime.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "outreach_send_interval_s": 0.1}
    )
    sending = Runtime.build(settings, bus=MemoryBus())
    try:
        deadline = time.monotonic() + 10
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sending.close()
    [mail] = inbox.messages
    assert mail["To"] == "ann@example.com"
    with runtime.db.session() as session:
        sent = session.get(OutreachTask, ids["ann@example.com"])
        unreachable = session.get(OutreachTask, ids["nobody"])
        assert sent is not None and (sent.status, sent.result) == ("done", "sent_email")
        assert unreachable is not None and unreachable.status == "queued"


def test_a_channel_the_customer_opted_out_of_is_not_used(
    client: TestClient,
    runtime: Runtime,
    smtp: tuple[int, _Inbox],
    twilio: tuple[str, list[dict[str, Any]]],
) -> None:
    ids = _ann_and_other(client, runtime)
    other = _opt_out_after_queueing(client)
    _, inbox = smtp
    _, received = twilio
    settings = _sending_settings(runtime, smtp, twilio)
    report = send_queued(db=runtime.db, settings=settings)
    assert report.sms == [ids["ann@example.com"]] and report.email == []  # by text instead
    assert report.suppressed == [ids["+14155550123"]]
    assert inbox.messages == [] and [r["To"] for r in received] == ["+14155550199"]
    with runtime.db.session() as session:
        held = session.get(OutreachTask, ids["+14155550123"])
        assert held is not None and (held.status, held.result) == ("suppressed", "opted_out_sms")
    ledger = client.get(f"/v1/customers/{other}/contact-preference").json()["history"]
    assert ledger[0]["action"] == "suppressed"
    assert send_queued(db=runtime.db, settings=settings).sms == []  # never tried again


def test_a_running_kairos_counts_a_message_it_holds_back_at_send_time(
    client: TestClient,
    runtime: Runtime,
    smtp: tuple[int, _Inbox],
    twilio: tuple[str, list[dict[str, Any]]],
) -> None:
    """The background sender's hold-back (an opt-out after the message was queued) is in
    ``kairos_outreach_suppressed_total`` on ``/metrics``, as a hold-back when a task is made is."""
    ids = _ann_and_other(client, runtime)
    _opt_out_after_queueing(client)
    settings = _sending_settings(runtime, smtp, twilio).model_copy(
        update={"outreach_send_interval_s": 0.1}
    )
    sending = Runtime.build(settings, bus=MemoryBus())
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with runtime.db.session() as session:
                held = session.get(OutreachTask, ids["+14155550123"])
                if held is not None and held.status == "suppressed":
                    break
            time.sleep(0.05)
        with TestClient(create_app(settings, runtime=sending)) as own:
            shown = own.get("/metrics").text
    finally:
        sending.close()
    assert 'kairos_outreach_suppressed_total{kind="you_said",reason="opted_out_sms"} 1' in shown
