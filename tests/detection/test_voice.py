"""The voice stress library: codecs, VAD, Praat features, the caller baseline and the model."""

from __future__ import annotations

import copy
import math
import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from tests.detection.voice_support import emodb, speech, vowel

from kairos.detection.voice import (
    FEATURES,
    Segmenter,
    StressTracker,
    VoiceModel,
    VoiceStream,
    load_default,
    mulaw_decode,
    mulaw_encode,
    pcm16_decode,
    pcm16_encode,
    score_recording,
    segment_features,
)
from kairos.detection.voice.audio_io import AudioFormatError, read_audio
from kairos.detection.voice.features import to_analysis_rate
from kairos.detection.voice.model import DEFAULT_PATH

# -- helpers ---------------------------------------------------------------------------------


def speaker_files(speaker: str, emotion: str) -> list[Path]:
    return sorted((emodb() / emotion).glob(f"{speaker}*.wav"))


# -- codecs ----------------------------------------------------------------------------------


def test_mulaw_decodes_g711_values() -> None:
    # G.711 anchors: 0xFF and 0x7F are zero, 0x00 the most negative, 0x80 the most positive;
    # 0xEF / 0x6F are the first step of segment 1: ((0 << 3) + 0x84 << 1) - 0x84 = 132.
    pcm = (mulaw_decode(bytes([0xFF, 0x7F, 0x00, 0x80, 0xEF, 0x6F])) * 32768).round()
    assert pcm.tolist() == [0, 0, -32124, 32124, 132, -132]


def test_mulaw_round_trip_is_within_its_step_size() -> None:
    x = np.linspace(-0.99, 0.99, 40_001)
    y = mulaw_decode(mulaw_encode(x))
    # μ-law keeps about 2.5% relative error on loud samples, a few LSBs on quiet ones.
    assert np.all(np.abs(y - x) <= 0.035 * np.abs(x) + 3e-4)
    codes = bytes(range(256))
    again = mulaw_encode(mulaw_decode(codes))
    assert sum(a != b for a, b in zip(again, codes, strict=True)) == 1  # only 0x7F: -0 is +0


def test_pcm16_round_trip_and_odd_length() -> None:
    x = np.array([0.0, 0.5, -0.5, 0.999], dtype=np.float32)
    assert np.allclose(pcm16_decode(pcm16_encode(x)), x, atol=1 / 32768)
    assert pcm16_encode([1.0, -1.0]) == b"\xff\x7f\x00\x80"
    with pytest.raises(ValueError, match="even"):
        pcm16_decode(b"\x00\x00\x00")


# -- VAD -------------------------------------------------------------------------------------


def test_segmenter_finds_speech_between_pauses() -> None:
    silence = np.zeros(8000, dtype=np.float32)
    x = np.concatenate([silence, vowel(0.5), silence, vowel(0.3), silence])
    seg = Segmenter(8000)
    found = seg.feed(x[:12345]) + seg.feed(x[12345:]) + seg.flush()
    assert [(round(s.start_s, 2), round(s.end_s, 2)) for s in found] == [(1.0, 1.5), (2.5, 2.8)]
    assert all(s.sample_rate == 8000 and len(s.samples) == round(8000 * (s.end_s - s.start_s))
               for s in found)  # fmt: skip


def test_segmenter_cuts_long_turns_and_drops_clicks() -> None:
    x = np.concatenate([vowel(2.0), np.zeros(4000, np.float32), vowel(0.06)])
    seg = Segmenter(8000, max_seconds=0.8)
    found = seg.feed(x) + seg.flush()
    assert [round(s.end_s - s.start_s, 2) for s in found] == [0.8, 0.8, 0.4]
    assert Segmenter(8000).feed(np.zeros(16000, np.float32)) == []


def test_segments_do_not_depend_on_how_the_stream_is_cut() -> None:
    """Frames are judged in blocks; 20 ms messages and one big array give the same segments."""
    x, rate = speech("Happy", 2)
    x = mulaw_decode(mulaw_encode(to_analysis_rate(x, rate)))
    whole = Segmenter(8000)
    at_once = whole.feed(x) + whole.flush()
    live = Segmenter(8000, coded=True)
    framed = [s for i in range(0, len(x), 160) for s in live.feed(x[i : i + 160])] + live.flush()
    assert len(at_once) >= 2
    assert [(s.start_s, s.end_s, s.voiced_s) for s in framed] == [
        (s.start_s, s.end_s, s.voiced_s) for s in at_once
    ]
    assert all(np.array_equal(a.samples, b.samples) for a, b in zip(framed, at_once, strict=True))


