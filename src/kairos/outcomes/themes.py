"""Feedback grouped into themes: TF-IDF over words and the detector's stakes, then k-means.

A library (NumPy only). Deterministic: k-means++ seeding from a fixed seed, so the same feedback
gives the same themes. A theme's label is the heaviest terms of its centre.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

_WORD = re.compile(r"[a-z][a-z']{2,}")
# Common words, and the placeholders anonymised text uses for names, handles, amounts and links.
STOPWORDS = frozenset(
    """
    the and for that this with you your was were are have has had not but they them their there
    what when where which who will would could should can cant can't did didn't does doesn't don't
    just get got been being from into out about than then too very also any all our ours its it's
    i'm i've i'll we're we've you're you've he's she's isn't wasn't aren't weren't won't one two
    more most some such only own same other how why because while after before again once here
    over under off onto upon him her his hers she him himself herself myself ourselves yourself
    let lets make made still even ever really much many every each both few nor now yet way
    thank thanks please hello dear hi hey today yesterday time day need needs want wanted
    someone airline company amount link email customer
    """.split()  # noqa: SIM905 - a word list reads better as text
)


@dataclass(frozen=True)
class ThemeGroup:
    """One theme: its label, its heaviest terms and the indexes of its feedback items."""

    label: str
    keywords: tuple[str, ...]
    members: tuple[int, ...]


def terms(text: str, stakes: Sequence[str] = ()) -> list[str]:
    """The terms of one feedback item: content words, and the detector's stakes as terms."""
    words = [w.strip("'") for w in _WORD.findall(text.lower())]
    return [w for w in words if w not in STOPWORDS] + [f"stakes:{s}" for s in stakes]


def tfidf(
    docs: Sequence[Sequence[str]], *, max_terms: int = 3000
) -> tuple[npt.NDArray[np.float64], list[str]]:
    """Rows L2-normalised TF-IDF (sublinear tf, smoothed idf) and the vocabulary.

    The vocabulary is the ``max_terms`` commonest terms seen at least twice.
    """
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(set(doc))
    # A term seen once says nothing about a group.
    common = [t for t, n in df.most_common() if n >= 2][:max_terms]
    vocab = sorted(common) or sorted(df)[:max_terms]
    index = {t: i for i, t in enumerate(vocab)}
    n = len(docs)
    matrix = np.zeros((n, len(vocab)), dtype=np.float64)
    idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in vocab])
    for row, doc in enumerate(docs):
        for term, count in Counter(doc).items():
            col = index.get(term)
            if col is not None:
                matrix[row, col] = 1.0 + math.log(count)
    matrix *= idf
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms, vocab


def _kmeans(
    x: npt.NDArray[np.float64], k: int, *, seed: int = 8, iterations: int = 50
) -> npt.NDArray[np.int64]:
    """Spherical k-means (cosine) with k-means++ seeding."""
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    centres = [x[int(rng.integers(n))]]
    for _ in range(1, k):
        sims = np.max(np.stack([x @ c for c in centres]), axis=0)
        dist = np.clip(1.0 - sims, 0.0, None)
        total = dist.sum()
        pick = int(rng.choice(n, p=dist / total)) if total > 0 else int(rng.integers(n))
        centres.append(x[pick])
    c = np.stack(centres)
    labels = np.zeros(n, dtype=np.int64)
    for step in range(iterations):
        new = np.argmax(x @ c.T, axis=1)
        if step and np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            members = x[labels == j]
            if len(members):
                centre = members.sum(axis=0)
                norm = np.linalg.norm(centre)
                c[j] = centre / norm if norm else centre
    return labels


def silhouette(x: npt.NDArray[np.float64], labels: npt.NDArray[np.int64]) -> float:
    """Mean silhouette with cosine distance (0 when there is one group)."""
    groups = sorted(set(labels.tolist()))
    if len(groups) < 2:
        return 0.0
    dist = 1.0 - x @ x.T
    score = 0.0
    for i in range(x.shape[0]):
        own = labels == labels[i]
        if own.sum() <= 1:
            continue
        a = dist[i, own].sum() / (own.sum() - 1)
        b = min(dist[i, labels == g].mean() for g in groups if g != labels[i])
        score += (b - a) / max(a, b, 1e-9)
    return float(score / x.shape[0])


def _best_k(
    x: npt.NDArray[np.float64], *, most: int = 12, sample: int = 1500
) -> npt.NDArray[np.int64]:
    """k-means with the k (2..most) of the best silhouette, judged on a fixed sample."""
    n = x.shape[0]
    rng = np.random.default_rng(8)
    pick = np.sort(rng.choice(n, size=sample, replace=False)) if n > sample else np.arange(n)
    best: tuple[float, npt.NDArray[np.int64]] | None = None
    for k in range(2, min(most, n - 1) + 1):
        labels = _kmeans(x, k)
        score = silhouette(x[pick], labels[pick])
        if best is None or score > best[0] + 1e-9:
            best = (score, labels)
    return best[1] if best is not None else np.zeros(n, dtype=np.int64)


def group(
    texts: Sequence[str], stakes: Sequence[Sequence[str]] | None = None, *, k: int | None = None
) -> list[ThemeGroup]:
    """Group feedback texts into themes, largest first; ``k`` by silhouette unless given."""
    if not texts:
        return []
    docs = [terms(t, stakes[i] if stakes else ()) for i, t in enumerate(texts)]
    x, vocab = tfidf(docs)
    n = len(texts)
    if k is None:
        labels = _best_k(x) if vocab and n >= 4 else np.zeros(n, dtype=np.int64)
    else:
        labels = _kmeans(x, min(k, n)) if vocab else np.zeros(n, dtype=np.int64)
    groups: list[ThemeGroup] = []
    for j in sorted(set(labels.tolist())):
        members = tuple(int(i) for i in np.flatnonzero(labels == j))
        weight = x[list(members)].sum(axis=0) if vocab else np.zeros(0)
        top = [vocab[i] for i in np.argsort(-weight)[:5] if weight[i] > 0]
        words = [t for t in top if not t.startswith("stakes:")] or top
        label = ", ".join(t.removeprefix("stakes:").replace("_", " ") for t in words[:3])
        groups.append(ThemeGroup(label or "other", tuple(top), members))
    groups.sort(key=lambda g: (-len(g.members), g.label))
    return groups


def overlap(a: Sequence[str], b: Sequence[str]) -> float:
    """Jaccard overlap of two keyword lists: whether a new group is an existing theme."""
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa or sb else 0.0
