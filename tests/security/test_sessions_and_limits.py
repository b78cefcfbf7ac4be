"""Sign-in, sessions, limits and pages as issue 18 found them: each request that once went
through now gets its expected answer (429 where it was unlimited, 401/403 where it was allowed).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select
from tests.security.conftest import AppFactory, assign, bearer
from tests.web.floor import PASSWORD, chat_events, csrf_of, login

from kairos.config import Settings
from kairos.runtime import Runtime
from kairos.security.guards import PAGE_CSP
from kairos.security.models import AuditEntry
from kairos.security.throttle import SignInThrottle


def _try(client: TestClient, username: str, password: str) -> int:
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return answer.status_code


# -- sign-in ------------------------------------------------------------------------------------


def test_wrong_passwords_back_off_per_account(app_client: AppFactory) -> None:
    with app_client(sign_in_failures=3) as client:
        assert [_try(client, "sue", "wrong") for _ in range(3)] == [401, 401, 401]
        refused = client.post(
            "/login",
            data={"username": "sue", "password": PASSWORD,
                  "csrf_token": csrf_of(client.get("/login").text)},
            follow_redirects=False,
        )  # fmt: skip
        assert refused.status_code == 429  # even the right password waits its turn
        assert int(refused.headers["Retry-After"]) >= 1
        assert "Too many wrong passwords" in refused.text
        assert _try(client, "ben", PASSWORD) == 303  # another account is not held up


def test_the_backoff_doubles_and_a_right_password_clears_it() -> None:
    throttle = SignInThrottle(per_account=2, per_address=100)
    throttle.failed("sue", "10.0.0.1", now=0.0)
    assert throttle.wait_s("sue", "10.0.0.1", now=0.0) == 0.0
    throttle.failed("sue", "10.0.0.1", now=0.0)
    assert throttle.wait_s("sue", "10.0.0.2", now=0.0) == 1.0
    throttle.failed("sue", "10.0.0.1", now=1.0)
    assert throttle.wait_s("sue", None, now=1.0) == 2.0
    throttle.succeeded("sue")
    assert throttle.wait_s("sue", None, now=1.0) == 0.0


def test_wrong_passwords_back_off_per_address(app_client: AppFactory) -> None:
    with app_client(sign_in_failures=100, sign_in_address_failures=4) as client:
        codes = [_try(client, name, "wrong") for name in ("a1", "a2", "a3", "a4", "a5")]
        assert codes == [401, 401, 401, 401, 429]


def test_password_hashing_is_bounded(app_client: AppFactory) -> None:
    """32 concurrent wrong passwords hash at most ``max_concurrent_sign_ins`` at a time."""
    with app_client(max_concurrent_sign_ins=2, sign_in_failures=1000,
                    sign_in_address_failures=1000) as client:  # fmt: skip
        throttle: SignInThrottle = client.app.state.security.throttle  # type: ignore[attr-defined]
        gate = throttle.gate()
        assert gate._value == 2
        from kairos.auth import service

        peak = [0]
        busy = [0]
        real = service.verify_password

        def counting(password_hash: str, password: str) -> bool:
            busy[0] += 1
            peak[0] = max(peak[0], busy[0])
            try:
                return real(password_hash, password)
            finally:
                busy[0] -= 1

        service.verify_password = counting  # type: ignore[assignment]
        try:
            import concurrent.futures

            with concurrent.futures.ThreadPoolExecutor(16) as pool:
                codes = list(  # one browser each: their own cookies and CSRF tokens
                    pool.map(lambda n: _try(TestClient(client.app), "sue", f"x{n}"), range(32))
                )
        finally:
            service.verify_password = real  # type: ignore[assignment]
        assert set(codes) <= {401, 503}, codes
        assert 1 <= peak[0] <= 2, peak


def test_sign_out_ends_the_session_for_a_copied_cookie(app_client: AppFactory) -> None:
    with app_client() as client:
        login(client, "sue")
        cookie = client.cookies.get("kairos_session")
        assert client.get("/wallboard", follow_redirects=False).status_code == 200
        token = csrf_of(client.get("/wallboard").text)
        assert (
            client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
            == 303
        )
        # The old cookie, replayed by someone who copied it, is no longer signed in.
        thief = TestClient(client.app)
        thief.cookies.set("kairos_session", cookie)
        answer = thief.get("/wallboard", follow_redirects=False)
        assert answer.status_code == 303 and "/login" in answer.headers["location"]
        assert thief.get("/v1/interactions").status_code in (200, 401)
        assert "sue" not in thief.get("/v1/interactions").text


def test_a_cookie_from_before_server_sessions_is_signed_out(app_client: AppFactory) -> None:
    """A validly signed cookie holding only a user id (no server-side session) signs no one in."""
    with app_client() as client:
        import base64
        import json

        from itsdangerous import TimestampSigner

        secret = client.app.state.runtime.settings.secret_key  # type: ignore[attr-defined]
        data = base64.b64encode(json.dumps({"user_id": 3}).encode())
        forged = TimestampSigner(secret).sign(data).decode()
        client.cookies.set("kairos_session", forged)
        assert client.get("/wallboard", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("secret", ["12345678", "aaaaaaaaaaaaaaaaaaaa", "dev-insecure-secret"])
def test_production_refuses_a_weak_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="too weak for production"):
        Settings(environment="production", secret_key=secret)


def test_development_makes_a_random_key_per_install(tmp_path: Path) -> None:
    path = tmp_path / "state" / "secret_key"
    first = Settings(secret_key_file=path)
    again = Settings(secret_key_file=path)
    other = Settings(secret_key_file=tmp_path / "other" / "secret_key")
    assert first.secret_key == again.secret_key != "dev-insecure-secret"
    assert len(first.secret_key) == 64 and other.secret_key != first.secret_key
    assert oct(path.stat().st_mode & 0o777) == "0o600"


# -- limits and identity ------------------------------------------------------------------------


def test_invalid_tokens_are_limited_before_authentication_and_not_recorded(
    app_client: AppFactory, runtime: Runtime
) -> None:
    def audit_rows() -> int:
        with runtime.db.session() as session:
            return session.scalar(select(func.count()).select_from(AuditEntry)) or 0

    with app_client(require_tokens=True, auth_failures_per_s=0.01) as client:
        before = audit_rows()
        codes = [client.get("/v1/interactions", headers=bearer("krs_" + "x" * 40 + str(n)))
                 .status_code for n in range(200)]  # fmt: skip
        client.app.state.security.flush()  # type: ignore[attr-defined]
        assert codes[:20] == [401] * 20 and set(codes[20:]) == {429}
        assert audit_rows() - before == 20  # the flood beyond the bucket leaves no rows


def test_x_kairos_user_does_not_override_the_verified_token(
    secured: TestClient, tokens: dict[str, str]
) -> None:
    from datetime import UTC, datetime, timedelta

    body = {"title": "Outage", "body": "Fibre cut",
            "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}  # fmt: skip
    posted = secured.post("/v1/messages", json=body,
                          headers={**bearer(tokens["sue"]), "X-Kairos-User": "root"})  # fmt: skip
    assert posted.status_code == 201, posted.text
    assert posted.json()["created_by"] == "sue"


# -- pages and API writes with a session --------------------------------------------------------


@pytest.mark.parametrize("path", ["/login", "/desktop", "/wallboard"])
def test_pages_carry_csp_frame_refusal_and_no_store(app_client: AppFactory, path: str) -> None:
    with app_client() as client:
        login(client, "ava" if path == "/desktop" else "sue")
        answer = client.get(path)
        assert answer.status_code == 200
        assert answer.headers["content-security-policy"] == PAGE_CSP
        assert "frame-ancestors 'none'" in PAGE_CSP and "script-src 'self'" in PAGE_CSP
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["cache-control"] == "no-store"


def test_api_writes_with_a_session_need_the_csrf_token_and_json(
    app_client: AppFactory, tokens: dict[str, str]
) -> None:
    from datetime import UTC, datetime, timedelta

    body = {"title": "Outage", "body": "Fibre cut",
            "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}  # fmt: skip
    import json as jsonlib

    with app_client(require_tokens=True) as client:
        csrf = login(client, "sue")
        plain = client.post("/v1/messages", content=jsonlib.dumps(body),
                            headers={"content-type": "text/plain"})  # fmt: skip
        assert plain.status_code == 403, plain.text
        assert client.post("/v1/messages", json=body).status_code == 403  # no token
        wrong = client.post("/v1/messages", json=body, headers={"X-CSRF-Token": "nope"})
        assert wrong.status_code == 403 and wrong.json()["error"] == "csrf_failed"
        headers = {"content-type": "text/plain", "X-CSRF-Token": csrf}
        text = client.post("/v1/messages", content=jsonlib.dumps(body), headers=headers)
        assert text.status_code == 403
        ok = client.post("/v1/messages", json=body, headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 201, ok.text
        assert ok.json()["created_by"] == "sue"
        assert client.get("/v1/messages").status_code == 200  # reads need no token


def test_a_change_is_audited_before_its_answer(
    secured: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    """The row of a change is written before the answer starts: nothing queued to lose."""
    assign(secured, tokens, "au-1", "agent-ava", "+14155550161")
    with runtime.db.session() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.path == "/v1/agents/agent-ava/next")
        ).all()
    assert len(rows) == 1 and rows[0].action == "change" and rows[0].actor == "ava"
    assert not secured.app.state.security.writer._rows  # type: ignore[attr-defined]


def test_a_read_is_audited_before_its_answer(
    secured: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    """A read of an interaction (API or page) is on disk when its answer arrives."""
    assign(secured, tokens, "au-2", "agent-ava", "+14155550162")
    writer = secured.app.state.security.writer  # type: ignore[attr-defined]
    writer.interval_s = 60  # the batch thread would not write for a minute
    read = secured.get("/v1/interactions/au-2", headers=bearer(tokens["ava"]))
    assert read.status_code == 200, read.text
    login(secured, "sue")
    assert secured.get("/interactions/au-2").status_code == 200
    with runtime.db.session() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.resource_id == "au-2", AuditEntry.action == "read")
        ).all()
    assert sorted((r.actor, r.path) for r in rows) == [
        ("ava", "/v1/interactions/au-2"),
        ("sue", "/interactions/au-2"),
    ]
    assert not writer._rows


def test_a_media_stream_is_audited_before_it_opens(
    secured: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    secured.post("/v1/events", json=chat_events("au-3"), headers=bearer(tokens["pbx"]))
    url = f"/v1/media/pcm?interaction_id=au-3&token={tokens['pbx']}"
    with secured.websocket_connect(url) as ws:
        with runtime.db.session() as session:  # the stream still open
            rows = session.scalars(
                select(AuditEntry).where(AuditEntry.path == "/v1/media/pcm")
            ).all()
        assert [(r.actor, r.action, r.status) for r in rows] == [("pbx", "change", 101)]
        ws.send_json({"event": "stop"})
    secured.app.state.security.flush()  # type: ignore[attr-defined]
    with runtime.db.session() as session:  # and not recorded a second time when it ends
        count = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.path == "/v1/media/pcm")
        )
    assert count == 1


def test_a_full_gate_gives_up_after_its_queue_time() -> None:
    throttle = SignInThrottle(max_concurrent=1, queue_s=0.05)
    assert throttle.gate().acquire()
    assert throttle.hashing(lambda: "hashed") is None  # busy: the sign-in answers 503
    throttle.gate().release()
    assert throttle.hashing(lambda: "hashed") == "hashed"
