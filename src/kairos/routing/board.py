"""The routing board: waiting interactions and agents held in columns so a decision is vectorised.

A policy scores every waiting interaction and every agent with a few NumPy operations instead of a
Python loop per decision; skills, channels and languages are bit masks (up to 64 of each), so
"has every required skill" is one AND over all agents.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from kairos.routing.snapshots import AgentSnapshot, WaitingInteraction

F64 = npt.NDArray[np.float64]
U64 = npt.NDArray[np.uint64]
Bool = npt.NDArray[np.bool_]
I64 = npt.NDArray[np.int64]

_MAX_WORDS = 64
_ALL = np.uint64(0xFFFF_FFFF_FFFF_FFFF)
_WAITING_COLUMNS = ("active", "enqueued", "deadline", "mot", "value", "churn", "skills", "channel",
                    "language")  # fmt: skip
_AGENT_COLUMNS = ("active", "available", "on_shift", "load", "max", "idle", "empathy", "certified",
                  "skills", "channels", "languages", "proficiency")  # fmt: skip
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def seconds(at: datetime) -> float:
    """Seconds since a fixed aware epoch (floats keep microseconds for centuries)."""
    return (at - _EPOCH).total_seconds()


class _Vocabulary:
    """Words (skills, channels, languages) numbered into bit positions."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.index: dict[str, int] = {}

    def bit(self, word: str) -> int:
        position = self.index.get(word)
        if position is None:
            if len(self.index) >= _MAX_WORDS:
                raise ValueError(f"more than {_MAX_WORDS} distinct {self.kind}s on one board")
            position = self.index[word] = len(self.index)
        return 1 << position

    def mask(self, words: Iterable[str]) -> int:
        mask = 0
        for word in words:
            mask |= self.bit(word)
        return mask


def _grow(array: npt.NDArray[np.generic], size: int) -> npt.NDArray[np.generic]:
    shape = (size, *array.shape[1:])
    grown = np.zeros(shape, dtype=array.dtype)
    grown[: len(array)] = array
    return grown


