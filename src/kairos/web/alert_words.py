"""A supervisor alert's reasons in plain words, with its deadline apart for the page to count.

The reasons' minutes are those of the last assessment, which stand still while the contact is
quiet, and the alerts panel is fetched only when a live message says something changed: a
deadline's "in 12 min" or "passed 2 min ago" is therefore rendered with its instant
(:class:`DeadlinePart`), and the page's clock counts it on, as it does the moments' countdowns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kairos.bus.messages import AlertReason
from kairos.db import utcnow
from kairos.routing.explain import duration
from kairos.web.templating import zoned


@dataclass(frozen=True)
class DeadlinePart:
    """A deadline in an alert: ``lead`` (``deadline 06:15 CST,``) and ``when`` from now."""

    lead: str
    at: datetime
    when: str

    def __str__(self) -> str:
        return f"{self.lead} {self.when}"


def since_deadline(deadline: datetime, now: datetime) -> str:
    """``in 3 h 22 min``, or ``passed 45 min ago`` (as the page's clock goes on to count it)."""
    left = (deadline - now).total_seconds()
    return f"in {duration(left)}" if left >= 0 else f"passed {duration(-left)} ago"


def alert_parts(
    reasons: Sequence[AlertReason],
    deadline: datetime | None = None,
    now: datetime | None = None,
    zone: str | None = None,
) -> list[str | DeadlinePart]:
    """The reasons' words one by one; with the customer's ``deadline``, that reason is a
    :class:`DeadlinePart` on the centre's clock counted from ``now``."""
    parts: list[str | DeadlinePart] = []
    for reason in reasons:
        factor = reason.factor.replace("_", " ")
        value = reason.value
        if value is None or value in ("", "none") or value == []:
            continue
        if factor == "minutes to deadline" and deadline is not None:
            at, label = zoned(deadline, zone)
            when = since_deadline(deadline, now or utcnow())
            parts.append(DeadlinePart(f"deadline {at} {label},", deadline, when))
        elif factor == "minutes to deadline" and isinstance(value, int | float):
            parts.append(
                f"deadline in {duration(60 * value)}"
                if value >= 0
                else f"deadline passed {duration(-60 * value)} ago"
            )
        elif isinstance(value, float) and 0.0 <= value <= 1.0:
            if value > 0:
                parts.append(f"{factor} {round(100 * value)}%")
        else:
            parts.append(f"{factor} {str(value).replace('_', ' ').replace(',', ', ')}")
    return parts


def alert_reasons(
    reasons: Sequence[AlertReason],
    deadline: datetime | None = None,
    now: datetime | None = None,
    zone: str | None = None,
) -> str:
    """A supervisor alert's reasons in plain words: ``emotion 97%, stakes travel disruption``.

    With the customer's ``deadline``, it reads on the centre's clock and counts from ``now``
    (``deadline 06:15 CST, in 3 h 22 min``): the reasons' minutes are those of the last
    assessment, which stand still while the contact is quiet.
    """
    return ", ".join(str(part) for part in alert_parts(reasons, deadline, now, zone))
