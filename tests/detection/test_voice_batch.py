"""Many call legs judged together give what each gives alone, to the bit, and never the agent's."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from tests.detection.voice_support import _calls, _key, vowel

from kairos.detection.voice import VoiceStream, load_default
from kairos.detection.voice.batch import BATCH_STREAMS, feed_together
from kairos.detection.voice.codecs import mulaw_encode
from kairos.detection.voice.leg import CallLeg, LegBatch
from kairos.detection.voice.vad import EnergyGate
from kairos.errors import AgentVoiceRefused

AT = datetime(2026, 12, 5, tzinfo=UTC)


def test_streams_fed_together_get_what_each_gets_alone() -> None:
    """More streams than one pass takes, fed 20 ms at a time: every segment's features, stress,
    baseline weight and reasons are those of the stream fed alone, to the bit."""
    model = load_default()
    calls = _calls(BATCH_STREAMS + 5, 9.0)
    alone = [VoiceStream(8000, model=model, coded=True) for _ in calls]
    together = [VoiceStream(8000, model=model, coded=True) for _ in calls]
    one: list[list[tuple[object, ...]]] = [[] for _ in calls]
    two: list[list[tuple[object, ...]]] = [[] for _ in calls]
    for at in range(0, len(calls[0]), 160):
        for i, (stream, x) in enumerate(zip(alone, calls, strict=True)):
            one[i] += [_key(r) for r in stream.feed(x[at : at + 160])]
        found = feed_together([(s, x[at : at + 160]) for s, x in zip(together, calls, strict=True)])
        for i, results in enumerate(found):
            two[i] += [_key(r) for r in results]
    for i in range(len(calls)):
        one[i] += [_key(r) for r in alone[i].flush()]
        two[i] += [_key(r) for r in together[i].flush()]
    assert one == two
    assert all(len(found) >= 5 for found in one)
    assert any(r[-1] for found in one for r in found)  # some came with reasons


def test_streams_of_other_rates_and_gates_are_judged_alone_beside_the_batch() -> None:
    """A 16 kHz stream, an 11,025 Hz one and one with the energy-only gate sit in the same call
    as 8 kHz streams and get what they get alone."""
    model = load_default()
    x = vowel(0.7)
    wave = np.concatenate([np.zeros(4000, np.float32), x, np.zeros(4000, np.float32), x])
    specs = [(8000, None), (16000, None), (11025, None), (8000, EnergyGate), (8000, None)]

    def streams() -> list[VoiceStream]:
        return [
            VoiceStream(rate, model=model, gate=gate() if gate else None) for rate, gate in specs
        ]

    # The vowel at each rate (crudely resampled: what matters is that both paths get it).
    inputs = [
        wave,
        np.repeat(wave, 2),
        np.interp(np.arange(0, len(wave), 8000 / 11025), np.arange(len(wave)), wave),
        wave,
        wave,
    ]
    inputs = [np.asarray(v, dtype=np.float32) for v in inputs]
    alone, together = streams(), streams()
    one: list[list[tuple[object, ...]]] = [[] for _ in specs]
    two: list[list[tuple[object, ...]]] = [[] for _ in specs]
    for k in range(0, 120):
        chunks = [v[k * len(v) // 120 : (k + 1) * len(v) // 120] for v in inputs]
        for i, (stream, chunk) in enumerate(zip(alone, chunks, strict=True)):
            one[i] += [_key(r) for r in stream.feed(chunk)]
        for i, results in enumerate(feed_together(list(zip(together, chunks, strict=True)))):
            two[i] += [_key(r) for r in results]
    for i in range(len(specs)):
        one[i] += [_key(r) for r in alone[i].flush()]
        two[i] += [_key(r) for r in together[i].flush()]
    assert one == two
    assert all(found for found in one)


def _leg(name: str) -> CallLeg:
    return CallLeg(interaction_id=f"i-{name}", stream_id=name, speaker="customer",
                   sample_rate=8000, started_at=AT, coded=True)  # fmt: skip


def test_legs_in_a_batch_give_the_events_of_legs_fed_alone() -> None:
    """Twilio legs whose blocks wait in a ``LegBatch`` get, from ``run``, the events of legs fed
    their μ-law alone."""
    calls = [mulaw_encode(x) for x in _calls(5, 7.0)]
    alone = [_leg(f"s{i}") for i in range(len(calls))]
    batched = [_leg(f"s{i}") for i in range(len(calls))]
    batch = LegBatch()
    one: list[list[dict[str, object]]] = [[] for _ in calls]
    two: list[list[dict[str, object]]] = [[] for _ in calls]
    for at in range(0, len(calls[0]), 160):
        for i, leg in enumerate(alone):
            one[i] += [e.model_dump() for e in leg.feed_mulaw(calls[i][at : at + 160])]
        for i, leg in enumerate(batched):
            assert leg.feed_mulaw(calls[i][at : at + 160], batch) == []
        for leg, events in batch.run():
            two[batched.index(leg)] += [e.model_dump() for e in events]
    for i in range(len(calls)):
        one[i] += [e.model_dump() for e in alone[i].finish()]
        two[i] += [e.model_dump() for e in batched[i].finish()]
    assert one == two
    assert all(events for events in one)


def test_a_leg_that_hangs_up_while_its_block_waits_analyses_it_once() -> None:
    """The block waiting in the batch is analysed by ``finish``, and ``run`` skips it."""
    wire = mulaw_encode(_calls(1, 5.0)[0])
    alone, batched, batch = _leg("a"), _leg("a"), LegBatch()
    one: list[dict[str, object]] = []
    two: list[dict[str, object]] = []
    at = 0
    while True:
        frame = wire[at : at + 160]
        at += 160
        one += [e.model_dump() for e in alone.feed_mulaw(frame)]
        batched.feed_mulaw(frame, batch)
        if batched.queued and at >= 3 * 8000:
            break
        two += [e.model_dump() for _, events in batch.run() for e in events]
    one += [e.model_dump() for e in alone.finish()]
    two += [e.model_dump() for e in batched.finish()]
    assert batch.run() == []
    assert one == two and len(one) >= 2


def test_an_agent_leg_never_reaches_a_batch() -> None:
    """The agent's voice is refused before a sample is read: there is no leg to queue."""
    with pytest.raises(AgentVoiceRefused):
        CallLeg(interaction_id="i", stream_id="a", speaker="agent", sample_rate=8000,
                started_at=AT)  # type: ignore[arg-type]  # fmt: skip


