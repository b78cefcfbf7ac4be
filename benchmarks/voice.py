"""Voice stress: quality and speed beside openSMILE's eGeMAPS functionals, on one core.

Usage: python benchmarks/voice.py [--seconds 15] [--streams 50,100,150,200] [--together 200]
       [--skip-streams] [--skip-vad] [--skip-espeak] [--skip-quality]

1. Quality on the emodb subset, leave one speaker out (the splits and regimes of
   ``kairos.detection.voice.training``): Kairos' two heads beside eGeMAPS v02 functionals (88
   features per file) + standardisation + logistic regression, fitted on the same training files
   of each fold, on the same 8 kHz μ-law audio, and on the original 16 kHz audio as well (its home
   ground). ROC AUC for angry, happy and sad against neutral.
2. Real-time factor on one core (seconds of audio analysed per second): Kairos' whole live path
   (VAD, NumPy features, baseline) beside eGeMAPS extraction alone: for one stream, and for
   ``--together`` streams (200) fed 20 ms at a time, one by one and judged together
   (``feed_together``: the blocks that became whole in each 20 ms in one pass, as the media
   server does, and in each 60 ms, a busy server's window, once with twenty 20 ms arrays a
   block and once with one array a block, as a Twilio leg hands it); the Praat features it
   replaced are measured beside them (AUC and batch speed).
3. Concurrent 8 kHz streams on one core: N Twilio media streams, a 20 ms μ-law frame each every
   20 ms of wall clock, through the protocol, the analysis (one by one, then together) and
   ``ingest`` into SQLite (stored, published, assessed); per segment, the latency from the frame
   that closed it to its ``assessment.updated`` on the bus, and how far the loop fell behind.
4. Memory per live stream (tracemalloc): the protocol state, the open segment and the baseline,
   plus the interaction's detector.
   (3 and 4 live in ``benchmarks/voice_streams.py``.)
5. Voice activity detection on quiet, calm speech and 8 kHz telephone audio, Kairos beside
   WebRTC's VAD and Silero VAD (``benchmarks/voice_vad.py``).
6. Stress on espeak-ng voices neither system trained on, calm against raised pitch and rate,
   at 8 kHz μ-law, beside eGeMAPS+LR (``benchmarks/voice_espeak.py``).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler
from voice_streams import memory_per_stream, one_core, run_streams

from kairos.channels.media_views import GROUP_SECONDS
from kairos.detection.voice import training
from kairos.detection.voice.audio_io import read_audio
from kairos.detection.voice.batch import feed_together
from kairos.detection.voice.features_praat import praat_segment_features
from kairos.detection.voice.stress import VoiceStream

console = Console()


# -- 1. quality ------------------------------------------------------------------------------


def _smile() -> Any:
    """openSMILE's eGeMAPS v02 functionals extractor (the peer)."""
    import opensmile

    return opensmile.Smile(
        feature_set=opensmile.FeatureSet.eGeMAPSv02,
        feature_level=opensmile.FeatureLevel.Functionals,
    )


def egemaps(
    recordings: Sequence[training.Recording], *, phone: bool, progress: Progress
) -> tuple[np.ndarray, float, float]:
    """eGeMAPS functionals per file; and the seconds of audio and of extraction."""
    smile = _smile()
    rows, audio_s, spent = [], 0.0, 0.0
    task = progress.add_task(
        f"eGeMAPS ({'8 kHz μ-law' if phone else '16 kHz'})", total=len(recordings)
    )
    for rec in recordings:
        x, rate, _ = read_audio(rec.path)
        if phone:
            x, rate = training.phone_channel(x, rate), 8000
        t = time.process_time()
        rows.append(smile.process_signal(x, rate).to_numpy()[0])
        spent += time.process_time() - t
        audio_s += len(x) / rate
        progress.advance(task)
    return np.asarray(rows, dtype=np.float64), audio_s, spent


