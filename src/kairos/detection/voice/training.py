"""Train and cross-validate the voice stress model on the emodb subset (scikit-learn only here).

Fixed before any figure was looked at:

- Audio: every file is resampled to 8 kHz and passed through μ-law and back, as a phone line
  would carry it, then cut by the same VAD as live calls.
- Labels: angry is stressed (1), neutral is calm (0); only those two train. Happy and sad are
  scored by the same model and reported against neutral, to show what the score does with other
  aroused (happy) and low-arousal (sad) speech.
- Splits: leave one speaker out (10 folds): no speaker is ever in both train and test.
- Two regimes per held-out speaker. *Population*: each file scored on its own, as
  ``kairos score-audio`` scores a short file. *Caller baseline*: the speaker's neutral files,
  sorted by name, alternate between baseline material (even positions, fed to the tracker first,
  as the calm start of a call) and evaluation (odd positions); every evaluated file is scored as
  the continuation of that call.
- Caller-head training targets: each training speaker's baseline is the mean of his or her
  neutral segments, leaving out the file being scored.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from kairos.detection.voice.audio_io import read_audio
from kairos.detection.voice.codecs import FloatArray, mulaw_decode, mulaw_encode
from kairos.detection.voice.features import (
    ANALYSIS_RATE,
    FEATURES,
    segment_features,
    to_analysis_rate,
)
from kairos.detection.voice.model import EXCLUDED, VoiceModel
from kairos.detection.voice.stress import StressTracker
from kairos.detection.voice.vad import Segmenter

EMOTIONS: dict[str, str] = {"Angry": "angry", "Happy": "happy", "Neutral": "neutral", "Sad": "sad"}
#: Pairs reported: (positive, negative).
PAIRS: tuple[tuple[str, str], ...] = (
    ("angry", "neutral"),
    ("happy", "neutral"),
    ("sad", "neutral"),
)
DEFAULT_C = 1.0
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class Recording:
    """One emodb file: who speaks, which emotion, where it is."""

    path: Path
    speaker: str
    emotion: str


@dataclass(slots=True)
class Analysed:
    """A recording's segments as the live path sees them."""

    recording: Recording
    features: list[npt.NDArray[np.float64]] = field(default_factory=list)
    spans: list[tuple[float, float, float]] = field(default_factory=list)  # start, end, voiced


@dataclass(frozen=True, slots=True)
class CvReport:
    """Cross-validated ROC AUC per regime and pair, with the file counts behind each."""

    auc: dict[tuple[str, str], float]
    counts: dict[tuple[str, str], tuple[int, int]]
    speakers: int
    segments: int


def find_emodb(root: Path | None) -> Path:
    """The emodb subset folder under ``root`` (the shared data folder)."""
    if root is None:
        from kairos.config import get_settings

        root = get_settings().shared_data_dir()
    folder = root / "emodb_subset" if root is not None else None
    if folder is None or not folder.is_dir():
        raise FileNotFoundError(
            "no emodb_subset found: set KAIROS_DATA_DIR or put the shared data in ../shared/data"
        )
    return folder


def recordings(folder: Path) -> list[Recording]:
    """Every file of the subset, sorted by name; the speaker is the name's first two digits."""
    out = []
    for sub, emotion in EMOTIONS.items():
        out += [Recording(p, p.name[:2], emotion) for p in sorted((folder / sub).glob("*.wav"))]
    return sorted(out, key=lambda r: r.path.name)


def phone_channel(samples: FloatArray, sample_rate: int) -> FloatArray:
    """What a phone line carries: 8 kHz, μ-law."""
    return mulaw_decode(mulaw_encode(to_analysis_rate(samples, sample_rate)))


def analyse(
    recording: Recording,
    extract: Callable[[FloatArray, int], FloatArray | None] = segment_features,
) -> Analysed:
    """Cut a recording into segments through the phone channel and measure each (with
    ``extract``: the shipped NumPy features unless a benchmark compares another)."""
    samples, rate, _ = read_audio(recording.path)
    return analyse_phone(recording, phone_channel(samples, rate), extract)


def analyse_phone(
    recording: Recording,
    x: FloatArray,
    extract: Callable[[FloatArray, int], FloatArray | None] = segment_features,
) -> Analysed:
    """:func:`analyse` on samples already through the phone channel (8 kHz μ-law): a clip
    made at the line's rate, as the espeak-ng voices of the benchmarks are."""
    segmenter = Segmenter(ANALYSIS_RATE)
    out = Analysed(recording)
    for seg in segmenter.feed(x) + segmenter.flush():
        f = extract(seg.samples, seg.sample_rate)
        if f is not None:
            out.features.append(f.astype(np.float64))
            out.spans.append((seg.start_s, seg.end_s, seg.voiced_s))
    return out


def _nanmean(
    rows: Sequence[npt.NDArray[np.float64]], weights: Sequence[float]
) -> npt.NDArray[np.float64]:
    x = np.asarray(rows)
    w = np.asarray(weights)[:, None] * np.isfinite(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.nansum(np.nan_to_num(x) * w, axis=0) / w.sum(axis=0))


