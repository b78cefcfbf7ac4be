"""Speech to text: word error rate and real-time factor of PocketSphinx on espeak-ng speech.

Usage: python benchmarks/stt.py

Twelve calm sentences synthesised by espeak-ng (two voices), through a phone line (8 kHz μ-law),
transcribed by Kairos' ``PocketSphinxStt`` (the US English model inside the pocketsphinx
package; the audio resampled up to its 16 kHz). WER: word-level edit distance over the
reference's words, all sentences pooled;
RTF: CPU seconds per second of audio, on one core. faster-whisper is measured too when
``KAIROS_STT_MODEL_DIR`` holds a model. No real speech with transcripts ships with the project.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from voice_vad import CALM_SENTENCES, espeak_calm

from kairos.detection.voice.codecs import FloatArray, mulaw_decode, mulaw_encode
from kairos.detection.voice.stt import (
    FasterWhisperStt,
    PocketSphinxStt,
    SpeechToText,
    SttUnavailable,
)


def words(text: str) -> list[str]:
    """Lower-case words, digits spelled as the sentences spell them."""
    return re.findall(r"[a-z']+", text.lower())


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    """Word substitutions, insertions and deletions."""
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def measure(engine: SpeechToText, clips: list[tuple[str, FloatArray, int]]) -> tuple[float, float]:
    """Pooled WER and CPU seconds per audio second."""
    errors = total = 0
    spent = audio = 0.0
    for ref, x, rate in clips:
        t = time.process_time()
        hyp = engine.transcribe(x, rate)
        spent += time.process_time() - t
        audio += len(x) / rate
        errors += edit_distance(words(ref), words(hyp))
        total += len(words(ref))
    return errors / total, spent / audio


def main() -> None:
    console = Console()
    with tempfile.TemporaryDirectory(prefix="kairos-stt-") as tmp:
        made = espeak_calm(Path(tmp))
    if not made:
        console.print("espeak-ng is not installed: nothing to measure")
        return
    refs = [s for s in CALM_SENTENCES for _ in ("en-us", "en")]
    phone = [(r, mulaw_decode(mulaw_encode(x)), 8000) for r, x in zip(refs, made, strict=True)]
    engines: list[SpeechToText] = [PocketSphinxStt()]
    try:
        engines.append(FasterWhisperStt(Path(os.environ.get("KAIROS_STT_MODEL_DIR", "-"))))
    except SttUnavailable as exc:
        console.print(f"faster-whisper not measured: {exc}")
    table = Table(title=f"Speech to text on {len(refs)} espeak-ng sentences, 8 kHz μ-law")
    for col in ("engine", "WER", "CPU s per audio s"):
        table.add_column(col, justify="left" if col == "engine" else "right")
    for engine in engines:
        wer, rtf = measure(engine, phone)
        table.add_row(engine.name, f"{wer:.2f}", f"{rtf:.2f}")
    console.print(table)


if __name__ == "__main__":
    main()
