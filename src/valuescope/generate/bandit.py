"""UCB1 over topics (the exploration idea LongMab-PO applies to long contexts; AdAEM's
search over topics is the same problem): pull the topic whose mean reward plus an
exploration bonus is highest, so topics that produced informative questions are refined
further while topics tried once or twice still get another chance.

    score(arm) = mean(arm) + c * sqrt(2 ln(total pulls) / pulls(arm))

Arms never pulled come first, in their listed order (UCB1's initialisation). Ties are broken
by the listed order, so a run is deterministic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class ArmStats:
    pulls: int = 0
    total_reward: float = 0.0
    rewards: list[float] = field(default_factory=list)

    @property
    def mean(self) -> float | None:
        return self.total_reward / self.pulls if self.pulls else None


class UCB1:
    def __init__(self, arms: list[str], exploration: float = 1.0) -> None:
        if not arms:
            raise ValueError("a bandit needs at least one arm")
        self.arms = {a: ArmStats() for a in arms}
        self.exploration = exploration

    @property
    def total_pulls(self) -> int:
        return sum(a.pulls for a in self.arms.values())

    def score(self, arm: str) -> float:
        stats = self.arms[arm]
        if stats.pulls == 0:
            return math.inf
        bonus = self.exploration * math.sqrt(2.0 * math.log(max(self.total_pulls, 1)) / stats.pulls)
        return (stats.mean or 0.0) + bonus

    def select(self, k: int = 1) -> list[str]:
        """The `k` arms to pull next (distinct; all of them if there are fewer)."""
        order = list(self.arms)
        ranked = sorted(order, key=lambda a: (-self.score(a), order.index(a)))
        return ranked[: min(k, len(order))]

    def update(self, arm: str, reward: float) -> None:
        stats = self.arms[arm]
        stats.pulls += 1
        stats.total_reward += reward
        stats.rewards.append(reward)