def fit(data: Sequence[Analysed], *, c: float = DEFAULT_C) -> VoiceModel:
    """Fit both heads on the angry and neutral recordings in ``data``."""
    train = [a for a in data if a.recording.emotion in ("angry", "neutral") and a.features]
    rows = np.array([f for a in train for f in a.features])
    y = np.array([a.recording.emotion == "angry" for a in train for _ in a.features], dtype=int)
    mean = np.nanmean(rows, axis=0)
    scale = np.nanstd(rows, axis=0)
    scale[scale == 0] = 1.0
    mask = np.array([f not in EXCLUDED for f in FEATURES])
    scaled = np.where(np.isfinite(rows), (rows - mean) / scale, 0.0)[:, mask]
    pop = LogisticRegression(C=c, class_weight="balanced", max_iter=1000).fit(scaled, y)
    pop_coef = np.zeros(len(FEATURES))
    pop_coef[mask] = pop.coef_[0]

    # Each training speaker's calm baseline, leaving out the file at hand.
    neutral: dict[str, list[Analysed]] = {}
    for a in train:
        if a.recording.emotion == "neutral":
            neutral.setdefault(a.recording.speaker, []).append(a)

    def baseline_for(a: Analysed) -> npt.NDArray[np.float64] | None:
        pool = [b for b in neutral.get(a.recording.speaker, []) if b is not a]
        if not pool:
            return None
        return _nanmean([f for b in pool for f in b.features],
                        [s[2] for b in pool for s in b.spans])  # fmt: skip

    deviations = []
    for files in neutral.values():
        calm_mean = _nanmean([f for b in files for f in b.features],
                             [s[2] for b in files for s in b.spans])  # fmt: skip
        deviations += [f - calm_mean for b in files for f in b.features]
    within = np.nanstd(np.array(deviations), axis=0)
    within[~np.isfinite(within) | (within == 0)] = 1.0
    z_rows, z_y = [], []
    for a in train:
        base = baseline_for(a)
        if base is None:
            continue
        for f in a.features:
            z = (f - base) / within
            z_rows.append(np.where(np.isfinite(z) & mask, np.clip(z, -6, 6), 0.0))
            z_y.append(int(a.recording.emotion == "angry"))
    rel = LogisticRegression(C=c, class_weight="balanced", max_iter=1000).fit(np.array(z_rows), z_y)
    calm = np.array([f for files in neutral.values() for b in files for f in b.features])
    norm_sd = np.nanstd(calm, axis=0)
    norm_sd[~np.isfinite(norm_sd) | (norm_sd == 0)] = 1.0
    return VoiceModel(
        pop_mean=mean,
        pop_scale=scale,
        pop_coef=pop_coef,
        pop_intercept=float(pop.intercept_[0]),
        within_sd=within,
        rel_coef=rel.coef_[0],
        rel_intercept=float(rel.intercept_[0]),
        norm_mean=np.nanmean(calm, axis=0),
        norm_sd=norm_sd,
        pop_mask=mask,
    )


def score_file(
    model: VoiceModel, a: Analysed, tracker: StressTracker | None = None
) -> float | None:
    """A file's stress (duration-weighted mean of segment stress), alone or after a baseline."""
    tracker = copy.deepcopy(tracker) if tracker is not None else StressTracker(model)
    stresses, weights = [], []
    for f, (start, end, voiced) in zip(a.features, a.spans, strict=True):
        r = tracker.update(f, start_s=start, end_s=end, voiced_s=voiced)
        stresses.append(r.segment_stress)
        weights.append(max(end - start, 1e-3))
    return float(np.average(stresses, weights=weights)) if stresses else None


def caller_split(files: Sequence[Analysed]) -> tuple[list[Analysed], list[Analysed]]:
    """A speaker's neutral files by name: even positions build the baseline, odd ones are scored."""
    ordered = sorted(files, key=lambda a: a.recording.path.name)
    return ordered[0::2], ordered[1::2]


def cross_validate(
    data: Sequence[Analysed], *, c: float = DEFAULT_C, progress: Progress | None = None
) -> CvReport:
    """Leave-one-speaker-out ROC AUC in both regimes (see the module docstring)."""
    speakers = sorted({a.recording.speaker for a in data})
    scores: dict[str, list[tuple[str, float]]] = {"population": [], "caller": []}
    for i, speaker in enumerate(speakers):
        if progress is not None:
            progress(f"speaker {speaker} held out", i, len(speakers))
        model = fit([a for a in data if a.recording.speaker != speaker], c=c)
        held = [a for a in data if a.recording.speaker == speaker and a.features]
        for a in held:
            s = score_file(model, a)
            if s is not None:
                scores["population"].append((a.recording.emotion, s))
        base_files, eval_neutral = caller_split(
            [a for a in held if a.recording.emotion == "neutral"]
        )
        tracker = StressTracker(model)
        for a in base_files:
            for f, (start, end, voiced) in zip(a.features, a.spans, strict=True):
                tracker.update(f, start_s=start, end_s=end, voiced_s=voiced)
        for a in eval_neutral + [a for a in held if a.recording.emotion != "neutral"]:
            s = score_file(model, a, tracker)
            if s is not None:
                scores["caller"].append((a.recording.emotion, s))
    if progress is not None:
        progress("done", len(speakers), len(speakers))
    auc: dict[tuple[str, str], float] = {}
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    for regime, rows in scores.items():
        for pos, neg in PAIRS:
            p = [s for e, s in rows if e == pos]
            n = [s for e, s in rows if e == neg]
            key = (regime, f"{pos} vs {neg}")
            auc[key] = float(roc_auc_score([1] * len(p) + [0] * len(n), p + n))
            counts[key] = (len(p), len(n))
    return CvReport(
        auc=auc,
        counts=counts,
        speakers=len(speakers),
        segments=sum(len(a.features) for a in data),
    )
