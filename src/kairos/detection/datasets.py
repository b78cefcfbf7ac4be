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
airline_threads     none (alert rate and realistic text only)   none
==================  ==========================================  ==============================

Splits: a set's own train/dev/test files where it has them; where it has only train and test, dev
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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kairos.config import get_settings

Split = Literal["train", "dev", "test"]
SPLITS: tuple[Split, ...] = ("train", "dev", "test")
AXES: tuple[str, ...] = ("emotion", "stakes", "churn", "dissatisfaction")
LABELED_SETS: tuple[str, ...] = (
    "goemotions",
    "dreaddit",
    "offensive",
    "banking77",
    "user_satisfaction",
)

#: GoEmotions labels that read as customer distress (negative, activated or hurt).
DISTRESS_EMOTIONS: frozenset[str] = frozenset(
    {
        "anger",
        "annoyance",
        "disappointment",
        "disgust",
        "fear",
        "grief",
        "nervousness",
        "sadness",
    }
)

#: Banking77 intents where the customer stands to lose money, access or safety right now.
HIGH_STAKES_INTENTS: frozenset[str] = frozenset(
    {
        "compromised_card",
        "lost_or_stolen_card",
        "lost_or_stolen_phone",
        "card_swallowed",
        "cash_withdrawal_not_recognised",
        "card_payment_not_recognised",
        "direct_debit_payment_not_recognised",
        "transaction_charged_twice",
        "wrong_amount_of_cash_received",
        "transfer_not_received_by_recipient",
        "declined_cash_withdrawal",
        "pin_blocked",
        "failed_transfer",
    }
)

#: Banking77 intents that announce leaving.
CHURN_INTENTS: frozenset[str] = frozenset({"terminate_account"})

#: A user turn is "dissatisfied" when the annotators' mean rating is below this (3 = normal).
DISSATISFIED_BELOW = 3.0

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


def goemotions(root: Path | None = None) -> Iterator[Example]:
    """GoEmotions, own splits: emotion = any distress emotion."""
    base = _root(root) / "goemotions"
    names = (base / "labels.txt").read_text(encoding="utf-8").split()
    distress = {i for i, n in enumerate(names) if n in DISTRESS_EMOTIONS}
    for split in SPLITS:
        with (base / f"{split}.tsv").open(encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 3:
                    continue
                ids = {int(x) for x in parts[1].split(",") if x}
                y = int(bool(ids & distress))
                yield Example("goemotions", parts[2], parts[0], split, _labels(emotion=y), y)


def dreaddit(root: Path | None = None) -> Iterator[Example]:
    """Dreaddit: emotion = stress; dev is carved from train by hashed id."""
    base = _root(root) / "dreaddit"
    for file in ("train", "test"):
        with (base / f"{file}.csv").open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                rid = f"{row['post_id']}:{row['sentence_range']}"
                split: Split = "test" if file == "test" else hashed_split(rid, has_test=True)
                y = int(row["label"])
                yield Example("dreaddit", rid, row["text"], split, _labels(emotion=y), y)


def offensive(root: Path | None = None) -> Iterator[Example]:
    """Davidson et al.: emotion = hate or offensive; all splits by hashed row id."""
    base = _root(root) / "offensive"
    with (base / "labeled_data.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            rid = row[""]
            y = int(row["class"] in ("0", "1"))
            split = hashed_split(f"offensive:{rid}", has_test=False)
            yield Example("offensive", rid, row["tweet"], split, _labels(emotion=y), y)


def banking77(root: Path | None = None) -> Iterator[Example]:
    """Banking77: stakes and churn intents; dev is carved from train by hashed text."""
    base = _root(root) / "banking77"
    for file in ("train", "test"):
        with (base / f"{file}.csv").open(encoding="utf-8", newline="") as f:
            for i, row in enumerate(csv.DictReader(f)):
                rid = f"{file}:{i}"
                text, intent = row["text"], row["category"]
                split: Split = "test" if file == "test" else hashed_split(text, has_test=True)
                stakes = int(intent in HIGH_STAKES_INTENTS)
                churn = int(intent in CHURN_INTENTS)
                yield Example(
                    "banking77",
                    rid,
                    text,
                    split,
                    _labels(stakes=stakes, churn=churn),
                    int(stakes or churn),
                )


def _dialogues(path: Path) -> Iterator[list[list[str]]]:
    dialogue: list[list[str]] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                if dialogue:
                    yield dialogue
                dialogue = []
                continue
            dialogue.append(line.split("\t"))
    if dialogue:
        yield dialogue


def user_satisfaction(root: Path | None = None) -> Iterator[Example]:
    """MWOZ and SGD user turns: dissatisfaction = mean rating below 3; split by dialogue."""
    base = _root(root) / "user_satisfaction"
    for corpus in ("MWOZ", "SGD"):
        for d, dialogue in enumerate(_dialogues(base / f"{corpus}.txt")):
            did = f"{corpus}:{d}"
            split = hashed_split(f"user_satisfaction:{did}", has_test=False)
            for t, cols in enumerate(dialogue):
                # USER <text> <act> <ratings>; the closing "USER OVERALL" rates the whole dialogue.
                if len(cols) < 4 or cols[0] != "USER" or cols[1] == "OVERALL":
                    continue
                ratings = [int(x) for x in cols[3].split(",") if x.strip().isdigit()]
                if not ratings:
                    continue
                y = int(sum(ratings) / len(ratings) < DISSATISFIED_BELOW)
                yield Example(
                    "user_satisfaction",
                    f"{did}:{t}",
                    cols[1],
                    split,
                    _labels(dissatisfaction=y),
                    y,
                )


LOADERS = {
    "goemotions": goemotions,
    "dreaddit": dreaddit,
    "offensive": offensive,
    "banking77": banking77,
    "user_satisfaction": user_satisfaction,
}


def load(name: str, *, root: Path | None = None, split: Split | None = None) -> list[Example]:
    """All examples of one labeled set, optionally of one split."""
    return [e for e in LOADERS[name](root) if split is None or e.split == split]


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
