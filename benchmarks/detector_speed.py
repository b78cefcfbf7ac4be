"""Detector speed and memory on real customer utterances, with VADER measured in the same run.

Usage: python benchmarks/detector_speed.py [--n 20000]
Prints utterances/s and p50/p99 latency of one ``MomentDetector.update`` beside VADER's
``polarity_scores`` (the peer), bytes of state per live interaction, and the model's footprint.
The replay runs twice, each pass with its own VADER: the turns with the speaker who said them
(what a live detector sees: the agent's words feed only the agent's stance), then every turn
read as a customer's (the heavier path, as earlier rounds measured it). After each pass every
assessment is checked, untimed, against the reference path (the text model computed the plain
way, the assessment built through ``Scores``), and the SHA-256 of their JSON is printed so that
runs of different code can be compared: speed work must not move a single score.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import inspect
import os
import statistics
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console
from rich.progress import track
from rich.table import Table

from kairos.detection import cues, deadlines
from kairos.detection.detector import MomentDetector
from kairos.detection.language import load as load_language_model
from kairos.detection.model import TextModel, load_default
from kairos.events import Speaker, Utterance
from kairos.replay import read_threads, threads_path

#: The fast tier alone (cues, the hashed n-gram model, deadlines, language): the semantic tier,
#: where the detector has one, is switched off here and measured on its own.
FAST_TIER: dict[str, Any] = (
    {"semantic": None} if "semantic" in inspect.signature(MomentDetector).parameters else {}
)


def turns(n: int) -> list[tuple[Speaker, str]]:
    """Customer and agent turns from the real airline threads: (speaker, text)."""
    found: list[tuple[Speaker, str]] = []
    path = threads_path()
    if path is None:
        raise SystemExit("no airline_threads data: set KAIROS_DATA_DIR")
    for thread in read_threads(path):
        found.extend((turn.speaker, turn.text) for turn in thread.turns)
        if len(found) >= n:
            break
    return found[:n]


def utterances(n: int) -> list[str]:
    """The texts of :func:`turns`."""
    return [text for _speaker, text in turns(n)]


def replay(events: list[Utterance], texts: list[str]) -> list[tuple[str, float, float, float]]:
    """Time the fast tier, the lexical tier alone and VADER, interleaved utterance by utterance:
    (name, utterances/s, p50 s, p99 s) each, VADER last."""
    fast: dict[str, MomentDetector] = {}
    lexical: dict[str, MomentDetector] = {}

    def kairos_update(event: Utterance) -> None:
        d = fast.get(event.interaction_id)
        if d is None:
            d = fast[event.interaction_id] = MomentDetector(timezone="UTC", **FAST_TIER)
        d.update(event)

    def lexical_update(event: Utterance) -> None:
        d = lexical.get(event.interaction_id)
        if d is None:
            d = lexical[event.interaction_id] = MomentDetector(
                timezone="UTC", model=None, **FAST_TIER
            )
        d.update(event)

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    # Interleaved, one utterance each in turn, so all meet the same machine (other processes,
    # frequency changes) and the ratios are fair even on a busy host.
    lat_k: list[float] = []
    lat_l: list[float] = []
    lat_v: list[float] = []
    clock = time.perf_counter
    gc.collect()
    for event, text in zip(events, texts, strict=True):
        t = clock()
        kairos_update(event)
        t1 = clock()
        lexical_update(event)
        t2 = clock()
        vader.polarity_scores(text)
        t3 = clock()
        lat_k.append(t1 - t)
        lat_l.append(t2 - t1)
        lat_v.append(t3 - t2)
    rows = []
    for name, lat in (
        ("Kairos fast tier: cues + hashed n-gram model", lat_k),
        ("Kairos lexical tier alone (model=None)", lat_l),
        ("VADER polarity_scores (peer)", lat_v),
    ):
        lat.sort()
        rows.append((name, len(lat) / sum(lat), statistics.median(lat), lat[int(len(lat) * 0.99)]))
    return rows


class _Reference:
    """The text model computed the plain way (``TextModel.predict_reference``: the token
    pattern, each n-gram hashed on its own, the sigmoid of ``logits``)."""

    def __init__(self, model: TextModel) -> None:
        self._model = model
        self.version = model.version

    def predict(self, text: str) -> dict[str, float]:
        return self._model.predict_reference(text)

    def calibrate(self, raw: float) -> float:
        return self._model.calibrate(raw)


def check(events: list[Utterance], what: str) -> tuple[str, str]:
    """Replay untimed and hold every assessment the timed detectors gave to the reference path:
    the text model computed the plain way and the assessment built through ``Scores``. Raises on
    the first difference; returns the SHA-256 of the JSON of the fast tier's and of the lexical
    tier's assessments (to compare runs of different code)."""
    model = load_default()
    digests = []
    for name, kwargs, reference in (
        ("fast tier", {}, {"model": _Reference(model)} if model is not None else {}),
        ("lexical tier", {"model": None}, {"model": None}),
    ):
        digest = hashlib.sha256()
        fast: dict[str, MomentDetector] = {}
        plain: dict[str, MomentDetector] = {}
        for event in track(events, description=f"checking the {name}, {what}", transient=True):
            key = event.interaction_id
            d = fast.get(key) or fast.setdefault(
                key, MomentDetector(timezone="UTC", **FAST_TIER, **kwargs)
            )
            r = plain.get(key) or plain.setdefault(
                key, MomentDetector(timezone="UTC", **FAST_TIER, **reference)
            )
            got = d.update(event).model_dump_json()
            r.update(event)
            expected = r.scores().to_assessment().model_dump_json()
            if got != expected:
                raise SystemExit(f"{name}: {event.event_id} differs from the reference path")
            digest.update(got.encode())
        digests.append(digest.hexdigest()[:16])
    return digests[0], digests[1]


