"""Voice activity detection on quiet, calm speech and 8 kHz telephone audio: Kairos beside peers.

Usage: python benchmarks/voice_vad.py (also run by ``benchmarks/voice.py`` unless --skip-vad)

The same files through four frame gates, each fed one 20 ms frame at a time as a live stream is:

- Kairos ``VoicedGate`` (the default): 6 dB over a tracked noise floor and periodic at a pitch;
- Kairos ``EnergyGate``: the energy-only rule it replaces;
- WebRTC's VAD (``webrtcvad``, from the py-webrtcvad-wheels package), aggressiveness 2;
- Silero VAD v6 (the ONNX model inside the ``silero-vad`` package, run with onnxruntime, no
  torch), speech from a probability of 0.5, silence below 0.35.

Speech: the emodb subset's neutral and sad files (quiet and calm; the Kairos model was trained on
them, but a VAD was not) and calm espeak-ng sentences (low pitch, slow), at 8 kHz through μ-law,
at their level and 20, 30 and 40 dB quieter, over line noise. Reference frames: within 40 dB of
the clean clip's loudest frame. Noise alone: white noise from -30 to -68 dBFS and a 50 Hz hum.
Figures: frame precision and recall; files where no speech was found; files whose ``stress`` is
null through the whole analysis (VAD, Praat features, model); noise files heard as speech; CPU
microseconds per 20 ms frame.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from kairos.detection.voice import training
from kairos.detection.voice.audio_io import read_audio
from kairos.detection.voice.codecs import FloatArray, mulaw_decode, mulaw_encode, pcm16_encode
from kairos.detection.voice.features import to_analysis_rate
from kairos.detection.voice.stress import score_recording
from kairos.detection.voice.vad import (
    BLOCK_FRAMES,
    FRAME_SECONDS,
    EnergyGate,
    FrameGate,
    VoicedGate,
    frame_energy,
)

FRAME = 160  # 20 ms at 8 kHz
CALM_SENTENCES = (
    "I am calling about my account balance.",
    "Could you tell me when the letter was sent?",
    "I moved house last month.",
    "Thank you, that is all I needed.",
    "My name is Anna and I live in Leeds.",
    "I would like to change the address on the policy.",
    "Yes, the number is four five six.",
    "Please send it by post.",
    "I think it was on Tuesday.",
    "That sounds fine to me.",
    "Could you read the reference back to me?",
    "I will wait for the email then.",
)
#: (gain in dB, line noise in dBFS): as recorded, then quieter and quieter lines.
CONDITIONS = ((0, -75), (-20, -75), (-30, -70), (-40, -80))


class WebRtcGate:
    """WebRTC's VAD on 20 ms frames of 16-bit PCM at 8 kHz."""

    def __init__(self, mode: int = 2) -> None:
        import webrtcvad

        self.vad = webrtcvad.Vad(mode)

    def decide(
        self, frames: FloatArray, energy_db: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.bool_]:
        """Speech or not for each frame."""
        return np.array([self.vad.is_speech(pcm16_encode(f), 8000) for f in frames], dtype=bool)


