"""The review library: hindsight detection, recovery, behaviours, outcome classes; themes."""

from __future__ import annotations

from kairos.outcomes import behaviours, themes
from kairos.outcomes.review import Known, Turn, infer_resolution, review, turn_sentiment

MOT = "My flight got cancelled and I have to be at my daughter's recital by 7 tonight"


def test_statuses_follow_the_definitions() -> None:
    turns = [Turn("customer", MOT), Turn("agent", "Let me check."), Turn("customer", "ok")]
    # Flagged live and handled as a moment, ended unresolved: lost.
    lost = review(turns, known=Known(resolved=False, live_score=0.9, handled_as_moment=True))
    assert (lost.status, lost.missed, lost.mot_live) == ("lost", True, True)
    # The same, handled as routine: missed.
    assert review(turns, known=Known(resolved=False, live_score=0.9)).status == "missed"
    # Not flagged live (only in hindsight), even when routed as a moment: missed.
    hindsight = review(turns, known=Known(resolved=False, live_score=0.1, handled_as_moment=True))
    assert (hindsight.status, hindsight.mot_live, hindsight.mot_hindsight) == (
        "missed", False, True)  # fmt: skip
    assert hindsight.why[0].startswith("only seen in hindsight")
    # Resolved and confirmed, handled as a moment: won and not on the morning list.
    won = review(turns, known=Known(resolved=True, confirmed_by_customer=True, live_score=0.9,
                                    handled_as_moment=True))  # fmt: skip
    assert (won.status, won.missed, won.ended_well) == ("won", False, True)
    # Won while handled as routine: still won, but a missed moment to look at.
    assert review(turns, known=Known(resolved=True)).missed
    # A low CSAT or a recontact undoes a resolution.
    assert review(turns, known=Known(resolved=True, csat=1)).ended_well is False
    assert review(turns, known=Known(resolved=True, recontact=True)).status == "missed"
    # Routine contacts are neither won nor lost.
    routine = review([Turn("customer", "What are your opening hours?")])
    assert (routine.status, routine.missed) == ("routine", False)


def test_survey_free_text_can_reveal_a_moment_in_hindsight() -> None:
    turns = [Turn("customer", "Can you change my seat?"), Turn("agent", "Done.")]
    assert review(turns).status == "routine"
    said = "Because of you I missed my father's funeral. Disgraceful, I'm cancelling my account."
    after = review(turns, known=Known(survey_text=said))
    assert after.mot_hindsight and after.status == "missed"
    assert after.sentiment_end is not None and after.sentiment_end < 0


def test_sentiment_and_resolution_from_the_customers_words() -> None:
    assert turn_sentiment("Thank you so much, that's great!") > 0.2
    assert turn_sentiment("This is ridiculous and I am furious!!") < -0.4
    ask = Turn("agent", "Rebooked you on the 6pm.")
    assert infer_resolution([Turn("customer", "help"), ask, Turn("customer", "Thanks!")]) is True
    assert infer_resolution([Turn("customer", "help"), ask,
                             Turn("customer", "Still waiting, useless.")]) is False  # fmt: skip
    assert infer_resolution([Turn("customer", "help"), ask]) is None
    assert infer_resolution([Turn("customer", "help")]) is None


def test_behaviours_carry_their_spans() -> None:
    text = "I'm so sorry to hear that. Leave it with me. You'll have to call the airline though."
    found = behaviours.agent_turn(text, turn=3, event_id="e9")
    kinds = {b.kind for b in found}
    assert {"empathy", "ownership", "deflection"} <= kinds
    for b in found:
        assert text[b.start : b.end] == b.text and b.turn == 3 and b.event_id == "e9"
    close = behaviours.agent_turn("There's nothing more I can do for you.", turn=0)
    assert [b.kind for b in close] == ["premature_close"]
    assert behaviours.agent_turn("Your flight leaves at 6pm from gate 12.", turn=0) == []
    asked = behaviours.reasks([
        ("customer", "my booking reference is QX42LM", "c1"),
        ("agent", "What is your booking reference?", "a1"),
        ("agent", "What is your date of birth?", "a2"),
    ])  # fmt: skip
    assert [(b.label, b.event_id) for b in asked] == [("booking_reference", "a1")]


def test_themes_group_feedback_by_what_it_is_about() -> None:
    texts = [
        "my bag was lost and nobody helps", "lost baggage at the airport, still no bag",
        "bag lost again on the way home", "the wifi on board did not work",
        "no wifi during the flight", "wifi broken on the flight", "the agent at the gate was rude",
        "rude staff at the gate, shouting at us",
    ]  # fmt: skip
    groups = themes.group(texts)
    members = sorted(sorted(g.members) for g in groups)
    assert members == [[0, 1, 2], [3, 4, 5], [6, 7]]
    wifi = next(g for g in groups if 3 in g.members)
    assert "wifi" in wifi.keywords and "wifi" in wifi.label
    assert themes.group(texts) == groups  # deterministic
    assert themes.group([]) == [] and len(themes.group(["just one"])) == 1
    assert themes.overlap(["a", "b"], ["b", "c"]) == 1 / 3
