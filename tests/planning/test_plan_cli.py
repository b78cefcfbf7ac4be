"""``kairos plan``: a table and a chart on a seeded database, a clear error on an empty one."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result
from tests.planning import synthetic
from typer.testing import CliRunner

from kairos import migrations
from kairos.cli import app
from kairos.config import get_settings


@pytest.fixture
def use_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the CLI's settings at the database URL each test sets."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _invoke(url: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.setenv("KAIROS_DATABASE_URL", url)
    get_settings.cache_clear()
    return CliRunner().invoke(app, ["plan", *args])


@pytest.fixture
def seeded_url(sqlite_url: str) -> str:
    migrations.upgrade(sqlite_url)
    synthetic.seed(sqlite_url, synthetic.history(start=date(2026, 10, 5), days=21, seed=21))
    return sqlite_url


def test_plan_prints_the_table_and_the_backtest_and_writes_the_chart(
    seeded_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_database: None
) -> None:
    chart = tmp_path / "charts" / "plan.html"
    result = _invoke(seeded_url, monkeypatch, "--chart", str(chart))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "plan for 2026-10-26 (UTC)" in out
    for column in ("contacts", "MoT", "Erlang C", "Erlang A", "certified"):
        assert column in out
    assert "10:00" in out and "03:00" not in out  # quiet night intervals left out
    assert "backtest, held-out week 2026-10-19 to 2026-10-25" in out
    assert "WAPE" in out and "naive" in out
    html = chart.read_text(encoding="utf-8")
    assert "emotion:high urgency:high complexity:low" in html
    assert "Erlang A" in html
    assert 'src="https://cdn.plot.ly' not in html and "plotly.js v" in html.lower()
    assert len(html) > 1_000_000  # Plotly's JavaScript is inside


def test_plan_as_json_with_options(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch, use_database: None
) -> None:
    result = _invoke(
        seeded_url,
        monkeypatch,
        "--json",
        "--date",
        "2026-10-27",
        "--interval",
        "60",
        "--service-level",
        "0.9",
        "--answer-seconds",
        "15",
        "--patience-seconds",
        "90",
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["day"] == "2026-10-27"
    assert len(plan["intervals"]) == 24
    # Given on the command line, the target is every channel's; each keeps how it is worked.
    assert plan["targets"]["call"] == {
        "service_level": 0.9,
        "answer_seconds": 15.0,
        "shrinkage": 0.3,
        "max_occupancy": 0.85,
        "concurrency": 1,
        "backlog": False,
    }
    assert plan["targets"]["chat"]["answer_seconds"] == 15.0
    assert plan["targets"]["chat"]["concurrency"] == 3
    assert plan["patience_seconds"] == 90.0
    busiest = max(plan["intervals"], key=lambda i: i["contacts"])
    assert busiest["agents_erlang_c"] >= busiest["agents_erlang_a"] > 0


def test_a_plan_too_far_from_the_history_says_why_not_that_there_is_none(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch, use_database: None
) -> None:
    """A plan months ahead of the newest contact said "the database holds no interactions"."""
    result = _invoke(seeded_url, monkeypatch, "--date", "2027-03-01")
    assert result.exit_code == 1
    assert "holds no interactions" not in result.output
    said = " ".join(result.output.split())
    assert "no interactions in the 6 weeks before 2027-03-01" in said
    assert "the newest started on 2026-10-25" in said


def test_plan_on_an_empty_database_says_so_and_fails(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, use_database: None
) -> None:
    missing = _invoke(sqlite_url, monkeypatch)
    assert missing.exit_code == 1
    assert "no Kairos database at" in missing.output and "kairos demo" in missing.output
    assert not Path(sqlite_url.split("///", 1)[1]).exists()  # and it did not create one
    migrations.upgrade(sqlite_url)
    empty = _invoke(sqlite_url, monkeypatch)
    assert empty.exit_code == 1
    assert "no history to plan from: the database holds no interactions" in empty.output
    assert "Traceback" not in empty.output


def test_plan_on_an_unmigrated_database_and_bad_options_fail_clearly(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, use_database: None
) -> None:
    Path(sqlite_url.split("///", 1)[1]).touch()
    unmigrated = _invoke(sqlite_url, monkeypatch)
    assert unmigrated.exit_code == 1
    assert "kairos db upgrade" in unmigrated.output
    for args, message in (
        (("--date", "26/10/2026"), "is not YYYY-MM-DD"),
        (("--interval", "7"), "must divide a day"),
        (("--service-level", "1.5"), "service_level"),
        (("--timezone", "Mars/Olympus"), "not an IANA timezone"),
    ):
        result = _invoke(sqlite_url, monkeypatch, *args)
        assert result.exit_code == 2, args
        assert message in result.output


def test_plan_reads_days_in_the_centres_zone(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch, use_database: None
) -> None:
    # The centre's zone set, the default not: the plan's days and intervals are the centre's, as
    # the report's and the wallboard's are (before, they were UTC's).
    monkeypatch.delenv("KAIROS_DEFAULT_TIMEZONE", raising=False)
    monkeypatch.setenv("KAIROS_CENTRE_TIMEZONE", "America/New_York")
    result = _invoke(seeded_url, monkeypatch, "--json", "--date", "2026-10-27")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["timezone"] == "America/New_York"
    assert plan["intervals"][0]["start"] == "2026-10-27T00:00:00-04:00"


def test_plan_exports_every_interval_and_channel_to_csv_for_the_wfm_tool(
    seeded_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_database: None
) -> None:
    out = tmp_path / "wfm" / "plan.csv"
    result = _invoke(seeded_url, monkeypatch, "--csv", str(out), "--date", "2026-10-27")
    assert result.exit_code == 0, result.output
    plan = json.loads(_invoke(seeded_url, monkeypatch, "--json", "--date", "2026-10-27").stdout)
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    channels = {c["channel"] for i in plan["intervals"] for c in i["channels"]}
    # Every interval of the day, quiet ones too, once per channel: the WFM tool needs the grid.
    assert len(rows) == len(plan["intervals"]) * len(channels) == 48 * len(channels)
    assert rows[0]["interval_start"] == "2026-10-27T00:00:00+00:00"
    assert rows[0]["interval_end"] == "2026-10-27T00:30:00+00:00"
    for interval in plan["intervals"]:
        mine = [r for r in rows if r["interval_start"] == interval["start"].replace("Z", "+00:00")]
        assert sum(int(r["agents_erlang_c"]) for r in mine) == interval["agents_erlang_c"]
        assert sum(int(r["agents_erlang_a"]) for r in mine) == interval["agents_erlang_a"]
        assert sum(int(r["certified_agents"]) for r in mine) == interval["certified_agents"]
        assert sum(float(r["contacts"]) for r in mine) == pytest.approx(interval["contacts"])
    assert sum(float(r["contacts"]) for r in rows) == pytest.approx(
        sum(i["contacts"] for i in plan["intervals"])
    )


def test_the_plan_says_what_its_agents_are_and_the_export_carries_the_shrinkage(
    seeded_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_database: None
) -> None:
    out = tmp_path / "plan.csv"
    monkeypatch.setenv("KAIROS_SERVICE_TARGETS", '{"chat": {"shrinkage": 0.4}}')
    result = _invoke(seeded_url, monkeypatch, "--csv", str(out), "--date", "2026-10-27")
    assert result.exit_code == 0, result.output
    # Before, neither said the counts were heads after 30% shrinkage: a WFM tool that applies
    # its own shrinkage to them staffs the floor for it twice.
    said = " ".join(result.stdout.split())
    assert "agents: heads to schedule, productive agents ÷ (1 − shrinkage)" in said
    assert "chat 40% shrinkage, occupancy at most 85%" in said
    assert "call 30% shrinkage, occupancy at most 85%" in said
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        shrinkage = float(row["shrinkage"])
        assert shrinkage == (0.4 if row["channel"] == "chat" else 0.3)
        assert float(row["max_occupancy"]) == 0.85
        productive = int(row["productive_agents_erlang_c"])
        assert int(row["agents_erlang_c"]) == math.ceil(productive / (1 - shrinkage) - 1e-9)
    assert any(int(r["agents_erlang_c"]) > 0 for r in rows if r["channel"] == "chat")