class SileroGate:
    """Silero VAD v6 (its ONNX model at 8 kHz, 32 ms chunks); each frame takes the latest."""

    session: object = None

    def __init__(self) -> None:
        import onnxruntime
        import silero_vad

        if SileroGate.session is None:
            opts = onnxruntime.SessionOptions()
            opts.intra_op_num_threads = opts.inter_op_num_threads = 1
            path = Path(silero_vad.__file__).parent / "data" / "silero_vad.onnx"
            SileroGate.session = onnxruntime.InferenceSession(
                str(path), sess_options=opts, providers=["CPUExecutionProvider"]
            )
        self.state = np.zeros((2, 1, 128), dtype=np.float32)
        self.context = np.zeros((1, 32), dtype=np.float32)
        self.buffer = np.zeros(0, dtype=np.float32)
        self.speech = False
        self.rate = np.array(8000, dtype=np.int64)

    def decide(
        self, frames: FloatArray, energy_db: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.bool_]:
        """Speech or not for each frame."""
        out = np.zeros(len(frames), dtype=bool)
        for i, frame in enumerate(frames):
            self.buffer = np.concatenate((self.buffer, frame))
            while len(self.buffer) >= 256:
                chunk = np.concatenate((self.context, self.buffer[None, :256]), axis=1)
                self.buffer = self.buffer[256:]
                prob, self.state = self.session.run(  # type: ignore[attr-defined]
                    None, {"input": chunk, "state": self.state, "sr": self.rate}
                )
                self.context = chunk[:, -32:]
                p = float(prob[0, 0])
                self.speech = p >= 0.5 or (self.speech and p >= 0.35)
            out[i] = self.speech
        return out


def gates() -> dict[str, Callable[[], FrameGate]]:
    """The gates to compare, by name (the peers only when their packages are installed)."""
    out: dict[str, Callable[[], FrameGate]] = {
        "Kairos VoicedGate": lambda: VoicedGate(8000),
        "Kairos EnergyGate (before)": EnergyGate,
    }
    try:
        import webrtcvad  # noqa: F401

        out["WebRTC VAD (mode 2)"] = WebRtcGate
    except ImportError:
        pass
    try:
        import silero_vad  # noqa: F401

        out["Silero VAD v6 (ONNX)"] = SileroGate
    except ImportError:
        pass
    return out


def espeak_calm(folder: Path) -> list[FloatArray]:
    """Calm espeak-ng sentences at 8 kHz (two voices, low pitch, slow); none without espeak-ng."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        return []
    clips = []
    for i, text in enumerate(CALM_SENTENCES):
        for voice in ("en-us", "en"):
            path = folder / f"calm-{i}-{voice}.wav"
            subprocess.run(
                [exe, "-v", voice, "-p", str(25 + 5 * (i % 3)), "-s", str(120 + 10 * (i % 4)),
                 "-a", "60", "-w", str(path), text],
                check=True, capture_output=True, timeout=60,
            )  # fmt: skip
            x, rate, _ = read_audio(path)
            clips.append(to_analysis_rate(x, rate))
    return clips


def reference(x: FloatArray) -> npt.NDArray[np.bool_]:
    """Frames within 40 dB of the clean clip's loudest frame."""
    n = len(x) // FRAME
    frames = x[: n * FRAME].reshape(n, FRAME).astype(np.float64)
    db = 10.0 * np.log10((frames**2).mean(axis=1) + 1e-12)
    return db > db.max() - 40.0


def line(x: FloatArray, gain_db: float, noise_dbfs: float, rng: np.random.Generator) -> FloatArray:
    """The clip at a gain over white line noise, through μ-law."""
    y = x * 10.0 ** (gain_db / 20.0) + rng.normal(0.0, 10.0 ** (noise_dbfs / 20.0), len(x))
    return mulaw_decode(mulaw_encode(y.astype(np.float32)))


def frame_decisions(
    gate: FrameGate, x: FloatArray, batch: int = 1
) -> tuple[npt.NDArray[np.bool_], float]:
    """The gate's decisions, ``batch`` frames a call (one, as a frame arrives; Kairos' live
    Segmenter judges ``BLOCK_FRAMES`` at a time); and the CPU seconds spent."""
    n = len(x) // FRAME
    frames = x[: n * FRAME].reshape(n, FRAME)
    out = np.zeros(n, dtype=bool)
    t = time.process_time()
    for i in range(0, n, batch):
        f = frames[i : i + batch]
        out[i : i + batch] = gate.decide(f, frame_energy(f))
    return out, time.process_time() - t


