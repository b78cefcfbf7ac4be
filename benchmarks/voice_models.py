"""Other ways to train the voice population head, on the shipped ten features.

Usage: python benchmarks/voice_models.py

The candidates and the rule they had to pass were written down before any run (docs/voice.md,
"The population head's model, tried"). Each candidate changes only how the population head (a
file scored alone) is trained; it stays a linear head on standardised features, the shape of the
model file, and the caller head is trained as ``kairos train-voice`` trains it. Each is
cross-validated as ``kairos train-voice`` does (leave one speaker out on emodb) and, trained on all
of emodb, tested on the espeak-ng voices of ``voice_espeak.py``. The first row, the shipped
training, must reproduce the shipped figures; the shipped code and model are not changed.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt
from rich.console import Console
from rich.progress import Progress, TaskID
from sklearn.linear_model import LogisticRegression
from voice_espeak import synthesise
from voice_register import espeak, rule_table

from kairos.detection.voice import training
from kairos.detection.voice.model import VoiceModel

Floats = npt.NDArray[np.float64]
#: The C values the nested candidate chooses from, on the training speakers only.
GRID = (0.01, 0.1, 1.0, 10.0, 100.0)
ANGRY = ("population", "angry vs neutral")
SHIPPED_FIT = training.fit


@dataclasses.dataclass(frozen=True, slots=True)
class Variant:
    """How the population head is trained (all off: as shipped)."""

    arousal: bool = False  # angry and happy against neutral, not angry alone
    nested_c: bool = False  # C by an inner leave-one-speaker-out on the training speakers
    robust: bool = False  # median and IQR / 1.349, not mean and SD
    per_file: bool = False  # every file weighs the same, classes balanced

    def name(self) -> str:
        """The table's name for the variant."""
        parts = [
            label
            for label, on in (
                ("arousal", self.arousal),
                ("nested C", self.nested_c),
                ("robust scaling", self.robust),
                ("per-file weights", self.per_file),
            )
            if on
        ]
        return " + ".join(parts) if parts else "shipped"


CANDIDATES = (
    Variant(arousal=True),
    Variant(nested_c=True),
    Variant(robust=True),
    Variant(per_file=True),
)


def population_head(
    data: Sequence[training.Analysed], variant: Variant, c: float, mask: npt.NDArray[np.bool_]
) -> tuple[Floats, Floats, Floats, float]:
    """The population head's centre, scale, coefficients and intercept, trained as ``variant``
    says (as shipped: the same operations as ``training.fit``, to the bit)."""
    positive = ("angry", "happy") if variant.arousal else ("angry",)
    train = [a for a in data if a.recording.emotion in (*positive, "neutral") and a.features]
    rows = np.array([f for a in train for f in a.features])
    y = np.array([a.recording.emotion in positive for a in train for _ in a.features], dtype=int)
    if variant.robust:
        centre = np.nanmedian(rows, axis=0)
        q75, q25 = np.nanquantile(rows, [0.75, 0.25], axis=0)
        scale = (q75 - q25) / 1.349
    else:
        centre = np.nanmean(rows, axis=0)
        scale = np.nanstd(rows, axis=0)
    scale[~np.isfinite(scale) | (scale == 0)] = 1.0
    scaled = np.where(np.isfinite(rows), (rows - centre) / scale, 0.0)[:, mask]
    if variant.per_file:
        per_segment = np.array([1.0 / len(a.features) for a in train for _ in a.features])
        files = {k: sum(1 for a in train if (a.recording.emotion in positive) == k) for k in (0, 1)}
        weights = per_segment / np.array([files[int(k)] for k in y])
        head = LogisticRegression(C=c, max_iter=1000).fit(scaled, y, sample_weight=weights)
    else:
        head = LogisticRegression(C=c, class_weight="balanced", max_iter=1000).fit(scaled, y)
    coef = np.zeros(len(mask))
    coef[mask] = head.coef_[0]
    return centre, scale, coef, float(head.intercept_[0])


def fit(data: Sequence[training.Analysed], variant: Variant) -> VoiceModel:
    """Both heads: the caller head as shipped, the population head as ``variant`` says."""
    shipped = SHIPPED_FIT(data)
    c = choose_c(data, variant) if variant.nested_c else training.DEFAULT_C
    return with_population_head(shipped, *population_head(data, variant, c, shipped.pop_mask))


@contextmanager
def fitting_with(fitter: Callable[[Sequence[training.Analysed]], VoiceModel]) -> Iterator[None]:
    """``training.cross_validate`` with ``fitter`` in place of ``training.fit``."""
    space = vars(training)
    before = space["fit"]
    space["fit"] = lambda data, c=training.DEFAULT_C: fitter(data)
    try:
        yield
    finally:
        space["fit"] = before


