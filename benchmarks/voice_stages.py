"""Where a call-second of the live voice analysis goes: each stage timed with its own clock.

Usage: python benchmarks/voice_stages.py [--streams 200] [--seconds 10] [--window 3] [--blocks]

Feeds ``--streams`` streams of the benchmark's calls (``voice.call_audio``: emodb files with
0.4 s pauses, 8 kHz through μ-law) 20 ms at a time, judged together in passes of ``--window``
frames (3: a busy server's 60 ms window; 1: the 20 ms one), as ``voice.kairos_rtf_together``
does (with ``--blocks``, each stream handed one array a block as a Twilio leg hands it:
``voice.kairos_rtf_blocks``), and times each stage of ``kairos.detection.voice`` with the
thread's CPU clock: the window analysis (``batch.decide_together``, and ``frames.Plan.spectra``
inside it), each stream's segment state (``Segmenter._settle``) and frame join
(``Segmenter._take``), the cut segments' quiet windows (``batch.fill_together``), the features
(``measure``) and the baseline and reasons (``tracker.score_together``, ``VoiceStream._score``
in a tree from before). Prints µs of CPU per
call-second. The timers add their own cost (a few per cent); compare two trees by running each
(``PYTHONPATH=src`` from its root) in the same minutes.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from voice import call_audio, kairos_rtf_blocks, kairos_rtf_together

from kairos.detection.voice import batch, frames, stress, training, vad

STAGES: tuple[tuple[Any, str, str], ...] = (
    (batch, "decide_together", "the window analysis (decide_together)"),
    # The transforms: ``Plan.spectra`` since the live pass normalises in a compiled loop
    # (``compiled.normalise_into``), ``Plan.analyse`` in a tree from before.
    (
        frames.Plan,
        "spectra" if hasattr(frames.Plan, "spectra") else "analyse",
        "  of which the transforms (Plan.spectra: the FFTs, windowing, band sums)",
    ),
    (batch, "measure", "the features (measure)"),
    # Every stream's segments of a pass scored in one call since ``compiled_scoring`` (with
    # ``VoiceStream.scorable`` gathering them), each stream's ``_score`` in a tree from before.
    (
        (batch, "score_together")
        if hasattr(batch, "score_together")
        else (stress.VoiceStream, "_score")
    )
    + ("the baseline and reasons (score_together / _score)",),
    (vad.Segmenter, "_settle", "each stream's segment state (Segmenter._settle)"),
    (vad.Segmenter, "_take", "joining each block's 20 ms frames (Segmenter._take)"),
    (batch, "fill_together", "the cut segments' quiet windows (fill_together)"),
)


def timed(spent: Counter[str], label: str, f: Callable[..., Any]) -> Callable[..., Any]:
    """``f``, adding its thread CPU time to ``spent[label]``."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t = time.thread_time()
        try:
            return f(*args, **kwargs)
        finally:
            spent[label] += time.thread_time() - t

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--window", type=int, default=3, help="frames of 20 ms a pass gathers")
    parser.add_argument("--blocks", action="store_true", help="one array a block, not twenty")
    args = parser.parse_args()
    spent: Counter[str] = Counter()
    for owner, name, label in STAGES:
        setattr(owner, name, timed(spent, label, getattr(owner, name)))
    audio = call_audio(training.recordings(training.find_emodb(None)), 600.0)
    if args.blocks:
        rtf, per_pass = kairos_rtf_blocks(audio, args.streams, args.seconds, args.window), 0.0
    else:
        rtf, per_pass = kairos_rtf_together(
            audio, args.streams, args.seconds, batched=True, window=args.window
        )
    call_seconds = args.streams * args.seconds
    print(
        f"{args.streams} streams, {args.window * 20} ms window "
        f"({'one array a block' if args.blocks else f'{per_pass:.1f} blocks a pass'}): "
        f"{1e6 / rtf:.0f} µs of CPU per call-second in all, with the timers"
    )
    for _, _, label in STAGES:
        print(f"{spent[label] / call_seconds * 1e6:7.1f} µs  {label}")


if __name__ == "__main__":
    main()
