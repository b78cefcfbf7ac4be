"""Loaders of the five original labeled sets: GoEmotions, Dreaddit, the offensive-tweets set,
Banking77 and the user-satisfaction dialogues.

Their mapping onto the axes, and the splits, are stated in ``kairos.detection.datasets``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from kairos.detection.dataset_rows import SPLITS, Example, Split, _labels, _root, hashed_split

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
