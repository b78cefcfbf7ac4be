"""``kairos analyze`` and ``kairos report``: one self-contained HTML file, looked at in Chromium."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.factories import T0, ended, started, utterance
from tests.outcomes.conftest import enable_rules, post_events, recent
from tests.web.browser import CHROMIUM, chromium
from typer.testing import CliRunner

from kairos.cli import app
from kairos.config import get_settings
from kairos.outcomes.archive import read_archive, review_conversation
from kairos.replay import threads_path

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

CONVERSATIONS = [
    ("c1", [("customer", "My flight got cancelled and my mother's funeral is tomorrow morning"),
            ("agent", "You'll have to call the booking line, there's nothing we can do here."),
            ("customer", "Unbelievable. Never flying with you again.")]),
    ("c2", [("customer", "My flight was cancelled and I need to get to my sister's wedding"),
            ("agent", "I'm so sorry. Leave it with me, I've rebooked you on the 6pm flight."),
            ("customer", "Thank you so much, that helps!")]),
    ("c3", [("customer", "What time does check-in open?"),
            ("agent", "Check-in opens 24 hours before departure.")]),
    ("c4", [("customer", "My booking reference is XK42QZ and my bag never arrived, I'm stuck"),
            ("agent", "Can you send me your booking reference please?"),
            ("customer", "I already gave it to you!")]),
]  # fmt: skip


def _archive(tmp_path: Path) -> Path:
    path = tmp_path / "archive.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for cid, turns in CONVERSATIONS:
            for n, (speaker, text) in enumerate(turns):
                line = {"id": f"{cid}-{n}", "interaction_id": cid, "speaker": speaker, "text": text,
                        "occurred_at": f"2026-11-22T14:0{n}:00+00:00"}  # fmt: skip
                handle.write(json.dumps(line) + "\n")
        handle.write("not json\n")
        handle.write(json.dumps({"id": "x", "text": ""}) + "\n")
        handle.write(json.dumps({"interaction_id": "c9", "text": "no id on this line"}) + "\n")
    return path


def _look(html: Path, name: str) -> dict[str, int]:
    """Open the report in headless Chromium, save a screenshot, count what rendered."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(html.resolve().as_uri())
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
        counts = {
            "charts": page.locator("svg.chart").count(),
            "bars": page.locator("svg.chart rect").count(),
            "moments": page.locator(".moment").count(),
            "marks": page.locator(".moment mark").count(),
        }
    assert errors == []
    assert (ARTIFACTS / name).stat().st_size > 10_000
    return counts


