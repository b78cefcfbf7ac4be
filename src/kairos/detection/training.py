"""Train the text model's heads and calibrate the detector's MoT score (scikit-learn only here)."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score

from kairos.detection import datasets
from kairos.detection.datasets import Example
from kairos.detection.model import DEFAULT_BITS, HEADS, TextModel, feature_ids

log = logging.getLogger(__name__)

#: Inverse L2 strength; the features are L2-normalised binary n-grams.
DEFAULT_C = 4.0
Progress = Callable[[str], None]
#: The "now" of every calibration utterance (a weekday noon).
CALIBRATION_CLOCK = datetime(2024, 3, 12, 12, 0, tzinfo=UTC)
#: Heads that learn 0 from a row of a set that does not label them but marks it calm (``mot`` 0).
NEGATIVE_WHEN_CALM: frozenset[str] = frozenset({"stakes", "dissatisfaction"})


@dataclass(frozen=True, slots=True)
class HeadReport:
    """Dev figures of one head."""

    head: str
    n_train: int
    n_dev: int
    auc: float
    f1: float
    threshold: float


def featurize(texts: Sequence[str], bits: int = DEFAULT_BITS) -> sparse.csr_matrix:
    """The L2-normalised binary hashed n-gram matrix of texts (what ``TextModel`` computes)."""
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for text in texts:
        ids = feature_ids(text, bits)
        indices.extend(ids)
        data.extend([1.0 / math.sqrt(len(ids))] * len(ids) if ids else [])
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.asarray(data), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
        shape=(len(texts), 1 << bits),
    )


def best_f1(y: npt.NDArray[np.int64], p: npt.NDArray[np.float64]) -> tuple[float, float]:
    """The F1-maximising threshold on a dev set and its F1."""
    best = (0.5, 0.0)
    for t in np.linspace(0.05, 0.95, 19):
        f = float(f1_score(y, p >= t, zero_division=0))
        if f > best[1]:
            best = (float(t), f)
    return best


def _label(e: Example, head: str) -> int | None:
    """A row's label for one head.

    Only Banking77 says anything about stakes, so a stakes head fit on it alone learns what tells
    one bank query from another, function words included ("i", "all", "needed" all pushed
    "Great, that's all I needed. Thanks." to 0.55), and reads every other kind of text through
    that. Rows that say nothing about stakes but are marked not a moment of truth (a calm or glad
    utterance, a satisfied turn) teach it that ordinary talk carries no stakes. The same holds for
    dissatisfaction: its sets (support threads, reviews, dialogues rated by their users) hold
    mostly questions that preceded a complaint, so a head fit on them alone read "What are your
    opening hours?" as dissatisfied (0.58 emotion); a calm bank query, a glad post teach it that
    an ordinary question is not.
    """
    label = e.labels[head]
    if label is None and head in NEGATIVE_WHEN_CALM and e.mot == 0:
        return 0
    return label


def fit_heads(
    examples: Sequence[Example],
    *,
    seed: int = 0,
    bits: int = DEFAULT_BITS,
    c: float = DEFAULT_C,
    progress: Progress | None = None,
) -> tuple[TextModel, list[HeadReport]]:
    """Fit one logistic head per axis on the train split; report each head on the dev split."""
    x = featurize([e.text for e in examples], bits)
    weights = np.zeros((1 << bits, len(HEADS)), dtype=np.float64)
    bias = np.zeros(len(HEADS), dtype=np.float64)
    reports: list[HeadReport] = []
    for j, head in enumerate(HEADS):
        if progress is not None:
            progress(head)
        tr = [
            i for i, e in enumerate(examples) if e.split == "train" and _label(e, head) is not None
        ]
        dv = [i for i, e in enumerate(examples) if e.split == "dev" and _label(e, head) is not None]
        if not tr:
            log.warning("no training rows for head %s; it stays at zero", head)
            continue
        y_tr = np.array([_label(examples[i], head) for i in tr], dtype=np.int64)
        if len(np.unique(y_tr)) < 2:
            # e.g. churn with Banking77 left out: no set left labels a single positive.
            log.warning("head %s has one class in its training rows; it stays at zero", head)
            continue
        # Balanced classes: a head reads "high" at 0.5 whatever its base rate in these sets.
        clf = LogisticRegression(
            C=c, class_weight="balanced", solver="liblinear", random_state=seed, max_iter=1000
        )
        clf.fit(x[tr], y_tr)
        weights[:, j] = clf.coef_[0]
        bias[j] = clf.intercept_[0]
        if dv:
            y_dv = np.array([_label(examples[i], head) for i in dv], dtype=np.int64)
            p = clf.predict_proba(x[dv])[:, 1]
            auc = float(roc_auc_score(y_dv, p)) if 0 < y_dv.sum() < len(y_dv) else float("nan")
            t, f = best_f1(y_dv, p)
            reports.append(HeadReport(head, len(tr), len(dv), auc, f, t))
    return TextModel(weights, bias, bits=bits), reports


def raw_scores(
    model: TextModel | None,
    texts: Sequence[str],
    *,
    progress: Callable[[], None] | None = None,
) -> npt.NDArray[np.float64]:
    """The lexical tier's raw MoT score for each text as a one-utterance interaction."""
    from kairos.detection.detector import MomentDetector

    out = np.empty(len(texts), dtype=np.float64)
    for i, text in enumerate(texts):
        d = MomentDetector(model=model, semantic=None)
        # A fixed clock: relative deadlines ("by 7 tonight") must not make training time-dependent.
        d.observe_text(text, occurred_at=CALIBRATION_CLOCK)
        out[i] = d.scores().raw
        if progress is not None:
            progress()
    return out


def fit_platt(raw: npt.NDArray[np.float64], y: npt.NDArray[np.int64]) -> tuple[float, float]:
    """Platt parameters (a, b) so that 1/(1+exp(-(a*raw+b))) reads as P(MoT)."""
    clf = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000)
    clf.fit(raw.reshape(-1, 1), y)
    return float(clf.coef_[0][0]), float(clf.intercept_[0])


def calibrate(
    model: TextModel, examples: Sequence[Example]
) -> tuple[TextModel, tuple[float, float] | None]:
    """Fit the Platt parameters of the detector's raw score on the dev (calibration) split."""
    dev = [e for e in examples if e.split == "dev" and e.mot is not None]
    try:
        raw = raw_scores(model, [e.text for e in dev])
    except ImportError:
        log.warning("no detector to calibrate against; keeping identity calibration")
        return model, None
    y = np.array([e.mot for e in dev], dtype=np.int64)
    a, b = fit_platt(raw, y)
    # Rounded so that solver noise in the last bits cannot change the model file.
    a, b = round(a, 4), round(b, 4)
    return model.with_platt(a, b), (a, b)


def train(
    *,
    root: Path | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    examples: Sequence[Example] | None = None,
) -> tuple[TextModel, list[HeadReport], tuple[float, float] | None]:
    """Train every head on the shared data and calibrate the MoT score; deterministic per seed."""
    rows = list(examples) if examples is not None else datasets.load_all(root=root)
    model, reports = fit_heads(rows, seed=seed, progress=progress)
    if progress is not None:
        progress("calibration")
    model, platt = calibrate(model, rows)
    return model, reports, platt
