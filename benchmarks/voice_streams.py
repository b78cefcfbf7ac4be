"""Voice stress benchmark, parts 3 and 4: concurrent paced Twilio streams and memory per stream.

Run through ``benchmarks/voice.py`` (which imports ``run_streams`` and ``memory_per_stream``).
"""

from __future__ import annotations

import base64
import gc
import json
import os
import statistics
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from typing import Any

import numpy as np

from kairos.channels.media import TwilioMediaStream
from kairos.channels.media_views import GROUP_SECONDS
from kairos.config import Settings
from kairos.detection.voice.codecs import mulaw_encode
from kairos.detection.voice.leg import LegBatch
from kairos.detection.voice.model import load_default
from kairos.events import AudioSegment, InteractionStarted


def one_core() -> str:
    """Pin this process to one CPU, so that figures are per core."""
    try:
        cpu = sorted(os.sched_getaffinity(0))[0]
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):
        return "not pinned (no sched_setaffinity here)"


# -- 3. concurrent streams -------------------------------------------------------------------


def run_streams(
    n: int, seconds: float, audio: np.ndarray, *, batched: bool, busy: tuple[int, int] = (1, 0)
) -> dict[str, float]:
    """N paced Twilio streams through the protocol, the analysis and ingest into SQLite; with
    ``batched``, the blocks that became whole in each 20 ms judged together (``LegBatch``), as
    the media server's ``LiveAnalysis`` does; ``busy`` (frames, blocks): when a pass's blocks,
    at the rate they came, would fill that many 20 ms frames with that many blocks, the next
    window is that long (``BUSY_WINDOW``, ``BUSY_BLOCKS``), as the server's. Each stream has
    sent 0-19 frames before the clock starts, so their blocks close at different frames, as
    calls that began at different times. A segment's latency runs from the frame that made its
    block whole."""
    from kairos.runtime import Runtime

    tmp = tempfile.mkdtemp(prefix="kairos-voice-bench-")
    from kairos import migrations

    url = f"sqlite:///{tmp}/bench.db"
    migrations.upgrade(url)
    runtime = Runtime.build(Settings(database_url=url))
    from kairos.interactions import service as interaction_service

    now = datetime.now(UTC)
    starts = [
        InteractionStarted(
            event_id=f"bench-{i}-start",
            interaction_id=f"bench-{i}",
            occurred_at=now,
            channel="call",
            identities=[],
        )
        for i in range(n)
    ]
    # A warm server: one segment through ingest first, so the detector's lazy imports and
    # compiled patterns are not charged to the streams.
    warm = [
        InteractionStarted(event_id="bench-warm-start", interaction_id="bench-warm",
                           occurred_at=now, channel="call", identities=[]),
        AudioSegment(event_id="bench-warm-audio", interaction_id="bench-warm", occurred_at=now,
                     start_s=0.0, end_s=0.8, stress=0.3, features={"f0_mean_st": 1.0}),
    ]  # fmt: skip
    interaction_service.ingest(
        db=runtime.db,
        events=list(starts) + warm,
        bus=runtime.bus,
        detectors=runtime.detectors,
        metrics=runtime.metrics,
    )
    ulaw = mulaw_encode(audio)
    frames_per_stream = int(seconds / 0.02)
    span = len(ulaw) // 160 - frames_per_stream - 20
    rng = np.random.default_rng(0)
    offsets = rng.integers(0, max(span, 1), size=n)
    leads = rng.integers(0, 20, size=n)
    streams = []
    batch = LegBatch() if batched else None
    for i in range(n):
        s = TwilioMediaStream(interaction_id=f"bench-{i}")
        s.batch = batch
        start = {
            "event": "start",
            "start": {
                "streamSid": f"MZbench{i}",
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            },
        }
        s.receive(text=json.dumps(start))
        assert s.leg is not None
        s.leg.feed_mulaw(ulaw[int(offsets[i]) * 160 : int(offsets[i] + leads[i]) * 160])
        offsets[i] += leads[i]  # the lead, not timed, sets where this stream's blocks fall
        streams.append(s)
    published: dict[str, float] = {}

    def on_update(topic: str, message: dict[str, Any]) -> None:
        published[message["event_id"]] = time.perf_counter()

    # What the clients send, made before the clock starts: encoding it is the callers' work,
    # not the server's (before, it was charged to the streams' CPU: about a tenth of it).
    texts = [
        [
            json.dumps({"event": "media", "media": {"track": "inbound", "payload": base64.b64encode(
                ulaw[(int(offsets[i]) + k) * 160 : (int(offsets[i]) + k + 1) * 160]).decode()}})
            for k in range(frames_per_stream)
        ]
        for i in range(n)
    ]  # fmt: skip
    runtime.bus.listen(on_update, "assessments")
    due_of: dict[str, float] = {}
    pending: list[AudioSegment] = []
    grouped_at = 0.0
    lag_max = 0.0
    queued_at: dict[int, float] = {}  # when each waiting leg's block became whole
    window, opened = 1, 0
    t0 = time.perf_counter() + 0.05
    cpu0 = time.process_time()
    for k in range(frames_per_stream):
        due = t0 + k * 0.02
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        lag_max = max(lag_max, time.perf_counter() - due)
        for i, s in enumerate(streams):
            waiting = len(batch) if batch is not None else 0
            step = s.receive(text=texts[i][k])
            for event in step.events:
                due_of[event.event_id] = due
            if step.events and not pending:
                grouped_at = due
            pending += step.events
            if batch is not None and len(batch) > waiting:
                queued_at[id(s.leg)] = due
                if waiting == 0:
                    opened = k
        if batch is not None and len(batch) and k - opened + 1 >= window:
            # The server's window (20 ms, or a busy server's longer one) in this loop's ticks.
            window = busy[0] if busy[1] > 0 and len(batch) * busy[0] >= busy[1] * window else 1
            for leg, events in batch.run():
                for event in events:
                    due_of[event.event_id] = queued_at[id(leg)]
                if events and not pending:
                    grouped_at = due
                pending += events
        # As the server does: segments of all streams share one ingest every GROUP_SECONDS.
        if pending and due - grouped_at >= GROUP_SECONDS - 1e-9:
            interaction_service.ingest(
                db=runtime.db,
                events=pending,
                bus=runtime.bus,
                detectors=runtime.detectors,
                metrics=runtime.metrics,
            )
            pending = []
    cpu = time.process_time() - cpu0
    runtime.close()
    latencies = sorted(published[e] - d for e, d in due_of.items() if e in published)
    return {
        "streams": n,
        "segments": len(latencies),
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p99": latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan"),
        "max": latencies[-1] if latencies else float("nan"),
        "lag": lag_max,
        "cpu": cpu / seconds,
    }


