"""The detector's combination maths: how evidence in [0, 1] adds up, and the raw MoT score.

``raw_mot_score`` is the one definition of the uncalibrated MoT score; ``calibrate_fixed`` maps
it to a probability while no fitted calibration ships.
"""

from __future__ import annotations

import math

from kairos.detection.assessment import cube_cell

# How much of a stake's weight turns into urgency without any deadline: these situations are
# time-critical by nature (a stranded traveller, a gas leak), others less so.
_IMPLIED_URGENCY: dict[str, float] = {
    "travel_disruption": 0.55,
    "safety": 0.7,
    "health": 0.45,
    "fraud": 0.5,
    "money_lost": 0.35,
    "business_deadline": 0.45,
    "insurance_claim": 0.4,
    "bereavement": 0.3,
    "family_event": 0.3,
    "first_time": 0.0,
}
#: How far the last turn's praise lowers the raw score (a relieved or delighted customer).
PRAISE_WEIGHT = 1.0
# Fixed logistic used until a fitted calibration ships with the model.
_CAL_CENTER = 3.0
_CAL_SLOPE = 1.8
_sqrt = math.sqrt


def _prob(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _above_even(p: float) -> float:
    """How far a balanced head's probability is above even odds, in [0, 1]."""
    return 0.0 if p <= 0.5 else 2.0 * (p - 0.5)


def noisy_or(*values: float) -> float:
    """Combine independent pieces of evidence in [0, 1]: 1 - prod(1 - v)."""
    miss = 1.0
    for v in values:
        if v > 0.0:
            miss *= 1.0 - min(v, 1.0)
    return 1.0 - miss


def noisy_or5(a: float, b: float, c: float = 0.0, d: float = 0.0, e: float = 0.0) -> float:
    """``noisy_or(a, b, c, d, e)`` for up to five values, the same operations in the same order
    without the loop over a tuple (the detector combines a handful on every event)."""
    miss = 1.0
    if a > 0.0:
        miss *= 1.0 - (a if a < 1.0 else 1.0)
    if b > 0.0:
        miss *= 1.0 - (b if b < 1.0 else 1.0)
    if c > 0.0:
        miss *= 1.0 - (c if c < 1.0 else 1.0)
    if d > 0.0:
        miss *= 1.0 - (d if d < 1.0 else 1.0)
    if e > 0.0:
        miss *= 1.0 - (e if e < 1.0 else 1.0)
    return 1.0 - miss


def _clip(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def raw_mot_score(
    *,
    emotion: float,
    urgency: float,
    complexity: float,
    churn_risk: float,
    stakes_strength: float,
    deadline_urgency: float,
    journey_risk: float = 0.0,
    grievance: float = 0.0,
    praise: float = 0.0,
) -> float:
    """The uncalibrated MoT score: a real number, higher means more of a moment of truth.

    Inputs are in [0, 1]: the four axes of the assessment; ``stakes_strength``, how sure and how
    grave the strongest stakes are (0 with none); ``deadline_urgency``, urgency due to a stated
    deadline alone; ``journey_risk``, what the journey adds (repeat contact, failed moments,
    value, tenure); ``grievance``, how sure it is that the relationship itself is at stake: a
    failure repeated ("the third time"), a threat to leave, mistreatment by staff. A moment of
    truth needs *pressure* (stakes, a deadline, a grievance, or at half weight urgent words)
    together with *affect* (emotion or churn risk): their geometric mean is the core, so a rant
    without stakes or a stake nobody minds stays low. ``praise`` in [0, 1], how positive the last
    customer turn reads where a word-valence lexicon reads its language
    (``kairos.detection.valence``), lowers the score.
    """
    return _raw_mot_score(
        emotion, urgency, complexity, churn_risk, stakes_strength, deadline_urgency,
        journey_risk, grievance, praise,
    )  # fmt: skip


def _raw_mot_score(
    emotion: float,
    urgency: float,
    complexity: float,
    churn_risk: float,
    stakes_strength: float,
    deadline_urgency: float,
    journey_risk: float,
    grievance: float,
    praise: float,
) -> float:
    """``raw_mot_score`` with its arguments in order (the detector calls it on every event)."""
    pressure = max(stakes_strength, deadline_urgency, 0.5 * urgency, grievance)
    affect = max(emotion, churn_risk)
    core = _sqrt(pressure * affect)
    return (
        6.0 * core
        + 1.0 * complexity
        + 1.2 * journey_risk
        + 0.8 * max(pressure, affect)
        - PRAISE_WEIGHT * praise
    )


def pre_prior_logit(score: float, prior: float) -> float:
    """A fused score's log odds with the centre's prior taken out, rounded to 4 places.

    ``sigmoid(pre_prior_logit(p, prior) + other)`` is what the same evidence scores at another
    prior: re-thresholding at another base rate needs no second reading of the contact.
    """
    p = 1e-9 if score < 1e-9 else 1.0 - 1e-9 if score > 1.0 - 1e-9 else score
    return round(math.log(p / (1.0 - p)) - prior, 4)


def calibrate_fixed(raw: float) -> float:
    """The logistic that maps a raw score to a probability while no fitted calibration ships."""
    return 1.0 / (1.0 + math.exp(-_CAL_SLOPE * (raw - _CAL_CENTER)))


# The cube cell of each (emotion, urgency, complexity) high/low combination, named once.
_CUBE: dict[tuple[bool, bool, bool], str] = {
    (e, u, c): cube_cell(float(e), float(u), float(c))
    for e in (False, True)
    for u in (False, True)
    for c in (False, True)
}
