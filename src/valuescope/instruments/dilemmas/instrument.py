"""`dilemmas`: put moral dilemmas to a model and compare the frameworks it prefers.

Load the `ethics5` framework and a dilemma bank -> dilemmas x tasks x orders as `choose`
requests (`requests.py`) -> one `DilemmaSample` per answer -> per-framework preferences and
ratings (`summary.py`). The engine runs it (model, run directory, resume, pool, progress).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field, field_validator

from valuescope.engine import InstrumentBase, Models, Plan, RunConfig, SampleKey, digest
from valuescope.errors import MissingFile
from valuescope.frameworks import Framework, load_framework
from valuescope.instruments.dilemmas.bank import DilemmaBank, builtin_dilemmas_path, load_dilemmas
from valuescope.instruments.dilemmas.requests import (
    RATING_SCALE,
    TASKS,
    DilemmaSample,
    Request,
    Task,
    requests_for,
)
from valuescope.instruments.dilemmas.summary import DilemmaResults, summarise

COMMAND = "dilemmas"
FRAMEWORK = "ethics5"
CHOICE_ORDERS = (
    "2n per dilemma: the n cyclic rotations of the file's outcome order (fwd0 = as written) "
    "and the n rotations of its reverse (rev0 = reversed)"
)


class DilemmasConfig(RunConfig):
    """Everything that defines a dilemmas run (stored in the manifest; no secrets)."""

    file: str | None = None
    """A dilemma bank file; None = the 18 dilemmas valuescope ships."""
    limit: int | None = None
    """Ask only the first N dilemmas of the file."""
    tasks: list[Task] = Field(default_factory=lambda: list(TASKS))

    @field_validator("tasks")
    @classmethod
    def _some_tasks(cls, value: list[Task]) -> list[Task]:
        if not value:
            raise ValueError("at least one task (choice, rating) is needed")
        return [t for t in TASKS if t in value]


def load_bank(config: DilemmasConfig) -> tuple[Framework, DilemmaBank]:
    framework = load_framework(FRAMEWORK)
    path = Path(config.file) if config.file else builtin_dilemmas_path()
    if not path.is_file():
        raise MissingFile(f"no dilemma file at {path}")
    return framework, load_dilemmas(path, framework)


class DilemmasInstrument(
    InstrumentBase[DilemmasConfig], command=COMMAND, config_type=DilemmasConfig
):
    """Moral dilemmas: a choice among outcomes under 2n orders, and 1..5 ratings."""

    sample_type = DilemmaSample

    def __init__(self, config: DilemmasConfig, resume_from: Path | None = None) -> None:
        super().__init__(config)
        self.framework, self.bank = load_bank(config)
        self.dilemmas = (
            self.bank.dilemmas[: config.limit] if config.limit else list(self.bank.dilemmas)
        )

    @property
    def instrument_name(self) -> str:
        return self.bank.id

    def fingerprint(self) -> dict[str, str]:
        requests = requests_for(self.dilemmas, self.config.tasks)
        return {
            "framework": digest(self.framework),
            "dilemmas": digest(self.dilemmas),
            "prompts": digest([(r.messages(), r.options()) for r in requests]),
        }

    def plan(self, done: set[SampleKey]) -> Plan[Request]:
        return Plan.of(requests_for(self.dilemmas, self.config.tasks), done)

    async def answer(self, request: Request, models: Models) -> Sequence[DilemmaSample]:
        messages = request.messages()
        choice = await models.subject.choose(messages, request.options())
        return [request.score(messages, choice, self.config.min_option_mass)]

    def summarise(self, samples: list[DilemmaSample], models: Models) -> DilemmaResults:
        wanted = {r.key for r in requests_for(self.dilemmas, self.config.tasks)}
        samples = [s for s in samples if s.key in wanted]
        dimensions, per_dilemma, overall = summarise(self.dilemmas, self.framework.ids, samples)
        return DilemmaResults(
            command=COMMAND,
            model=self.config.model,
            framework=self.framework.id,
            instrument=self.bank.id,
            tasks=self.config.tasks,
            choice_orders=CHOICE_ORDERS,
            rating_scale=RATING_SCALE,
            min_option_mass=self.config.min_option_mass,
            dimensions=dimensions,
            dilemmas=per_dilemma,
            overall=overall,
            usage=models.subject.usage,
            warnings=self._warnings(samples, overall.primacy),
        )

    def _warnings(self, samples: list[DilemmaSample], primacy: float | None) -> list[str]:
        warnings = self.config.notes(samples)
        if primacy is not None and primacy > 0.2:
            warnings.append(
                f"the choice task favours the first option strongly (primacy {primacy:.2f}): "
                "the order design cancels it in the preferences, but they reflect content "
                "only weakly"
            )
        return warnings
