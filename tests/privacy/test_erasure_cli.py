"""``kairos erase-customer``: asks first, erases with the same receipt as the API, records itself
in the audit log, and refuses a customer erased before with one line."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.privacy.conftest import ERASED, every_text, needles
from typer.testing import CliRunner

from kairos.cli import app
from kairos.config import get_settings
from kairos.runtime import Runtime
from kairos.security.models import AuditEntry


def test_the_command_erases_after_asking(
    secured: TestClient,
    runtime: Runtime,
    two_customers: int,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAIROS_DATABASE_URL", database_url)
    get_settings.cache_clear()
    run = CliRunner().invoke
    try:
        declined = run(app, ["erase-customer", str(two_customers)], input="n\n")
        bad = run(app, ["erase-customer", str(two_customers), "--yes", "--reference", "Ada Q"])
        unchanged = every_text(runtime.db)
        done = run(
            app,
            ["erase-customer", str(two_customers), "--yes", "--by", "dpo", "--reference", "DSR-7"],
        )
        again = run(app, ["erase-customer", str(two_customers), "--yes"])
    finally:
        get_settings.cache_clear()
    assert declined.exit_code == 1 and bad.exit_code == 1, (declined.output, bad.output)
    assert "case number" in bad.output
    assert any(ERASED["name"] in value for _, _, value in unchanged)
    assert done.exit_code == 0, done.output
    receipt = json.loads(done.stdout)
    assert receipt["erased_by"] == "dpo" and receipt["counts"]["customers"] == 1
    assert [row for row in every_text(runtime.db) for n in needles(ERASED) if n in row[2]] == []
    assert again.exit_code == 1 and "was erased" in again.output
    with runtime.db.session() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.path == f"/v1/customers/{two_customers}/erasure")
        ).all()
        assert [(r.actor, r.actor_kind, r.method) for r in rows] == [("dpo", "cli", "CLI")]