def table(title: str, rows: list[tuple[str, float, float, float]]) -> Table:
    """One pass's figures, with the ratios to VADER (the last row)."""
    out = Table(title=title)
    # On a shared machine the mean (throughput) carries every preemption; the median ratio
    # says how the code itself compares.
    for col in (
        "scorer",
        "utterances/s",
        "p50 ms",
        "p99 ms",
        "throughput vs VADER",
        "p50 vs VADER",
    ):
        out.add_column(col, justify="right")
    for name, rate, p50, p99 in rows:
        out.add_row(
            name,
            f"{rate:,.0f}",
            f"{p50 * 1e3:.3f}",
            f"{p99 * 1e3:.3f}",
            f"{rate / rows[-1][1]:.2f}x",
            f"{rows[-1][2] / p50:.2f}x",
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    console = Console()
    spoken = turns(args.n)
    texts = [text for _speaker, text in spoken]
    t0 = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    load_default()  # load once, outside the timing
    load_language_model()
    cues.warm()
    deadlines.warm()
    agent = sum(speaker == "agent" for speaker, _text in spoken)
    for what, as_customer in (
        (f"turns as spoken ({len(texts) - agent:,} customer, {agent:,} agent)", False),
        ("every turn read as a customer's", True),
    ):
        events = [
            Utterance(
                event_id=f"e{i}",
                interaction_id=f"i{i // 20}",
                occurred_at=t0 + timedelta(seconds=i),
                speaker="customer" if as_customer else speaker,
                text=text,
            )
            for i, (speaker, text) in enumerate(spoken)
        ]
        title = f"Detector speed, {len(texts):,} real utterances, one core: {what}"
        console.print(table(title, replay(events, texts)))
        console.print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        fast_digest, lexical_digest = check(events, what)
        console.print(
            f"all {2 * len(events):,} assessments equal the reference path's "
            f"(SHA-256 of their JSON: fast tier {fast_digest}, lexical tier {lexical_digest})"
        )

    # Memory: state per live interaction after 20 turns, over 10,000 interactions.
    first = texts[:20]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    live = []
    for _i in range(10_000):
        d = MomentDetector(timezone="UTC", **FAST_TIER)
        for j, text in enumerate(first):
            d.observe_text(text, occurred_at=t0 + timedelta(seconds=j))
        live.append(d)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    per = sum(s.size_diff for s in after.compare_to(before, "filename")) / len(live)
    tracemalloc.start()
    load_default.cache_clear() if hasattr(load_default, "cache_clear") else None
    model = load_default()
    model_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    mem = Table(title="Memory")
    mem.add_column("what")
    mem.add_column("measured", justify="right")
    mem.add_column("aim", justify="right")
    mem.add_row("state per live interaction (20 turns, 10,000 live)", f"{per:,.0f} B", "< 4,096 B")
    mem.add_row("100,000 live interactions", f"{per * 100_000 / 2**20:,.0f} MiB", "< 1 GiB")
    mem.add_row(
        f"loaded text model ({model.version if model else 'none'})",
        f"{model_bytes / 2**20:,.1f} MiB",
        "< 50 MiB",
    )
    console.print(mem)


if __name__ == "__main__":
    main()
