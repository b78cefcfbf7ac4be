"""When the demo's customers arrive: one model for its live floor and for its history.

A Poisson process whose rate follows the centre's clock: a working day (busy 08:00-20:00 local,
peaks at 10:00 and 15:00, quiet nights), busier Mondays and quiet weekends, ``per_day`` contacts
on a day of weight 1. The live floor draws its next customer from it in real time
(:meth:`Arrivals.next_after`), the history lays it over past days (:meth:`Arrivals.between`), and
both take each contact's channel and cube cell from the same generator
(:func:`kairos.simulation.traffic.simulated_contact`): the plan the history makes is a plan for
the live floor. Rates are per half hour of the local wall clock, so an hour the clocks repeat has
its rate twice, as the planner counts it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kairos.demo_defaults import PER_DAY

#: Monday first: busier Mondays, quiet weekends.
WEEKDAY = (1.25, 1.1, 1.0, 1.0, 0.95, 0.45, 0.3)
#: A night half hour's weight beside the working day's (0.2 to 1.2).
NIGHT = 0.08


def weight(hour: float) -> float:
    """Arrival weight at ``hour`` (local): busy 08:00-20:00 with peaks at 10:00 and 15:00."""
    if not 8 <= hour < 20:
        return NIGHT
    return math.exp(-((hour - 10) ** 2) / 2) + 0.8 * math.exp(-((hour - 15) ** 2) / 3) + 0.2


#: Each half hour's share of a day's contacts.
SHARES = tuple(weight(h / 2 + 0.25) for h in range(48))
SHARES = tuple(w / sum(SHARES) for w in SHARES)


@dataclass(frozen=True, slots=True)
class Arrivals:
    """The demo's arrival process in ``timezone``, ``per_day`` contacts on a day of weight 1.

    ``steady_gap_s`` replaces the day's shape by a constant rate, one contact every so many
    seconds on average (tests that need traffic at any hour).
    """

    per_day: float = PER_DAY
    timezone: str = "UTC"
    steady_gap_s: float | None = None

    def rate(self, at: datetime) -> float:
        """Contacts per second at ``at``."""
        if self.steady_gap_s is not None:
            return 1.0 / self.steady_gap_s
        local = at.astimezone(ZoneInfo(self.timezone))
        slot = local.hour * 2 + local.minute // 30
        return self.per_day * WEEKDAY[local.weekday()] * SHARES[slot] / 1800.0

    def peak(self) -> float:
        """The highest rate of the week, contacts per second."""
        if self.steady_gap_s is not None:
            return 1.0 / self.steady_gap_s
        return self.per_day * max(WEEKDAY) * max(SHARES) / 1800.0

    def next_after(self, at: datetime, rng: random.Random) -> datetime:
        """The next arrival after ``at`` (by thinning a process at the peak rate)."""
        top = self.peak()
        while True:
            at += timedelta(seconds=rng.expovariate(top))
            if rng.random() * top < self.rate(at):
                return at

    def between(self, start: datetime, end: datetime, rng: random.Random) -> list[datetime]:
        """Every arrival from ``start`` to ``end``."""
        out = []
        at = self.next_after(start, rng)
        while at < end:
            out.append(at)
            at = self.next_after(at, rng)
        return out


def _every(seconds: float) -> str:
    """``seconds`` between two customers, in words: "every 40 s", "every 12 min", "every 3 h"."""
    if seconds < 90:
        return f"every {max(round(seconds), 1)} s"
    if seconds < 90 * 60:
        return f"every {round(seconds / 60)} min"
    return f"every {round(seconds / 3600)} h"


def describe(arrivals: Arrivals, now: datetime) -> str:
    """How busy the floor is at ``now`` and at its busiest, for the demo's first lines: the
    floor follows the centre's day, so a demo started at night or at a weekend is quiet."""
    if arrivals.steady_gap_s is not None:
        return f"one customer {_every(arrivals.steady_gap_s)} on average"
    local = now.astimezone(ZoneInfo(arrivals.timezone))
    return (
        f"customers come as the centre's day does ({local:%A %H:%M} {local:%Z} now): about one "
        f"{_every(1.0 / arrivals.rate(now))} now, one {_every(1.0 / arrivals.peak())} at a "
        "Monday's 10:00"
    )
