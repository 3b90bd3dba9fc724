"""The model against human norms (`measure --norms FILE`): the `norms` block of results.json.

Per dimension with a norm (`norm_file.py`), as PsychoBench reports it (`stats._norms`):

- z and percentile of the model's own profile score (`dimensions.*.score`) in the human
  distribution; the percentile assumes the human scores are normal.
- Welch's t and Hedges' g between a sample of the model's scale scores and the human
  sample. Which sample depends on the run:
  - with a respondent design (`--design`, `--personas`): the simulated respondents' scale
    scores, one per respondent (mean over the dimension's items, over both option orders):
    a sample of simulated people, which is the comparison PsychoBench makes. Where a
    persona answers under several phrasings (`--design full`) its respondents are not
    independent, so their scores are averaged per persona first and n is the personas;
  - without one: the scale scores of the model's own administrations (option order x
    framing x wording x draw; one per administration, the mean of its item scores). These
    vary only with the prompt, not with any person, so the test asks whether the model's
    answers *across prompts* differ from the human mean; n is the number of prompt
    variants, and a large t says the model answers far from the humans consistently, not
    that a population of models differs from one of people.
  A respondent or administration missing an item (every answer to it invalid) is left
  out of that dimension (listwise, as the reliability over respondents does) and counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from valuescope.instruments.likert.design import persona_of
from valuescope.instruments.likert.items import Item
from valuescope.instruments.likert.norm_file import HumanNorm, NormTable
from valuescope.instruments.likert.prompts import Condition
from valuescope.instruments.likert.respondent_summary import respondent_matrix
from valuescope.instruments.likert.scoring import LikertSample
from valuescope.stats import CIStat, SampleStats, Stat, WelchTest, compare_with_norm, sample_stats

SampleKind = Literal["respondents", "personas", "administrations"]

MEANING: dict[SampleKind, str] = {
    "respondents": (
        "t and g compare the simulated respondents' scale scores (one per respondent) with "
        "the human sample: simulated people against real ones"
    ),
    "personas": (
        "t and g compare the simulated respondents' scale scores, averaged per persona "
        "(respondents of one persona are not independent), with the human sample: simulated "
        "people against real ones"
    ),
    "administrations": (
        "t and g compare the scale scores of the model's own administrations (option order x "
        "framing x wording x draw) with the human sample: these measure prompt variation, not "
        "people, so the test is about the model's answers across prompts, and its n is the "
        "number of prompt variants"
    ),
}

ASSUMPTIONS = [
    "percentile = 100 * Phi(z): assumes the human scores are normally distributed",
    "Welch's t from the summary statistics (unequal variances), two-sided p",
    "Hedges' g = J * (model - human) / pooled sd, J exact; 95% CI from the large-sample "
    "normal approximation of Hedges & Olkin (1985)",
    "the human numbers are taken as published: same items, same response scale",
]


class ModelSample(BaseModel):
    """The model's scale scores that the tests compare with the human sample."""

    kind: SampleKind
    mean: float | None
    sd: float | None
    n: int
    n_left_out: int = 0
    """Respondents or administrations without a valid answer to every item."""


class NormDimension(BaseModel):
    human: HumanNorm
    model: float | None
    """The model's own profile score (`dimensions.*.score`): what z and percentile place."""
    sample: ModelSample
    z: Stat
    percentile: Stat
    t: Stat
    df: Stat
    p: Stat
    g: CIStat


class NormsResult(BaseModel):
    file: str
    source: str
    description: str = ""
    instrument: str | None = None
    sample: SampleKind
    meaning: str
    assumptions: list[str] = Field(default_factory=lambda: list(ASSUMPTIONS))
    dimensions: dict[str, NormDimension]
    without_norm: list[str] = Field(default_factory=list)
    """Dimensions the run scored that the file has no norm for."""


