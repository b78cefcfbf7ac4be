"""Detector speed and memory on real customer utterances, with VADER measured in the same run.

Usage: python benchmarks/detector_speed.py [--n 20000] [--bounds]
Prints utterances/s and p50/p99 latency of one ``MomentDetector.update`` beside VADER's
``polarity_scores`` (the peer), bytes of state per live interaction, and the model's footprint.
The replay runs twice, each pass with its own VADER: the turns with the speaker who said them
(what a live detector sees: the agent's words feed only the agent's stance), then every turn
read as a customer's (the heavier path, as earlier rounds measured it). After each pass every
assessment is checked, untimed, against the reference path (the text model computed the plain
way, the assessment built through ``Scores``), and the SHA-256 of their JSON is printed so that
runs of different code can be compared: speed work must not move a single score.

Each tier is timed in its own pass beside its own VADER, reading every text first (cold): the
lexical tier alone used to be timed right after the fast tier on the same text, which flattered
it. A last table times each stage of a customer turn on its own (language detection, cue scan,
intensity, the n-gram model, the deadline finder, the assessment) beside VADER on the same text.

``--bounds`` also replays each pass again with one stage at a time looked up instead of computed
(a cache an untimed pass fills; for the assessment, the state folded without building one): what
each stage costs inside the replay, cold after VADER, so what making it faster can give here.
"""

from __future__ import annotations

import argparse
import functools
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
from kairos.detection import language as language_module
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


def replay(events: list[Utterance], texts: list[str]) -> list[tuple[str, float, float, float, int]]:
    """Time the fast tier and the lexical tier alone, each in its own pass interleaved utterance
    by utterance with VADER: (name, utterances/s, p50 s, p99 s, index of its peer's row) each.

    Each tier reads every text first, cold, as a live detector does: a tier timed right after
    another on the same text found its lexicon patterns, its trigger tables and its cue models
    warm (the lexical tier alone used to be timed that way, after the fast tier).
    """
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    rows: list[tuple[str, float, float, float, int]] = []
    clock = time.perf_counter
    for name, short, kwargs in (
        ("Kairos fast tier: cues + hashed n-gram model", "fast tier", {}),
        ("Kairos lexical tier alone (model=None)", "lexical tier", {"model": None}),
    ):
        live: dict[str, MomentDetector] = {}
        vader = SentimentIntensityAnalyzer()
        # Interleaved, one utterance each in turn, so both meet the same machine (other
        # processes, frequency changes) and the ratio is fair even on a busy host.
        lat_k: list[float] = []
        lat_v: list[float] = []
        gc.collect()
        for event, text in zip(events, texts, strict=True):
            t = clock()
            d = live.get(event.interaction_id)
            if d is None:
                d = live[event.interaction_id] = MomentDetector(
                    timezone="UTC", **FAST_TIER, **kwargs
                )
            d.update(event)
            t1 = clock()
            vader.polarity_scores(text)
            t2 = clock()
            lat_k.append(t1 - t)
            lat_v.append(t2 - t1)
        peer = len(rows) + 1
        for label, lat in ((name, lat_k), (f"VADER polarity_scores (peer, {short} pass)", lat_v)):
            lat.sort()
            rate = len(lat) / sum(lat)
            rows.append((label, rate, statistics.median(lat), lat[int(len(lat) * 0.99)], peer))
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


def table(title: str, rows: list[tuple[str, float, float, float, int]]) -> Table:
    """One pass's figures, each with its ratios to the VADER timed beside it."""
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
    for name, rate, p50, p99, peer in rows:
        out.add_row(
            name,
            f"{rate:,.0f}",
            f"{p50 * 1e3:.3f}",
            f"{p99 * 1e3:.3f}",
            f"{rate / rows[peer][1]:.2f}x",
            f"{rows[peer][2] / p50:.2f}x",
        )
    return out


