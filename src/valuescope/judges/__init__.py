"""Value judges: score a text on every dimension of a framework (all@once, one-by-one).

    judge = Judge(model, load_framework("schwartz10"), mode="all@once")
    judgement = await judge.judge(text, question=None)

`devsets` loads the labelled development sets shipped for judging judges.
"""

from valuescope.judges._judge import JUDGE_MODES, Judge, Judgement, JudgeMode, ScoreMethod
from valuescope.judges._prompts import (
    all_at_once_messages,
    all_at_once_template,
    one_by_one_messages,
)
from valuescope.judges._repair import ParsedLabels, parse_labels

__all__ = [
    "JUDGE_MODES",
    "Judge",
    "JudgeMode",
    "Judgement",
    "ParsedLabels",
    "ScoreMethod",
    "all_at_once_messages",
    "all_at_once_template",
    "one_by_one_messages",
    "parse_labels",
]
