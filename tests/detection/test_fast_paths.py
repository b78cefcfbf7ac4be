"""The detector's shortcuts give what the plain computation gives, on 20,000 real turns.

The speed work on the fast tier (``benchmarks/detector_speed.py``) must not move a single
assessment, or the quality figures measured before it would no longer hold: the text model's
``predict`` is checked against the sigmoid of its reference ``logits`` and its tokeniser against
the token pattern, the deadline finder's pre-checks against running every pattern family on every
text, the language vote's contiguous weights against the library's own identifier, and the
detector's assessment against the one built through ``Scores``, turn by turn over real threads.
"""

from __future__ import annotations

import itertools
import math
import zlib
from datetime import UTC, datetime, timedelta

import pytest

from kairos.detection import deadline_patterns, deadlines, language
from kairos.detection.deadlines import find_deadlines
from kairos.detection.detector import MomentDetector
from kairos.detection.model import (
    _TOKEN_BYTES,
    feature_ids,
    load_default,
    reference_feature_ids,
)
from kairos.events import Utterance
from kairos.replay import read_threads, threads_path

N = 20_000


@pytest.fixture(scope="module")
def turns() -> list[str]:
    path = threads_path()
    if path is None:
        pytest.skip("the shared airline threads are absent")
    texts: list[str] = []
    for thread in read_threads(path):
        texts.extend(turn.text for turn in thread.turns)
        if len(texts) >= N:
            break
    return texts[:N]


def test_predict_equals_the_reference_logits(turns: list[str]) -> None:
    model = load_default()
    if model is None:
        pytest.skip("no text model shipped")
    for text in [*turns, *_ODD, "", "!!!", "word " * 1500]:
        z = model.logits(text).tolist()
        expected = {h: 1.0 / (1.0 + math.exp(-v)) for h, v in zip(model.heads, z, strict=True)}
        got = model.predict(text)
        assert got.keys() == expected.keys()
        for head, p in expected.items():
            assert got[head] == pytest.approx(p, rel=0, abs=1e-15), (text, head)
        # To the bit, not only within 1e-15: the same float32 operations in the same order.
        assert got == model.predict_reference(text), text


@pytest.mark.parametrize("language", ["en", None])
def test_deadline_prechecks_drop_no_match(turns: list[str], language: str | None) -> None:
    now = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    found = 0
    for text in turns:
        quick = find_deadlines(text, now, "Europe/Madrid", language)
        full = find_deadlines(text, now, "Europe/Madrid", language, exhaustive=True)
        assert quick == full, text
        found += bool(quick)
    assert found > 100  # the replay does hold deadlines, so the comparison means something


@pytest.mark.parametrize(
    "text",
    [
        "I need it sorted right now",
        "my flight leaves in 2h and I am still here",
        "by ten tonight please",
        "the customer was satisfied with the money",
        "back on sat morning",
        "I know, with my family, someone often calls",
    ],
)
def test_prechecks_on_phrasings(text: str) -> None:
    # Common words the old substring pre-checks let through ("know", "with", "satisfied",
    # "someone"), and the phrasings they stand for.
    now = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    assert find_deadlines(text, now) == find_deadlines(text, now, exhaustive=True)


_ODD = [
    "",
    "'",
    "don't",
    "'quoted' words",
    "rock'n'roll",
    "it's9am",
    "ÉTÉ à Paris",
    "a\tb\nc",
    "x" * 300,
    "2h",
    "İstanbul",
    "wait—what?!",
    "o'clock 5 o' clock",
]


def test_tokeniser_equals_the_token_pattern(turns: list[str]) -> None:
    # Without an apostrophe the model splits on every byte outside [a-z0-9] instead of running
    # its token pattern; the bucket ids must be those of the pattern's tokens and joined pairs.
    for text in [*turns, *_ODD]:
        for bits in (18, 12):
            assert feature_ids(text, bits) == reference_feature_ids(text, bits), text
    # The reference itself, spelt out once more on one text: the pattern's tokens, "a|b" pairs.
    grams = _TOKEN_BYTES.findall(b"don't stop me now")
    ids = {zlib.crc32(g) & 0x3FFFF for g in grams}
    ids.update(zlib.crc32(b"|".join(pair)) & 0x3FFFF for pair in itertools.pairwise(grams))
    assert grams == [b"don't", b"stop", b"me", b"now"]
    assert reference_feature_ids("Don't STOP me now!", 18) == sorted(ids)


def test_compact_language_tables_read_alike(turns: list[str]) -> None:
    # The vote reads the languages' weights from a C-ordered copy and walks the bytes over
    # arrays instead of lists; the library's own identifier (its strided view, its lists) must
    # give the same language and the same probability, to the bit.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    reference.set_languages(list(language.LANGUAGES))
    ours = language._identifier()
    assert ours.nb_ptc.flags["C_CONTIGUOUS"]  # type: ignore[attr-defined]
    assert isinstance(reference._rowbase, list)
    assert not isinstance(ours._rowbase, list)  # type: ignore[attr-defined]
    for text in [*turns[:5000], *_ODD]:
        assert ours.classify(text[:64]) == reference.classify(text[:64]), text


# Texts the language walk must read as the library does: capitals, accents composed and not
# (NFC changes the second), other scripts, an emoji, a lone surrogate, no feature at all.
_LANGUAGE_ODD = [
    "MI VUELO FUE CANCELADO",
    "Ça ne marche pas, très déçu",
    "Cafe\u0301 tre\u0300s froid ici",
    "Größe Straße, Kündigung sofort",
    "Ελληνικά και русский текст",
    "flight 🙃 delayed again 😡😡",
    "bad \ud800 surrogate here",
    "\x00\x01 \x02",
    "    ",
]


