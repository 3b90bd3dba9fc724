"""What `compare` writes (compare.json): its settings, each run's profile and every paired
test (see `analysis.compare`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from valuescope.instruments.likert.items import ResponseScale
from valuescope.runs import SCHEMA_VERSION, Record, RunStoreError
from valuescope.stats import Stat
from valuescope.verdict import Verdict

COMMAND = "compare"
COMPARE_FILE = "compare.json"
RESULTS_FILE = "results.json"
Method = Literal["permutation", "wilcoxon"]
Scores = Literal["own", "pooled"]
METHODS: tuple[Method, ...] = ("permutation", "wilcoxon")


class CompareError(RunStoreError):
    """Runs that cannot be compared (not `measure` runs, unfinished, other framework...).

    A `RunStoreError`, so the CLI prints it as one line naming the directory at fault."""


class CompareConfig(BaseModel):
    method: Method = "permutation"
    """The method whose Holm-adjusted p decides `significant` in the CLI's table (both are
    always computed and stored)."""
    alpha: float = Field(default=0.05, gt=0.0, lt=1.0)
    n_permutations: int = Field(default=10000, ge=1)
    seed: int = 0
    min_items: int = Field(default=3, ge=2)
    scores: Scores = "own"
    """own: the model's own answers (the profile `measure` prints); pooled: the simulated
    respondents' answers pooled with them per item (module docstring)."""


class RunInfo(BaseModel):
    label: str
    """The model name, or the directory name where two runs share a model."""
    directory: str
    model: str
    instrument: str
    n_samples: int
    n_invalid: int
    min_option_mass: float
    sampled: bool
    warnings: list[str] = Field(default_factory=list)
    verdict: Verdict | None = None
    """The run's own verdict (None for runs made before verdicts, or a failed run)."""
    failure: str | None = None


class ProfileCell(BaseModel):
    """One run's score on one dimension: as its results.json reports it (`own`), or the
    mean of its pooled item scores (`pooled`)."""

    score: float | None
    ci: list[float | None]
    score_mrat: float | None = None
    n_items: int


class PairTest(BaseModel):
    statistic: Stat | None = None
    """The test statistic where the method has one (Wilcoxon's W)."""
    p_value: Stat
    p_holm: Stat
    """Holm-adjusted over every computable test of this method in the comparison."""
    significant: bool | None
    """p_holm < alpha; null when the test was not computable."""


class DimensionComparison(BaseModel):
    run_a: str
    run_b: str
    dimension: str
    n_items: int
    """Items scored by both runs: the sample size of every test here."""
    mean_a: float | None
    mean_b: float | None
    """The runs' means over the common items: the profile's score when both runs scored the
    same items (else the profile averages over all of each run's items)."""
    mean_difference: Stat
    """mean(a - b) over the common items."""
    cohens_dz: Stat
    rank_biserial: Stat
    permutation: PairTest
    wilcoxon: PairTest

    def test(self, method: Method) -> PairTest:
        return self.permutation if method == "permutation" else self.wilcoxon


class CompareResults(Record):
    schema_version: int = SCHEMA_VERSION
    command: str = COMMAND
    framework: str
    dimensions: list[str]
    """Every dimension any run scored, in the framework file's order."""
    circle: list[str] | None = None
    """The circumplex order of `dimensions` where the framework has one (radar plots)."""
    scale: ResponseScale
    config: CompareConfig
    runs: list[RunInfo]
    profiles: dict[str, dict[str, ProfileCell]]
    """Run label -> dimension -> score and CI."""
    item_scores: dict[str, dict[str, dict[str, float]]]
    """Run label -> dimension -> item id -> item score: what the tests were run on."""
    comparisons: list[DimensionComparison]
    n_tests: dict[str, int]
    """Method -> computable tests in its Holm family."""
    nothing_tested: str | None = None
    """Why `config.method` could not run a single test, when it could not (else None): e.g.
    runs of `--limit 10` over ten values have one item per dimension. Print this instead of
    "no difference is significant", which would read as evidence of no difference."""
    warnings: list[str] = Field(default_factory=list)
    verdict: Verdict | None = None
    """The worst of the runs' verdicts, each run's deciding reasons named."""

    def radar_order(self) -> list[str]:
        """The dimensions in the order they go around a radar plot (the circle first)."""
        return self.circle if self.circle else self.dimensions

    def significant(self, method: Method | None = None) -> list[DimensionComparison]:
        """The comparisons whose Holm-adjusted p is below alpha under `method`."""
        chosen = method or self.config.method
        return [c for c in self.comparisons if c.test(chosen).significant]
