"""``kairos score-audio`` (stress per recording, JSON lines) and ``kairos train-voice``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

console = Console(stderr=True)
#: detection.voice.model.DEFAULT_PATH, without importing the model (NumPy) for ``kairos --help``.
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "detection" / "data" / "voice_model.npz"


def score_audio(
    files: list[Path] = typer.Argument(
        ..., help="recordings: WAV (8-48 kHz, mono or stereo), FLAC, OGG"
    ),
    channel: int | None = typer.Option(
        None,
        help="the customer's channel of a multi-channel file (0 = left); required for those: "
        "the agent's side is never analysed",
    ),
) -> None:
    """Score the voice stress of recordings: one JSON line per file.

    Each line has file, stress in [0, 1] (null without speech), duration_s, model_version and
    segments: every voiced segment with its features, its stress and the reasons.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from kairos.detection.voice.audio_io import AudioFormatError, read_audio
    from kairos.detection.voice.model import load_default
    from kairos.detection.voice.stress import score_recording

    try:
        model = load_default()
    except FileNotFoundError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    errors = 0
    with Progress(
        TextColumn("scoring audio"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=len(files) < 2 and not console.is_terminal,
    ) as progress:
        task = progress.add_task("score", total=len(files))
        for path in files:
            out: dict[str, Any] = {"file": str(path)}
            try:
                if not path.is_file():
                    raise AudioFormatError("no such file")
                samples, rate, channels = read_audio(path, channel=channel)
            except (AudioFormatError, OSError) as exc:
                out["error"] = str(exc)
                errors += 1
            else:
                result = score_recording(samples, rate, model=model)
                out.update(
                    stress=round(result.stress, 4) if result.stress is not None else None,
                    **(
                        {"no_stress_reason": result.no_stress_reason}
                        if result.stress is None
                        else {}
                    ),
                    duration_s=round(result.duration_s, 3),
                    sample_rate=rate,
                    channels=channels,
                    model_version=result.model_version,
                    segments=[s.as_json() for s in result.segments],
                )
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
            sys.stdout.flush()
            progress.advance(task)
    if errors:
        console.print(f"{len(files) - errors} files scored, {errors} with errors")


def train_voice(
    data_dir: Path = typer.Option(None, help="the shared labeled data (default: KAIROS_DATA_DIR)"),
    out: Path = typer.Option(DEFAULT_PATH, help="where to write the model file"),
) -> None:
    """Train the voice stress model on emodb; print leave-one-speaker-out ROC AUC."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.table import Table

    from kairos.detection.voice import training

    try:
        folder = training.find_emodb(data_dir)
    except FileNotFoundError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    files = training.recordings(folder)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("analysing recordings", total=len(files))
        data = []
        for recording in files:
            data.append(training.analyse(recording))
            progress.advance(task)
        cv = progress.add_task("cross-validating", total=None)

        def step(description: str, done: int, total: int) -> None:
            progress.update(cv, description=f"cross-validating: {description}", completed=done,
                            total=total)  # fmt: skip

        report = training.cross_validate(data, progress=step)
    model = training.fit(data)
    model.save(out)
    table = Table(
        title=f"leave-one-speaker-out ROC AUC ({report.speakers} speakers), {model.version}"
    )
    for col in ("regime", "pair", "ROC AUC", "files (pos / neg)"):
        table.add_column(col, justify="left" if col in ("regime", "pair") else "right")
    for (regime, pair), auc in report.auc.items():
        pos, neg = report.counts[(regime, pair)]
        table.add_row(regime, pair, f"{auc:.3f}", f"{pos} / {neg}")
    console.print(table)
    console.print(f"{len(data)} recordings, {report.segments} voiced segments")
    console.print(f"[green]wrote {out} ({out.stat().st_size / 1e3:.1f} kB)[/]")
