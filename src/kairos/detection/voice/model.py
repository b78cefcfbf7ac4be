"""The voice stress model: two logistic heads over segment features, pure NumPy at run time.

- The population head scores a segment on its own (standardised features), for the first seconds
  of a call or a short file, before the caller's baseline has built up.
- The caller head scores how far each feature lies from this caller's own calm baseline, in units
  of the within-speaker standard deviation learned from training speakers.

Both leave out the absolute loudness (``intensity_db``): it is measured and reported, but every
emodb file is peak-normalised, so in the training data loudness says nothing about the speaker (the
angry files even read 2 dB quieter, their peaks being higher); a head that learnt it would call
louder calmer. Loudness *range* stays in.

``kairos train-voice`` (``kairos.detection.voice.training``) fits both on the emodb subset and
writes the ``.npz`` this module loads; the version string is a hash of its numbers.
"""

from __future__ import annotations

import hashlib
import math
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from kairos.detection.voice.features import FEATURES

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "voice_model.npz"
#: Features both heads leave out (see the module docstring).
EXCLUDED: tuple[str, ...] = ("intensity_db",)

Vector = npt.NDArray[np.float64]
_ARRAYS = (
    "pop_mask",
    "pop_mean",
    "pop_scale",
    "pop_coef",
    "within_sd",
    "rel_coef",
    "norm_mean",
    "norm_sd",
)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class VoiceModel:
    """Population and caller-relative logistic heads; see the module docstring."""

    __slots__ = (
        "norm_mean",
        "norm_sd",
        "pop_coef",
        "pop_intercept",
        "pop_mask",
        "pop_mean",
        "pop_scale",
        "rel_coef",
        "rel_intercept",
        "values",
        "version",
        "within_sd",
    )

    def __init__(
        self,
        *,
        pop_mean: npt.ArrayLike,
        pop_scale: npt.ArrayLike,
        pop_coef: npt.ArrayLike,
        pop_intercept: float,
        within_sd: npt.ArrayLike,
        rel_coef: npt.ArrayLike,
        rel_intercept: float,
        norm_mean: npt.ArrayLike,
        norm_sd: npt.ArrayLike,
        pop_mask: npt.ArrayLike | None = None,
    ) -> None:
        n = len(FEATURES)
        mask = (
            np.array([f not in EXCLUDED for f in FEATURES])
            if pop_mask is None
            else np.asarray(pop_mask, dtype=bool)
        )
        self.pop_mask: npt.NDArray[np.bool_] = mask
        self.pop_mean: Vector = np.asarray(pop_mean, dtype=np.float64)
        self.pop_scale: Vector = np.asarray(pop_scale, dtype=np.float64)
        self.pop_coef: Vector = np.asarray(pop_coef, dtype=np.float64)
        self.pop_intercept = float(pop_intercept)
        self.within_sd: Vector = np.asarray(within_sd, dtype=np.float64)
        self.rel_coef: Vector = np.asarray(rel_coef, dtype=np.float64)
        self.rel_intercept = float(rel_intercept)
        self.norm_mean: Vector = np.asarray(norm_mean, dtype=np.float64)
        self.norm_sd: Vector = np.asarray(norm_sd, dtype=np.float64)
        for name in _ARRAYS:
            if getattr(self, name).shape != (n,):
                raise ValueError(f"{name} must have one value per feature ({n})")
        #: Each vector of ``_ARRAYS`` as a tuple of Python floats (bools for ``pop_mask``): one
        #: segment's ten features cost less as Python arithmetic than as NumPy calls (about a
        #: microsecond each) on ten-element arrays.
        self.values: dict[str, tuple[float, ...]] = {
            name: tuple(getattr(self, name).tolist()) for name in _ARRAYS
        }
        digest = hashlib.sha1()
        for name in _ARRAYS:
            digest.update(np.ascontiguousarray(getattr(self, name)).tobytes())
        digest.update(np.array([self.pop_intercept, self.rel_intercept]).tobytes())
        self.version = f"voice-v1+{digest.hexdigest()[:8]}"

    # -- scoring --------------------------------------------------------------------------

    def population_scaled(self, x: Vector) -> Vector:
        """Standardised features, undefined ones at the mean (0); excluded ones are 0."""
        scaled = (x - self.pop_mean) / self.pop_scale
        scaled = np.where(np.isfinite(scaled) & self.pop_mask, scaled, 0.0)
        return np.asarray(scaled, dtype=np.float64)

    def population_probability(self, x: Vector) -> float:
        """P(stressed) of one segment from its features alone."""
        return self.scaled_probability(self.population_scaled(x))

    def scaled_probability(self, scaled: Vector) -> float:
        """P(stressed) of one segment from its standardised features (``population_scaled``)."""
        return _sigmoid(float(scaled @ self.pop_coef) + self.pop_intercept)

    def caller_z(self, x: Vector, baseline: Vector) -> Vector:
        """How far each feature lies from the caller's baseline, in within-speaker SDs."""
        z = (x - baseline) / self.within_sd
        clipped = np.minimum(np.maximum(z, -6.0), 6.0)  # as np.clip, without its overhead
        return np.asarray(np.where(np.isfinite(z), clipped, 0.0), dtype=np.float64)

    def caller_probability(self, z: Vector) -> float:
        """P(stressed) of one segment from its departure from the caller's baseline."""
        return _sigmoid(float(z @ self.rel_coef) + self.rel_intercept)

    # -- the same over plain floats (one segment live: ``StressTracker.update``) -----------

    def population_scaled_values(self, x: list[float]) -> list[float]:
        """``population_scaled`` of plain floats: the same operations, value by value (a zero
        scale, infinite or NaN there, gives 0 as the NumPy version does)."""
        values, isfinite = self.values, math.isfinite
        mean, scale, mask = values["pop_mean"], values["pop_scale"], values["pop_mask"]
        return [
            z if keep and s and isfinite(z := (v - m) / s) else 0.0
            for v, m, s, keep in zip(x, mean, scale, mask, strict=True)
        ]

    def caller_z_values(self, x: list[float], baseline: list[float]) -> list[float]:
        """``caller_z`` of plain floats: the same operations, value by value."""
        isfinite = math.isfinite
        return [
            (z if -6.0 <= z <= 6.0 else 6.0 if z > 6.0 else -6.0)
            if s and isfinite(z := (v - b) / s)
            else 0.0
            for v, b, s in zip(x, baseline, self.values["within_sd"], strict=True)
        ]

    def scaled_values_probability(self, scaled: list[float]) -> float:
        """``scaled_probability`` of ``population_scaled_values``, with NumPy's dot product
        (BLAS adds with fused multiply-adds, which plain Python cannot repeat to the bit)."""
        return _sigmoid(float(np.array(scaled) @ self.pop_coef) + self.pop_intercept)

    def caller_values_probability(self, z: list[float]) -> float:
        """``caller_probability`` of ``caller_z_values`` (NumPy's dot product, as above)."""
        return _sigmoid(float(np.array(z) @ self.rel_coef) + self.rel_intercept)

    def norm_z(self, x: Vector) -> Vector:
        """How far each feature lies from calm speech across training speakers, in SDs."""
        z = (x - self.norm_mean) / self.norm_sd
        return np.asarray(np.where(np.isfinite(z), z, 0.0), dtype=np.float64)

    # -- files ----------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the model as an ``.npz``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            np.savez_compressed(
                f,
                features=np.array(FEATURES),
                pop_intercept=np.array(self.pop_intercept),
                rel_intercept=np.array(self.rel_intercept),
                **{name: getattr(self, name) for name in _ARRAYS},
            )

    @classmethod
    def load(cls, path: Path) -> VoiceModel:
        """Read a model written by ``save``; refuses one built for other features."""
        with np.load(path, allow_pickle=False) as data:
            if tuple(str(f) for f in data["features"]) != FEATURES:
                raise ValueError(f"{path} was trained on other features than {FEATURES}")
            arrays = {name: data[name] for name in _ARRAYS}
            return cls(
                pop_intercept=float(data["pop_intercept"]),
                rel_intercept=float(data["rel_intercept"]),
                **arrays,
            )


@cache
def load_default() -> VoiceModel:
    """The shipped model, loaded once per process."""
    if not DEFAULT_PATH.exists():
        raise FileNotFoundError(
            f"no voice model at {DEFAULT_PATH}: run `kairos train-voice` to train it"
        )
    return VoiceModel.load(DEFAULT_PATH)
