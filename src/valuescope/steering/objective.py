"""How well one response holds a target: conformity, the value log-likelihood, parroting.

A value judge (`judges.Judge`) gives, for a response, the probability p_k that value k is
expressed. With the target's normalised priority t_k in [0, 1] (`Target.normalised`):

- *conformity* c_k = 1 - |p_k - t_k|: 1 when the judge finds the value exactly as present
  as the target wants (p = 1 for a top priority, p = 0 for a bottom one);
- the *value log-likelihood* log q_k = log(t_k p_k + (1 - t_k)(1 - p_k)): the log of the
  probability that the judge's 0/1 label agrees with a label drawn at the target's rate;
  for t = 1 it is PICACO's log q(v | x, y); for t = 0 it rewards the value's absence;
- *parroting*: the share of a response's content words that come from the target values'
  names, definitions and keywords. PICACO penalises responses that recite the values
  instead of acting on them; the penalty is relative to the bare model's response to the
  same task (a task about money makes "wealth" natural), so only the excess counts.

The objective of PICACO (and what IROTE's evocativeness and the baselines' scores use) is
mean_k log q_k - `PARROTING_WEIGHT` * max(0, parroting - parroting_bare). The weight is
ours: PICACO's total-correlation term is estimated there by a second model; we use the
lexical share, which is cheap, transparent and needs no second model (said in the note).
"""

from __future__ import annotations

import math
import re

from valuescope.frameworks import Framework
from valuescope.steering.targets import Target

PARROTING_WEIGHT = 2.0
EPSILON = 1e-4
_WORD = re.compile(r"[a-z][a-z'-]{3,}")
_STOP = frozenset(
    [
        "that",
        "this",
        "with",
        "from",
        "have",
        "your",
        "about",
        "their",
        "there",
        "which",
        "would",
        "could",
        "should",
        "them",
        "they",
        "what",
        "when",
        "where",
        "more",
        "most",
        "some",
        "such",
        "into",
        "over",
        "also",
        "than",
        "then",
        "very",
        "just",
        "only",
        "other",
        "being",
        "been",
        "were",
        "will",
        "make",
        "made",
        "like",
        "each",
        "much",
        "many",
        "those",
        "these",
        "because",
        "while",
    ]
)


def conformity(expression: dict[str, float], target: Target) -> dict[str, float]:
    """c_k = 1 - |p_k - t_k| for each target dimension the judge scored."""
    return {
        d: 1.0 - abs(expression[d] - target.normalised(d))
        for d in target.dimensions
        if d in expression
    }


def value_loglik(expression: dict[str, float], target: Target) -> float:
    """mean over target dimensions of log(t p + (1 - t)(1 - p)), floored at log(1e-4)."""
    terms = []
    for d in target.dimensions:
        p, t = expression[d], target.normalised(d)
        terms.append(math.log(max(t * p + (1 - t) * (1 - p), EPSILON)))
    return sum(terms) / len(terms)


def _stem(word: str) -> str:
    return word[:6]


def description_vocabulary(framework: Framework, target: Target) -> frozenset[str]:
    """Stems of the content words in the target dimensions' names, definitions, keywords."""
    words: set[str] = set()
    for d in target.dimensions:
        dimension = framework.dimension(d)
        text = " ".join([dimension.name, dimension.definition, *dimension.keywords]).lower()
        words.update(_stem(w) for w in _WORD.findall(text) if w not in _STOP)
    return frozenset(words)


def parroting(text: str, vocabulary: frozenset[str]) -> float:
    """The share of `text`'s content words whose stem is in `vocabulary` (0 for no words)."""
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOP]
    if not words:
        return 0.0
    return sum(_stem(w) in vocabulary for w in words) / len(words)


def objective(
    expression: dict[str, float], target: Target, parroting_share: float,
    bare_parroting: float | None,
) -> float:  # fmt: skip
    """PICACO's objective for one response (see the module docstring)."""
    excess = max(0.0, parroting_share - (bare_parroting or 0.0))
    return value_loglik(expression, target) - PARROTING_WEIGHT * excess