def test_segments_measured_together_get_what_each_gets_alone() -> None:
    """``features_together`` over many segments at once (the 2-D path: quantiles in one sort,
    loudness in rows, nuclei and perturbation over the joined tracks) gives each segment's
    features measured alone, to the bit; a segment without enough voicing stays None."""
    from kairos.detection.voice.features import features_together
    from kairos.detection.voice.frames import Windows, plan
    from kairos.detection.voice.vad import Segmenter

    pairs: list[tuple[Windows, np.ndarray]] = []
    for call in _calls(3, 6.0):
        segmenter = Segmenter(8000, coded=True)
        for segment in segmenter.feed(call) + segmenter.flush():
            assert segment.windows is not None
            pairs.append((segment.windows, segment.samples))
    hiss = (np.random.default_rng(7).standard_normal(4000) * 0.01).astype(np.float32)
    pairs.insert(3, (plan(8000).of_samples(hiss), hiss))
    assert len(pairs) >= 2 * 3
    together = features_together(pairs)
    alone = [features_together([p])[0] for p in pairs]
    assert together[3] is None and alone[3] is None
    assert sum(x is not None for x in together) >= 3
    for x, y in zip(together, alone, strict=True):
        assert (x is None) == (y is None)
        if x is not None:
            assert y is not None and x.tobytes() == y.tobytes()


def test_the_analysis_buffers_give_what_fresh_arrays_give() -> None:
    """A live pass's ``Plan.analyse`` reuses one thread's zero-padded FFT buffers: calls of any
    size, one after another and in several threads at once, give the numbers of fresh arrays
    to the bit, what a call returned is not changed by the next, and a call without ``reuse``
    (a recording scored in a worker thread) leaves no buffers behind in its thread."""
    import threading

    from kairos.detection.voice import frames

    p = frames.plan(8000)
    rng = np.random.default_rng(3)
    inputs = [
        (rng.standard_normal((rows, p.length)), rng.random((rows, p.length)))
        for rows in (700, 5, 300, 64, 1, 2000)
    ]
    kept = [p.analyse(w, d, reuse=True) for w, d in inputs]
    copies = [k.r.copy() for k in kept]
    threaded: dict[int, frames.Windows] = {}
    left: list[object] = []

    def work(i: int) -> None:
        for _ in range(20):
            threaded[i] = p.analyse(*inputs[i % len(inputs)], reuse=True)

    def plain() -> None:
        p.analyse(*inputs[0])
        left.append(getattr(frames._LOCAL, "works", None))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    threads.append(threading.Thread(target=plain))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, (w, d) in enumerate(inputs):
        fresh = p.analyse(w, d)
        for got in [kept[i], *([threaded[i]] if i in threaded else [])]:
            assert got.r.tobytes() == fresh.r.tobytes()
            assert got.amplitude.tobytes() == fresh.amplitude.tobytes()
            assert got.bands.tobytes() == fresh.bands.tobytes()
        assert copies[i].tobytes() == kept[i].r.tobytes()
    assert len(threaded) == 4
    assert left == [None]


def test_a_pass_past_the_scratch_buffer_gets_the_same_results(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A pass too large for the thread's scratch buffer decimates into fresh arrays, with the
    same results as one that fits (and as before either existed)."""
    from kairos.detection.voice import batch

    model = load_default()
    calls = _calls(6, 5.0)

    def run() -> list[list[tuple[object, ...]]]:
        streams = [VoiceStream(8000, model=model, coded=True) for _ in calls]
        out: list[list[tuple[object, ...]]] = [[] for _ in calls]
        for at in range(0, len(calls[0]), 1000):  # uneven blocks: some streams' passes pad
            pieces = [x[at : at + 1000 + 160 * (i % 3)] for i, x in enumerate(calls)]
            for i, found in enumerate(feed_together(list(zip(streams, pieces, strict=True)))):
                out[i] += [_key(r) for r in found]
        return out

    scratch = run()
    monkeypatch.setattr(batch, "PASS_SAMPLES", 0)
    assert run() == scratch
    assert sum(map(len, scratch)) >= 10