# -- 4. memory -------------------------------------------------------------------------------


def memory_per_stream(audio: np.ndarray, n: int = 200) -> tuple[float, float]:
    """Bytes per live stream: protocol + analysis state mid-segment; and one detector's."""
    from kairos.detection.detector import MomentDetector

    load_default()
    ulaw = mulaw_encode(audio[: 8000 * 12])
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    streams = []
    for i in range(n):
        s = TwilioMediaStream(interaction_id=f"m-{i}")
        s.receive(text=json.dumps({"event": "start", "start": {
            "streamSid": f"MZm{i}",
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        }}))  # fmt: skip
        # 10.3 s of speech: a built baseline, a full reasons window and an open segment.
        for j in range(0, 8000 * 10 + 2400, 160):
            payload = base64.b64encode(ulaw[j : j + 160]).decode()
            s.receive(text=json.dumps({"event": "media", "media": {"payload": payload}}))
        streams.append(s)
    gc.collect()
    after = tracemalloc.take_snapshot()
    per_stream = sum(d.size_diff for d in after.compare_to(before, "filename")) / n
    detectors = []
    seg = AudioSegment(
        event_id="x", interaction_id="m", occurred_at=datetime.now(UTC), start_s=0, end_s=0.8,
        stress=0.7, features={"f0_mean_st": 1.0},
    )  # fmt: skip
    base2 = tracemalloc.take_snapshot()
    for _ in range(n):
        d = MomentDetector(model=None)
        d.update(seg)
        detectors.append(d)
    after2 = tracemalloc.take_snapshot()
    per_detector = sum(d.size_diff for d in after2.compare_to(base2, "filename")) / n
    tracemalloc.stop()
    return per_stream, per_detector
