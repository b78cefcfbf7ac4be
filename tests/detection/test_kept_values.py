"""The update path keeps the last assessment's values through events that move nothing.

An agent's turn without a cue while the stance is level, a bot's prompt, an IVR input, a survey
or the end change only the clock and the count of utterances, and ``detector_combine.assessment``
reuses the values it computed last (``DetectorState._values``). Each assessment must still be the
one ``Scores`` builds from the state, whatever came before: a deadline whose minutes run with the
clock, a stance that decays on a quiet agent turn, state folded by ``observe_text`` in between.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kairos.detection.assessment import Assessment
from kairos.detection.detector import MomentDetector
from kairos.events import InteractionEnded, IvrInput, SurveyResponse, Utterance

AT = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
QUIET = "let me check that for you"  # no agent cue: the stance has nothing to add


def _said(i: int, speaker: str, text: str) -> Utterance:
    return Utterance(
        event_id=f"e{i}",
        interaction_id="i1",
        occurred_at=AT + timedelta(minutes=i),
        speaker=speaker,  # type: ignore[arg-type]
        text=text,
    )


def _check(detector: MomentDetector, event: object) -> Assessment:
    got = detector.update(event)  # type: ignore[arg-type]
    assert got.model_dump_json() == detector.scores().to_assessment().model_dump_json()
    return got


def test_quiet_events_keep_the_values_and_every_assessment_is_the_plain_one() -> None:
    detector = MomentDetector(timezone="UTC", semantic=None)
    script = [
        ("customer", "my card was stolen and all my money is gone, I am furious"),
        ("agent", QUIET),
        ("bot", "please hold"),
        ("agent", QUIET),
        ("agent", "that's your fault, not ours"),  # a stance: the quiet turns after it decay it
        ("agent", QUIET),
        ("agent", QUIET),
        ("customer", "I need it sorted by 7 tonight or I lose my flight"),  # a deadline
        ("agent", QUIET),  # the clock moves: the deadline's minutes and urgency move with it
        ("bot", "still there?"),
        ("customer", "ok thanks"),
        ("agent", QUIET),
    ]
    kept = 0
    churn: list[float] = []
    for i, (speaker, text) in enumerate(script):
        before = detector._values
        churn.append(_check(detector, _said(i, speaker, text)).churn_risk)
        kept += detector._values is before and before is not None
    # The blame raised churn, and each quiet agent turn after it decays the stance.
    assert churn[4] > churn[3] and churn[4] > churn[5] > churn[6]
    common = {"interaction_id": "i1"}
    for j, event in enumerate(
        [
            IvrInput(
                **common, event_id="x1", occurred_at=AT + timedelta(hours=1), name="pin", value="1"
            ),
            SurveyResponse(**common, event_id="x2", occurred_at=AT + timedelta(hours=2), csat=2),
            InteractionEnded(**common, event_id="x3", occurred_at=AT + timedelta(hours=3)),
        ]
    ):
        _check(detector, event)
        assert detector.update(event).utterances == len(script), j
    # The quiet turns before the deadline kept the values; the ones after it could not.
    assert kept >= 3


def test_state_folded_in_between_is_never_read_from_kept_values() -> None:
    detector = MomentDetector(timezone="UTC", semantic=None)
    _check(detector, _said(0, "customer", "what are your opening hours?"))
    # Folded without an assessment: the kept values are stale from here on.
    detector.observe_text("this is a disgrace, I want a refund now", occurred_at=AT)
    _check(detector, _said(1, "agent", QUIET))
    detector.observe_text("I am closing my account", occurred_at=AT + timedelta(minutes=2))
    first = detector.assessment
    _check(detector, _said(3, "bot", "one moment"))
    assert detector.update(_said(4, "agent", QUIET)).churn_risk == first.churn_risk


def test_a_kept_assessment_shares_no_list_with_the_next() -> None:
    detector = MomentDetector(timezone="UTC", semantic=None)
    first = detector.update(_said(0, "customer", "someone stole my card, fraud, my money is gone"))
    assert first.stakes
    first.stakes.clear()
    first.reasons.clear()
    second = detector.update(_said(1, "agent", QUIET))
    assert second.stakes and second.reasons
    assert second.model_dump_json() == detector.scores().to_assessment().model_dump_json()
