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
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

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


#: Emotions of tweeteval's emotion task, dailydialog and emoevent that read as distress.
_DISTRESS_BASIC: frozenset[str] = frozenset({"anger", "disgust", "fear", "sadness"})


def tweeteval(root: Path | None = None) -> Iterator[Example]:
    """TweetEval emotion (SemEval-2018): emotion = anger or sadness; own splits."""
    base = _root(root) / "tweeteval"
    names: dict[int, str] = {}
    for line in (base / "emotion_labels.txt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            num, name = line.split(maxsplit=1)
            names[int(num)] = name.strip()
    tweet_files: tuple[tuple[Split, str], ...] = (
        ("train", "train"),
        ("dev", "val"),
        ("test", "test"),
    )
    for split, file in tweet_files:
        with (base / f"emotion_{file}.tsv").open(encoding="utf-8", newline="") as f:
            for i, row in enumerate(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)):
                y = int(names[int(row["label"])] in _DISTRESS_BASIC)
                yield Example("tweeteval", f"{file}:{i}", row["text"], split, _labels(emotion=y), y)


def dailydialog(root: Path | None = None) -> Iterator[Example]:
    """DailyDialog utterances: emotion = anger, disgust, fear or sadness; own splits."""
    base = _root(root) / "dailydialog"
    files: tuple[tuple[Split, str], ...] = (
        ("train", "train.tsv.bz2"),
        ("dev", "validation.tsv"),
        ("test", "test.tsv"),
    )
    for split, name in files:
        with _open_text(base / name) as f:
            for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                y = int(row["emotion"] in _DISTRESS_BASIC)
                rid = f"{row['dialogue_id']}:{row['turn']}"
                yield Example("dailydialog", rid, row["text"], split, _labels(emotion=y), y)


def germeval2017(root: Path | None = None) -> Iterator[Example]:
    """GermEval 2017 (German, Deutsche Bahn): dissatisfaction = negative and relevant."""
    base = _root(root) / "germeval2017"
    for file in ("dev", "test_dia", "test_syn"):
        with (base / f"{file}.tsv").open(encoding="utf-8", newline="") as f:
            for i, row in enumerate(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)):
                if row["relevance"] != "true":
                    continue
                rid = f"{file}:{i}"
                split: Split = "test" if file == "test_syn" else hashed_split(rid, has_test=True)
                y = int(row["sentiment"] == "negative")
                yield Example(
                    "germeval2017", rid, row["text"], split, _labels(dissatisfaction=y), y, "de"
                )


def b2w_reviews(root: Path | None = None) -> Iterator[Example]:
    """B2W reviews (Portuguese): dissatisfaction = rating 1-2, 0 for 4-5, rating 3 dropped."""
    base = _root(root) / "b2w_reviews"
    for file in ("train.csv.bz2", "test.csv"):
        with _open_text(base / file) as f:
            for row in csv.DictReader(f):
                rating = int(row["rating"])
                if rating == 3:
                    continue
                rid = f"{file}:{row['id']}"
                split: Split = "test" if file == "test.csv" else hashed_split(rid, has_test=True)
                y = int(rating <= 2)
                yield Example(
                    "b2w_reviews", rid, row["text"], split, _labels(dissatisfaction=y), y, "pt"
                )


def _open_text(path: Path) -> IO[str]:
    """A text file, bz2-compressed where its name says so."""
    if path.name.endswith(".bz2"):
        return bz2.open(path, "rt", encoding="utf-8", newline="")
    return path.open(encoding="utf-8", newline="")


def _emoevent(lang: str, root: Path | None) -> Iterator[Example]:
    base = _root(root) / "emoevent"
    for split in SPLITS:
        with (base / f"{lang}_{split}.tsv").open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                text = (row.get("tweet") or "").strip()
                if not text:
                    continue
                y = int(row["emotion"] in _DISTRESS_BASIC)
                yield Example(
                    f"emoevent_{lang}", row["id"], text, split, _labels(emotion=y), y, lang
                )


def emoevent_es(root: Path | None = None) -> Iterator[Example]:
    """EmoEvent Spanish tweets: emotion = anger, disgust, fear or sadness; own splits."""
    return _emoevent("es", root)


def emoevent_en(root: Path | None = None) -> Iterator[Example]:
    """EmoEvent English tweets: emotion = anger, disgust, fear or sadness; own splits."""
    return _emoevent("en", root)


_APOLOGY = re.compile(
    r"\b(sorry|apologi[sz]e|apologies|our apology|frustrat|disappoint|not the experience|"
    r"not what we want|inconvenience|understand your|hear that)",
)
_FOLLOW_UP = re.compile(
    r"\b(dm|direct message|send us|follow and|please follow|confirmation (number|code)|"
    r"record locator|refund|compensation|voucher|reimburs|claim|file a report)\b"
)
_PLEASED = re.compile(
    r"\b(glad|happy to (hear|help)|thanks? (so much )?for (the|your) (kind|love|shout|support|"
    r"compliment|feedback|business|choosing|flying)|you'?re (very )?welcome|enjoy|love (to|that)|"
    r"awesome|great to hear|appreciate (the|your) (kind|love|compliment|business)|congrat|"
    r"safe travels|have a (great|wonderful|nice)|we'?re happy)",
)


def airline_weak_label(first_reply: str) -> int | None:
    """The weak MoT label of an airline thread from the company's first reply, or None.

    1 when the reply apologises or asks for details / a DM / offers a refund (the company treats
    the message as a problem); 0 when it only thanks or is glad; None otherwise (dropped).
    """
    reply = first_reply.lower()
    if _APOLOGY.search(reply) or _FOLLOW_UP.search(reply):
        return 1
    if _PLEASED.search(reply):
        return 0
    return None


_TAGS = re.compile(r"__[a-z_]+__|<cust__|__cust>|<rep__|__rep>")
_FIRST_REP = re.compile(r"<rep__(.*?)__rep>", re.S)


def _clean_airline(text: str) -> str:
    return " ".join(_TAGS.sub(" ", text).split())


def airline_threads(root: Path | None = None) -> Iterator[Example]:
    """Airline support threads: the customer's first tweet, weakly labeled by the reply."""
    base = _root(root) / "airline_threads"
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with bz2.open(base / "airlines_processed.csv.bz2", "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            reply = _FIRST_REP.search(row["context"])
            if reply is None:
                continue
            y = airline_weak_label(_clean_airline(reply.group(1)))
            text = _clean_airline(row["first_utterance"])
            if y is None or not text:
                continue
            rid = row["first_tweet_id"]
            split = hashed_split(f"airline_threads:{rid}", has_test=False)
            yield Example("airline_threads", rid, text, split, _labels(dissatisfaction=y), y)


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
