"""``kairos simulate`` end to end with a tiny centre: the table, the files, bad overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kairos.cli import app

# Wide enough that Rich does not wrap the table's labels.
runner = CliRunner(env={"COLUMNS": "200"})
TINY = ["--agents", "12", "--hours", "1", "--set", "start_hour=10", "--jobs", "1"]


def test_simulate_prints_the_comparison_and_writes_charts_and_results(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    result = runner.invoke(
        app, ["simulate", *TINY, "--replications", "2", "--out", str(out), "--sensitivity",
              "--sensitivity-replications", "2"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "moments − fifo" in result.output
    assert "handled by a certified agent" in result.output
    assert "Sensitivity" in result.output
    charts = (out / "charts.html").read_text(encoding="utf-8")
    # Self-contained: Plotly's JavaScript is inlined, nothing is fetched from a CDN.
    assert "Plotly.newPlot" in charts and len(charts) > 1_000_000
    assert "<script src=" not in charts and 'src="http' not in charts
    record = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert record["policies"] == ["fifo", "moments"]
    assert {r["replication"] for r in record["runs"]} == {0, 1}
    assert "moments-fifo" in record["summary"]["churned"]
    assert {row["name"] for row in record["sensitivity"]} >= {"fit_effect", "offered_load"}
    assert any(a["name"] == "churn_after_poor_mot" and a["kind"] == "published"
               for a in record["assumptions"])  # fmt: skip
    lines = (out / "results.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("policy,replication,mot_certified_share") and len(lines) == 5


def test_a_bad_override_or_policy_is_a_clear_error(tmp_path: Path) -> None:
    bad_name = runner.invoke(
        app, ["simulate", *TINY, "--set", "patience=3", "--out", str(tmp_path)]
    )
    assert bad_name.exit_code == 2
    assert "unknown scenario field 'patience'" in bad_name.output
    bad_value = runner.invoke(app, ["simulate", *TINY, "--set", "certified_share=2"])
    assert bad_value.exit_code == 2 and "certified_share" in bad_value.output
    bad_policy = runner.invoke(app, ["simulate", *TINY, "--policies", "fifo,vip"])
    assert bad_policy.exit_code == 2 and "vip" in bad_policy.output
    assert not list(tmp_path.iterdir())


def test_assumptions_are_listed_with_their_sources() -> None:
    result = runner.invoke(app, ["simulate", "--assumptions"])
    assert result.exit_code == 0, result.output
    assert "aht_seconds" in result.output and "published" in result.output


def test_simulate_says_it_is_offline_and_writes_no_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "kairos.db"
    monkeypatch.setenv("KAIROS_DATABASE_URL", f"sqlite:///{database}")
    help_text = runner.invoke(app, ["simulate", "--help"]).output
    assert "writes nothing to the database" in help_text and "kairos demo" in help_text
    result = runner.invoke(
        app, ["simulate", *TINY, "--replications", "2", "--out", str(tmp_path / "sim")]
    )
    assert result.exit_code == 0, result.output
    assert "nothing was written to the database" in result.output
    assert "kairos demo" in result.output
    assert not database.exists()
