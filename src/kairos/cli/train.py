"""``kairos train``: train the text model from the shared data and write the model file."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console(stderr=True)
#: detection.model.DEFAULT_PATH, without importing the model (NumPy) for ``kairos --help``.
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "detection" / "data" / "text_model.npz"


def train(
    data_dir: Path = typer.Option(None, help="the shared labeled data (default: KAIROS_DATA_DIR)"),
    out: Path = typer.Option(DEFAULT_PATH, help="where to write the model file"),
    seed: int = typer.Option(0, help="random seed; same data and seed give identical weights"),
) -> None:
    """Train the text model's heads and MoT calibration; print dev figures per head."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from kairos.detection import datasets, training

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("loading data sets", total=None)
        try:
            rows = datasets.load_all(root=data_dir)
        except FileNotFoundError as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from exc

        def step(name: str) -> None:
            progress.update(task, description=f"training: {name}")

        model, reports, platt = training.train(seed=seed, progress=step, examples=rows)
    model.save(out)
    table = Table(title=f"dev figures, {model.version}")
    for col in ("head", "train rows", "dev rows", "ROC AUC", "F1", "threshold"):
        table.add_column(col, justify="left" if col == "head" else "right")
    for r in reports:
        table.add_row(
            r.head,
            str(r.n_train),
            str(r.n_dev),
            f"{r.auc:.3f}",
            f"{r.f1:.3f}",
            f"{r.threshold:.2f}",
        )
    console.print(table)
    if platt is None:
        console.print("[yellow]no detector found: MoT calibration left at identity (a=1, b=0)[/]")
    else:
        console.print(f"MoT calibration (Platt, dev split): a={platt[0]:.4f} b={platt[1]:.4f}")
    console.print(f"[green]wrote {out} ({out.stat().st_size / 1e6:.2f} MB)[/]")