def egemaps_calls(audio: np.ndarray, piece_s: float = 10.0) -> float:
    """eGeMAPS' real-time factor on the live path's own calls (pauses included), fed in
    ``piece_s`` pieces: the peer on the same audio, without the per-file cost of the emodb rows."""
    smile = _smile()
    step = round(8000 * piece_s)
    t = time.process_time()
    for start in range(0, len(audio), step):
        smile.process_signal(audio[start : start + step], 8000)
    return len(audio) / 8000 / (time.process_time() - t)


def egemaps_cv(data: Sequence[training.Analysed], x: np.ndarray) -> dict[tuple[str, str], float]:
    """eGeMAPS + logistic regression on the folds and regimes Kairos is measured on."""
    speakers = sorted({a.recording.speaker for a in data})
    emotion = np.array([a.recording.emotion for a in data])
    speaker = np.array([a.recording.speaker for a in data])
    index = {id(a): i for i, a in enumerate(data)}
    neutral_of = {
        s: [
            index[id(a)]
            for a in data
            if a.recording.speaker == s and a.recording.emotion == "neutral"
        ]
        for s in speakers
    }
    scores: dict[str, list[tuple[str, float]]] = {"population": [], "caller": []}
    for held in speakers:
        train = np.flatnonzero((speaker != held) & np.isin(emotion, ["angry", "neutral"]))
        y = (emotion[train] == "angry").astype(int)
        scaler = StandardScaler().fit(x[train])
        lr = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
        lr.fit(scaler.transform(x[train]), y)
        test = np.flatnonzero(speaker == held)
        p = lr.predict_proba(scaler.transform(x[test]))[:, 1]
        scores["population"] += list(zip(emotion[test], p, strict=True))
        # Caller regime: features minus the speaker's calm baseline, as Kairos' caller head.
        rel = np.empty_like(x)
        for s in speakers:
            if s == held:
                continue
            for i in np.flatnonzero(speaker == s):
                pool = [j for j in neutral_of[s] if j != i]
                rel[i] = x[i] - x[pool].mean(axis=0)
        held_files = [a for a in data if a.recording.speaker == held]
        base, evaluated = training.caller_split(
            [a for a in held_files if a.recording.emotion == "neutral"]
        )
        base_mean = x[[index[id(a)] for a in base]].mean(axis=0)
        scored = [index[id(a)] for a in evaluated] + [
            index[id(a)] for a in held_files if a.recording.emotion != "neutral"
        ]
        scaler = StandardScaler().fit(rel[train])
        lr = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
        lr.fit(scaler.transform(rel[train]), y)
        p = lr.predict_proba(scaler.transform(x[scored] - base_mean))[:, 1]
        scores["caller"] += list(zip(emotion[scored], p, strict=True))
    auc = {}
    for regime, rows in scores.items():
        for pos, neg in training.PAIRS:
            pp = [s for e, s in rows if e == pos]
            nn = [s for e, s in rows if e == neg]
            auc[(regime, f"{pos} vs {neg}")] = float(
                roc_auc_score([1] * len(pp) + [0] * len(nn), pp + nn)
            )
    return auc


# -- 2. speed --------------------------------------------------------------------------------


def call_audio(
    recordings: Sequence[training.Recording], seconds: float, pause_s: float = 0.4
) -> np.ndarray:
    """Real speech at 8 kHz: emodb files one after another with ``pause_s`` of digital silence
    between them (0.4 s: about 14% of the call is silence; a customer who listens while the
    agent talks is silent about half of it, ``--pause 2.5``)."""
    parts, total = [], 0.0
    pause = np.zeros(round(8000 * pause_s), dtype=np.float32)
    for rec in recordings:
        x, rate, _ = read_audio(rec.path)
        parts += [training.phone_channel(x, rate), pause]
        total += len(parts[-2]) / 8000 + pause_s
        if total >= seconds:
            break
    return np.concatenate(parts)