def test_the_language_walk_reads_as_the_library(turns: list[str]) -> None:
    # ``_classify`` is py3langid's classify in one frame (no Counter, no method layers): the
    # library's own identifier, limited to the same languages, must give the same language and
    # the same probability to the bit, on the 64 characters the vote reads and on whole texts.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    reference.set_languages(list(language.LANGUAGES))
    classify = language._classifier()
    assert classify is not language._identifier().classify  # the installed py3langid is 0.4's
    for text in [*turns, *_ODD, *_LANGUAGE_ODD]:
        for cut in (text[:64], text):
            assert classify(cut) == reference.classify(cut), cut
    assert {classify(t[:64])[0] for t in turns[:2000]} >= {"en"}


def test_backwards_hour_gate_finds_what_the_forward_one_does(turns: list[str]) -> None:
    forward = deadline_patterns._H_UNIT_GATE
    backwards = deadlines._H_UNIT_BACKWARDS
    phrases = ["in 2h", "two-h", "in 2 - h!", "a couple of h.", "yeah", "with us", "3 h", "1hr"]
    hits = 0
    for text in [*(t.lower() for t in turns), *phrases]:
        found = forward.search(text) is not None
        assert found == (backwards.search(text[::-1]) is not None), text
        hits += found
    assert hits > 10


@pytest.mark.parametrize("as_spoken", [True, False])
def test_assessment_equals_the_one_built_through_scores(as_spoken: bool) -> None:
    # Real threads, turn by turn, with the speakers who said them and all read as a customer's:
    # the update path's assessment (no ``Scores`` in between) is the one ``Scores`` builds.
    path = threads_path()
    if path is None:
        pytest.skip("the shared airline threads are absent")
    at = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    compared = 0
    for k, thread in enumerate(read_threads(path, limit=150)):
        detector = MomentDetector(timezone="UTC", semantic=None)
        for i, turn in enumerate(thread.turns):
            event = Utterance(
                event_id=f"e{k}-{i}",
                interaction_id=f"i{k}",
                occurred_at=at + timedelta(seconds=i),
                speaker=turn.speaker if as_spoken else "customer",
                text=turn.text,
            )
            got = detector.update(event)
            expected = detector.scores().to_assessment()
            assert got == expected
            assert got.model_dump_json() == expected.model_dump_json()
            compared += 1
    assert compared > 300


def test_kept_reasons_follow_every_change_of_the_cues() -> None:
    # The update path keeps the reasons' models until the cues change (``detector_combine``'s
    # ``reasons``): across replaced rows, rows pushed out past TOP_K, voice reasons dropped and
    # added, transfers, IVR choices and deadlines, each assessment is the one ``Scores`` builds
    # from the rows (the threads above have no voice, transfers or IVR).
    from kairos.detection.detector import TOP_K
    from kairos.events import AudioSegment, IvrSelection, Transfer, VoiceReason

    at = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    said = [
        "My flight was cancelled and I need to be in Boston by 7 tonight!!",
        "This is the THIRD time I am calling, it is ridiculous, I'm done with you",
        "I will cancel my account and go to a competitor, the staff were rude",
        "my mother is in hospital and I lost my money, fraud on my card",
        "ok thanks that's all I needed",
        "I need it by tomorrow 9am or I lose the contract, urgent please",
        "absolutely furious, worst service ever, I want a refund now",
    ]
    detector = MomentDetector(timezone="UTC", semantic=None)
    events: list[object] = []
    for i in range(40):
        when = at + timedelta(seconds=i)
        common = {"event_id": f"e{i}", "interaction_id": "i1", "occurred_at": when}
        if i % 9 == 4:
            events.append(Transfer(**common, reason="billing"))
        elif i % 11 == 6:
            events.append(
                IvrSelection(**common, menu="main", option="3", label="lost bag", mot_prone=True)
            )
        elif i % 5 == 3:
            reasons = [VoiceReason(feature="f0_mean_st", sd=2.5 + i / 10, text="pitch up")]
            events.append(
                AudioSegment(
                    **common,
                    start_s=float(i),
                    end_s=i + 0.8,
                    stress=(i % 7) / 6,
                    reasons=reasons,
                )
            )
        else:
            speaker = "agent" if i % 4 == 1 else "customer"
            text = said[i % len(said)] if speaker == "customer" else "that's your fault, not ours"
            events.append(Utterance(**common, speaker=speaker, text=text))
    longest = 0
    for event in events:
        got = detector.update(event)
        expected = detector.scores().to_assessment()
        assert got.model_dump_json() == expected.model_dump_json()
        longest = max(longest, len(got.reasons))
    assert longest == TOP_K


def test_predict_equals_the_reference_for_other_heads(turns: list[str]) -> None:
    # The shipped model has four heads; ``predict`` must equal the reference for any number.
    import numpy as np

    from kairos.detection.model import TextModel

    rng = np.random.default_rng(7)
    for heads in (("a",), ("a", "b", "c"), ("a", "b", "c", "d", "e")):
        model = TextModel(
            rng.normal(size=(1 << 10, len(heads))),
            rng.normal(size=len(heads)),
            heads=heads,
            bits=10,
        )
        for text in [*turns[:2_000], *_ODD, ""]:
            assert model.predict(text) == model.predict_reference(text), (heads, text)
