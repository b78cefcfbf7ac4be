"""``kairos score-audio`` (the contract outside evaluation uses) and ``kairos train-voice``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile
from tests.detection.voice_support import emodb
from typer.testing import CliRunner

from kairos.cli import app
from kairos.detection.voice import FEATURES, VoiceModel, training


def test_score_audio_writes_one_line_per_file(tmp_path: Path) -> None:
    angry = sorted((emodb() / "Angry").glob("*.wav"))[0]
    neutral = sorted((emodb() / "Neutral").glob("*.wav"))[0]
    samples, rate = soundfile.read(angry, dtype="float32")
    stereo = tmp_path / "stereo-48k.wav"
    resampled = np.interp(
        np.arange(0, len(samples), rate / 48000), np.arange(len(samples)), samples
    )
    soundfile.write(stereo, np.stack([resampled, resampled], axis=1), 48000)
    result = CliRunner().invoke(
        app,
        [
            "score-audio",
            str(angry),
            str(neutral),
            str(stereo),
            str(tmp_path / "missing.wav"),
            "--channel",
            "0",  # the customer's side of the stereo file; mono files have only that one
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [line["file"] for line in lines] == [
        str(angry),
        str(neutral),
        str(stereo),
        str(tmp_path / "missing.wav"),
    ]
    a, n, s, missing = lines
    assert 0.0 <= n["stress"] < a["stress"] <= 1.0
    assert a["segments"] and set(a["segments"][0]) >= {"start_s", "end_s", "features", "stress"}
    assert set(a["segments"][0]["features"]) <= set(FEATURES)
    assert "f0_mean_st" in a["segments"][0]["features"]
    assert s["sample_rate"] == 48000 and s["channels"] == 2 and s["stress"] > 0.5
    assert "error" in missing and "stress" not in missing
    assert "1 with errors" in result.stderr


@pytest.mark.slow
def test_cross_validation_is_speaker_independent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fold's model is fitted without the speaker it scores."""
    files = [r for r in training.recordings(emodb()) if r.speaker in ("03", "08", "09")]
    data = [training.analyse(r) for r in files]
    fitted: list[set[str]] = []
    real_fit = training.fit

    def spy(data: list[training.Analysed], **kw: float) -> VoiceModel:
        fitted.append({a.recording.speaker for a in data})
        return real_fit(data, **kw)

    monkeypatch.setattr(training, "fit", spy)
    report = training.cross_validate(data)
    assert fitted == [{"08", "09"}, {"03", "09"}, {"03", "08"}]
    assert report.speakers == 3
    assert report.auc[("population", "angry vs neutral")] > 0.9
    assert report.auc[("caller", "angry vs neutral")] > 0.9


def test_train_voice_writes_a_model(tmp_path: Path) -> None:
    emodb()
    out = tmp_path / "voice.npz"
    result = CliRunner().invoke(app, ["train-voice", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "angry vs neutral" in result.stderr
    assert VoiceModel.load(out).version.startswith("voice-v1+")
