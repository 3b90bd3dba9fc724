"""`construct`: CAReDiO's culture-aware data construction (questions and answers written
for a culture, scored for representativeness and distinctiveness, refined alternately, the
top kept and exported as SFT / DPO data)."""

from valuescope.construct.config import ROLES, TOPICS, ConstructConfig
from valuescope.construct.run import ConstructReport, aconstruct
from valuescope.construct.scoring import Scores, combined, consensus, rating

__all__ = [
    "ROLES",
    "TOPICS",
    "ConstructConfig",
    "ConstructReport",
    "Scores",
    "aconstruct",
    "combined",
    "consensus",
    "rating",
]
