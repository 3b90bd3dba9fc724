"""What the engine runs: an `Instrument` turns a design into requests, answers one request
with the model(s) into samples, and summarises the samples into results.

The split keeps each instrument about measurement only. Everything that every run needs,
opening the model (and a judge) behind the cache, the run directory, resume, the worker
pool, progress, usage and interruption, lives once in `engine._run`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Generic, Protocol, TypeVar

from valuescope.models import CachedModel
from valuescope.registry import Registry
from valuescope.runs import ResultsBase, SampleRecord

if TYPE_CHECKING:
    from valuescope.engine._config import RunConfig

SampleKey = tuple[str, str]
"""(item_id, condition): what identifies one answer in samples.jsonl."""

RequestT = TypeVar("RequestT")
SampleT = TypeVar("SampleT", bound=SampleRecord)
SampleT_co = TypeVar("SampleT_co", bound=SampleRecord, covariant=True)
ResultsT = TypeVar("ResultsT", bound=ResultsBase)
ResultsT_co = TypeVar("ResultsT_co", bound=ResultsBase, covariant=True)
ConfigT = TypeVar("ConfigT", bound="RunConfig")


class Keyed(Protocol):
    """A request that names the one sample it answers."""

    @property
    def key(self) -> SampleKey: ...


KeyedT = TypeVar("KeyedT", bound=Keyed)


@dataclass
class Plan(Generic[RequestT]):
    """What is left to ask: `pending` requests in the order to send them (consecutive ones
    share their longest prompt prefix), and `total`, the answers the whole design has (the
    progress bar's length, counting those a resumed run already has)."""

    total: int
    pending: list[RequestT] = field(default_factory=list)

    @staticmethod
    def of(requests: Sequence[KeyedT], done: set[SampleKey]) -> Plan[KeyedT]:
        """The plan of a design whose requests each name their sample (`request.key`):
        all of them counted, those whose key is not in `done` pending, in design order."""
        return Plan(total=len(requests), pending=[r for r in requests if r.key not in done])


@dataclass
class Models:
    """The models a run asks: the one being measured, and the one that judges free text
    (the same object unless the run names another judge)."""

    subject: CachedModel
    judge: CachedModel

    @property
    def has_own_judge(self) -> bool:
        """The judge is another model (a steered subject judged by its own bare self is
        not: same backend, same usage counters)."""
        return self.judge.backend is not self.subject.backend


class Instrument(Protocol[RequestT, SampleT, ResultsT_co]):
    """One way of measuring a model, run by `engine.run` (see the module docstring).

    Construction loads and checks every input (item banks, word lists), so that bad input
    fails before a run directory exists. `resume_from` is the run directory when a run is
    reopened: an instrument that copied its inputs there (CSI's word list) reads them back.

    Example (a one-question instrument; the real ones are in `valuescope.instruments`):
        ```python
        class Wet:
            command = "wet"
            config_type = RunConfig
            sample_type = WetSample

            def __init__(self, config: RunConfig, resume_from: Path | None = None):
                self.config = config
                self.instrument_name = "water"

            def fingerprint(self) -> dict[str, str]:
                return {"prompts": digest("Is water wet?", ["Yes", "No"])}

            def run_files(self) -> dict[str, str]:
                return {}

            def plan(self, done: set[SampleKey]) -> Plan[str]:
                return Plan(total=1, pending=[] if ("water", "q") in done else ["water"])

            async def answer(self, request: str, models: Models) -> list[WetSample]:
                choice = await models.subject.choose([user("Is water wet?")], ["Yes", "No"])
                return [WetSample(item_id=request, condition="q", valid=True,
                                  p_yes=choice.probs[0])]

            def summarise(self, samples: list[WetSample], models: Models) -> WetResults:
                return WetResults(command="wet", model=self.config.model,
                                  p_yes=samples[0].p_yes, usage=models.subject.usage)
        ```
    """

    command: ClassVar[str]
    """The run command, written into the manifest and the run directory's name."""
    config_type: ClassVar[type[RunConfig]]

    @property
    def sample_type(self) -> type[SampleT]:
        """The sample class, to read samples.jsonl back on resume."""
        ...

    @property
    def config(self) -> RunConfig:
        """The run's configuration as it goes into the manifest (inputs resolved)."""
        ...

    @property
    def instrument_name(self) -> str:
        """What is asked (the item bank, the word list), for the run directory's name and
        `valuescope runs`."""
        ...

    def fingerprint(self) -> dict[str, str]:
        """A hash (`engine.digest`) per part of the instrument that decides what the model
        is asked and how its answers are scored: items, scale, framework, word list, the
        prompt templates. Stored in the manifest; `resume` refuses a run whose parts
        changed and names them."""
        ...

    def run_files(self) -> dict[str, str]:
        """Extra files (name -> text) a new run directory gets beside the manifest."""
        ...

    def plan(self, done: set[SampleKey]) -> Plan[RequestT]:
        """The requests whose samples are not in `done` (all of them for a new run)."""
        ...

    async def answer(self, request: RequestT, models: Models) -> Sequence[SampleT]:
        """Ask the model(s) one request; return its scored samples (invalid ones included:
        an unparseable answer is a sample with `valid=False` and its reason)."""
        ...

    def summarise(self, samples: list[SampleT], models: Models) -> ResultsT_co:
        """All samples of the run (earlier sessions' too) -> results.json's content."""
        ...


class InstrumentBase(Generic[ConfigT]):
    """An optional base for an `Instrument` (the protocol above stays the contract): the
    class keywords `command` and `config_type` set the class attributes, the constructor
    keeps `config`, and a run gets no extra files unless `run_files` says otherwise.

        class Wet(InstrumentBase[RunConfig], command="wet", config_type=RunConfig): ...
    """

    command: ClassVar[str]
    config_type: ClassVar[type[RunConfig]]

    def __init_subclass__(
        cls, command: str | None = None, config_type: type[RunConfig] | None = None
    ) -> None:
        super().__init_subclass__()
        if command is not None:
            cls.command = command
        if config_type is not None:
            cls.config_type = config_type

    def __init__(self, config: ConfigT) -> None:
        self.config = config

    def run_files(self) -> dict[str, str]:
        return {}


class KeyedInstrument(InstrumentBase[ConfigT], Generic[ConfigT, KeyedT]):
    """An `InstrumentBase` whose design is a list of keyed requests (`requests`): the plan
    asks those whose sample is not done yet (`Plan.of`)."""

    def requests(self) -> list[KeyedT]:
        """The whole design, in the order to ask it."""
        raise NotImplementedError

    def plan(self, done: set[SampleKey]) -> Plan[KeyedT]:
        return Plan.of(self.requests(), done)


def instrument_class(command: str) -> type[Instrument[object, SampleRecord, ResultsBase]]:
    """The instrument that runs `command` (imported on first use: instruments pull in
    numpy, scipy and the item banks, which `valuescope --help` should not pay for)."""
    from valuescope.runs import RunStoreError

    if command not in INSTRUMENTS:
        known = ", ".join(INSTRUMENTS)
        raise RunStoreError(f"no instrument runs {command!r} (known: {known})")
    return INSTRUMENTS.get(command)


INSTRUMENTS: Registry[type[Instrument[object, SampleRecord, ResultsBase]]] = Registry(
    "instruments", "instrument"
)
"""Run command -> its instrument class (what `resume` reopens a run with): the entry-point
group `valuescope.instruments` (valuescope's own in its pyproject.toml, plugins' in theirs)."""