def test_mulaw_frames_decoded_a_block_at_a_time_give_the_same_events() -> None:
    """A Twilio leg keeps its μ-law bytes until the VAD's block is whole and decodes them in one
    go: the same events, closed by the same frame, as decoding every 20 ms frame as it came."""
    from kairos.detection.voice.leg import CallLeg

    x, rate = speech("Angry", 1)
    wire = mulaw_encode(to_analysis_rate(x, rate))
    at = datetime(2026, 1, 1, tzinfo=UTC)

    def leg() -> CallLeg:
        return CallLeg(interaction_id="i", stream_id="s", speaker="customer", sample_rate=8000,
                       started_at=at, coded=True)  # fmt: skip

    per_frame, per_block = leg(), leg()
    frames = [wire[i : i + 160] for i in range(0, len(wire), 160)]
    one = [[e.model_dump() for e in per_frame.feed(mulaw_decode(f))] for f in frames]
    two = [[e.model_dump() for e in per_block.feed_mulaw(f)] for f in frames]
    assert one == two and sum(map(len, one)) >= 1
    last = [e.model_dump() for e in per_frame.finish()]
    assert last == [e.model_dump() for e in per_block.finish()]
    assert sum(map(len, one)) + len(last) >= 2


def test_live_segments_measure_as_their_samples_do() -> None:
    """The features a live stream gets from the VAD's windows are those of the segment's samples:
    one FFT per window, shared, changes no number."""
    from kairos.detection.voice.features import window_features

    x, rate = speech("Angry", 3)
    stream = Segmenter(8000, coded=True)
    heard = mulaw_decode(mulaw_encode(to_analysis_rate(x, rate)))
    segments = [s for i in range(0, len(heard), 160) for s in stream.feed(heard[i : i + 160])]
    segments += stream.flush()
    assert segments and all(s.windows is not None for s in segments)
    for seg in segments:
        assert seg.windows is not None and len(seg.windows) == len(seg.samples) // 160 - 1
        live = window_features(seg.windows, seg.samples.astype(np.float64))
        alone = segment_features(seg.samples)
        assert (live is None) == (alone is None)
        if live is not None and alone is not None:
            assert np.array_equal(live, alone, equal_nan=True)


def test_quiet_frames_inside_a_segment_are_measured_when_it_closes() -> None:
    """Only loud frames are transformed as they come; a quiet gap inside a segment is
    transformed when the segment closes, and the numbers are those of its samples."""
    from kairos.detection.voice.features import window_features
    from kairos.detection.voice.vad import VoicedGate

    x = np.concatenate(
        [np.zeros(4000, np.float32), vowel(0.3), np.zeros(1600, np.float32), vowel(0.3, 180.0)]
    )
    x = mulaw_decode(mulaw_encode(x))
    frames = x.reshape(-1, 160)
    gate = VoicedGate(8000)
    gate.decide(frames, 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-10))
    assert gate.windows is not None
    waiting = gate.windows.amplitude[40:50]
    assert len(waiting) == 10 and bool(np.all(waiting < 0)), "the gap's windows wait"
    stream = Segmenter(8000, coded=True)
    found = [s for i in range(0, len(x), 160) for s in stream.feed(x[i : i + 160])]
    found += stream.flush()
    assert len(found) == 1 and found[0].windows is not None
    assert bool(np.all(found[0].windows.amplitude >= 0))
    live = window_features(found[0].windows, found[0].samples.astype(np.float64))
    alone = segment_features(found[0].samples)
    assert live is not None and alone is not None
    assert np.array_equal(live, alone, equal_nan=True)


def test_noise_floor_runs_as_the_frame_by_frame_rule() -> None:
    """The gate's floor, judged a block at a time, follows the one-frame-at-a-time rule."""
    from kairos.detection.voice.vad import VoicedGate

    rng = np.random.default_rng(3)
    db = np.concatenate([rng.uniform(-90, -20, 300), np.full(50, -40.0), np.full(20, -95.0)])
    gate = VoicedGate(8000)
    frames = np.zeros((len(db), 160), np.float32)
    floors = []
    for i in range(0, len(db), 37):
        gate.decide(frames[i : i + 37], db[i : i + 37])
        floors.append(gate._floor)
    floor, expected = -60.0, []
    for i, d in enumerate(db.tolist()):
        floor = max(d, -85.0) if d < floor else min(floor + 0.06, d)
        if i % 37 == 36 or i == len(db) - 1:
            expected.append(floor)
    assert np.allclose(floors, expected, atol=1e-9)


