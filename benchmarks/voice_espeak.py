"""Voice stress on speech nobody trained on: espeak-ng voices, calm against raised, by phone.

Usage: python benchmarks/voice_espeak.py

Speaker-independent by construction: both systems are trained on the emodb subset (angry against
neutral, 8 kHz μ-law) and tested on six espeak-ng voices they never heard, each saying twelve
sentences calmly (pitch 25-40, 120-150 words a minute) and raised (pitch 85-99, 220-260 words a
minute, louder), at 8 kHz through μ-law. Kairos: the shipped model as ``score-audio`` scores a
file (*population*), and after a baseline from half of the same voice's calm sentences
(*caller*). The peer: openSMILE's eGeMAPS v02 functionals + standardisation + logistic
regression fitted on the same emodb files; for the caller regime, its features minus the same
baseline sentences' mean, fitted on emodb features minus each speaker's neutral mean. ROC AUC of
raised against calm (the baseline sentences are not scored).
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler
from voice_vad import CALM_SENTENCES

from kairos.detection.voice import training
from kairos.detection.voice.audio_io import read_audio
from kairos.detection.voice.codecs import FloatArray
from kairos.detection.voice.model import load_default
from kairos.detection.voice.stress import StressTracker, VoiceStream, score_recording

VOICES = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-gb-x-gbcwmd")


def synthesise(folder: Path) -> list[tuple[str, str, int, FloatArray]]:
    """(voice, calm|raised, sentence index, 8 kHz μ-law samples) for every voice and sentence."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        return []
    out = []
    for voice in VOICES:
        for i, text in enumerate(CALM_SENTENCES):
            for style, pitch, rate, amp in (
                ("calm", 25 + 5 * (i % 4), 120 + 10 * (i % 4), 70),
                ("raised", 85 + 5 * (i % 3), 220 + 20 * (i % 3), 160),
            ):
                path = folder / f"{voice}-{style}-{i}.wav"
                subprocess.run(
                    [exe, "-v", voice, "-p", str(pitch), "-s", str(rate), "-a", str(amp),
                     "-w", str(path), text],
                    check=True, capture_output=True, timeout=60,
                )  # fmt: skip
                x, sr, _ = read_audio(path)
                out.append((voice, style, i, training.phone_channel(x, sr)))
    return out


def kairos_scores(
    clips: list[tuple[str, str, int, FloatArray]],
) -> dict[str, list[tuple[int, float]]]:
    """(raised?, stress) per scored clip, in each regime."""
    model = load_default()
    rows: dict[str, list[tuple[int, float]]] = {"population": [], "caller": []}
    for voice in VOICES:
        mine = [c for c in clips if c[0] == voice]
        base = [c for c in mine if c[1] == "calm" and c[2] % 2 == 0]
        tracker = StressTracker(model)
        for _, _, _, x in base:
            stream = VoiceStream(8000, tracker=tracker)
            stream.feed(x)
            stream.flush()
        for _, style, i, x in mine:
            if style == "calm" and i % 2 == 0:
                continue
            pop = score_recording(x, 8000, model=model).stress
            stream = VoiceStream(8000, tracker=copy.deepcopy(tracker))
            found = stream.feed(x) + stream.flush()
            if pop is None or not found:
                continue
            weights = [max(r.end_s - r.start_s, 1e-3) for r in found]
            caller = float(np.average([r.segment_stress for r in found], weights=weights))
            rows["population"].append((int(style == "raised"), pop))
            rows["caller"].append((int(style == "raised"), caller))
    return rows


def egemaps_scores(
    clips: list[tuple[str, str, int, FloatArray]], progress: Progress
) -> dict[str, list[tuple[int, float]]]:
    """eGeMAPS+LR trained on emodb (angry against neutral), the same regimes."""
    import opensmile

    smile = opensmile.Smile(
        feature_set=opensmile.FeatureSet.eGeMAPSv02,
        feature_level=opensmile.FeatureLevel.Functionals,
    )
    recs = [r for r in training.recordings(training.find_emodb(None))
            if r.emotion in ("angry", "neutral")]  # fmt: skip
    task = progress.add_task("eGeMAPS on emodb", total=len(recs) + len(clips))
    x_train, y, speaker = [], [], []
    for rec in recs:
        x, sr, _ = read_audio(rec.path)
        x_train.append(smile.process_signal(training.phone_channel(x, sr), 8000).to_numpy()[0])
        y.append(int(rec.emotion == "angry"))
        speaker.append(rec.speaker)
        progress.advance(task)
    xt, yt, sp = np.asarray(x_train), np.asarray(y), np.asarray(speaker)
    feats = []
    for clip in clips:
        feats.append(smile.process_signal(clip[3], 8000).to_numpy()[0])
        progress.advance(task)
    xs = np.asarray(feats)
    pop = _fit(xt, yt)
    rel = xt.copy()
    for s in set(speaker):
        calm = (sp == s) & (yt == 0)
        rel[sp == s] = xt[sp == s] - xt[calm].mean(axis=0)
    caller = _fit(rel, yt)
    rows: dict[str, list[tuple[int, float]]] = {"population": [], "caller": []}
    for voice in VOICES:
        idx = [k for k, c in enumerate(clips) if c[0] == voice]
        base = [k for k in idx if clips[k][1] == "calm" and clips[k][2] % 2 == 0]
        mean = xs[base].mean(axis=0)
        for k in idx:
            if k in base:
                continue
            label = int(clips[k][1] == "raised")
            rows["population"].append((label, float(pop(xs[k]))))
            rows["caller"].append((label, float(caller(xs[k] - mean))))
    return rows


def _fit(x: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], float]:
    scaler = StandardScaler().fit(x)
    lr = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    lr.fit(scaler.transform(x), y)
    return lambda row: float(lr.predict_proba(scaler.transform(row[None, :]))[0, 1])


def auc(rows: list[tuple[int, float]]) -> float:
    """ROC AUC of raised against calm."""
    return float(roc_auc_score([r[0] for r in rows], [r[1] for r in rows]))


def espeak_report(console: Console) -> None:
    """Run the comparison and print its table."""
    with tempfile.TemporaryDirectory(prefix="kairos-espeak-") as tmp:
        clips = synthesise(Path(tmp))
    if not clips:
        console.print("espeak-ng is not installed: no synthesised speech to measure on")
        return
    with Progress(console=console, transient=True) as progress:
        peer = egemaps_scores(clips, progress)
    ours = kairos_scores(clips)
    table = Table(
        title=f"ROC AUC, raised against calm: {len(VOICES)} espeak-ng voices never trained on, "
        "8 kHz μ-law (both trained on emodb)"
    )
    for col in ("regime", "Kairos", "eGeMAPS+LR", "clips scored"):
        table.add_column(col, justify="left" if col == "regime" else "right")
    for regime in ("population", "caller"):
        table.add_row(regime, f"{auc(ours[regime]):.4f}", f"{auc(peer[regime]):.4f}",
                      str(len(ours[regime])))  # fmt: skip
    console.print(table)


if __name__ == "__main__":
    espeak_report(Console())