def noise_clips(rng: np.random.Generator) -> list[FloatArray]:
    """Three seconds of line noise each: white at -30 to -68 dBFS, and a 50 Hz hum."""
    clips = [line(np.zeros(24000, dtype=np.float32), 0.0, -30.0 - 2 * k, rng) for k in range(20)]
    t = np.arange(24000) / 8000.0
    clips.append(mulaw_decode(mulaw_encode((0.05 * np.sin(2 * np.pi * 50 * t)).astype(np.float32))))
    return clips


def vad_report(console: Console) -> None:
    """Run the comparison and print its tables."""
    rng = np.random.default_rng(17)
    folder = training.find_emodb(None)
    calm = [r for r in training.recordings(folder) if r.emotion in ("neutral", "sad")]
    speech: list[tuple[str, FloatArray]] = []
    for rec in calm:
        x, rate, _ = read_audio(rec.path)
        speech.append(("emodb", to_analysis_rate(x, rate)))
    with tempfile.TemporaryDirectory(prefix="kairos-vad-") as tmp:
        speech += [("espeak-ng", x) for x in espeak_calm(Path(tmp))]
    n_emodb = sum(1 for k, _ in speech if k == "emodb")
    n_espeak = len(speech) - n_emodb
    made = gates()
    table = Table(
        title=f"VAD on quiet, calm speech at 8 kHz μ-law ({n_emodb} emodb neutral/sad files, "
        f"{n_espeak} calm espeak-ng sentences)"
    )
    for col in ("level, line noise", "VAD", "frame precision", "frame recall",
                "files: no speech", "files: stress null", "µs per frame"):  # fmt: skip
        table.add_column(col, justify="left" if col in ("VAD", "level, line noise") else "right")
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("VAD", total=len(CONDITIONS) * len(made) * len(speech))
        for gain, noise in CONDITIONS:
            heard = [(line(x, gain, noise, rng), reference(x)) for _, x in speech]
            for name, make in made.items():
                tp = fp = fn = missed = null = 0
                spent = frames = 0.0
                for y, ref in heard:
                    got, cpu = frame_decisions(make(), y)
                    spent, frames = spent + cpu, frames + len(got)
                    tp += int(np.sum(got & ref))
                    fp += int(np.sum(got & ~ref))
                    fn += int(np.sum(~got & ref))
                    missed += got.sum() * FRAME_SECONDS < 0.2
                    null += score_recording(y, 8000, gate=make()).stress is None
                    progress.advance(task)
                table.add_row(
                    f"{gain:+d} dB, {noise} dBFS",
                    name,
                    f"{tp / max(tp + fp, 1):.3f}",
                    f"{tp / max(tp + fn, 1):.3f}",
                    f"{missed}/{len(heard)}",
                    f"{null}/{len(heard)}",
                    f"{spent / frames * 1e6:.0f}",
                )
    console.print(table)
    spent = frames = 0.0
    for _, x in speech:
        got, cpu = frame_decisions(VoicedGate(8000), x, batch=BLOCK_FRAMES)
        spent, frames = spent + cpu, frames + len(got)
    console.print(
        f"Kairos VoicedGate judging {BLOCK_FRAMES} frames "
        f"({BLOCK_FRAMES * FRAME_SECONDS * 1000:.0f} ms) a call, as the live Segmenter does: "
        f"{spent / frames * 1e6:.0f} µs per frame (+0 dB)"
    )
    noise = noise_clips(rng)
    alarms = Table(title=f"Noise alone heard as speech ({len(noise)} clips of 3 s)")
    alarms.add_column("VAD")
    alarms.add_column("clips with speech", justify="right")
    alarms.add_column("stress not null", justify="right")
    for name, make in made.items():
        heard_any = sum(frame_decisions(make(), y)[0].sum() * FRAME_SECONDS >= 0.2 for y in noise)
        scored = sum(score_recording(y, 8000, gate=make()).stress is not None for y in noise)
        alarms.add_row(name, f"{heard_any}/{len(noise)}", f"{scored}/{len(noise)}")
    console.print(alarms)


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    vad_report(Console())