def warm() -> None:
    """Compile or load the compiled kernels before a clock starts (a server does it at start);
    a tree from before them has none."""
    try:
        from kairos.detection.voice import compiled
    except ImportError:
        return
    compiled.warm()


def kairos_rtf_together(
    audio: np.ndarray, n: int, seconds: float, *, batched: bool, window: int = 1
) -> tuple[float, float]:
    """Seconds of audio per CPU second through the live analysis of ``n`` streams fed 20 ms at a
    time, together (``feed_together``, the blocks that became whole in each ``window`` frames of
    20 ms judged in one pass, as the media server's window does) or one by one; and the mean
    blocks per pass. With a longer window a stream whose block is whole holds its next frames
    until the pass, as a ``CallLeg`` does.

    Each stream starts at its own place in the calls and its own frame of a block (a server's
    calls do not start together), so about one in twenty closes a block each 20 ms.
    """
    rng = np.random.default_rng(1)
    frames = int(seconds / 0.02)
    offsets = rng.integers(0, len(audio) // 160 - frames - 20, size=n)
    streams = [VoiceStream(8000, coded=True) for _ in range(n)]
    for stream, at in zip(streams, offsets.tolist(), strict=True):
        stream.feed(audio[at * 160 : (at + int(rng.integers(0, 20))) * 160])
    chunks = [
        [audio[(at + k) * 160 : (at + k + 1) * 160] for at in offsets.tolist()]
        for k in range(frames)
    ]
    warm()
    passes = blocks = 0
    # The blocks each pass judges are counted off the clock: the count is the benchmark's, not
    # the live path's (about 5 us per call-second, charged to the analysis before).
    counting = 0.0
    t = time.process_time()
    held: list[list[np.ndarray]] = [[] for _ in streams]
    nothing = np.zeros(0, dtype=np.float32)
    for k in range(frames):
        if batched and window > 1:
            for stream, chunk, hold in zip(streams, chunks[k], held, strict=True):
                if stream.segmenter.wanted <= 0:
                    hold.append(chunk)
                else:
                    stream.segmenter.add(chunk)
            if (k + 1) % window:
                continue
            ready = [s for s in streams if s.segmenter.wanted <= 0]
            # The blocks are in already: the pass is handed no further samples.
            feed_together([(s, nothing) for s in ready])
            passes += bool(ready)
            blocks += len(ready)
            for stream, hold in zip(streams, held, strict=True):
                for chunk in hold:
                    stream.segmenter.add(chunk)
                hold.clear()
        elif batched:
            c = time.process_time()
            before = sum(s.segmenter.wanted <= 160 for s in streams)
            counting += time.process_time() - c
            feed_together(list(zip(streams, chunks[k], strict=True)))
            passes += before > 0
            blocks += before
        else:
            for stream, chunk in zip(streams, chunks[k], strict=True):
                stream.feed(chunk)
    spent = time.process_time() - t - counting
    return n * seconds / spent, blocks / max(passes, 1)


def _frames(audio: np.ndarray, at: int, lead: int, lo: int, hi: int) -> np.ndarray:
    """A stream's frames ``lo`` to ``hi`` as one new array, as decoding a leg's bytes makes one:
    its first ``lead`` frames are the calls' from ``at``, and so are the rest."""
    if lo >= lead:
        return audio[(at + lo - lead) * 160 : (at + hi - lead) * 160].copy()
    return np.concatenate(
        [audio[(at + lo) * 160 : (at + lead) * 160], audio[at * 160 : (at + hi - lead) * 160]]
    )


def kairos_rtf_blocks(audio: np.ndarray, n: int, seconds: float, window: int) -> float:
    """As ``kairos_rtf_together`` with ``window`` frames a pass, but each stream is handed one
    array a block, as a Twilio leg does (``CallLeg.feed_mulaw`` keeps the 20 ms frames' bytes
    until the block is whole and decodes them at once): its frames are counted as they come and
    the block's samples handed over as one new array when they make the block whole (a copy
    stands in for the decoding's output; the table lookup itself is left out, as the 20 ms
    arrays' decoding is in ``kairos_rtf_together``)."""
    rng = np.random.default_rng(1)
    frames = int(seconds / 0.02)
    offsets = rng.integers(0, len(audio) // 160 - frames - 20, size=n)
    streams = [VoiceStream(8000, coded=True) for _ in range(n)]
    # The same calls as ``kairos_rtf_together``'s: a stream's first ``r`` frames set its place in
    # a block, then its frames from its offset on; ``given`` counts the frames handed over.
    lead, given = [], []
    for stream, at in zip(streams, offsets.tolist(), strict=True):
        r = int(rng.integers(0, 20))
        stream.feed(audio[at * 160 : (at + r) * 160])
        lead.append(r)
        given.append(r)
    segmenters = [s.segmenter for s in streams]
    starts = offsets.tolist()
    warm()
    nothing = np.zeros(0, dtype=np.float32)
    t = time.process_time()
    for k in range(frames):
        for i, seg in enumerate(segmenters):
            come = lead[i] + k + 1  # the stream's frames that have come
            if (come - given[i]) * 160 >= seg.wanted > 0:
                seg.add(_frames(audio, starts[i], lead[i], given[i], come))
                given[i] = come
        if (k + 1) % window:
            continue
        ready = [s for s in streams if s.segmenter.wanted <= 0]
        feed_together([(s, nothing) for s in ready])
    return n * seconds / (time.process_time() - t)


def kairos_rtf(audio: np.ndarray) -> tuple[float, int]:
    """Seconds of audio per CPU second through the live analysis; and the segments found."""
    # As a Twilio stream feeds it: 8 kHz samples that came through μ-law.
    stream = VoiceStream(8000, coded=True)
    warm()
    t = time.process_time()
    found = 0
    for i in range(0, len(audio), 160):
        found += len(stream.feed(audio[i : i + 160]))
    found += len(stream.flush())
    return len(audio) / 8000 / (time.process_time() - t), found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15.0, help="paced seconds per stream run")
    parser.add_argument("--streams", default="50,100,150,200", help="stream counts to run")
    parser.add_argument(
        "--together", type=int, default=200, help="streams fed together for the live path's speed"
    )
    parser.add_argument(
        "--pause", type=float, default=0.4, help="seconds of silence between the calls' files"
    )
    parser.add_argument("--skip-streams", action="store_true")
    parser.add_argument(
        "--skip-quality", action="store_true", help="skip the AUC table (eGeMAPS' speed runs)"
    )
    parser.add_argument("--skip-vad", action="store_true", help="skip the VAD comparison")
    parser.add_argument("--skip-espeak", action="store_true", help="skip the espeak-ng voices")
    args = parser.parse_args()
    pinned = one_core()
    console.print(f"[bold]Voice stress benchmark[/] ({pinned})")
    if not args.skip_vad:
        from voice_vad import vad_report

        vad_report(console)
    if not args.skip_espeak:
        from voice_espeak import espeak_report

        espeak_report(console)
    folder = training.find_emodb(None)
    recordings = training.recordings(folder)

    quality = not args.skip_quality
    with Progress(console=console, transient=True) as progress:
        if quality:
            task = progress.add_task("Kairos features", total=len(recordings))
            data = []
            t = time.process_time()
            for rec in recordings:
                data.append(training.analyse(rec))
                progress.advance(task)
            ours_features_s = time.process_time() - t
            ours = training.cross_validate(data)
            task = progress.add_task("Kairos' Praat features (before)", total=len(recordings))
            praat_data = []
            t = time.process_time()
            for rec in recordings:
                praat_data.append(training.analyse(rec, praat_segment_features))
                progress.advance(task)
            praat_features_s = time.process_time() - t
            before = training.cross_validate(praat_data)
        phone_x, audio_s, phone_spent = egemaps(recordings, phone=True, progress=progress)
        if quality:
            wide_x, _, wide_spent = egemaps(recordings, phone=False, progress=progress)
    if quality:
        peer_phone = egemaps_cv(data, phone_x)
        peer_wide = egemaps_cv(data, wide_x)

        table = Table(title="ROC AUC, leave one speaker out (emodb subset, 10 speakers, 339 files)")
        for col in ("regime", "pair", "Kairos (8 kHz μ-law)", "Kairos, Praat features (before)",
                    "eGeMAPS+LR (8 kHz μ-law)", "eGeMAPS+LR (16 kHz)"):  # fmt: skip
            table.add_column(col, justify="left" if col in ("regime", "pair") else "right")
        for key, auc in ours.auc.items():
            table.add_row(*key, f"{auc:.4f}", f"{before.auc[key]:.4f}", f"{peer_phone[key]:.4f}",
                          f"{peer_wide[key]:.4f}")  # fmt: skip
        console.print(table)
        console.print(
            "caller regime: baseline from half of the held-out speaker's neutral files (even "
            "names), scored on the other half and on every angry, happy and sad file"
        )

    audio = call_audio(recordings, 600.0, args.pause)
    frames = audio[: len(audio) // 160 * 160].reshape(-1, 160)
    silent = float(np.mean(~frames.any(axis=1)))
    console.print(f"calls: emodb files with {args.pause:.1f} s pauses ({silent:.0%} silent)")
    rtf, found = kairos_rtf(audio)
    speed = Table(title="Real-time factor on one core (seconds of audio per CPU second)")
    for col in ("analysis", "RTF", "ratio to eGeMAPS (8 kHz)"):
        speed.add_column(col, justify="left" if col == "analysis" else "right")
    peer_rtf = audio_s / phone_spent
    speed.add_row(f"Kairos live path, one stream, {len(audio) / 8000:.0f} s of calls, "
                  f"{found} segments", f"{rtf:.0f}", f"{rtf / peer_rtf:.1f}x")  # fmt: skip
    many = args.together
    alone_rtf, _ = kairos_rtf_together(audio, many, args.seconds, batched=False)
    together_rtf, per_pass = kairos_rtf_together(audio, many, args.seconds, batched=True)
    # Not in the code before this change: imported here so that its A/B runs can load the file.
    from kairos.channels.live_analysis import BUSY_BLOCKS, BUSY_WINDOW

    busy = round(BUSY_WINDOW / 0.02)
    busy_rtf, busy_per_pass = kairos_rtf_together(
        audio, many, args.seconds, batched=True, window=busy
    )
    blocks_rtf = kairos_rtf_blocks(audio, many, args.seconds, busy)
    speed.add_row(f"Kairos live path, {many} streams fed one by one, {args.seconds:.0f} s each",
                  f"{alone_rtf:.0f}", f"{alone_rtf / peer_rtf:.1f}x")  # fmt: skip
    speed.add_row(f"Kairos live path, {many} streams judged together "
                  f"({per_pass:.1f} blocks a pass)", f"{together_rtf:.0f}",
                  f"{together_rtf / peer_rtf:.1f}x")  # fmt: skip
    speed.add_row(f"Kairos live path, {many} streams judged together, a busy server's "
                  f"{busy * 20} ms window ({busy_per_pass:.1f} blocks a pass)", f"{busy_rtf:.0f}",
                  f"{busy_rtf / peer_rtf:.1f}x")  # fmt: skip
    speed.add_row(f"Kairos live path, {many} streams judged together, {busy * 20} ms window, "
                  "one array a block (as a Twilio leg hands it)", f"{blocks_rtf:.0f}",
                  f"{blocks_rtf / peer_rtf:.1f}x")  # fmt: skip
    if quality:
        speed.add_row("Kairos features, emodb files (batch)", f"{audio_s / ours_features_s:.0f}",
                      f"{audio_s / ours_features_s / peer_rtf:.1f}x")  # fmt: skip
        speed.add_row("Kairos' Praat features (before), emodb files (batch)",
                      f"{audio_s / praat_features_s:.0f}",
                      f"{audio_s / praat_features_s / peer_rtf:.1f}x")  # fmt: skip
    speed.add_row("eGeMAPS functionals, 8 kHz", f"{peer_rtf:.0f}", "1.0x")
    calls_rtf = egemaps_calls(audio)
    speed.add_row("eGeMAPS functionals, 8 kHz, these calls in 10 s pieces", f"{calls_rtf:.0f}",
                  f"{calls_rtf / peer_rtf:.1f}x")  # fmt: skip
    if quality:
        speed.add_row("eGeMAPS functionals, 16 kHz", f"{audio_s / wide_spent:.0f}",
                      f"{audio_s / wide_spent / peer_rtf:.1f}x")  # fmt: skip
    console.print(speed)
    for what, value in (
        ("one stream", rtf),
        (f"{many} streams together", together_rtf),
        (f"{many} streams together, {busy * 20} ms window", busy_rtf),
        (f"{many} streams together, {busy * 20} ms window, one array a block", blocks_rtf),
    ):
        console.print(
            f"Kairos live path, {what}: {1e6 / value:.0f} µs of CPU per second of call; 50x "
            f"eGeMAPS (8 kHz) allows {1e6 / (50 * peer_rtf):.0f} µs: "
            f"{'met' if value >= 50 * peer_rtf else 'NOT met'} ({value / peer_rtf:.1f}x); "
            f"against eGeMAPS on these calls {value / calls_rtf:.1f}x"
        )

    per_stream, per_detector = memory_per_stream(audio)
    console.print(
        f"memory per live stream: {per_stream / 1024:.1f} KiB (protocol, open segment, baseline)"
        f" + {per_detector / 1024:.1f} KiB detector state; aim < 1 MiB: "
        f"{'met' if per_stream + per_detector < 1 << 20 else 'NOT met'}"
    )
    if args.skip_streams:
        return
    streams = Table(
        title=f"Concurrent 8 kHz Twilio streams on one core, paced for {args.seconds:.0f} s "
        f"(protocol + analysis + ingest into SQLite, grouped every {GROUP_SECONDS * 1000:.0f} ms)"
    )
    for col in ("streams", "blocks judged", "segments", "latency p50", "p99", "max",
                "loop behind by", "CPU ms per call-second", "streams a whole core fits",
                "sustained"):  # fmt: skip
        streams.add_column(col, justify="right")
    for n, batched in ((int(v), b) for v in args.streams.split(",") for b in (False, True)):
        with console.status(f"{n} streams..."):
            r = run_streams(n, args.seconds, audio, batched=batched, busy=(busy, BUSY_BLOCKS))
        ok = r["p99"] <= 1.0 and r["lag"] <= 1.0
        streams.add_row(
            str(n),
            "together" if batched else "one by one",
            str(int(r["segments"])),
            f"{r['p50'] * 1000:.0f} ms",
            f"{r['p99'] * 1000:.0f} ms",
            f"{r['max'] * 1000:.0f} ms",
            f"{r['lag'] * 1000:.0f} ms",
            f"{r['cpu'] / n * 1000:.2f}",
            f"{n / r['cpu']:.0f}",
            "yes" if ok else "no",
        )
    console.print(streams)
    console.print(
        "latency: from the due time of the frame that closed a segment to its assessment.updated "
        "on the bus; sustained: p99 latency and the loop's delay both within 1 s; "
        "streams a whole core fits: from the CPU time this process used (a core shared with "
        f"other work sustains fewer; load average now {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs)"
    )


if __name__ == "__main__":
    main()