def test_mulaw_round_trip_keeps_phone_audio() -> None:
    from kairos.detection.voice.codecs import mulaw_round_trip

    decoded = mulaw_decode(bytes(range(256)))
    assert np.array_equal(mulaw_round_trip(decoded), decoded)
    x = np.linspace(-1, 1, 1001, dtype=np.float32)
    assert np.array_equal(mulaw_round_trip(x), mulaw_decode(mulaw_encode(x)))


def _phone_line(x: np.ndarray, gain_db: float, noise_dbfs: float) -> np.ndarray:
    rng = np.random.default_rng(1)
    y = x * 10 ** (gain_db / 20) + rng.normal(0, 10 ** (noise_dbfs / 20), len(x))
    return mulaw_decode(mulaw_encode(y.astype(np.float32)))


@pytest.mark.parametrize("gain_db", [0, -30, -40])
def test_quiet_calm_speech_on_a_phone_line_gets_a_stress_value(gain_db: int) -> None:
    """Calm emodb speech, 40 dB quieter, 8 kHz μ-law over line noise: heard and scored.

    The energy-only rule this VAD replaced found no speech in any of these at -40 dB.
    """
    from kairos.detection.voice.vad import EnergyGate

    for emotion, index in (("Neutral", 0), ("Sad", 1), ("Neutral", 5)):
        x, rate = speech(emotion, index)
        heard = _phone_line(to_analysis_rate(x, rate), gain_db, -75)
        result = score_recording(heard, 8000)
        assert result.stress is not None and result.no_stress_reason is None, (emotion, index)
        if gain_db == -40:
            assert score_recording(heard, 8000, gate=EnergyGate()).stress is None


@pytest.mark.parametrize("noise_dbfs", [-30, -45, -60])
def test_line_noise_alone_is_not_speech_and_says_why(noise_dbfs: int) -> None:
    noise = _phone_line(np.zeros(24000, np.float32), 0, noise_dbfs)
    result = score_recording(noise, 8000)
    assert result.stress is None and result.segments == []
    assert result.no_stress_reason is not None and result.no_stress_reason.startswith("no speech")


def test_segmenter_refuses_absurd_rates() -> None:
    with pytest.raises(ValueError):
        Segmenter(100)


# -- features on real speech -----------------------------------------------------------------


def test_features_of_a_vowel() -> None:
    f = segment_features(vowel(0.8, f0=200.0))
    assert f is not None and len(f) == len(FEATURES)
    values = dict(zip(FEATURES, f.tolist(), strict=True))
    assert values["f0_mean_st"] == pytest.approx(12 * math.log2(2.0), abs=0.3)
    assert values["f0_range_st"] < 0.5 and values["voiced_fraction"] > 0.9
    assert values["hnr_db"] > 15 and values["jitter_pct"] < 0.5
    assert segment_features(np.zeros(8000, np.float32)) is None


def test_a_segment_of_an_odd_number_of_samples_is_measured() -> None:
    """A segment resampled from 11,025 Hz can end on an odd sample, which no 40 ms window
    reaches: it measures as without it, but for loudness and rate (it used to raise)."""
    x = vowel(1.0, f0=180.0)
    odd, even = segment_features(np.append(x, np.float32(0.1))), segment_features(x)
    assert odd is not None and even is not None
    assert np.allclose(odd, even, rtol=1e-3, equal_nan=True)
    stream = VoiceStream(11025)
    wave = np.interp(np.arange(0, 16000, 8000 / 11025), np.arange(16000), np.tile(x, 2))
    silence = np.zeros(11025, np.float32)
    found = stream.feed(np.concatenate([silence, wave.astype(np.float32), silence]))
    assert len(found + stream.flush()) >= 2


@pytest.mark.parametrize("f0", [80.0, 140.0, 300.0, 550.0])
def test_the_4_khz_pitch_track_reads_pitch_across_the_range(f0: float) -> None:
    """Decimated to 4 kHz (a lag is 0.25 ms), the parabola through the peak still places the
    pitch within a fifth of a semitone from 80 to 550 Hz, and steady pitch has no range."""
    f = segment_features(vowel(0.8, f0=f0))
    assert f is not None
    values = dict(zip(FEATURES, f.tolist(), strict=True))
    assert values["f0_mean_st"] == pytest.approx(12 * math.log2(f0 / 100.0), abs=0.2)
    assert values["f0_range_st"] < 0.3 and values["voiced_fraction"] > 0.9


