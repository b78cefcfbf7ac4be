"""The labeled data sets, their mapping onto the detector's axes, and frozen splits.

This module is the ONE place that decides how each externally labeled set speaks to Kairos. None
of them is labeled "moment of truth", so each row gets:

- per-axis labels (``emotion``, ``stakes``, ``churn``, ``dissatisfaction``), ``None`` where the set
  says nothing about that axis, and
- a proxy MoT label ``mot``: the closest thing the set has to "this contact matters".

Mapping (frozen before any result was seen):

==================  ==========================================  ==============================
set                 axis labels                                 proxy ``mot``
==================  ==========================================  ==============================
goemotions          emotion = any of DISTRESS_EMOTIONS          = emotion
dreaddit            emotion = stress label 1                    = emotion
offensive           emotion = hate (0) or offensive (1)         = emotion (abusive customer)
banking77           stakes = intent in HIGH_STAKES_INTENTS;     = stakes or churn
                    churn = intent in CHURN_INTENTS
user_satisfaction   dissatisfaction = mean user-turn rating     = dissatisfaction
                    < 3 (1-5 scale, 3 is "normal")
tweeteval           emotion = anger or sadness (joy, optimism   = emotion
                    are 0); the irony task is not used
dailydialog         emotion = anger, disgust, fear, sadness     = emotion
                    (happiness, surprise, no emotion are 0)
germeval2017 (de)   dissatisfaction = sentiment negative, on    = dissatisfaction
                    posts relevant to the operator only
                    (relevance=false rows are dropped)
b2w_reviews (pt)    dissatisfaction = rating 1-2; 4-5 are 0;    = dissatisfaction
                    rating 3 is dropped (ambiguous)
emoevent_es,        emotion = anger, disgust, fear, sadness     = emotion
emoevent_en         (joy, surprise, others are 0)
airline_threads     weak: dissatisfaction = the company's       = dissatisfaction
                    first reply apologises, asks for a DM /
                    details, or offers a refund / voucher;
                    0 when it only thanks or is glad; other
                    threads are dropped (``airline_weak_label``)
==================  ==========================================  ==============================

Per source, at most ``SOURCE_CAP`` rows of each split are kept (a stable hash picks them), so
that the large sets do not drown the small ones in training.

Splits: a set's own train/dev/test files where it has them (germeval2017: train = the official
dev file plus test_dia minus a hashed dev share, test = test_syn; tweeteval: train/val/test;
airline_threads: all by hashed thread id); where it has only train and test, dev
is carved from train by a stable hash of the text id; where it has none (offensive,
user_satisfaction), all three come from the stable hash (by dialogue for user_satisfaction so
that turns of one dialogue never straddle splits). ``dev`` is the calibration split; ``test`` is
never used for training or calibration. Files are streamed from the shared data directory, never
copied.
"""

from __future__ import annotations

import bz2
import csv
import hashlib
import sys
from pathlib import Path

from kairos.detection.dataset_rows import (
    AXES,
    SPLITS,
    Example,
    Split,
    _root,
    data_dir,
    hashed_split,
    stable_bucket,
)
from kairos.detection.datasets_newer import (
    airline_threads,
    airline_weak_label,
    b2w_reviews,
    dailydialog,
    emoevent_en,
    emoevent_es,
    germeval2017,
    tweeteval,
)
from kairos.detection.datasets_original import (
    CHURN_INTENTS,
    DISSATISFIED_BELOW,
    DISTRESS_EMOTIONS,
    HIGH_STAKES_INTENTS,
    banking77,
    dreaddit,
    goemotions,
    offensive,
    user_satisfaction,
)

__all__ = [
    "AXES",
    "CHURN_INTENTS",
    "DISSATISFIED_BELOW",
    "DISTRESS_EMOTIONS",
    "HIGH_STAKES_INTENTS",
    "LABELED_SETS",
    "LOADERS",
    "SET_LANGUAGE",
    "SOURCE_CAP",
    "SPLITS",
    "Example",
    "Split",
    "airline_first_utterances",
    "airline_threads",
    "airline_weak_label",
    "b2w_reviews",
    "banking77",
    "dailydialog",
    "data_dir",
    "dreaddit",
    "emoevent_en",
    "emoevent_es",
    "germeval2017",
    "goemotions",
    "hashed_split",
    "load",
    "load_all",
    "offensive",
    "stable_bucket",
    "tweeteval",
    "user_satisfaction",
]

LABELED_SETS: tuple[str, ...] = (
    "goemotions",
    "dreaddit",
    "offensive",
    "banking77",
    "user_satisfaction",
    "tweeteval",
    "dailydialog",
    "germeval2017",
    "b2w_reviews",
    "emoevent_es",
    "emoevent_en",
    "airline_threads",
)

#: The language of each labeled set (ISO 639-1).
SET_LANGUAGE: dict[str, str] = {
    "germeval2017": "de",
    "b2w_reviews": "pt",
    "emoevent_es": "es",
}

#: At most this many rows of each split of each set are kept (a stable hash picks them).
SOURCE_CAP = 15_000


LOADERS = {
    "goemotions": goemotions,
    "dreaddit": dreaddit,
    "offensive": offensive,
    "banking77": banking77,
    "user_satisfaction": user_satisfaction,
    "tweeteval": tweeteval,
    "dailydialog": dailydialog,
    "germeval2017": germeval2017,
    "b2w_reviews": b2w_reviews,
    "emoevent_es": emoevent_es,
    "emoevent_en": emoevent_en,
    "airline_threads": airline_threads,
}


def load(
    name: str, *, root: Path | None = None, split: Split | None = None, cap: int | None = SOURCE_CAP
) -> list[Example]:
    """The examples of one labeled set, optionally of one split; at most ``cap`` per split.

    Where a split holds more than ``cap`` rows, the ``cap`` with the lowest stable hash of their
    id are kept, in file order.
    """
    rows = [e for e in LOADERS[name](root) if split is None or e.split == split]
    if cap is None:
        return rows
    out: list[Example] = []
    for s in SPLITS:
        part = [e for e in rows if e.split == s]
        if len(part) > cap:
            keep = {
                e.id for e in sorted(part, key=lambda e: (_hash_key(f"{name}:{e.id}"), e.id))[:cap]
            }
            part = [e for e in part if e.id in keep]
        out.extend(part)
    return out


def _hash_key(key: str) -> int:
    return int.from_bytes(hashlib.sha1(key.encode("utf-8")).digest()[:8], "big")


def load_all(*, root: Path | None = None, split: Split | None = None) -> list[Example]:
    """All labeled examples of every set, in a fixed order."""
    return [e for name in LABELED_SETS for e in load(name, root=root, split=split)]


def airline_first_utterances(root: Path | None = None, *, limit: int | None = None) -> list[str]:
    """The customers' first tweets of the airline threads (unlabeled), in file order."""
    base = _root(root) / "airline_threads"
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    out: list[str] = []
    with bz2.open(base / "airlines_processed.csv.bz2", "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            text = row["first_utterance"].replace("<cust__", "").replace("__cust>", "")
            text = text.replace("__company__", "").strip()
            out.append(" ".join(text.split()))
            if limit is not None and len(out) >= limit:
                break
    return out
