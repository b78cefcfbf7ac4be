"""The plan for one day, ready to print or to serve as JSON."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from kairos.planning.forecast import Backtest
from kairos.planning.staffing import ServiceTarget, Staffing


class ChannelInterval(BaseModel):
    """One channel (the skill agents are staffed for) in one interval."""

    channel: str
    contacts: float
    mot_contacts: float
    aht_seconds: float
    mot_aht_seconds: float
    #: Contacts per cube cell, every cell (zero where none is forecast).
    cells: dict[str, float]
    #: ``erlang_c.agents`` shared among the cube cells by workload (contacts × the cell's handle
    #: time); they sum to the channel's. The channel is one pool: a cell's share is what its work
    #: takes of the pool, not what it would need staffed alone (more: no pooling).
    cell_agents: dict[str, float]
    erlang_c: Staffing
    erlang_a: Staffing
    certified: Staffing


class PlanInterval(BaseModel):
    """One interval of the day, summed over channels (each channel is its own pool)."""

    start: datetime
    contacts: float
    mot_contacts: float
    agents_erlang_c: int
    agents_erlang_a: int
    certified_agents: int
    channels: list[ChannelInterval]


class Plan(BaseModel):
    """Forecast contacts per cube cell and the agents needed, per interval of one day.

    ``certified_agents`` is how many of the scheduled agents must hold MoT certification: the
    moments of truth staffed as their own stream at ``mot_target``, by Erlang C (no credit for
    customers hanging up: on a moment of truth that is the loss being planned against).
    """

    day: date
    timezone: str
    interval_minutes: int
    method: str
    history_first_day: date
    history_last_day: date
    history_contacts: int
    target: ServiceTarget
    #: Each channel's own target; ``target`` is for a channel without one.
    targets: dict[str, ServiceTarget]
    mot_target: ServiceTarget
    patience_seconds: float
    mot_threshold: float
    intervals: list[PlanInterval]
    cells: dict[str, list[float]]
    handle_seconds: dict[str, dict[str, float]]
    backtest: Backtest | None

    @property
    def contacts(self) -> float:
        """Forecast contacts over the day."""
        return sum(i.contacts for i in self.intervals)

    @property
    def mot_contacts(self) -> float:
        """Forecast moments of truth over the day."""
        return sum(i.mot_contacts for i in self.intervals)

    def cell_agent_hours(self) -> dict[str, float]:
        """Scheduled (Erlang C) agent-hours over the day per cube cell, every channel summed."""
        hours = self.interval_minutes / 60.0
        out = dict.fromkeys(self.cells, 0.0)
        for interval in self.intervals:
            for c in interval.channels:
                for cube, agents in c.cell_agents.items():
                    out[cube] = out.get(cube, 0.0) + agents * hours
        return out

    def agent_hours(self, field: str) -> float:
        """Scheduled agent-hours over the day for ``agents_erlang_c``, ``..._a`` or certified."""
        hours = self.interval_minutes / 60.0
        return sum(float(getattr(i, field)) * hours for i in self.intervals)
