"""Loaders of the seven newer labeled sets: TweetEval, DailyDialog, GermEval 2017 (German), the
B2W reviews (Portuguese), EmoEvent (Spanish and English) and the airline support threads
(weakly labeled from the company's first reply).

Their mapping onto the axes, and the splits, are stated in ``kairos.detection.datasets``.
"""

from __future__ import annotations

import bz2
import csv
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from kairos.detection.dataset_rows import SPLITS, Example, Split, _labels, _root, hashed_split

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
