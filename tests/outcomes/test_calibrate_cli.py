"""``kairos calibrate`` over a real database: the figures, the refusal, and ``--apply``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.factories import ended, started, utterance
from tests.outcomes.conftest import post_events, recent
from tests.outcomes.support import TEXTS
from typer.testing import CliRunner

from kairos.cli import app
from kairos.config import get_settings


@pytest.fixture
def cli_db(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("KAIROS_DATABASE_URL", migrated_url)
    monkeypatch.delenv("KAIROS_MOT_BASE_RATE", raising=False)
    get_settings.cache_clear()
    yield migrated_url
    get_settings.cache_clear()


def test_calibrate_reports_the_flag_refuses_on_too_few_and_applies_its_recommendation(
    client: TestClient, cli_db: str, tmp_path: Path
) -> None:
    # A customer each: a repeat customer's journey would raise the score of their next contact.
    phones = iter(range(1000, 2000))
    for kind, text in TEXTS.items():
        for n in range(10 if kind != "routine" else 30):
            cid = f"{kind}-{n}"
            start = started(cid, phone=f"+1415555{next(phones)}")
            post_events(client, recent([start, utterance(cid, text, seconds=5), ended(cid)]))
    env_file = tmp_path / ".env"
    env_file.write_text("KAIROS_CENTRE_TIMEZONE=Europe/Paris\nKAIROS_MOT_BASE_RATE=0.2\n")
    runner = CliRunner()
    refused = runner.invoke(app, ["calibrate", "--apply", "--env-file", str(env_file)])
    assert refused.exit_code == 1, refused.output
    assert "too few reviewed contacts: 0 of 30 flagged" in " ".join(refused.output.split())
    assert "30 more" in " ".join(refused.output.split())
    assert env_file.read_text().endswith("KAIROS_MOT_BASE_RATE=0.2\n")  # untouched
    # A supervisor reviews every flag: the recital calls were not moments of truth.
    for kind in ("furious", "rent", "recital"):
        verdict = "not_moment" if kind == "recital" else "moment"
        for n in range(10):
            said = client.post(f"/v1/interactions/{kind}-{n}/verdicts", json={"verdict": verdict})
            assert said.status_code == 201, said.text
    shown = runner.invoke(app, ["calibrate"])
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.output.split())
    assert "precision of the flag 0.67 (95% CI 0.49-0.81; 20 of 30)" in text
    api = client.get("/v1/outcomes/calibration").json()
    rate = api["recommended"]["base_rate"]
    # The recital calls score below the others: only a lower base rate leaves them unflagged.
    assert rate < 0.05 and api["recommended"]["flagged"] == 20
    assert f"KAIROS_MOT_BASE_RATE={rate}" in text
    applied = runner.invoke(app, ["calibrate", "--apply", "--env-file", str(env_file)])
    assert applied.exit_code == 0, applied.output
    lines = env_file.read_text().splitlines()
    assert lines == ["KAIROS_CENTRE_TIMEZONE=Europe/Paris", f"KAIROS_MOT_BASE_RATE={rate}"]
    assert "takes effect when the server and workers restart" in " ".join(applied.output.split())
