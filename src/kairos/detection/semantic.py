"""The semantic tier: a fine-tuned MiniLM sentence encoder with five heads, run by onnxruntime.

The model (``data/semantic.onnx``, int8, about 23 MB) reads a customer turn and gives one logit per
entry of ``TARGETS``: the proxy moment-of-truth label and the four axes the data sets label. It
was trained by ``kairos.detection.semantic_training`` (``kairos train-semantic``) and needs no
PyTorch at run time: ``tokenizers`` splits the text, ``onnxruntime`` runs the graph.
``data/semantic.json`` holds the version, the tokenizer settings and the combiner that turns the
lexical tier's raw score and the semantic logit into the calibrated ``mot_score``.

Loading is lazy and optional: without the files or the packages the detector runs on its lexical
tier alone and says so in ``model_version``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

TARGETS: tuple[str, ...] = ("mot", "emotion", "stakes", "churn", "dissatisfaction")
DATA = Path(__file__).resolve().parent / "data"
DEFAULT_MODEL = DATA / "semantic.onnx"
DEFAULT_TOKENIZER = DATA / "semantic_tokenizer.json"
DEFAULT_CARD = DATA / "semantic.json"
MAX_TOKENS = 128
#: The customer languages the semantic tier reads (the card's ``languages``, which ``kairos
#: train-semantic`` writes from here); elsewhere the lexical tier speaks alone. A language joins
#: only through ``benchmarks/semantic_languages.py``'s rule (docs/model-card.md): Spanish passed
#: it on 2026-12-06, also with the shipped combiner's weights; German passed it only with the
#: folds' own combiners and lost 0.038 on its test split with the weights that ship, so it stays
#: lexical; Portuguese did not pass (French and Italian have no labeled set).
LANGUAGES: tuple[str, ...] = ("en", "es")


#: The prior's base rate where no centre figure is configured. The combiner's even odds were
#: fitted on proxy labels (distress, dissatisfaction), which are far more common than moments of
#: truth, so the rate that makes the flag's share match the truth sits below the true share: on
#: the demo's traffic (15% true moments of truth) 0.05 flags 14-18% at precision 0.88-0.94, 0.10
#: flags 21% at 0.78 (docs/detection.md).
DEFAULT_BASE_RATE = 0.05


@dataclass(frozen=True, slots=True)
class Combiner:
    """``mot_score = sigmoid(lexical * raw + semantic * logit + bias + prior)``.

    ``lexical``, ``semantic`` and ``bias`` are fitted on the dev splits with positives and
    negatives weighted equally, i.e. at even prior odds; ``prior`` moves those odds to the
    centre's base rate of moments of truth (Bayes: the log of the prior odds), so that the score
    reads as the probability of a moment of truth *in this centre's traffic*. Ranking (ROC AUC)
    does not depend on it; the share of contacts flagged does.

    With a ``knee``, the lexical term is ``lexical * max(raw - knee, 0) + below * min(raw,
    knee)``: above the knee (pressure and affect together) the lexical tier keeps its own slope;
    below it, where the semantic tier reads the same distress better, it weighs ``below``.
    """

    lexical: float
    semantic: float
    bias: float
    prior: float = 0.0
    knee: float | None = None
    below: float = 0.0

    @staticmethod
    def prior_for(base_rate: float) -> float:
        """The log prior odds of a base rate in (0, 1)."""
        if not 0.0 < base_rate < 1.0:
            raise ValueError("the base rate of moments of truth must be in (0, 1)")
        return math.log(base_rate / (1.0 - base_rate))

    def lexical_term(self, raw: float) -> float:
        """What the lexical raw score adds to the log odds."""
        if self.knee is None:
            return self.lexical * raw
        return self.lexical * max(raw - self.knee, 0.0) + self.below * min(raw, self.knee)

    def score(self, raw: float, logit: float | None) -> float:
        """The calibrated MoT probability of a lexical raw score and a semantic logit."""
        if logit is None:
            return float("nan")
        z = self.lexical_term(raw) + self.semantic * logit + self.bias + self.prior
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


class SemanticModel:
    """The encoder and its heads; ``logits_many`` batches, ``logits`` scores one text."""

    def __init__(
        self,
        model_path: Path = DEFAULT_MODEL,
        tokenizer_path: Path = DEFAULT_TOKENIZER,
        *,
        card: dict[str, Any] | None = None,
        threads: int = 1,
        base_rate: float | None = None,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(
            str(model_path), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        self._args = (model_path, tokenizer_path, dict(card or {}), threads, base_rate)
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()
        # onnxruntime sessions are thread-safe, tokenizers' encode is too; a lock guards nothing
        # but the lazy first call's warm-up.
        self._lock = threading.Lock()
        card = card or {}
        comb = card.get("combiner")
        #: The customer languages this tier was shown to read (``semantic.json``).
        self.languages: frozenset[str] = frozenset(card.get("languages", ("en",)))
        rate = base_rate if base_rate is not None else card.get("base_rate", DEFAULT_BASE_RATE)
        self.base_rate = float(rate)
        self.combiner: Combiner | None = (
            Combiner(**comb, prior=Combiner.prior_for(self.base_rate)) if comb else None
        )
        digest = hashlib.sha1(model_path.read_bytes()).hexdigest()[:8]
        self.version = f"semantic-v1+{digest}"

    def __reduce__(self) -> tuple[object, ...]:
        # A detector is pickled with its state; the model it points to is loaded (once per
        # process) from the same files on the other side, never copied.
        return (_shared, self._args)

    def ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text (truncated at ``MAX_TOKENS``)."""
        return [e.ids for e in self._tokenizer.encode_batch(list(texts))]

    def logits_many(self, texts: Sequence[str], *, batch: int = 32) -> npt.NDArray[np.float32]:
        """Logits for many texts, shape (n, len(TARGETS)); similar lengths are batched.

        The int8 graph quantizes its activations with one scale per batch tensor
        (``DynamicQuantizeLinear``), so a text's logits depend a little on the texts batched with
        it (on 400 turns: mean 0.11, at most 0.78 apart). What is fitted or measured against
        the live detector, which reads one turn at a time, uses ``logits_each``.
        """
        out = np.zeros((len(texts), len(TARGETS)), dtype=np.float32)
        if not texts:
            return out
        ids = self.ids(texts)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for s in range(0, len(order), batch):
            part = order[s : s + batch]
            width = max(len(ids[i]) for i in part)
            arr = np.zeros((len(part), width), dtype=np.int64)
            mask = np.zeros((len(part), width), dtype=np.int64)
            for row, i in enumerate(part):
                arr[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
            (logits,) = self._session.run(["logits"], {"input_ids": arr, "attention_mask": mask})
            out[part] = logits
        return out

    def logits_each(
        self, texts: Sequence[str], *, progress: Callable[[], None] | None = None
    ) -> npt.NDArray[np.float32]:
        """Logits of each text read alone, shape (n, len(TARGETS)): exactly what ``logits``
        (and so the live detector) reads for it, whatever texts surround it. About 3 ms a text
        on one core; the combiner's calibration and the quality benchmark read this way.
        """
        out = np.zeros((len(texts), len(TARGETS)), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = self.logits_many([text])[0]
            if progress is not None:
                progress()
        return out

    def logits(self, text: str) -> npt.NDArray[np.float32]:
        """Logits of one text, shape (len(TARGETS),)."""
        result: npt.NDArray[np.float32] = self.logits_many([text])[0]
        return result


_LOADED: dict[str, SemanticModel] = {}


def _shared(
    model_path: Path,
    tokenizer_path: Path,
    card: dict[str, Any],
    threads: int,
    base_rate: float | None,
) -> SemanticModel:
    key = json.dumps(
        [str(model_path), str(tokenizer_path), card, threads, base_rate], sort_keys=True
    )
    found = _LOADED.get(key)
    if found is None:
        found = _LOADED[key] = SemanticModel(
            model_path, tokenizer_path, card=card, threads=threads, base_rate=base_rate
        )
    return found


def probabilities(logits: npt.NDArray[np.float32]) -> dict[str, float]:
    """Each target's probability from a row of logits."""
    return {t: 1.0 / (1.0 + math.exp(-float(z))) for t, z in zip(TARGETS, logits, strict=True)}


def read_card(path: Path = DEFAULT_CARD) -> dict[str, Any]:
    """The model card file (version, combiner, training figures); empty when absent."""
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _set_base_rate() -> float | None:
    """``KAIROS_MOT_BASE_RATE`` as the settings read it (the environment, else ``.env``)."""
    from kairos.config import get_settings

    try:
        return get_settings().mot_base_rate
    except Exception:  # settings that do not read: the commands say so; detection still runs
        rate = os.environ.get("KAIROS_MOT_BASE_RATE")
        return float(rate) if rate else None


def configured_base_rate() -> float:
    """The base rate the fused score's prior is set to: the setting, else the card's, else
    :data:`DEFAULT_BASE_RATE`."""
    rate = _set_base_rate()
    return float(rate if rate is not None else read_card().get("base_rate", DEFAULT_BASE_RATE))


@lru_cache(maxsize=1)
def load_default() -> SemanticModel | None:
    """The shipped semantic model, loaded once per process; None without it or its packages."""
    if not (DEFAULT_MODEL.is_file() and DEFAULT_TOKENIZER.is_file()):
        return None
    try:
        # Through the same cache as unpickling, so a worker holds one model, not two.
        return _shared(DEFAULT_MODEL, DEFAULT_TOKENIZER, read_card(), 1, _set_base_rate())
    except ImportError:
        log.warning("onnxruntime or tokenizers is not installed; the semantic tier is off")
        return None
    except Exception:  # a broken model file must not stop detection; the lexical tier works
        log.exception("could not load the semantic model; detecting with the lexical tier only")
        return None
