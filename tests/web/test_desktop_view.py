"""The desktop's plain words: reasons, voice stress trend, levels that never rely on colour."""

from __future__ import annotations

from datetime import UTC, datetime

from kairos.detection.assessment import Assessment, Cue
from kairos.interactions.models import Interaction
from kairos.web.desktop import InteractionView, fill_wording, plain_reason
from kairos.web.templating import level, local_hhmm


def _view(stress: list[float]) -> InteractionView:
    now = datetime.now(UTC)
    interaction = Interaction(
        external_id="x", channel="call", started_at=now, last_event_at=now, mot_score=0.7
    )
    return InteractionView(
        interaction=interaction,
        customer=None,
        assessment=None,
        reasons=[],
        transcript=[],
        facts=[],
        journey=[],
        prior_moments=[],
        stress=stress,
        decision=None,
    )


def test_reasons_read_as_plain_words() -> None:
    cue = Cue(kind="stakes", label="family_event", weight=0.8, text="recital")
    assert plain_reason(cue) == "At stake — family event: “recital”"
    voice = Cue(kind="voice", label="pitch_rise", weight=0.5, feature="f0_mean", value=0.71)
    assert plain_reason(voice) == "Voice — pitch rise (f0 mean 0.71)"
    # A count named like its cue reads once, as a count: not "prior failed moments
    # (prior failed moments 4.00)".
    journey = Cue(kind="journey", label="prior_failed_moments", weight=0.4,
                  feature="prior_failed_moments", value=4.0)  # fmt: skip
    assert plain_reason(journey) == "Journey — prior failed moments: 4"


def test_voice_stress_trend() -> None:
    assert _view([]).stress_trend == "no audio"
    assert _view([0.4]).stress_trend == "steady"
    assert _view([0.2, 0.3, 0.5, 0.7]).stress_trend == "rising"
    assert _view([0.8, 0.6, 0.4]).stress_trend == "falling"
    assert _view([0.5, 0.52, 0.49]).stress_trend == "steady"
    assert _view([0.2]).is_moment


def test_levels_carry_text_labels() -> None:
    assert [level(v) for v in (None, 0.1, 0.35, 0.6, 0.9)] == [
        "UNKNOWN",
        "LOW",
        "MEDIUM",
        "HIGH",
        "VERY HIGH",
    ]


def test_playbook_wording_is_filled_with_what_is_known() -> None:
    view = _view([])
    view.assessment = Assessment(
        emotion=0, urgency=0, complexity=0, churn_risk=0, cube="", mot_score=0, confidence=0,
        deadline=datetime(2026, 11, 22, 19, tzinfo=UTC),
    )  # fmt: skip
    view.interaction.timezone = "America/Denver"
    line = "I know you need to be there by {deadline}; the {time} flight"
    assert fill_wording(line, view) == "I know you need to be there by 12:00; the {time} flight"


def test_wording_keeps_the_customers_local_time_on_a_channel_without_a_zone() -> None:
    # Read in Europe/Madrid from the customer's phone: 19:00 there, not 18:00 UTC.
    view = _view([])
    view.assessment = Assessment(
        emotion=0, urgency=0, complexity=0, churn_risk=0, cube="", mot_score=0, confidence=0,
        deadline=datetime.fromisoformat("2026-11-22T19:00:00+01:00"),
    )  # fmt: skip
    view.interaction.timezone = None
    assert fill_wording("by {deadline}", view) == "by 19:00"


def test_pages_show_a_deadline_in_the_customers_own_time() -> None:
    assert local_hhmm("2026-11-22T19:00:00+01:00") == "19:00 (UTC+01:00)"
    assert local_hhmm("2026-11-22T19:00:00-05:00") == "19:00 (UTC-05:00)"
    assert local_hhmm("2026-11-22T19:00:00+05:30") == "19:00 (UTC+05:30)"
    assert local_hhmm("2026-11-22T19:00:00Z") == "19:00 (UTC)"
    assert local_hhmm(None) == ""