@pytest.mark.parametrize(("rate", "factor"), [(8000, 2), (16000, 4), (48000, 12), (44100, 9)])
def test_every_rate_is_analysed_on_a_track_near_4_khz(rate: int, factor: int) -> None:
    """Windows are decimated by a factor that divides a 20 ms frame, to about 4 kHz; the
    pitch band (75-600 Hz) and the 1-2 kHz band stay below the track's Nyquist."""
    from kairos.detection.voice.frames import plan

    p = plan(rate)
    assert p.factor == factor and p.frame % p.factor == 0
    assert 4000 <= p.lag_rate < 5000 and p.length + p.lags - 1 <= p.nfft
    w = p.of_samples(vowel(0.5, f0=200.0, rate=rate).astype(np.float64))
    assert len(w) == int(0.5 / 0.02) - 1 and bool(np.all(w.amplitude > 0))
    assert bool(np.all(p.voiced(w.r, 0.5)))


def test_angry_speech_is_higher_and_more_effortful_than_neutral_from_the_same_speaker() -> None:
    def mean_features(emotion: str) -> dict[str, float]:
        rows = []
        for path in speaker_files("03", emotion):
            samples, rate, _ = read_audio(path)
            stream = Segmenter(8000)
            x = to_analysis_rate(samples, rate)
            rows += [segment_features(s.samples) for s in stream.feed(x) + stream.flush()]
        m = np.nanmean([r for r in rows if r is not None], axis=0)
        return dict(zip(FEATURES, m.tolist(), strict=True))

    angry, neutral = mean_features("Angry"), mean_features("Neutral")
    assert angry["f0_mean_st"] > neutral["f0_mean_st"] + 3
    assert angry["alpha_ratio_db"] > neutral["alpha_ratio_db"]


