"""The learned text model: hashed word uni- and bigrams, one logistic head per axis, pure NumPy.

Training (``kairos.detection.training``) uses scikit-learn; inference here only tokenizes, hashes
and sums weights, so a 20-word utterance costs microseconds and nothing heavier than NumPy loads.
The model file is an ``.npz`` with float16 weights (buckets x heads), float32 biases, the Platt
parameters of the detector's MoT score and a version string.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import math
import re
import zipfile
import zlib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

HEADS: tuple[str, ...] = ("emotion", "stakes", "churn", "dissatisfaction")
DEFAULT_BITS = 18
DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "text_model.npz"

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_TOKEN_BYTES = re.compile(rb"[a-z0-9]+(?:'[a-z]+)?")
_BIGRAM = b"|".join
# Each byte that cannot be part of a token (anything but a-z and 0-9) as a space.
_SEPARATE = bytes(b if b in b"abcdefghijklmnopqrstuvwxyz0123456789" else 0x20 for b in range(256))


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; contractions stay whole ("don't")."""
    return _TOKEN.findall(text.lower())


def feature_ids(text: str, bits: int) -> list[int]:
    """The distinct hashed uni- and bigram bucket ids of a text (stable across runs: CRC-32)."""
    keep = ((1 << bits) - 1).__and__
    # The tokens of ``tokens`` as bytes: they are ASCII, so matching the UTF-8 encoding of the
    # lower-cased text finds the same ones without encoding each.
    data = text.lower().encode()
    # Without an apostrophe a token is a maximal run of [a-z0-9]: every other byte made a space
    # and the rest split on spaces gives the pattern's list in a third of its time
    # (``test_fast_paths`` holds the two to each other on 20,000 real turns).
    grams = _TOKEN_BYTES.findall(data) if b"'" in data else data.translate(_SEPARATE).split()
    # ``map`` over C functions all the way (hash, mask, join): no Python frame per n-gram.
    ids = set(map(keep, map(zlib.crc32, grams)))
    if len(grams) > 1:
        # A bigram is hashed with a separator no token can hold, so "a b" never equals a unigram.
        ids.update(map(keep, map(zlib.crc32, map(_BIGRAM, itertools.pairwise(grams)))))
    return sorted(ids)


def reference_feature_ids(text: str, bits: int) -> list[int]:
    """The plain computation ``feature_ids`` shortcuts: the token pattern over the UTF-8 bytes of
    the lower-cased text, each token and each joined bigram hashed on its own (``logits`` uses
    it; ``test_fast_paths`` and ``benchmarks/detector_speed.py`` hold the shortcut to it)."""
    mask = (1 << bits) - 1
    grams = _TOKEN_BYTES.findall(text.lower().encode())
    ids = {zlib.crc32(g) & mask for g in grams}
    ids.update(zlib.crc32(b"|".join(pair)) & mask for pair in itertools.pairwise(grams))
    return sorted(ids)


