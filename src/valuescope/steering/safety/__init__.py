"""The safety check of value-steered models (`valuescope safety`): harm prompts asked bare,
steered and with mitigation prompts, judged for harm and for the values they express.

    instrument = SafetyInstrument(SafetyConfig(model="llamacpp", steering_run="runs/...",
                                               limit=24))
    finished = await engine.run(instrument)   # runs/<UTC>-safety-harm-llamacpp/
"""

from valuescope.steering.safety.compare import (
    ALL,
    HarmComparison,
    ValueHarmCorrelation,
    mcnemar_exact,
)
from valuescope.steering.safety.instrument import (
    BARE,
    STEERED,
    Condition,
    SafetyConfig,
    SafetyInstrument,
)
from valuescope.steering.safety.judge import HarmJudgement, judge_harm, judge_messages
from valuescope.steering.safety.mitigation import (
    MITIGATIONS,
    SAFETY_INSTRUCTION,
    Mitigation,
    mitigation_text,
    value_mitigation,
)
from valuescope.steering.safety.prompts import (
    HarmCategory,
    HarmPrompt,
    HarmSet,
    builtin_harm_path,
    load_harm_prompts,
    select_prompts,
)
from valuescope.steering.safety.records import ConditionRates, HarmRate, SafetySample
from valuescope.steering.safety.summary import SafetyResults, SteeringSummary, wilson

__all__ = [
    "ALL",
    "BARE",
    "MITIGATIONS",
    "SAFETY_INSTRUCTION",
    "STEERED",
    "Condition",
    "ConditionRates",
    "HarmCategory",
    "HarmComparison",
    "HarmJudgement",
    "HarmPrompt",
    "HarmRate",
    "HarmSet",
    "Mitigation",
    "SafetyConfig",
    "SafetyInstrument",
    "SafetyResults",
    "SafetySample",
    "SteeringSummary",
    "ValueHarmCorrelation",
    "builtin_harm_path",
    "judge_harm",
    "judge_messages",
    "load_harm_prompts",
    "mcnemar_exact",
    "mitigation_text",
    "select_prompts",
    "value_mitigation",
    "wilson",
]
