"""``kairos analyze`` and ``kairos report``: the after-the-contact report, from an archive or the
database, as one self-contained HTML file."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from kairos.outcomes.archive import Conversation, Row
    from kairos.outcomes.report import ThemeSummary


def _themes_of_missed(rows: list[Row], *, most: int = 2000) -> list[ThemeSummary]:
    """Themes of what customers said in the moments missed (their opening words)."""
    from kairos.outcomes import themes
    from kairos.outcomes.report import ThemeSummary

    missed = sorted((r for r in rows if r.missed and r.status != "won" and r.turns),
                    key=lambda r: (-r.hindsight_score, r.id))[:most]  # fmt: skip
    texts = [next((t for s, t, _ in r.turns if s == "customer"), "") for r in missed]
    groups = themes.group(texts, [r.stakes for r in missed])
    out = []
    for g in groups[:15]:
        members = [missed[i] for i in g.members]
        sentiments = [m.sentiment_start for m in members if m.sentiment_start is not None]
        out.append(
            ThemeSummary(
                label=g.label,
                keywords=[k.removeprefix("stakes:") for k in g.keywords],
                size=len(members),
                negative_share=(
                    round(sum(s < -0.2 for s in sentiments) / len(sentiments), 4)
                    if sentiments
                    else None
                ),
                examples=[texts[i] for i in g.members[:3]],
            )
        )
    return out


def _summary(console: Console, figures: dict[str, object], title: str) -> None:
    from kairos.cli import tables

    table = tables.table("figure", "value", title=title, show_header=False, right=("value",))
    keys = ("contacts", "moments_of_truth", "mot_share", "won", "lost", "missed", "hindsight_only",
            "ended_badly", "ending_unknown", "resolution_known", "resolution_rate", "recovery_mot",
            "recovery_routine", "repeat_customers")  # fmt: skip
    for key in keys:
        table.add_row(key.replace("_", " "), str(figures[key]))
    console.print(table)


def analyze(
    archive: Path = typer.Argument(..., help="JSON lines (as kairos score) or airline threads CSV"),
    output: Path = typer.Option(Path("var/analyze/report.html"), "--output", "-o"),
    limit: int | None = typer.Option(None, help="read at most this many conversations"),
    workers: int = typer.Option(0, help="processes (0: one per core)"),
    figures_json: Path | None = typer.Option(None, "--figures", help="also write figures as JSON"),
) -> None:
    """Review every conversation of an archive and write "the moments you missed" report."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from kairos.outcomes.archive import analyze as run
    from kairos.outcomes.report import ReportData, figures, render

    console = Console(stderr=True)
    started = time.perf_counter()
    conversations, bad, skipped = _read_archive(console, archive, limit)
    read_s = time.perf_counter() - started
    for path in (output, figures_json) if figures_json else (output,):
        _writable(console, path)  # before the review, the long part
    with Progress(
        TextColumn("reviewing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console,
    ) as progress:  # fmt: skip
        task = progress.add_task("review", total=len(conversations))
        rows = run(
            conversations,
            workers=workers or None,
            on_progress=lambda n: progress.advance(task, n),
        )
    review_s = time.perf_counter() - started - read_s
    with console.status("grouping themes and writing the report"):
        data = ReportData(
            title="The moments you missed",
            source=f"archive {archive.name}",
            period=f"{len(rows):,} conversations",
            generated_at=datetime.now(UTC),
            rows=rows,
            themes=_themes_of_missed(rows),
            themes_source="the opening words of the missed moments (no surveys in an archive)",
            notes=[
                "An archive was not routed by Kairos: every moment in it was handled as routine, "
                "so none counts as lost; 'live' is what the detector saw before the first answer.",
                "Where the customer had no last word after the agent's, the ending is unknown; "
                "such moments count as missed (nothing shows they were won).",
                f"{len(bad)} unreadable lines skipped ({skipped})."
                if bad
                else "Every line was read.",
            ],
        )
        output.write_text(render(data), encoding="utf-8")
    total_s = time.perf_counter() - started
    result = figures(rows)
    _summary(console, result, f"{archive.name}: {len(rows):,} conversations")
    console.print(
        f"read {read_s:.1f} s, reviewed {review_s:.1f} s ({len(rows) / max(review_s, 1e-9):,.0f}"
        f" conversations/s), {total_s:.1f} s in all; report: {output}"
    )
    if figures_json:
        payload = {**result, "seconds": round(total_s, 1), "read_seconds": round(read_s, 1)}
        figures_json.write_text(json.dumps(payload, indent=2), encoding="utf-8")


def _read_archive(
    console: Console, archive: Path, limit: int | None
) -> tuple[list[Conversation], list[tuple[int, str]], str]:
    """The archive's conversations, its skipped lines and a few of them in words; exit status 2
    when it cannot be read or holds no conversation."""
    from kairos.outcomes.archive import ArchiveError, read_archive

    try:
        with console.status(f"reading {archive}"):
            conversations, bad = read_archive(archive, limit=limit)
    except (ArchiveError, OSError) as exc:
        console.print(f"[red]cannot read {archive}: {exc}[/]")
        raise typer.Exit(2) from None
    skipped = "; ".join(f"line {n}: {why}" for n, why in bad[:3]) + (
        "; ..." if len(bad) > 3 else ""
    )
    if not conversations:
        said = f": {skipped}" if bad else ""
        console.print(f"no conversations in {archive}{said}", style="red", markup=False)
        raise typer.Exit(2)
    if bad:
        console.print(f"{len(bad)} lines skipped: {skipped}", style="yellow", markup=False)
    return conversations, bad, skipped


def _writable(console: Console, output: Path) -> None:
    """Exit with status 2 unless a report can be written to ``output``: said before the long
    part of the work, not in a traceback after it. Makes the folder; leaves no file."""
    import os

    from rich.markup import escape

    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        if output.is_dir():
            raise IsADirectoryError(21, "it is a folder")
        if not os.access(output.parent, os.W_OK) or (
            output.exists() and not os.access(output, os.W_OK)
        ):
            raise PermissionError(13, "permission denied")
    except OSError as exc:
        said = escape(f"cannot write the report to {output}: {exc.strerror or exc}")
        console.print(f"[red]{said}[/]", soft_wrap=True)
        raise typer.Exit(2) from None


def report(
    date_from: str = typer.Option(
        None, "--from", help="first day (YYYY-MM-DD, in --timezone); default: a week ago"
    ),
    date_to: str = typer.Option(
        None, "--to", help="last day, included (YYYY-MM-DD); default: today"
    ),
    output: Path = typer.Option(Path("var/report/report.html"), "--output", "-o"),
    timezone: str = typer.Option(
        None,
        help="the zone days and times are read in (default: KAIROS_CENTRE_TIMEZONE, else "
        "KAIROS_DEFAULT_TIMEZONE, else UTC)",
    ),
) -> None:
    """Write the after-the-contact report for interactions stored in the database."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from kairos.cli.database import database
    from kairos.config import get_settings
    from kairos.outcomes.report import figures, render
    from kairos.outcomes.stored import report_data

    console = Console(stderr=True)
    settings = get_settings()
    zone_name = timezone or settings.centre_or_default_timezone
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        console.print(f"[red]--timezone {zone_name!r} is not an IANA timezone[/]")
        raise typer.Exit(2) from None
    try:
        last = date.fromisoformat(date_to) if date_to else datetime.now(zone).date()
        first = date.fromisoformat(date_from) if date_from else last - timedelta(days=6)
    except ValueError as exc:
        console.print(f"[red]--from and --to are dates like 2026-11-22: {exc}[/]")
        raise typer.Exit(2) from None
    if first > last:
        console.print("[red]--from is after --to[/]")
        raise typer.Exit(2)
    since = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    until = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    with database(console) as db:
        _writable(console, output)  # after the database's check: it makes the folder
        with console.status("reading reviews"), db.session() as session:
            data = report_data(session=session, since=since, until=until, timezone=zone_name)
    output.write_text(render(data), encoding="utf-8")
    _summary(console, figures(data.rows), f"{first} to {last} ({zone_name})")
    console.print(f"report: {output}")


def send_outreach(
    limit: int = typer.Option(500, min=1, max=100_000, help="send at most this many"),
) -> None:
    """Send the queued "you said, we did" messages: email over SMTP (KAIROS_SMTP_HOST) or SMS
    through Twilio (KAIROS_TWILIO_ACCOUNT_SID), each once."""
    from kairos.cli.database import database
    from kairos.config import get_settings
    from kairos.outcomes.sending import send_queued

    console = Console(stderr=True)
    settings = get_settings()
    if not settings.smtp_host and not settings.twilio_account_sid:
        console.print(
            "[red]kairos: nothing to send with: set KAIROS_SMTP_HOST (email) or "
            "KAIROS_TWILIO_ACCOUNT_SID with KAIROS_TWILIO_AUTH_TOKEN and KAIROS_TWILIO_FROM "
            "(SMS)[/]",
            soft_wrap=True,
        )
        raise typer.Exit(2)
    with database(console) as db, console.status("sending"):
        report = send_queued(db=db, settings=settings, limit=limit)
    console.print(
        f"sent {len(report.email)} by email, {len(report.sms)} by SMS; "
        f"{len(report.unreachable)} with no way to reach the customer, "
        f"{len(report.suppressed)} not sent (the customer opted out), "
        f"{len(report.failed)} failed (kept for the next run)"
    )
    if report.failed:
        raise typer.Exit(1)
