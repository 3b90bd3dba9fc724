"""`generate`: AdAEM's self-extending question bank (topics -> questions -> pool answers ->
judge -> informativeness -> UCB over topics -> refined questions)."""

from valuescope.generate.bandit import UCB1, ArmStats
from valuescope.generate.config import AdaemConfig, GenerateReport, QuestionRecord
from valuescope.generate.loop import agenerate
from valuescope.generate.scoring import elicitation, informativeness, jensen_shannon, reward
from valuescope.generate.topics import Topic, load_topics

__all__ = [
    "UCB1",
    "AdaemConfig",
    "ArmStats",
    "GenerateReport",
    "QuestionRecord",
    "Topic",
    "agenerate",
    "elicitation",
    "informativeness",
    "jensen_shannon",
    "load_topics",
    "reward",
]