def test_features_are_rate_independent() -> None:
    samples, rate = speech("Neutral")
    at16 = segment_features(samples[: rate // 2 + rate // 4], rate)
    at8 = segment_features(to_analysis_rate(samples[: rate // 2 + rate // 4], rate), 8000)
    assert at16 is not None and at8 is not None
    assert np.allclose(at16, at8, equal_nan=True, atol=1e-3)


# -- the model and the tracker ---------------------------------------------------------------


def test_shipped_model_loads_and_round_trips(tmp_path: Path) -> None:
    model = load_default()
    assert DEFAULT_PATH.stat().st_size < 50_000
    assert model.version.startswith("voice-v1+")
    model.save(tmp_path / "m.npz")
    again = VoiceModel.load(tmp_path / "m.npz")
    assert again.version == model.version
    x = np.linspace(-1, 1, len(FEATURES))
    assert again.population_probability(x) == model.population_probability(x)
    assert pickle.loads(pickle.dumps(model)).version == model.version


def test_model_refuses_other_features(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    load_default().save(path)
    with np.load(path) as data:
        arrays = dict(data)
    arrays["features"] = np.array(["a", "b"])
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="other features"):
        VoiceModel.load(path)


def test_shipped_model_separates_angry_from_neutral_files() -> None:
    angry = [score_recording(*speech("Angry", i)).stress for i in range(0, 40, 4)]
    neutral = [score_recording(*speech("Neutral", i)).stress for i in range(0, 40, 4)]
    pairs = [(a > n) + 0.5 * (a == n) for a in angry for n in neutral]  # type: ignore[operator]
    assert sum(pairs) / len(pairs) > 0.9


def _call(*paths: Path, pause: float = 0.5) -> np.ndarray:
    """Files one after the other at 8 kHz with pauses: one caller's call."""
    parts = []
    for path in paths:
        samples, rate, _ = read_audio(path)
        parts += [to_analysis_rate(samples, rate), np.zeros(int(pause * 8000), np.float32)]
    return np.concatenate(parts)


def test_baseline_builds_and_reasons_name_the_caller() -> None:
    tracker = StressTracker(load_default())
    assert tracker.stress is None and tracker.baseline_weight == 0.0
    stream = VoiceStream(8000, tracker=tracker)
    stream.feed(_call(*speaker_files("03", "Neutral")))
    assert tracker.baseline_weight == pytest.approx(tracker.max_caller_weight)
    calm = tracker.stress
    assert calm is not None and calm < 0.4
    results = stream.feed(_call(speaker_files("03", "Angry")[0])) + stream.flush()
    assert max(r.stress for r in results) > calm + 0.3
    reasons = [c.text for r in results for c in r.cues]
    assert any("SD above this caller's baseline over the last" in t for t in reasons), reasons


def test_a_rant_does_not_become_the_new_baseline() -> None:
    tracker = StressTracker(load_default())
    stream = VoiceStream(8000, tracker=tracker)
    stream.feed(_call(*speaker_files("03", "Neutral")))
    before = tracker.baseline()
    stream.feed(_call(*speaker_files("03", "Angry")[:6]))
    after = tracker.baseline()
    assert before is not None and after is not None
    i = FEATURES.index("f0_mean_st")
    assert abs(after[i] - before[i]) < 1.0, "the pitch baseline stays at the calm level"


def test_tracker_state_is_small_and_copyable() -> None:
    samples, rate = speech("Angry")
    stream = VoiceStream(rate)
    stream.feed(samples)
    twin = copy.deepcopy(stream)
    tail = np.zeros(rate, np.float32)
    assert [r.stress for r in stream.feed(tail)] == [r.stress for r in twin.feed(tail)]
    assert len(pickle.dumps(stream)) < 100_000


def test_score_recording_of_silence_has_no_stress() -> None:
    result = score_recording(np.zeros(16000, np.float32), 16000)
    assert result.stress is None and result.segments == []
    assert (
        result.no_stress_reason == "no speech: the voice activity detector found no voiced speech"
    )


# -- reading recordings ----------------------------------------------------------------------


def test_read_audio_picks_the_customers_channel_and_never_mixes(tmp_path: Path) -> None:
    import soundfile

    left = vowel(0.5, rate=16000)
    stereo = np.stack([left, np.zeros_like(left)], axis=1)
    path = tmp_path / "s.wav"
    soundfile.write(path, stereo, 16000)
    # Mixing would put the agent's voice into the analysis: a stereo file needs its channel.
    with pytest.raises(AudioFormatError, match="agent's, whose voice is not analysed"):
        read_audio(path)
    picked, rate, channels = read_audio(path, channel=0)
    assert (rate, channels) == (16000, 2)
    assert np.allclose(picked, left, atol=1e-4)
    assert np.allclose(read_audio(path, channel=1)[0], 0.0, atol=1e-4)
    with pytest.raises(AudioFormatError, match="channel 2"):
        read_audio(path, channel=2)
    with pytest.raises(AudioFormatError, match="can be read"):
        read_audio(b"not audio")
    soundfile.write(tmp_path / "hi.wav", np.zeros(960), 96000)
    with pytest.raises(AudioFormatError, match="96000 Hz"):
        read_audio(tmp_path / "hi.wav")


# -- the detector ----------------------------------------------------------------------------


def _segment(i: int, stress: float, **extra: object) -> object:
    from kairos.events import AudioSegment

    return AudioSegment(
        event_id=f"seg-{i}",
        interaction_id="call-1",
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=i),
        start_s=float(i),
        end_s=i + 0.8,
        stress=stress,
        features={"f0_mean_st": 3.0},
        **extra,  # type: ignore[arg-type]
    )


def test_detector_takes_voice_stress_into_emotion_with_reasons() -> None:
    from kairos.detection.detector import MomentDetector
    from kairos.events import VoiceReason

    quiet = MomentDetector(model=None)
    text_only = quiet.update_text("I'd like to check my balance")
    assert text_only.stress is None
    calm = MomentDetector(model=None)
    a = calm.update(_segment(1, 0.2))  # type: ignore[arg-type]
    assert a.stress == 0.2 and a.emotion == text_only.emotion
    assert not [r for r in a.reasons if r.kind == "voice"]
    text = "pitch 2.3 SD above this caller's baseline over the last 10 s"
    reason = VoiceReason(feature="f0_mean_st", sd=2.3, text=text)
    b = calm.update(_segment(2, 0.9, reasons=[reason]))  # type: ignore[arg-type]
    assert b.stress == 0.9 and b.emotion > 0.7 and b.cube.startswith("emotion:high")
    voice = [r for r in b.reasons if r.kind == "voice"]
    assert {r.label for r in voice} == {"stress", "f0_mean_st"}
    assert any(r.text == reason.text and r.value == 2.3 for r in voice)
    c = calm.update(_segment(3, 0.25))  # type: ignore[arg-type]
    assert c.stress == 0.25 and not [r for r in c.reasons if r.kind == "voice"]


def test_agent_voice_does_not_count_and_replay_is_deterministic() -> None:
    from kairos.detection.detector import MomentDetector

    events = [_segment(1, 0.3), _segment(2, 0.8), _segment(3, 0.95, speaker="agent")]
    first = MomentDetector(model=None)
    second = MomentDetector(model=None)
    last = [first.update(e) for e in events][-1]  # type: ignore[arg-type]
    assert last.stress == 0.8
    assert [second.update(e) for e in events][-1] == last  # type: ignore[arg-type]


def test_score_output_has_no_stress_field() -> None:
    from kairos.detection.batch import scores_to_json
    from kairos.detection.detector import MomentDetector

    d = MomentDetector(model=None)
    d.observe_text("my flight got cancelled", occurred_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert "stress" not in scores_to_json(1, d.scores())
