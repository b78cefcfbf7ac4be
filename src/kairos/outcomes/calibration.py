"""Calibration of the moment-of-truth flag from people's verdicts and the after-contact reviews.

Pure: no database. ``kairos.outcomes.verdicts`` loads the window's contacts; the simulation's
measurement (``kairos.simulation.verdicts``) feeds the same function from the simulator's truth.

What counts as the truth of a contact: a person's latest verdict (``moment`` or ``not_moment``),
whatever the flag said; else, for a contact that was not flagged and whose automatic review saw
no moment even in hindsight (``routine``), not a moment. Nothing else: the review counts every
flagged contact as a moment (won or lost), so only a person can say a flag was wrong, and its
``missed`` contacts (a moment only in hindsight) are the candidates people check on the
missed-moments page, not a verdict (with the prior set too high the hindsight peak crosses the
flag on contacts that were routine).

The true count is estimated stratum by stratum: flagged contacts, unflagged candidates, and the
rest; each stratum's share of moments among its judged contacts, times its size.

The base rate enters the fused score as log odds (``Combiner.prior``) and every assessment keeps
the log odds without it (``Assessment.mot_logit``), so the flag at another base rate is
``mot_logit + log(rate / (1 - rate)) >= 0``: no contact is read again. Contacts the semantic tier
did not read (no ``mot_logit``) keep their flag, which the base rate does not move. Contacts
assessed before Kairos kept ``mot_logit`` (2026-12-06) keep their stored flag too, and are
counted apart (``stored_before_logit``): their stored score cannot honestly be read at another
rate, since the base rate it was scored at was not stored with it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kairos.outcomes.verdict_schemas import CalibrationOut, RateOutcome, Share

#: Fewest flagged contacts with a person's verdict, and fewest unflagged contacts with a known
#: truth, before a base rate is recommended: at 30 the precision's 95% interval is at most
#: about +-0.17 wide, below that one bad afternoon moves the recommendation.
MIN_REVIEWED = 30
#: Fewest judged missed-moment candidates (or all of them, when fewer): they are few, and enter
#: the estimate as their count times the share of them judged a moment.
MIN_CANDIDATES = 10
#: The base rates a recommendation is searched between.
LOWEST_RATE, HIGHEST_RATE = 0.001, 0.5
_Z = 1.959964  # the 95% two-sided normal quantile


@dataclass(frozen=True, slots=True)
class Contact:
    """One contact of the window: its flag as stored, its pre-prior log odds, what is known."""

    flagged: bool
    mot_logit: float | None
    verdict: bool | None = None
    #: The automatic review: "missed" (a candidate), "routine", another status, None (none yet).
    review: str | None = None
    #: Assessed before Kairos kept ``mot_logit``: its flag is the stored one at any rate.
    stored_before_logit: bool = False

    @property
    def stratum(self) -> str:
        """flagged, candidate (unflagged, a moment in hindsight) or rest."""
        return "flagged" if self.flagged else "candidate" if self.review == "missed" else "rest"

    @property
    def truth(self) -> bool | None:
        """Whether it was a moment of truth, as far as anyone knows (see the module)."""
        if self.verdict is not None:
            return self.verdict
        return False if not self.flagged and self.review == "routine" else None


def wilson(hits: int, of: int) -> Share:
    """``hits / of`` with its 95% Wilson score interval."""
    if of <= 0:
        return Share(hits=hits, of=of, value=None, low=None, high=None)
    p = hits / of
    z2 = _Z * _Z
    centre = (p + z2 / (2 * of)) / (1 + z2 / of)
    half = _Z * math.sqrt(p * (1 - p) / of + z2 / (4 * of * of)) / (1 + z2 / of)
    return Share(
        hits=hits, of=of, value=round(p, 4), low=round(max(0.0, centre - half), 4),
        high=round(min(1.0, centre + half), 4),
    )  # fmt: skip


def prior_of(base_rate: float) -> float:
    """The log prior odds of a base rate in (0, 1)."""
    return math.log(base_rate / (1.0 - base_rate))


def _takes(contact: Contact, prior: float) -> bool:
    """Whether the flag takes ``contact`` at the log prior odds ``prior``."""
    return contact.flagged if contact.mot_logit is None else contact.mot_logit + prior >= 0.0


def flagged_at(contacts: Sequence[Contact], base_rate: float) -> int:
    """How many of ``contacts`` the flag takes at ``base_rate``."""
    prior = prior_of(base_rate)
    return sum(_takes(c, prior) for c in contacts)


def _outcome(contacts: Sequence[Contact], base_rate: float) -> RateOutcome:
    n = flagged_at(contacts, base_rate)
    share = n / len(contacts) if contacts else 0.0
    return RateOutcome(base_rate=base_rate, flagged=n, flagged_share=round(share, 4))


def rate_for(contacts: Sequence[Contact], target: float) -> float:
    """The base rate in [LOWEST_RATE, HIGHEST_RATE] whose flag takes closest to ``target`` of
    ``contacts``: the middle, in log odds, of the priors that give that count, rounded to the
    fewest digits that keep it."""
    fixed = sum(c.flagged for c in contacts if c.mot_logit is None)
    logits = sorted((c.mot_logit for c in contacts if c.mot_logit is not None), reverse=True)
    lowest, highest = prior_of(LOWEST_RATE), prior_of(HIGHEST_RATE)
    best: tuple[float, float, int] | None = None
    for k in range(len(logits) + 1):
        # k of them flagged: a prior in [-logits[k - 1], -logits[k]) within the search range.
        start = max(-logits[k - 1] if k else -math.inf, lowest)
        end = min(-logits[k] if k < len(logits) else math.inf, highest)
        if start >= end:
            continue
        gap = abs(fixed + k - target)
        if best is None or gap < best[0]:
            best = (gap, (start + end) / 2, fixed + k)
    if best is None:  # every contact ties on one log odds: nothing to choose between
        return LOWEST_RATE
    _, prior, count = best
    rate = 1 / (1 + math.exp(-prior))
    for digits in (3, 4, 6):
        rounded = float(f"{rate:.{digits}g}")
        if flagged_at(contacts, rounded) == count:
            return rounded
    return rate


def _none_rescorable(contacts: Sequence[Contact]) -> str:
    """Why no contact of the window can be re-thresholded, with how many of each kind."""
    before = sum(c.stored_before_logit for c in contacts)
    unread = len(contacts) - before
    parts = []
    if before:
        parts.append(
            f"{before} were assessed before Kairos kept each score's log odds without the prior "
            "(mot_logit, 2026-12-06) and the base rate they were scored at was not stored, so "
            "their scores cannot be read at another rate"
        )
    if unread:
        parts.append(f"{unread} were not read by the semantic tier, whose flag no base rate moves")
    return f"none of the {len(contacts)} contacts can be re-thresholded: " + "; ".join(parts)


def curve(contacts: Sequence[Contact], rates: Sequence[float]) -> list[dict[str, float | None]]:
    """At each base rate: the share the flag takes, and its precision and recall on the
    contacts whose truth is known (people judged mostly flagged contacts: read the shape)."""
    known = [c for c in contacts if c.truth is not None]
    points: list[dict[str, float | None]] = []
    moments = [c for c in known if c.truth]
    for rate in rates:
        taken = [c for c in known if _takes(c, prior_of(rate))]
        hits = sum(bool(c.truth) for c in taken)
        share = flagged_at(contacts, rate) / len(contacts) if contacts else 0.0
        points.append({
            "base_rate": rate,
            "flagged_share": share,
            "precision": hits / len(taken) if taken else None,
            "recall": hits / len(moments) if moments else None,
        })  # fmt: skip
    return points


def calibrate(
    contacts: Sequence[Contact],
    *,
    since: datetime,
    until: datetime,
    current_base_rate: float,
    verdicts: int,
    minimum: int = MIN_REVIEWED,
) -> CalibrationOut:
    """The flag's precision and recall on reviewed contacts, and the recommended base rate."""
    flagged = [c for c in contacts if c.flagged]
    strata: dict[str, list[Contact]] = {"flagged": [], "candidate": [], "rest": []}
    for c in contacts:
        strata[c.stratum].append(c)
    judged = {k: [c.truth for c in v if c.truth is not None] for k, v in strata.items()}
    moments = [c for c in contacts if c.truth]
    precision = wilson(sum(judged["flagged"]), len(judged["flagged"]))
    recall = wilson(sum(c.flagged for c in moments), len(moments))
    rescorable = sum(c.mot_logit is not None for c in contacts)
    # Each stratum needs its minimum of judged contacts, or all of them when it is smaller.
    least = {"flagged": minimum, "candidate": min(minimum, MIN_CANDIDATES), "rest": minimum}
    short = {k: max(0, min(least[k], len(strata[k])) - len(judged[k])) for k in strata}
    needed = sum(short.values())
    estimated = target = refused = None
    if not contacts:
        refused = "no assessed contact started in the window"
    elif needed:
        counts = ", ".join(f"{len(judged[k])} of {len(strata[k])} {k}" for k in strata)
        refused = (
            f"too few reviewed contacts: {counts} judged; needed: {least['flagged']} flagged, "
            f"{least['candidate']} candidates and {least['rest']} others (or all of a smaller "
            f"group): {needed} more reviewed contact{'s' if needed != 1 else ''} needed"
        )
    elif not rescorable:
        refused = _none_rescorable(contacts)
    else:
        estimated = sum(
            len(strata[k]) * sum(judged[k]) / len(judged[k]) for k in strata if judged[k]
        )
        target = estimated / len(contacts)
    recommended = None
    if refused is None and estimated is not None:
        recommended = _outcome(contacts, rate_for(contacts, estimated))
    return CalibrationOut(
        since=since,
        until=until,
        contacts=len(contacts),
        flagged=len(flagged),
        rescorable=rescorable,
        stored_before_logit=sum(c.stored_before_logit for c in contacts),
        verdicts=verdicts,
        reviewed_flags=len(judged["flagged"]),
        reviewed_unflagged=len(judged["candidate"]) + len(judged["rest"]),
        precision=precision,
        recall=recall,
        estimated_moments=None if estimated is None else round(estimated, 1),
        target_share=None if target is None else round(target, 4),
        current_base_rate=current_base_rate,
        current=_outcome(contacts, current_base_rate),
        recommended=recommended,
        needed=needed,
        refused=refused,
    )