def administration_scores(
    samples: Sequence[LikertSample], conditions: Sequence[Condition], item_ids: Sequence[str]
) -> tuple[list[float], int]:
    """(one scale score per administration with every item valid, administrations left out)."""
    from valuescope.instruments.likert.scoring import score_matrix

    matrix = score_matrix(samples, conditions, item_ids)
    complete = ~np.isnan(matrix).any(axis=1)
    return [float(v) for v in matrix[complete].mean(axis=1)], int((~complete).sum())


def respondent_scale_scores(
    samples: Sequence[LikertSample], item_ids: Sequence[str]
) -> tuple[list[float], int, bool]:
    """(one scale score per respondent with every item valid, respondents left out, whether
    the scores are per persona: the mean of its respondents', where a persona has several)."""
    ids, matrix = respondent_matrix(samples, item_ids)
    complete = ~np.isnan(matrix).any(axis=1)
    scores = matrix[complete].mean(axis=1) if complete.any() else np.array([])
    personas = [persona_of(r) for r, keep in zip(ids, complete, strict=True) if keep]
    left_out = int((~complete).sum())
    if len(set(personas)) == len(personas):
        return [float(v) for v in scores], left_out, False
    by_persona: dict[str, list[float]] = defaultdict(list)
    for persona, score in zip(personas, scores, strict=True):
        by_persona[persona].append(float(score))
    return [float(np.mean(v)) for v in by_persona.values()], left_out, True


def compare_norms(
    table: NormTable,
    scores: Mapping[str, float | None],
    own: Sequence[LikertSample],
    answered: Sequence[LikertSample],
    conditions: Sequence[Condition],
    items: Sequence[Item],
) -> NormsResult:
    """The `norms` block: `scores` are the profile's scores, `own` the model's own samples,
    `answered` the respondents' (empty without a design)."""
    dimensions: dict[str, NormDimension] = {}
    kinds: set[SampleKind] = set()
    for dim in scores:  # the profile's order
        human = table.dimensions.get(dim)
        if human is None:
            continue
        item_ids = sorted(i.id for i in items if i.dimension == dim)
        kind: SampleKind = "administrations"
        if answered:
            values, left_out, clustered = respondent_scale_scores(
                [s for s in answered if s.dimension == dim], item_ids
            )
            kind = "personas" if clustered else "respondents"
        else:
            values, left_out = administration_scores(
                [s for s in own if s.dimension == dim], conditions, item_ids
            )
        kinds.add(kind)
        summary = sample_stats(values)
        dimensions[dim] = _dimension(human, scores[dim], summary, kind, left_out)
    kind = _one_kind(kinds, bool(answered))
    return NormsResult(
        file=table.file,
        source=table.source,
        description=table.description,
        instrument=table.instrument,
        sample=kind,
        meaning=MEANING[kind],
        dimensions=dimensions,
        without_norm=[d for d in scores if d not in table.dimensions],
    )


def _one_kind(kinds: set[SampleKind], respondents: bool) -> SampleKind:
    """What the samples are: personas if any dimension's were (a persona's respondents left
    out of one dimension can leave one per persona there)."""
    if "personas" in kinds:
        return "personas"
    return "respondents" if respondents else "administrations"


def norms_warning(table: NormTable, instrument: str) -> str | None:
    """A warning for results when the norms come from another questionnaire than the run's."""
    if table.instrument is None or table.instrument == instrument:
        return None
    return (
        f"the norms were collected with {table.instrument}, this run asked {instrument}: "
        "the comparison with the human sample is between different questionnaires"
    )


def _dimension(
    human: HumanNorm, score: float | None, summary: SampleStats, kind: SampleKind, left_out: int
) -> NormDimension:
    comparison = compare_with_norm(score, summary, human.mean, human.sd, human.n)
    welch: WelchTest = comparison.welch
    return NormDimension(
        human=human,
        model=score,
        sample=ModelSample(
            kind=kind, mean=summary.mean, sd=summary.sd, n=summary.n, n_left_out=left_out
        ),
        z=comparison.z,
        percentile=comparison.percentile,
        t=welch.t,
        df=welch.df,
        p=welch.p,
        g=comparison.g,
    )
