"""``kairos score``: the batch scoring command (JSON lines in, JSON lines out)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import IO

import typer
from rich.console import Console

_PROGRESS_BYTES = 1_000_000  # a progress bar is worth showing past about 5,000 lines


def score(
    file: str = typer.Argument("-", help="JSON lines to score; - for standard input"),
    timezone: str | None = typer.Option(
        None,
        help="the customers' IANA timezone (default: each line's occurred_at offset, else UTC)",
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="write here, not to stdout"),
) -> None:
    """Score JSON lines: {"id", "text"}, optionally speaker, channel, occurred_at, interaction_id.

    Lines that share an interaction_id are one conversation, in order. One JSON line out per line
    in: id, mot_score, the cube axes, churn_risk, stakes, deadline, cube and reasons.
    """
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from kairos.detection.batch import ScoreStats, score_lines

    console = Console(stderr=True)
    try:
        source: IO[str] = (
            sys.stdin if file == "-" else open(file, encoding="utf-8", errors="replace")  # noqa: SIM115
        )
    except OSError as exc:
        console.print(f"[red]cannot read {file}: {exc.strerror}[/]")
        raise typer.Exit(2) from None
    total = os.fstat(source.fileno()).st_size if file != "-" else None
    sink: IO[str] = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
    stats = ScoreStats()
    show = bool(total and total > _PROGRESS_BYTES) or (file == "-" and console.is_terminal)
    try:
        with Progress(
            TextColumn("scoring"),
            BarColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not show,
            transient=False,
        ) as progress:
            task = progress.add_task("score", total=total)

            def advance(size: int) -> None:
                progress.advance(task, size)

            write = sink.write
            for out in score_lines(source, timezone=timezone, on_line=advance, stats=stats):
                write(json.dumps(out, ensure_ascii=False))
                write("\n")
    finally:
        if source is not sys.stdin:
            source.close()
        if sink is not sys.stdout:
            sink.close()
        else:
            sink.flush()
    if stats.errors or show:
        console.print(f"{stats.scored} lines scored, {stats.errors} with errors")