def stages(texts: list[str]) -> Table:
    """Where a customer turn's time goes: each stage of the fast tier timed on its own, text by
    text, beside VADER on the same text (mean µs per text; medians in the next column)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from kairos.detection.language import detect_language

    model = load_default()
    vader = SentimentIntensityAnalyzer()
    families = cues.customer_families("en")
    t0 = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    live = MomentDetector(timezone="UTC", **FAST_TIER)
    steps: list[tuple[str, Any]] = [
        ("language detection (first 1-3 customer turns only)", detect_language),
        (
            "cue scan (English families: trigger pass, phrase matches)",
            lambda t: cues.scan(t, families),
        ),
        ("intensity (capitals, stretched letters, !!)", cues.intensity),
        ("hashed n-gram model (TextModel.predict)", model.predict if model else str),
        (
            "deadline finder (earliest_deadline, English)",
            lambda t: deadlines.earliest_deadline(t, t0, "UTC", "en"),
        ),
        ("assessment from the state (combination, contract model)", lambda _t: live.assessment),
        ("VADER polarity_scores (peer)", vader.polarity_scores),
    ]
    spent: list[list[float]] = [[] for _ in steps]
    clock = time.perf_counter
    gc.collect()
    for i, text in enumerate(texts):
        if i % 20 == 0:
            live = MomentDetector(timezone="UTC", **FAST_TIER)
        live.observe_text(text, occurred_at=t0 + timedelta(seconds=i))
        for lat, (_name, step) in zip(spent, steps, strict=True):
            t = clock()
            step(text)
            lat.append(clock() - t)
    out = Table(title=f"Where a customer turn's time goes ({len(texts):,} turns, one core)")
    for col in ("stage", "mean µs", "p50 µs", "share of VADER's mean"):
        out.add_column(col, justify="right")
    vader_mean = sum(spent[-1]) / len(texts)
    for (name, _step), lat in zip(steps, spent, strict=True):
        mean = sum(lat) / len(lat)
        out.add_row(
            name,
            f"{mean * 1e6:.1f}",
            f"{statistics.median(lat) * 1e6:.1f}",
            f"{mean / vader_mean:.2f}",
        )
    return out


#: What ``bounds`` looks up instead of computing: (row, module, attribute) of each stage.
_STAGES: tuple[tuple[str, Any, str], ...] = (
    ("language detection", language_module, "_detect"),
    ("cue scan", cues, "scan"),
    ("intensity", cues, "intensity"),
    ("hashed n-gram model", TextModel, "predict"),
    ("deadline finder", deadlines, "earliest_deadline"),
)


def _bounded_replay(
    events: list[Utterance], texts: list[str], looked_up: set[str]
) -> tuple[list[float], list[float]]:
    """One replay interleaved with VADER, as ``replay`` times it, with the stages named in
    ``looked_up`` answered from a cache that an untimed pass filled first (and "assessment": the
    state folded by ``observe_text``, no assessment built). Latencies of the tier and of VADER."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    saved = {(owner, attr): getattr(owner, attr) for name, owner, attr in _STAGES}
    try:
        for name, owner, attr in _STAGES:
            if name in looked_up:
                setattr(owner, attr, functools.cache(saved[owner, attr]))
        state_only = "assessment" in looked_up
        lat_k: list[float] = []
        lat_v: list[float] = []
        for timed in (False, True):
            live: dict[str, MomentDetector] = {}
            vader = SentimentIntensityAnalyzer()
            clock = time.perf_counter
            gc.collect()
            for event, text in zip(events, texts, strict=True):
                t = clock()
                d = live.get(event.interaction_id)
                if d is None:
                    d = live[event.interaction_id] = MomentDetector(timezone="UTC", **FAST_TIER)
                if state_only:
                    at, said = event.occurred_at, event.event_id
                    d.observe_text(event.text, speaker=event.speaker, occurred_at=at, event_id=said)
                else:
                    d.update(event)
                t1 = clock()
                vader.polarity_scores(text)
                if timed:
                    lat_k.append(t1 - t)
                    lat_v.append(clock() - t1)
    finally:
        for (owner, attr), value in saved.items():
            setattr(owner, attr, value)
    return lat_k, lat_v


def bounds(events: list[Utterance], texts: list[str], what: str) -> Table:
    """What each stage costs inside the benchmark's replay (cold, right after VADER), not alone:
    the fast tier timed again with that stage's results looked up (a cache filled by an untimed
    pass) instead of computed. The gap to the full tier bounds what making that stage faster
    can give on this path; a stage costs more here than alone, as the stage table times it."""
    rows: list[tuple[str, set[str]]] = [("the fast tier as it is", set())]
    rows += [(f"... {name} looked up", {name}) for name, _owner, _attr in _STAGES]
    rows.append(("... the state folded only (no assessment built)", {"assessment"}))
    rows.append(("... all of the above", {name for name, _o, _a in _STAGES} | {"assessment"}))
    out = Table(title=f"What each stage costs in the replay ({what}; µs per turn)")
    out.add_column("fast tier", no_wrap=True)
    # A preemption lands in one row's mean and not another's (on a shared machine the plain
    # means of these rows differ by more than any stage costs): the mean of the fastest 99% of
    # the turns, beside the median, is what the rows can be compared by.
    for col in (
        "mean (fastest 99%)",
        "p50",
        "mean saved",
        "p50 saved",
        "VADER p50",
        "p50 vs VADER",
    ):
        out.add_column(col, justify="right")
    base: tuple[float, float] | None = None
    for label, looked_up in track(rows, description="bounds", transient=True):
        lat_k, lat_v = _bounded_replay(events, texts, looked_up)
        lat_k.sort()
        mean = statistics.fmean(lat_k[: int(len(lat_k) * 0.99)])
        p50, vader = statistics.median(lat_k), statistics.median(lat_v)
        base = base or (mean, p50)
        out.add_row(
            label,
            f"{mean * 1e6:.1f}",
            f"{p50 * 1e6:.1f}",
            f"{(base[0] - mean) * 1e6:.1f}",
            f"{(base[1] - p50) * 1e6:.1f}",
            f"{vader * 1e6:.1f}",
            f"{vader / p50:.2f}x",
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument(
        "--bounds",
        action="store_true",
        help="also time the replay with each stage looked up instead of computed (7 replays more "
        "per pass): what each stage costs in the replay, so what speeding it up can give",
    )
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
        if args.bounds:
            console.print(bounds(events, texts, what))
            console.print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    console.print(stages(texts))
    console.print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

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