def cross_validate(data: Sequence[training.Analysed], variant: Variant) -> training.CvReport:
    """Leave one speaker out, exactly as ``kairos train-voice``, with ``variant``'s training."""
    with fitting_with(lambda d: fit(d, variant)):
        return training.cross_validate(data)


def choose_c(data: Sequence[training.Analysed], variant: Variant) -> float:
    """The C of ``GRID`` whose leave-one-speaker-out angry-vs-neutral population AUC on
    ``data`` (the training speakers only) is highest; ties to the smaller C."""
    inner = dataclasses.replace(variant, nested_c=False)
    best, best_auc = GRID[0], -1.0
    for c in GRID:
        with fitting_with(lambda d, c=c: _fixed_c(d, inner, c)):
            auc = training.cross_validate(data).auc[ANGRY]
        if auc > best_auc:
            best, best_auc = c, auc
    return best


def _fixed_c(data: Sequence[training.Analysed], variant: Variant, c: float) -> VoiceModel:
    """``fit`` with the population head's C fixed (the inner folds of the nested candidate)."""
    shipped = SHIPPED_FIT(data)
    return with_population_head(shipped, *population_head(data, variant, c, shipped.pop_mask))


def with_population_head(
    shipped: VoiceModel, centre: Floats, scale: Floats, coef: Floats, intercept: float
) -> VoiceModel:
    """``shipped`` with another population head."""
    return VoiceModel(
        pop_mean=centre,
        pop_scale=scale,
        pop_coef=coef,
        pop_intercept=intercept,
        within_sd=shipped.within_sd,
        rel_coef=shipped.rel_coef,
        rel_intercept=shipped.rel_intercept,
        norm_mean=shipped.norm_mean,
        norm_sd=shipped.norm_sd,
        pop_mask=shipped.pop_mask,
    )


def measure(
    emodb: Sequence[training.Analysed], clips: Sequence[training.Analysed], variant: Variant
) -> dict[str, float]:
    """Every row for ``variant``."""
    report = cross_validate(emodb, variant)
    pop, caller = espeak(fit(emodb, variant), clips)
    rows = {f"{regime}: {pair}": auc for (regime, pair), auc in report.auc.items()}
    return rows | {"espeak-ng, population": pop, "espeak-ng, caller": caller}


def main(console: Console) -> None:
    """Measure the shipped training and every candidate; print one table."""
    recs = training.recordings(training.find_emodb(None))
    with tempfile.TemporaryDirectory(prefix="kairos-espeak-") as tmp:
        raw = synthesise(Path(tmp))
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("measuring segments", total=len(recs) + len(raw))
        emodb, clips = [], []
        for rec in recs:
            emodb.append(training.analyse(rec))
            progress.advance(task)
        for voice, style, i, y in raw:
            rec = training.Recording(Path(f"{voice}-{style}-{i}.wav"), voice, style)
            clips.append(training.analyse_phone(rec, y))
            progress.advance(task)
        task = progress.add_task("cross-validating", total=len(CANDIDATES) + 2)
        runs = _run_all(emodb, clips, progress, task)
    segments = sum(len(a.features) for a in emodb)
    rule_table(
        console, runs, base="shipped", label="population head",
        title=f"ROC AUC per population head ({segments} emodb segments; espeak-ng 8 kHz)",
    )  # fmt: skip


def _run_all(
    emodb: Sequence[training.Analysed],
    clips: Sequence[training.Analysed],
    progress: Progress,
    task: TaskID,
) -> dict[str, dict[str, float]]:
    """The shipped training, each candidate, then the best two together."""
    runs: dict[str, dict[str, float]] = {}
    for variant in (Variant(), *CANDIDATES):
        progress.update(task, description=f"cross-validating: {variant.name()}")
        runs[variant.name()] = measure(emodb, clips, variant)
        progress.advance(task)
    arousal = [k for k in runs["shipped"] if "sad" not in k and "espeak" not in k]
    angry = ": ".join(ANGRY)
    ranked = sorted(CANDIDATES, key=lambda v: (
        runs[v.name()][angry], sum(runs[v.name()][k] for k in arousal)
    ), reverse=True)  # fmt: skip
    both = Variant(**{
        f.name: getattr(ranked[0], f.name) or getattr(ranked[1], f.name)
        for f in dataclasses.fields(Variant)
    })  # fmt: skip
    progress.update(task, description=f"cross-validating: {both.name()}")
    runs[f"{both.name()} (the best two)"] = measure(emodb, clips, both)
    progress.advance(task)
    return runs


if __name__ == "__main__":
    main(Console(width=200))
