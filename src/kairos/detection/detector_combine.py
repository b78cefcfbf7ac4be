"""How a detector's state combines into scores, and the assessment the update path builds.

``combine`` turns one interaction's running aggregates (``DetectorState``) into ``Scores``'
values; ``assessment`` is the update path's shortcut to ``scores().to_assessment()``: the
reasons' contract models are kept until the cues change (most turns add none), and the
assessment's fields are written straight into its dict. ``benchmarks/detector_speed.py`` holds
every assessment of 80,000 real turns to the plain path.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from kairos.detection.assessment import HIGH, Assessment, Cue
from kairos.detection.combination import (
    _CUBE,
    _IMPLIED_URGENCY,
    _clip,
    _raw_mot_score,
    calibrate_fixed,
    noisy_or,
    noisy_or5,
    pre_prior_logit,
)
from kairos.detection.detector_contracts import ScoreValues, _built, _cue

if TYPE_CHECKING:
    from kairos.detection.detector_state import DetectorState

# A grievance weaker than this (a refund asked for, a case number given) is no pressure.
_GRIEVANCE_FLOOR = 0.5
# The n-gram model's stakes head reads ordinary complaints (a buggy app) as stakes at 0.3-0.5;
# at 0.8 that made irritation a moment of truth. The lexical stakes are the evidence.
_MODEL_STAKES = 0.4
_exp = math.exp


def deadline_urgency(s: DetectorState) -> float:
    """How urgent the binding deadline makes the contact, as of the latest event (0: none)."""
    if s._deadline is None or s._latest is None:
        return 0.0
    hours = (s._deadline - s._latest).total_seconds() / 3600.0
    # Nearer is more urgent: ~0.9 within the hour, 0.8 at 2 h, 0.5 at 8 h, 0.25 a day out.
    # A deadline that has passed still matters (it was missed) but no longer races a clock.
    u = 0.6 if hours < 0 else 1.0 / (1.0 + hours / 8.0)
    return u * s._deadline_conf


def complexity_and_journey(s: DetectorState, n_stakes: int) -> tuple[float, float]:
    """The complexity axis, and what the journey adds to the raw score (0 without one)."""
    j = s._journey
    journey_risk = 0.0
    complexity = noisy_or5(s._complexity, 0.3 * min(s._repeats, 3), 0.15 * max(0, n_stakes - 1))
    if s._transfers:
        complexity = noisy_or(complexity, *([0.25] * min(s._transfers, 4)))
    if j is not None:
        journey_risk = noisy_or(
            0.4 if j.repeat_contact else 0.0,
            0.3 * min(j.prior_failed_moments, 3),
            0.4 * (j.customer_value or 0.0),
            min(0.3, (j.tenure_years or 0.0) / 40),
        )
        complexity = noisy_or(complexity, 0.35 if j.repeat_contact else 0.0,
                              0.15 * min(j.prior_contacts_same_issue, 4))  # fmt: skip
    return _clip(complexity), journey_risk


def _stakes_and_urgency(
    s: DetectorState,
) -> tuple[dict[str, float] | None, float, float, float]:
    """The stakes that count, their strength, the deadline's urgency and the urgency, for
    :func:`combine` (``noisy_or``'s, ``max``'s and ``_clip``'s operations written out)."""
    strength = implied = 0.0
    stakes = {k: v for k, v in s._stakes.items() if v >= 0.45} if s._stakes else None
    if stakes:  # most turns of most interactions have none: skip the sorting
        # The strongest stake, and half the next one (the same operations as noisy_or's).
        top = sorted(stakes.values(), reverse=True)
        strength = _clip(noisy_or5(top[0], 0.5 * top[1] if len(top) > 1 else 0.0))
        implied = noisy_or(*[_IMPLIED_URGENCY.get(k, 0.0) * v for k, v in stakes.items()])
    model_stakes = _MODEL_STAKES * s._model_stakes
    if model_stakes > strength:  # max(strength, model_stakes)
        strength = model_stakes
    deadline = s._deadline
    deadline_u = deadline_urgency(s) if deadline is not None else 0.0
    # noisy_or5(deadline_u, urg_words, implied), clipped
    miss = 1.0
    if deadline_u > 0.0:
        miss *= 1.0 - (deadline_u if deadline_u < 1.0 else 1.0)
    v = s._urg_words
    if v > 0.0:
        miss *= 1.0 - (v if v < 1.0 else 1.0)
    if implied > 0.0:
        miss *= 1.0 - (implied if implied < 1.0 else 1.0)
    urgency = 1.0 - miss
    urgency = 0.0 if urgency < 0.0 else 1.0 if urgency > 1.0 else urgency
    return stakes, strength, deadline_u, urgency


def combine(s: DetectorState, evidence: float | None = None, *, rows: bool = True) -> ScoreValues:
    """``Scores``' values for the state, in its fields' order.

    ``evidence``: the sum of the cues' absolute weights, where the caller keeps it; ``rows``
    False leaves the reasons' rows out (an empty list: the update path has their models).
    Every comparison and operation is ``noisy_or``'s, ``max``'s and ``_clip``'s, written out
    (this runs on every event), in the same order: the scores are the same to the bit.
    """
    stakes, strength, deadline_u, urgency = _stakes_and_urgency(s)
    deadline = s._deadline
    stance = s._agent
    blame = stance if stance > 0.0 else 0.0
    owned = -stance if -stance > 0.0 else 0.0
    turns = s._turns
    rise = 0.0
    if turns >= 3:
        rise = s._emo_fast - s._emo_slow
        if not rise > 0.0:  # max(0.0, rise)
            rise = 0.0
    # A grave stake with the clock running is distressing even when told calmly.
    situational = strength * strength * (0.4 + 0.5 * urgency)
    # The customer's emotion comes from the customer alone: the agent's words and voice
    # never feed it (EU AI Act 5(1)(f)); the agent's stance counts toward churn only.
    voice = s._voice_emotion() if s._stress is not None else 0.0
    emotion = _clip(noisy_or5(s._emo_level, 0.8 * rise, situational, s._model_emotion, voice))
    tenure = s._tenure * (0.3 + 0.7 * emotion)
    j = s._journey
    failed = 0.25 * min(j.prior_failed_moments, 3) if j else 0.0
    churn = noisy_or5(s._churn, tenure, 0.35 * blame, 0.8 * s._model_churn, failed)
    churn = _clip(churn * (1.0 - 0.3 * owned))
    n_stakes = len(stakes) if stakes else 0
    if j is None and not s._transfers:
        # complexity_and_journey's common case: no journey, no transfer.
        complexity = _clip(
            noisy_or5(s._complexity, 0.3 * min(s._repeats, 3), 0.15 * max(0, n_stakes - 1))
        )
        journey_risk = 0.0
    else:
        complexity, journey_risk = complexity_and_journey(s, n_stakes)
    grievance = s._grievance
    raw = _raw_mot_score(
        emotion, urgency, complexity, churn, strength, deadline_u, journey_risk,
        grievance if grievance >= _GRIEVANCE_FLOOR else 0.0, s._praise,
    )  # fmt: skip
    model = s._model
    mot = _clip(model.calibrate(raw) if model is not None else calibrate_fixed(raw))
    version = model.version if model is not None else "cues-only"
    sem = s._semantic
    combiner = None
    if s._sem_mot is not None:
        # The semantic tier: the fused score, and its axes (the raw score stays lexical).
        combiner = sem.combiner if sem is not None else None
        if combiner is not None:
            mot = _clip(combiner.score(raw, s._sem_mot))
        emotion = _clip(noisy_or(emotion, 0.8 * s._sem_emotion))
        churn = _clip(noisy_or(churn, 0.6 * s._sem_churn))
    if sem is not None:
        version = f"{version}+{sem.version}"
    floor = s._floor
    if floor > mot:  # max(mot, floor)
        mot = floor
    # Log odds without the prior: ``kairos calibrate`` re-scores at another base rate from it.
    logit = None if combiner is None else pre_prior_logit(mot, combiner.prior)
    if evidence is None:
        evidence = sum([abs(r[2]) for r in s._cues])
    confidence = _clip(1.0 - _exp(-(0.5 * evidence + 0.3 * turns)))
    latest = s._latest
    minutes = None
    if deadline is not None and latest is not None:
        minutes = round((deadline - latest).total_seconds() / 60.0, 1)
    cube = _CUBE[emotion >= HIGH, urgency >= HIGH, complexity >= HIGH]
    stress = s._stress
    # ``Scores``' fields in order (``ScoreValues`` names them).
    return (s.interaction_id, round(emotion, 4), round(urgency, 4), round(complexity, 4),
            round(churn, 4), sorted(stakes, key=stakes.__getitem__, reverse=True) if stakes else [],
            deadline, minutes, cube, raw, round(mot, 4),
            round(0.05 if confidence < 0.05 else 0.99 if confidence > 0.99 else confidence, 4),
            list(s._cues) if rows else [], version, latest, s._utterances,
            round(stress, 4) if stress is not None else None,
            s._language.language, logit)  # fmt: skip


def reasons(s: DetectorState) -> tuple[list[Cue], float]:
    """The contract models of the state's cues and the sum of their absolute weights, worked
    out again only after the cues changed."""
    kept = s._reasons
    if kept is None:
        rows = s._cues
        kept = s._reasons = ([_cue(r) for r in rows], sum([abs(r[2]) for r in rows]))
    return kept


def assessment(s: DetectorState) -> Assessment:
    """``Scores(*combine(s)).to_assessment()``, its dict written directly (the update path).

    After an event that moved nothing but the clock and the count of utterances (an agent's
    turn without a cue while the stance is level, a bot's prompt), the last values are kept
    (``s._values``, which ``MomentDetector.update`` clears on every other event): without a
    deadline, nothing ``combine`` computes reads the clock, so only those two fields change.
    """
    cues, evidence = reasons(s)
    kept = s._values
    if kept is None or s._deadline is not None:
        (_id, emotion, urgency, complexity, churn, stakes, deadline, minutes, cube, _raw, mot,
         confidence, _rows, version, _as_of, _utterances, stress, language, logit) = combine(
            s, evidence, rows=False)  # fmt: skip
        if deadline is None:  # only what the next quiet event can reuse
            s._values = (emotion, urgency, complexity, churn, stakes, cube, mot, confidence,
                         version, stress, language, logit)  # fmt: skip
    else:
        (emotion, urgency, complexity, churn, stakes, cube, mot, confidence, version, stress,
         language, logit) = kept  # fmt: skip
        deadline = minutes = None
    return _built(
        Assessment,
        {
            "interaction_id": s.interaction_id,
            "emotion": emotion,
            "urgency": urgency,
            "complexity": complexity,
            "churn_risk": churn,
            "stakes": list(stakes),
            "deadline": deadline,
            "minutes_to_deadline": minutes,
            "cube": cube,
            "mot_score": mot,
            "confidence": confidence,
            "reasons": list(cues),
            "model_version": version,
            "as_of": s._latest,
            "utterances": s._utterances,
            "stress": stress,
            "language": language,
            "mot_logit": logit,
        },
    )
