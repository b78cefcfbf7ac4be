"""A new user's first hour: one default database for the demo and every command, one clear
line for a missing or unmigrated database, weeks of history after the demo, tables in 80 columns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result
from tests.servers import free_port
from typer.testing import CliRunner

from kairos import migrations
from kairos.cli import app
from kairos.config import Settings, get_settings
from kairos.demo import history, run_demo
from kairos.demo.arrivals import Arrivals

#: Every command that opens the database, with its arguments (and input, for a prompt).
DATABASE_COMMANDS: tuple[tuple[list[str], str | None], ...] = (
    (["report"], None),
    (["audit"], None),
    (["plan"], None),
    (["tokens", "list"], None),
    (["tokens", "create", "--source", "pbx"], None),
    (["tokens", "revoke", "pbx"], None),
    (["users", "list"], None),
    (["users", "create", "sam", "--role", "supervisor"], "long-password\nlong-password\n"),
    # Any readable file: the database is checked before a line of it is read.
    (["replay-contact-lens", __file__], None),
)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in an empty folder with the default settings (no KAIROS_DATABASE_URL)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KAIROS_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


#: A customer every third of a second at any hour, so that a test's few contacts come at once.
BRISK = Arrivals(steady_gap_s=2.0 / 6)


def _run(args: list[str], stdin: str | None = None) -> Result:
    return CliRunner().invoke(app, args, input=stdin, env={"COLUMNS": "80"})


def _lines(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if line.strip()]


def test_the_demo_and_the_commands_share_one_default_database(in_tmp: Path) -> None:
    assert Settings().database_url == "sqlite:///./var/kairos.db"
    run_demo(
        host="127.0.0.1", port=free_port(), pace=6, max_threads=2, run_id="t",
        traffic="simulated", arrivals=BRISK,
    )  # fmt: skip
    assert (in_tmp / "var" / "kairos.db").exists()
    for args in (["report", "-o", str(in_tmp / "r.html")], ["audit"]):
        result = _run(args)
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
    assert "contacts" in _run(["report", "-o", str(in_tmp / "r.html")]).output
    # Every contact the demo ended has a written summary, each line linked to its turn.
    from sqlalchemy import select

    from kairos.db import Database
    from kairos.interactions.models import Interaction
    from kairos.outcomes.summaries import summary_for

    db = Database("sqlite:///./var/kairos.db")
    try:
        with db.session() as session:
            ended = session.scalars(select(Interaction).where(Interaction.state == "ended")).all()
            assert ended
            for interaction in ended:
                summary = summary_for(session=session, interaction=interaction)
                assert summary.lines, interaction.external_id
                assert all(line.evidence and "#event-" in line.evidence for line in summary.lines)
    finally:
        db.dispose()


@pytest.mark.parametrize(("args", "stdin"), DATABASE_COMMANDS)
def test_a_missing_or_unmigrated_database_is_one_clear_line(
    in_tmp: Path, args: list[str], stdin: str | None
) -> None:
    missing = _run(args, stdin)
    assert missing.exit_code == 1
    last = _lines(missing)[-1]  # after any password prompt
    assert last.startswith("kairos: no Kairos database at ./var/kairos.db"), missing.output
    assert "kairos demo" in last and "kairos db upgrade" in last
    assert "Traceback" not in missing.output
    assert missing.exception is None or isinstance(missing.exception, SystemExit)
    assert not (in_tmp / "var" / "kairos.db").exists()  # and it did not leave an empty one

    (in_tmp / "var").mkdir()
    (in_tmp / "var" / "kairos.db").touch()
    empty = _run(args, stdin)
    assert empty.exit_code == 1
    assert _lines(empty)[-1].startswith("kairos: the database at ./var/kairos.db is empty")

    migrations.upgrade("sqlite:///./var/kairos.db", "0009")
    behind = _run(args, stdin)
    assert behind.exit_code == 1
    line = _lines(behind)[-1]
    assert "is at migration 0009" in line and "run `kairos db upgrade`" in line


def test_db_current_and_upgrade_say_what_is_wrong_in_one_line(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = _run(["db", "current"])
    assert missing.exit_code == 1
    assert _lines(missing)[-1].startswith("kairos: no Kairos database at ./var/kairos.db")
    assert not (in_tmp / "var" / "kairos.db").exists()  # it did not leave an empty one
    unknown = _run(["db", "upgrade", "no-such-revision"])
    assert unknown.exit_code == 1
    assert _lines(unknown)[-1].startswith("kairos: no migration 'no-such-revision'")
    assert "Traceback" not in unknown.output and "╭" not in unknown.output
    assert _run(["db", "upgrade"]).exit_code == 0
    assert _lines(_run(["db", "current"]))[-1] == migrations.head()
    monkeypatch.setenv("KAIROS_DATABASE_URL", "postgresql+psycopg://kairos@127.0.0.1:1/none")
    get_settings.cache_clear()
    for args in (["db", "current"], ["db", "upgrade"], ["serve", "--port", str(free_port())]):
        down = _run(args)
        assert down.exit_code == 1, args
        assert _lines(down)[-1].startswith("kairos: cannot open the database at"), down.output
        assert "Traceback" not in down.output and "╭" not in down.output


@pytest.mark.parametrize(
    "args",
    [["report"], ["db", "current"], ["db", "upgrade"], ["serve"], ["demo", "--history-days", "0"]],
)
def test_a_database_url_that_is_not_one_is_one_clear_line(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.setenv("KAIROS_DATABASE_URL", "var/kairos.db")  # a path, not a URL
    get_settings.cache_clear()
    result = _run(args)
    assert result.exit_code == 1
    last = _lines(result)[-1]
    assert last.startswith("kairos: KAIROS_DATABASE_URL 'var/kairos.db' is not a database URL")
    assert "sqlite:///" in last
    assert "Traceback" not in result.output and "╭" not in result.output


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("KAIROS_PORT", "abc", "KAIROS_PORT: Input should be a valid integer"),
        ("KAIROS_CENTRE_TIMEZONE", "Mars/Olympus", "KAIROS_CENTRE_TIMEZONE: Value error, unknown"),
        ("KAIROS_DEFAULT_TIMEZONE", "utc+2", "KAIROS_DEFAULT_TIMEZONE: Value error, unknown"),
        ("KAIROS_TRUSTED_PROXIES", "10.0.0.5", "KAIROS_TRUSTED_PROXIES: cannot be read"),
        # Before: `kairos serve` started, migrated, then died with the client's traceback
        ("KAIROS_REDIS_URL", "localhost:6379", "KAIROS_REDIS_URL: Value error, 'localhost:6379'"),
        # ... its password not shown
        (
            "KAIROS_REDIS_URL",
            "redis://:pw@h:63x9",
            "KAIROS_REDIS_URL: Value error, 'redis://:***@h",
        ),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, said: str
) -> None:
    """A misspelt setting stopped every command with a 40-line traceback; an unknown zone was
    taken and deadlines read in UTC."""
    monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    for args in (["report"], ["serve"], ["db", "current"]):
        result = _run(args)
        assert result.exit_code == 1, (args, result.output)
        assert _lines(result)[-1].startswith(f"kairos: {said}"), result.output
        assert "(environment or .env)" in result.output
        assert "Traceback" not in result.output and "╭" not in result.output


def test_history_covers_weeks_before_today_in_working_hours() -> None:
    today = date(2026, 12, 4)  # a Friday
    tz = ZoneInfo("Europe/London")
    count, events = history.history_events(
        today=today, days=21, per_day=20, tz=tz, seed=3, run_id="h"
    )
    starts = [e for e in events if e.type == "interaction.started"]
    assert len(starts) == count and 250 < count < 450
    local = [e.occurred_at.astimezone(tz) for e in starts]
    assert min(local).date() == today - timedelta(days=21)
    assert max(e.occurred_at.astimezone(tz) for e in events).date() < today
    assert sum(8 <= t.hour < 20 for t in local) > 0.8 * len(local)  # quiet nights
    weekday = sum(t.weekday() < 5 for t in local) / 15
    weekend = sum(t.weekday() >= 5 for t in local) / 6
    assert weekday > 1.5 * weekend  # quiet weekends
    ended = {e.interaction_id for e in events if e.type == "interaction.ended"}
    assert ended == {e.interaction_id for e in starts}  # every contact of the history ended
    again = history.history_events(today=today, days=21, per_day=20, tz=tz, seed=3, run_id="h")
    assert again == (count, events)


def test_after_the_demo_plan_report_and_audit_read_weeks_of_history(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_demo(
        host="127.0.0.1", port=free_port(), pace=6, max_threads=2, run_id="h",
        traffic="simulated", history_days=15, per_day=6.0, arrivals=BRISK,
    )  # fmt: skip
    assert history.has_history("sqlite:///./var/kairos.db", today=date.today())
    plan = _run(["plan"])
    assert plan.exit_code == 0, plan.output
    assert "backtest, held-out week" in plan.output  # two full weeks are there
    report = _run(["report", "--from", str(date.today() - timedelta(days=15)), "-o", "r.html"])
    assert report.exit_code == 0, report.output
    moments = next(line for line in report.output.splitlines() if "moments of truth" in line)
    assert int(moments.split()[-1]) > 0
    local = _run(["report", "--timezone", "America/New_York", "-o", "ny.html"])
    assert local.exit_code == 0, local.output
    assert "(America/New_York)" in local.output
    assert "America/New_York (" in (in_tmp / "ny.html").read_text(encoding="utf-8")
    audit = _run(["audit", "--limit", "20"])
    assert audit.exit_code == 0, audit.output
    for result in (plan, report, audit):  # every table fits 80 columns, nothing cut
        assert all(len(line) <= 80 for line in result.output.splitlines()), result.output
        assert "…" not in result.output
    # A second run on the same database keeps its history and seeds no more.
    run_demo(
        host="127.0.0.1", port=free_port(), pace=6, max_threads=1, run_id="h2",
        traffic="simulated", history_days=15, per_day=6.0, arrivals=BRISK,
    )  # fmt: skip
    import sqlite3

    with sqlite3.connect(in_tmp / "var" / "kairos.db") as connection:
        seeded_runs = connection.execute(
            "SELECT COUNT(DISTINCT substr(external_id, 1, 7)) FROM interactions "
            "WHERE external_id LIKE 'hist-%'"
        ).fetchone()[0]
    assert seeded_runs == 1
