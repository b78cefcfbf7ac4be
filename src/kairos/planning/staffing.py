"""Agents needed per interval: Erlang C (pyworkforce) and Erlang A (M/M/n+M, our own).

pyworkforce 0.5.1 ships Erlang C only (``pyworkforce.queuing.ErlangC``), so Erlang A is
implemented here from the closed forms of Mandelbaum & Zeltyn, "The Palm/Erlang-A queue, with
applications to call centers" (2007). With arrival rate λ, service rate μ = 1/AHT, abandonment
rate θ = 1/mean patience and n agents, let x = nμ/θ, y = λ/θ and

    A(x, y) = x·e^y·y^-x·γ(x, y) = Σ_k y^k / ((x+1)(x+2)···(x+k))   (γ: lower incomplete gamma)

(the series form needs no special functions and is summed in log space). With E the Erlang B
blocking probability for n agents and λ/μ erlangs:

    P(wait > 0)   = A·E / (1 + (A − 1)·E)
    P(abandon)    = P(wait > 0) · (1/(ρA) + 1 − 1/ρ),   ρ = λ/(nμ)
    P(V > t)      = P(wait > 0) · e^(−nμt) · e^(y − y') · A(x, y') / A(x, y),   y' = y·e^(−θt)

where V is the *offered* wait: how long a customer who would never hang up waits to be answered.
The service level is P(V ≤ t), the convention of Erlang-A staffing tools; since abandonment only
ever removes customers ahead in the queue, it is never below Erlang C's for the same agents, so
Erlang A never asks for more agents than Erlang C. Expected abandonment is reported beside it.

Both models take a :class:`ServiceTarget`: "``service_level`` of contacts answered within
``answer_seconds``", the fraction of paid time agents are off the phones (``shrinkage``), and the
highest occupancy allowed. ``productive_agents`` are those needed on the phones; ``agents`` is
what to schedule, ``ceil(productive / (1 − shrinkage))``; a backlog's heads are rounded once,
each doing ``max_occupancy`` of the interval less shrinkage (:func:`backlog`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pyworkforce.queuing import ErlangC

Model = Literal["erlang_c", "erlang_a", "backlog"]


@dataclass(frozen=True, slots=True)
class ServiceTarget:
    """A service target: ``service_level`` answered within ``answer_seconds``, and staff limits.

    ``concurrency`` is how many contacts of the channel one agent works at once (chats, SMS);
    ``backlog`` says the channel is worked as a backlog (email, social posts): its contacts wait
    in a list for their turn rather than in a queue with an agent, see :func:`backlog`.
    """

    service_level: float = 0.8
    answer_seconds: float = 20.0
    shrinkage: float = 0.3
    max_occupancy: float = 0.85
    concurrency: int = 1
    backlog: bool = False

    def __post_init__(self) -> None:
        if not 0.0 < self.service_level < 1.0:
            raise ValueError("service_level must be in (0, 1)")
        if self.answer_seconds <= 0:
            raise ValueError("answer_seconds must be positive")
        if not 0.0 <= self.shrinkage < 1.0:
            raise ValueError("shrinkage must be in [0, 1)")
        if not 0.0 < self.max_occupancy <= 1.0:
            raise ValueError("max_occupancy must be in (0, 1]")
        if not 1 <= self.concurrency <= 20:
            raise ValueError("concurrency must be 1 to 20")

    def describe(self) -> str:
        """The target in words: "80% in 20 s", "80% in 60 s, 3 at once", "90% in 24 h, backlog"."""
        seconds = self.answer_seconds
        for unit, size in (("h", 3600), ("min", 60)):
            if seconds >= size and seconds % size == 0:
                within = f"{seconds / size:g} {unit}"
                break
        else:
            within = f"{seconds:g} s"
        words = f"{self.service_level:.0%} in {within}"
        if self.concurrency > 1:
            words += f", {self.concurrency} at once"
        return words + (", backlog" if self.backlog else "")


#: The tighter target for moments of truth, staffed with certified agents as their own stream.
MOT_TARGET = ServiceTarget(service_level=0.9, answer_seconds=10.0)


@dataclass(frozen=True, slots=True)
class Staffing:
    """Agents for one stream in one interval, and what they achieve."""

    model: Model
    agents: int
    productive_agents: int
    service_level: float
    occupancy: float
    abandonment: float = 0.0


@dataclass(frozen=True, slots=True)
class ErlangAMetrics:
    """What n agents achieve in an Erlang A queue."""

    wait_probability: float
    abandonment: float
    service_level: float
    occupancy: float


def _scheduled(productive: int, shrinkage: float) -> int:
    return math.ceil(productive / (1.0 - shrinkage) - 1e-9)


def _none(model: Model) -> Staffing:
    return Staffing(model=model, agents=0, productive_agents=0, service_level=1.0, occupancy=0.0)


def erlang_c(
    *, contacts: float, aht_seconds: float, interval_minutes: int, target: ServiceTarget
) -> Staffing:
    """Agents for ``contacts`` arrivals in one interval by Erlang C (pyworkforce)."""
    if contacts <= 0:
        return _none("erlang_c")
    # pyworkforce calls the answer-time threshold of its service level "asa"; all in minutes.
    queue = ErlangC(
        transactions=contacts,
        aht=aht_seconds / 60.0,
        asa=target.answer_seconds / 60.0,
        interval=interval_minutes,
        shrinkage=target.shrinkage,
    )
    result = queue.required_positions(
        service_level=target.service_level, max_occupancy=target.max_occupancy
    )
    productive = int(result["raw_positions"])

    def meets(n: int) -> bool:
        # The cap with a little room: 30.6 erlangs on 36 agents is 0.85, not 0.8500000000000001.
        return bool(
            n > queue.intensity
            and queue.service_level(n) >= target.service_level
            and queue.intensity / n <= target.max_occupancy + 1e-9
        )

    # pyworkforce starts at round(erlangs + 1), so 0.5 erlangs never tries one agent, and its
    # occupancy cap rounds 35.7 / 0.85 up to 43: step down while one fewer still meets the target.
    while productive > 1 and meets(productive - 1):
        productive -= 1
    return Staffing(
        model="erlang_c",
        agents=_scheduled(productive, target.shrinkage),
        productive_agents=productive,
        service_level=float(queue.service_level(productive)),
        occupancy=float(queue.achieved_occupancy(productive)),
    )


def _erlang_b(agents: int, erlangs: float) -> float:
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = erlangs * blocking / (k + erlangs * blocking)
    return blocking


def _log_a(x: float, y: float) -> float:
    """log A(x, y) = log Σ_k y^k / ((x+1)···(x+k)), summed in log space."""
    if y <= 0.0:
        return 0.0
    # Terms grow while x + k < y and then fall faster than a Poisson tail: past the peak,
    # 40·sqrt(y) more terms leave less than e^-40 of the sum out.
    terms = int(max(y - x, 0.0) + 40.0 * math.sqrt(y) + 50.0)
    k = np.arange(1, terms + 1, dtype=np.float64)
    logs = np.concatenate(([0.0], np.cumsum(math.log(y) - np.log(x + k))))
    peak = float(logs.max())
    return peak + math.log(float(np.exp(logs - peak).sum()))


def erlang_a_metrics(
    *,
    agents: int,
    arrival_rate: float,
    aht_seconds: float,
    patience_seconds: float,
    answer_seconds: float,
) -> ErlangAMetrics:
    """Wait probability, abandonment, service level P(V ≤ t) and occupancy of an M/M/n+M queue.

    Rates are per second; ``patience_seconds`` is the customers' mean patience (exponential).
    """
    lam, mu, theta = arrival_rate, 1.0 / aht_seconds, 1.0 / patience_seconds
    if lam <= 0.0:
        return ErlangAMetrics(0.0, 0.0, 1.0, 0.0)
    if agents <= 0:
        return ErlangAMetrics(1.0, 1.0, 0.0, 0.0)
    n = agents
    x, y = n * mu / theta, lam / theta
    log_a = _log_a(x, y)
    blocking = _erlang_b(n, lam / mu)
    # P(W > 0) = A·E / (1 + (A − 1)·E) = 1 / (1 + (1 − E)/(A·E)), safe when A is huge.
    exponent = math.log1p(-blocking) - log_a - math.log(blocking) if blocking < 1.0 else -math.inf
    wait = 1.0 / (1.0 + math.exp(min(exponent, 700.0)))
    rho = lam / (n * mu)
    abandon_if_wait = math.exp(-log_a) / rho + 1.0 - 1.0 / rho
    abandonment = min(max(wait * abandon_if_wait, 0.0), 1.0)
    t = answer_seconds
    y_t = y * math.exp(-theta * t)
    log_tail = -n * mu * t + (y - y_t) + _log_a(x, y_t) - log_a
    late = wait * math.exp(min(log_tail, 0.0))
    return ErlangAMetrics(
        wait_probability=wait,
        abandonment=abandonment,
        service_level=min(max(1.0 - late, 0.0), 1.0),
        occupancy=lam * (1.0 - abandonment) / (n * mu),
    )


def erlang_a(
    *,
    contacts: float,
    aht_seconds: float,
    interval_minutes: int,
    target: ServiceTarget,
    patience_seconds: float,
) -> Staffing:
    """Agents for ``contacts`` arrivals in one interval by Erlang A (customers may hang up)."""
    if contacts <= 0:
        return _none("erlang_a")
    if patience_seconds <= 0:
        raise ValueError("patience_seconds must be positive")
    rate = contacts / (interval_minutes * 60.0)

    def metrics(n: int) -> ErlangAMetrics:
        return erlang_a_metrics(
            agents=n,
            arrival_rate=rate,
            aht_seconds=aht_seconds,
            patience_seconds=patience_seconds,
            answer_seconds=target.answer_seconds,
        )

    def meets(n: int) -> bool:
        m = metrics(n)
        return m.service_level >= target.service_level and m.occupancy <= target.max_occupancy

    # Both service level and headroom grow with n: double until met, then bisect.
    high = 1
    while not meets(high):
        high *= 2
    low = high // 2  # fails (or is 0)
    while high - low > 1:
        mid = (low + high) // 2
        if meets(mid):
            high = mid
        else:
            low = mid
    achieved = metrics(high)
    return Staffing(
        model="erlang_a",
        agents=_scheduled(high, target.shrinkage),
        productive_agents=high,
        service_level=achieved.service_level,
        occupancy=achieved.occupancy,
        abandonment=achieved.abandonment,
    )


def per_agent(staffing: Staffing, concurrency: int, shrinkage: float) -> Staffing:
    """``staffing`` counted in slots (contacts worked at once), as agents of ``concurrency``."""
    if concurrency == 1 or staffing.productive_agents == 0:
        return staffing
    productive = math.ceil(staffing.productive_agents / concurrency)
    return Staffing(
        model=staffing.model,
        agents=_scheduled(productive, shrinkage),
        productive_agents=productive,
        service_level=staffing.service_level,
        occupancy=staffing.occupancy,  # per slot: the share of an agent's slots in use
        abandonment=staffing.abandonment,
    )


def backlog(
    *, workload_seconds: list[float], interval_minutes: int, target: ServiceTarget
) -> list[Staffing]:
    """Heads per interval to work a backlog: each item answered within ``answer_seconds``.

    No queueing: an item may wait up to the answer time, so work is planned only where waiting
    longer would miss the target. Work that arrives in an interval is due by the end of the
    answer window that starts with it; an interval is staffed only when work falls due there,
    with the whole heads that due work needs, and those heads work their interval through,
    the oldest items first (clearing work not yet due). A head does ``max_occupancy`` of the
    interval less ``shrinkage``. The day wraps round: it opens with yesterday's arrivals not yet
    due (yesterday taken to look like today), none of them done ahead, so the plan repeated day
    after day leaves nothing late. An answer time longer than the day is one day. Every item is
    planned to be answered in time: ``service_level`` reports that (1.0).
    """
    n = len(workload_seconds)
    length = interval_minutes * 60.0
    window = max(1, min(n, math.floor(target.answer_seconds / length)))
    per_head = length * target.max_occupancy * (1.0 - target.shrinkage)
    # [due interval, seconds of work], oldest first; yesterday's arrivals have negative steps.
    waiting = [
        [float(k - n + window - 1), workload_seconds[k]]
        for k in range(n - window + 1, n)
        if workload_seconds[k] > 0
    ]
    out: list[Staffing] = []
    for step in range(n):
        arrived = workload_seconds[step]
        if arrived > 0:
            waiting.append([float(step + window - 1), arrived])
        due = sum(w for d, w in waiting if d <= step)
        heads = math.ceil(due / per_head - 1e-9) if due > 1e-9 else 0
        capacity, done = heads * per_head, 0.0
        while waiting and capacity - done > 1e-9:
            take = min(waiting[0][1], capacity - done)
            done += take
            waiting[0][1] -= take
            if waiting[0][1] <= 1e-9:
                waiting.pop(0)
        out.append(_backlog_interval(heads, done, length, target.max_occupancy))
    return out


def _backlog_interval(heads: int, done: float, length: float, max_occupancy: float) -> Staffing:
    if heads == 0:
        return _none("backlog")
    return Staffing(
        model="backlog",
        agents=heads,
        productive_agents=max(1, math.ceil(done / (length * max_occupancy) - 1e-9)),
        service_level=1.0,
        occupancy=done / (length * heads),
    )