def test_analyze_json_lines_writes_the_report(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    conversations, bad = read_archive(archive)
    assert [c.id for c in conversations] == ["c1", "c2", "c3", "c4"]
    assert [line for line, _ in bad] == [12, 13, 14]
    rows = {c.id: review_conversation(c) for c in conversations}
    assert rows["c1"].status == "missed" and rows["c1"].ended_well is False
    assert rows["c2"].status == "won" and rows["c2"].recovery is not None
    assert rows["c2"].recovery > 0
    assert rows["c3"].status == "routine"
    assert rows["c4"].reask_count == 1
    # A lost bag, a customer stuck, then asked again for what they gave: the grievance makes it
    # a moment of truth in hindsight (issue 14's definition), missed while it happened.
    assert rows["c4"].status == "missed" and rows["c4"].mot_live is False

    output = tmp_path / "report.html"
    figures = tmp_path / "figures.json"
    result = CliRunner().invoke(app, ["analyze", str(archive), "-o", str(output), "--workers", "1",
                                      "--figures", str(figures)])  # fmt: skip
    assert result.exit_code == 0, result.output
    html = output.read_text(encoding="utf-8")
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert "The moments you missed" in html and "3 unreadable lines skipped" in html
    numbers = json.loads(figures.read_text())
    assert (numbers["contacts"], numbers["won"], numbers["repeat_customers"]) == (4, 1, 1)
    counts = _look(output, "outcomes_report_archive.png")
    assert counts["charts"] >= 5 and counts["moments"] == 2 and counts["marks"] >= 2


def test_analyze_requires_an_id_on_each_line_as_score_does(tmp_path: Path) -> None:
    """A line without an id is skipped and said why, as ``kairos score`` refuses it."""
    archive = tmp_path / "no-ids.jsonl"
    lines = [{"interaction_id": "c1", "text": "My flight got cancelled"}, {"id": True, "text": "x"}]
    archive.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    conversations, bad = read_archive(archive)
    assert conversations == []
    assert bad == [
        (1, '"id" is required: a string or a number'),
        (2, '"id" is required: a string or a number'),
    ]
    result = CliRunner().invoke(app, ["analyze", str(archive), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    said = " ".join(result.output.split())  # the console wraps it where the temporary path ends
    assert '"id" is required' in said and "line 1" in said


def test_analyze_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["analyze", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    assert CliRunner().invoke(app, ["analyze", str(empty)]).exit_code == 2


@pytest.mark.parametrize("command", ["analyze", "report"])
def test_an_output_that_cannot_be_written_is_said_before_the_work(
    tmp_path: Path, command: str, migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``-o`` naming a folder, or a path under a file, ended in a traceback after the work."""
    archive = _archive(tmp_path)
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("KAIROS_DATABASE_URL", migrated_url)
    get_settings.cache_clear()
    try:
        for output in (tmp_path, tmp_path / "a-file" / "report.html"):
            source = [str(archive)] if command == "analyze" else []
            result = CliRunner().invoke(app, [command, *source, "-o", str(output)])
            assert result.exit_code == 2, result.output
            assert f"cannot write the report to {output}" in result.output
            assert "Traceback" not in result.output
            assert result.exception is None or isinstance(result.exception, SystemExit)
    finally:
        get_settings.cache_clear()


@pytest.mark.slow
def test_analyze_airline_threads_in_chromium(tmp_path: Path) -> None:
    path = threads_path()
    if path is None:
        pytest.skip("../shared/data/airline_threads is not here")
    output = tmp_path / "airline.html"
    result = CliRunner().invoke(app, ["analyze", str(path), "--limit", "1500", "-o", str(output)])
    assert result.exit_code == 0, result.output
    counts = _look(output, "outcomes_report_airline_threads.png")
    assert counts["charts"] >= 5 and counts["moments"] == 25 and counts["marks"] > 25


def test_report_from_the_database(
    client: TestClient, migrated_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_rules(client)
    post_events(client, recent([
        started("d1", queue="travel"), utterance("d1", CONVERSATIONS[0][1][0][1]),
        utterance("d1", CONVERSATIONS[0][1][1][1], speaker="agent"),
        ended("d1", resolved=False)]))  # fmt: skip
    wrap = {"resolved": False, "confirmed_by_customer": False, "agent_id": "ana"}
    client.post("/v1/interactions/d1/wrap-up", json=wrap)
    client.post("/v1/interactions/d1/survey", json={"csat": 1, "text": "Nobody helped me at all"})
    monkeypatch.setenv("KAIROS_DATABASE_URL", migrated_url)
    get_settings.cache_clear()
    try:
        output = tmp_path / "db.html"
        # From the contact's day to today, when the follow-up task it caused was made.
        first, last = T0.date().isoformat(), datetime.now(UTC).date().isoformat()
        result = CliRunner().invoke(
            app, ["report", "--from", first, "--to", last, "-o", str(output)]
        )
        assert result.exit_code == 0, result.output
        bad = CliRunner().invoke(app, ["report", "--from", "2026-11-30", "--to", "2026-11-01"])
        assert bad.exit_code == 2
    finally:
        get_settings.cache_clear()
    html = output.read_text(encoding="utf-8")
    assert "d1 · missed" in html and "<td>ana</td>" in html
    assert "Free-text answers received in the period waiting to be grouped: 1 " in html
    assert "<td>follow-up-lost-moment</td><td>follow_up</td><td>queued</td>" in html
    counts = _look(output, "outcomes_report_database.png")
    assert counts["moments"] == 1 and counts["charts"] >= 5
