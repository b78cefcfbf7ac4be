"""What every labeled set's loader shares: the splits, the axes, the ``Example`` row, where the
shared data directory is, and the stable hash that splits rows the same on every machine.

How each set maps onto the axes is ``kairos.detection.datasets``' docstring.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kairos.config import get_settings

Split = Literal["train", "dev", "test"]
SPLITS: tuple[Split, ...] = ("train", "dev", "test")
AXES: tuple[str, ...] = ("emotion", "stakes", "churn", "dissatisfaction")

#: Per mille of rows that go to dev (and to test, where the set has no test split).
_DEV_PER_MILLE = 100
_TEST_PER_MILLE = 100


@dataclass(frozen=True, slots=True)
class Example:
    """One labeled text: its id, split, per-axis labels (None: not labeled) and proxy MoT label."""

    source: str
    id: str
    text: str
    split: Split
    labels: dict[str, int | None]
    mot: int | None
    lang: str = "en"


def data_dir() -> Path | None:
    """The shared data directory, or None when it is not there."""
    return get_settings().shared_data_dir()


def stable_bucket(key: str) -> int:
    """A number in [0, 1000) from a key; the same on every machine and Python run."""
    return int.from_bytes(hashlib.sha1(key.encode("utf-8")).digest()[:4], "big") % 1000


def hashed_split(key: str, *, has_test: bool) -> Split:
    """The split a row goes to by the stable hash of its id."""
    b = stable_bucket(key)
    if b < _DEV_PER_MILLE:
        return "dev"
    if not has_test and b < _DEV_PER_MILLE + _TEST_PER_MILLE:
        return "test"
    return "train"


def _labels(**given: int | None) -> dict[str, int | None]:
    return {axis: given.get(axis) for axis in AXES}


def _root(root: Path | None) -> Path:
    found = root if root is not None else data_dir()
    if found is None or not found.is_dir():
        raise FileNotFoundError("the shared data directory is not there (set KAIROS_DATA_DIR)")
    return found