# The L2 scale of a text with n distinct features, as ``logits`` computes it, for common n.
_SCALES: tuple[np.float32, ...] = (
    np.float32(1.0),
    *(np.float32(1.0 / math.sqrt(n)) for n in range(1, 1024)),
)
_ADD = np.add.reduce


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class TextModel:
    """One logistic head per axis over hashed n-grams; ``predict`` returns probabilities."""

    __slots__ = ("_bias", "_weights", "bits", "heads", "platt", "version")

    def __init__(
        self,
        weights: npt.NDArray[np.floating],
        bias: npt.NDArray[np.floating],
        *,
        heads: Sequence[str] = HEADS,
        bits: int = DEFAULT_BITS,
        platt: tuple[float, float] = (1.0, 0.0),
    ) -> None:
        if weights.shape != (1 << bits, len(heads)) or bias.shape != (len(heads),):
            raise ValueError("weights must be (2**bits, heads) and bias (heads,)")
        # Weights are rounded to float16 (what the file holds) even before saving, so a freshly
        # trained model and the one loaded back predict exactly alike; float32 sums are fast.
        weights16 = np.asarray(weights).astype(np.float16)
        self._weights = np.ascontiguousarray(weights16, dtype=np.float32)
        self._bias = np.asarray(bias, dtype=np.float32)
        self.heads: tuple[str, ...] = tuple(heads)
        self.bits = bits
        self.platt = (float(platt[0]), float(platt[1]))
        digest = hashlib.sha1(weights16.tobytes())
        digest.update(self._bias.tobytes())
        self.version = f"text-v1+{digest.hexdigest()[:8]}"

    def logits(self, text: str) -> npt.NDArray[np.float32]:
        """The heads' raw logits for one text: the reference computation (``predict`` is the
        detector's fast path to the same numbers)."""
        ids = reference_feature_ids(text, self.bits)
        if not ids:
            return self._bias.copy()
        # Features are binary and L2-normalised, so long posts and short turns read alike.
        summed: npt.NDArray[np.float32] = self._weights.take(ids, axis=0).sum(axis=0)
        return summed * np.float32(1.0 / math.sqrt(len(ids))) + self._bias

    def predict(self, text: str) -> dict[str, float]:
        """Each head's probability for one text: ``logits`` with fewer NumPy calls (the detector
        calls it on every customer turn), the same float32 operations in the same order."""
        ids = feature_ids(text, self.bits)
        if ids:
            n = len(ids)
            scale = _SCALES[n] if n < len(_SCALES) else np.float32(1.0 / math.sqrt(n))
            z: list[float] = (_ADD(self._weights.take(ids, 0), 0) * scale + self._bias).tolist()
        else:
            z = self._bias.tolist()
        return dict(zip(self.heads, map(_sigmoid, z), strict=True))

    def predict_reference(self, text: str) -> dict[str, float]:
        """``predict`` computed the plain way: the sigmoid of ``logits``."""
        return dict(zip(self.heads, map(_sigmoid, self.logits(text).tolist()), strict=True))

    def predict_many(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Probabilities for many texts, shape (n, len(heads))."""
        out = np.empty((len(texts), len(self.heads)), dtype=np.float64)
        for i, text in enumerate(texts):
            out[i] = self.logits(text)
        result: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-out))
        return result

    def calibrate(self, raw: float) -> float:
        """The detector's raw MoT score as a probability (Platt: 1/(1+exp(-(a*raw+b))))."""
        a, b = self.platt
        return _sigmoid(a * raw + b)

    def with_platt(self, a: float, b: float) -> TextModel:
        """The same model with other calibration parameters."""
        m = TextModel.__new__(TextModel)
        m._weights, m._bias, m.heads, m.bits = self._weights, self._bias, self.heads, self.bits
        m.version, m.platt = self.version, (float(a), float(b))
        return m

    def save(self, path: Path) -> None:
        """Write the model file (npz, float16 weights; byte-identical for identical models)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {
            "weights": self._weights.astype(np.float16),
            "bias": self._bias,
            "heads": np.array(self.heads),
            "bits": np.array(self.bits, dtype=np.int64),
            "platt": np.array(self.platt, dtype=np.float64),
        }
        # np.savez stamps zip entries with the current time; a fixed date keeps the file
        # byte-identical for identical weights.
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, arr in arrays.items():
                buf = io.BytesIO()
                np.lib.format.write_array(buf, np.asanyarray(arr), allow_pickle=False)
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, buf.getvalue())

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (self._weights, self._bias, self.heads, self.bits, self.platt))


def _rebuild(
    weights: npt.NDArray[np.floating],
    bias: npt.NDArray[np.floating],
    heads: tuple[str, ...],
    bits: int,
    platt: tuple[float, float],
) -> TextModel:
    return TextModel(weights, bias, heads=heads, bits=bits, platt=platt)


def load(path: Path) -> TextModel:
    """Load a model file written by ``TextModel.save``."""
    with np.load(path, allow_pickle=False) as z:
        platt = z["platt"]
        return TextModel(
            z["weights"],
            z["bias"],
            heads=tuple(str(h) for h in z["heads"]),
            bits=int(z["bits"]),
            platt=(float(platt[0]), float(platt[1])),
        )


@lru_cache(maxsize=1)
def load_default() -> TextModel | None:
    """The model shipped in ``kairos/detection/data/``, loaded once; None if absent."""
    if not DEFAULT_PATH.is_file():
        return None
    return load(DEFAULT_PATH)