class RoutingBoard:
    """The waiting set and the agents, indexed for fast decisions; updated in place."""

    def __init__(self) -> None:
        self.skills = _Vocabulary("skill")
        self.channels = _Vocabulary("channel")
        self.languages = _Vocabulary("language")
        self.interactions: dict[str, WaitingInteraction] = {}
        self.agents: dict[str, AgentSnapshot] = {}
        self._w_slot: dict[str, int] = {}
        self.w_ids: list[str] = []
        self._w_free: list[int] = []
        n = 64
        self.w_active: Bool = np.zeros(n, dtype=np.bool_)
        self.w_enqueued: F64 = np.zeros(n)
        self.w_deadline: F64 = np.full(n, np.nan)
        self.w_mot: F64 = np.zeros(n)
        self.w_value: F64 = np.zeros(n)
        self.w_churn: F64 = np.zeros(n)
        self.w_skills: U64 = np.zeros(n, dtype=np.uint64)
        self.w_channel: U64 = np.zeros(n, dtype=np.uint64)
        self.w_language: U64 = np.zeros(n, dtype=np.uint64)
        self._a_slot: dict[str, int] = {}
        self.a_ids: list[str] = []
        self.a_active: Bool = np.zeros(n, dtype=np.bool_)
        self.a_available: Bool = np.zeros(n, dtype=np.bool_)
        self.a_on_shift: Bool = np.zeros(n, dtype=np.bool_)
        self.a_load: I64 = np.zeros(n, dtype=np.int64)
        self.a_max: I64 = np.zeros(n, dtype=np.int64)
        self.a_idle: F64 = np.zeros(n)
        self.a_empathy: F64 = np.zeros(n)
        self.a_certified: Bool = np.zeros(n, dtype=np.bool_)
        self.a_skills: U64 = np.zeros(n, dtype=np.uint64)
        self.a_channels: U64 = np.zeros(n, dtype=np.uint64)
        self.a_languages: U64 = np.zeros(n, dtype=np.uint64)
        self.a_proficiency = np.zeros((n, _MAX_WORDS), dtype=np.float32)

    # -- waiting interactions -------------------------------------------------------------

    def put_waiting(self, interaction: WaitingInteraction) -> None:
        """Add a waiting interaction, or replace its snapshot (a new assessment re-prioritises)."""
        slot = self._w_slot.get(interaction.id)
        if slot is None:
            if self._w_free:
                slot = self._w_free.pop()
                self.w_ids[slot] = interaction.id
            else:
                slot = len(self.w_ids)
                self.w_ids.append(interaction.id)
                if slot >= len(self.w_active):
                    self._grow_waiting(2 * len(self.w_active))
            self._w_slot[interaction.id] = slot
        self.interactions[interaction.id] = interaction
        self.w_active[slot] = True
        self.w_enqueued[slot] = seconds(interaction.enqueued_at)
        self.w_deadline[slot] = (
            np.nan if interaction.deadline is None else seconds(interaction.deadline)
        )
        self.w_mot[slot] = interaction.mot_score
        self.w_value[slot] = interaction.customer_value
        self.w_churn[slot] = interaction.churn_risk
        self.w_skills[slot] = self.skills.mask(interaction.required_skills)
        self.w_channel[slot] = self.channels.bit(interaction.channel)
        self.w_language[slot] = (
            self.languages.bit(interaction.language) if interaction.language else 0
        )

    def remove_waiting(self, interaction_id: str) -> WaitingInteraction | None:
        """Take an interaction off the board (assigned, abandoned or ended)."""
        slot = self._w_slot.pop(interaction_id, None)
        if slot is None:
            return None
        self.w_active[slot] = False
        self._w_free.append(slot)
        return self.interactions.pop(interaction_id)

    def waiting_slot(self, interaction_id: str) -> int | None:
        """The slot of a waiting interaction, or None."""
        return self._w_slot.get(interaction_id)

    def waiting_id(self, slot: int) -> str:
        """The interaction in ``slot``."""
        return self.w_ids[slot]

    def _grow_waiting(self, size: int) -> None:
        for name in _WAITING_COLUMNS:
            setattr(self, f"w_{name}", _grow(getattr(self, f"w_{name}"), size))
        self.w_deadline[len(self.w_ids) :] = np.nan

    # -- agents ---------------------------------------------------------------------------

    def put_agent(self, agent: AgentSnapshot) -> None:
        """Add an agent or replace its snapshot (state, load, skills)."""
        slot = self._a_slot.get(agent.id)
        if slot is None:
            slot = len(self.a_ids)
            self.a_ids.append(agent.id)
            self._a_slot[agent.id] = slot
            if slot >= len(self.a_active):
                size = 2 * len(self.a_active)
                for name in _AGENT_COLUMNS:
                    setattr(self, f"a_{name}", _grow(getattr(self, f"a_{name}"), size))
        self.agents[agent.id] = agent
        self.a_active[slot] = True
        self.a_available[slot] = agent.state == "available"
        self.a_on_shift[slot] = agent.state != "away"
        self.a_load[slot] = agent.load
        self.a_max[slot] = agent.max_concurrency
        self.a_idle[slot] = seconds(agent.idle_since) if agent.idle_since else 0.0
        self.a_empathy[slot] = agent.empathy
        self.a_certified[slot] = agent.mot_certified
        self.a_skills[slot] = self.skills.mask(agent.skills)
        # An agent with no channels or languages listed takes any.
        self.a_channels[slot] = self.channels.mask(agent.channels) if agent.channels else _ALL
        self.a_languages[slot] = self.languages.mask(agent.languages) if agent.languages else _ALL
        self.a_proficiency[slot] = 0.0
        for skill, level in agent.skills.items():
            self.a_proficiency[slot, self.skills.bit(skill).bit_length() - 1] = level

    def agent_slot(self, agent_id: str) -> int | None:
        """The slot of an agent, or None."""
        return self._a_slot.get(agent_id)

    def agent_id(self, slot: int) -> str:
        """The agent in ``slot``."""
        return self.a_ids[slot]

    def can_take_work(self) -> Bool:
        """Agents available and below their concurrency limit."""
        return self.a_active & self.a_available & (self.a_load < self.a_max)

    def takes_work(self, slot: int) -> bool:
        """Whether the agent in ``slot`` can take work (:meth:`can_take_work`, for one)."""
        return bool(
            self.a_active[slot] and self.a_available[slot] and self.a_load[slot] < self.a_max[slot]
        )

    def assign(self, interaction_id: str, agent_id: str) -> None:
        """Record on the board that ``agent_id`` took ``interaction_id``."""
        self.remove_waiting(interaction_id)
        slot = self._a_slot[agent_id]
        self.a_load[slot] += 1
        agent = self.agents[agent_id]
        self.agents[agent_id] = dataclasses.replace(agent, load=agent.load + 1)

    def eligible_agents(self, slot: int) -> Bool:
        """Agents that could take the interaction in ``slot`` now: skills, channel, language."""
        skills, channel, language = self.w_skills[slot], self.w_channel[slot], self.w_language[slot]
        eligible: Bool = (
            self.can_take_work()
            & ((self.a_skills & skills) == skills)
            & ((self.a_channels & channel) == channel)
            & ((self.a_languages & language) == language)
        )
        return eligible

    def eligible_interactions(self, agent_slot: int) -> Bool:
        """Waiting interactions the agent in ``agent_slot`` has the skills, channel/language for:
        over the slots used so far (``len(w_ids)``; the columns' spare room is never active)."""
        skills = self.a_skills[agent_slot]
        channels = self.a_channels[agent_slot]
        languages = self.a_languages[agent_slot]
        n = len(self.w_ids)
        eligible: Bool = (
            self.w_active[:n]
            & ((self.w_skills[:n] & ~skills) == 0)
            & ((self.w_channel[:n] & ~channels) == 0)
            & ((self.w_language[:n] & ~languages) == 0)
        )
        return eligible

    def proficiency(self, slot: int) -> F64:
        """Every agent's mean proficiency (1-5) over the interaction's required skills."""
        mask = int(self.w_skills[slot])
        if mask == 0:
            return np.full(len(self.a_active), 3.0)
        columns = [i for i in range(mask.bit_length()) if mask >> i & 1]
        mean: F64 = self.a_proficiency[:, columns].mean(axis=1).astype(np.float64)
        return mean


def best(scores: F64, mask: Bool, ids: list[str]) -> int | None:
    """The slot with the highest score among ``mask``; exact ties go to the smallest id."""
    if not mask.any():
        return None
    return top(np.where(mask, scores, -np.inf), ids.__getitem__)


def top(scores: F64, id_of: Callable[[int], str]) -> int:
    """The index of the highest of ``scores``; exact ties go to the smallest ``id_of(index)``."""
    tied = np.flatnonzero(scores == scores.max())
    if len(tied) == 1:
        return int(tied[0])
    # Ties are decided by id, not by arrival on the board, so a decision is reproducible.
    return min(tied.tolist(), key=id_of)
