"""`measure --instrument probes`: what a model's values look like when it answers freely.

Questionnaires show what a model says about itself; probes show what it does. Each probe is
an open-ended, value-laden question (`bank.py`); the model answers it in a few sentences
(greedy, or K samples at a temperature), a value judge scores the answer on every dimension
of the framework (`judges.Judge`, all@once by default; `--judge` names another model), and
the profile is the mean judged score per dimension with a bootstrap CI over questions
(`summary.py`). With personas (`--personas N|FILE`, or `--design quick|standard`) every
persona answers every question as well, which gives per-persona profiles: `valuescope
agreement` correlates them with the same personas' questionnaire scores.

Requests are ordered respondent by respondent (the persona framing is the shared prefix);
each request is two calls, the answer and its judgement, and a rerun reuses both from the
cache. An empty answer or an unreadable judgement is kept as an invalid sample with its
reason and counted. The profile's verdict, or the failure of a run with nothing to read, is
`verdict.py`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from valuescope.engine import ConfigError, KeyedInstrument, Models, RunConfig, SampleKey, digest
from valuescope.frameworks import load_framework
from valuescope.instruments.likert.design import (
    DesignName,
    design_personas,
    persona_count,
    personas_asked,
)
from valuescope.instruments.probes.bank import (
    Probe,
    builtin_probes_path,
    load_probes,
    select_probes,
)
from valuescope.instruments.probes.summary import EMPTY, ProbeSample, ProbesResults, summarise
from valuescope.instruments.probes.verdict import probes_failure, probes_verdict
from valuescope.judges import Judge, JudgeMode
from valuescope.models import GenerateConfig, Message, user
from valuescope.respondents import PERSONA_FRAMING, Persona
from valuescope.runs import invalid_note

COMMAND = "probes"
ANSWER_INSTRUCTION = "Answer in at most three sentences, and say what you would do or think."
SELF = "self"


class ProbesConfig(RunConfig):
    """Everything that defines a probes run (stored in the manifest; no secrets)."""

    framework: str
    items: str | None = None
    """A probe bank (YAML or JSONL, e.g. one `valuescope generate` wrote); None = shipped."""
    frameworks_dir: str | None = None
    limit: int | None = Field(default=None, ge=1)
    """Ask only N probes, round-robin over the dimensions."""
    samples: int = Field(default=1, ge=1)
    """Answers per question and respondent: 1 = greedy; K > 1 = K draws at `temperature`."""
    temperature: float = Field(default=0.7, gt=0.0)
    max_tokens: int = Field(default=160, ge=16)
    design: DesignName = "none"
    personas: int | None = Field(default=None, ge=1)
    personas_file: str | None = None
    judge: str | None = None
    """The judge model; None = the measured model judges its own answers."""
    judge_mode: JudgeMode = "all@once"
    n_boot: int = Field(default=1000, ge=0)
    """0: no CI of the profile (`generate`'s inner runs, which read the means only); any
    other value: a t-interval over questions (the number is kept for older run folders; it
    counted bootstrap resamples before the interval became a t-interval)."""

    def judge_model_name(self) -> str | None:
        return self.judge


@dataclass(frozen=True)
class ProbeRequest:
    probe: Probe
    persona: Persona | None
    sample: int

    @property
    def key(self) -> SampleKey:
        who = self.persona.id if self.persona else SELF
        return (self.probe.id, f"{who}/s{self.sample}")

    def messages(self) -> list[Message]:
        question = f"{self.probe.question}\n\n{ANSWER_INSTRUCTION}"
        if self.persona is None:
            return [user(question)]
        return [user(PERSONA_FRAMING.format(persona=self.persona.text) + "\n\n" + question)]


class ProbesInstrument(
    KeyedInstrument[ProbesConfig, ProbeRequest], command=COMMAND, config_type=ProbesConfig
):
    """Open-ended probes judged on a framework (see the module docstring)."""

    sample_type = ProbeSample

    def __init__(self, config: ProbesConfig, resume_from: Path | None = None) -> None:
        super().__init__(config)
        self.framework = load_framework(config.framework, config.frameworks_dir)
        path = Path(config.items) if config.items else builtin_probes_path(self.framework.id)
        if path is None:
            raise ConfigError(
                f"no probes ship for {self.framework.id} (schwartz10 and mft6 do): "
                "give your own with --items FILE"
            )
        self.bank = load_probes(path, self.framework)
        self.probes = select_probes(self.bank.probes, self.framework.ids, config.limit)
        self.personas = self._personas()

    def _personas(self) -> list[Persona]:
        """The questionnaire's rule (`design.persona_count`, `design_personas`), so the same
        options give the same personas as a `measure` run."""
        config = self.config
        n = persona_count(config.design, config.personas, config.personas_file)
        if n is None:
            return []
        file = Path(config.personas_file) if config.personas_file else None
        asked = personas_asked(config.design, config.personas, config.personas_file)
        return design_personas(n, config.seed, file, asked)

    @property
    def instrument_name(self) -> str:
        return self.bank.id

    def requests(self) -> list[ProbeRequest]:
        respondents: list[Persona | None] = [None, *self.personas]
        return [
            ProbeRequest(probe, persona, k)
            for persona in respondents
            for probe in self.probes
            for k in range(self.config.samples)
        ]

    def fingerprint(self) -> dict[str, str]:
        return {
            "framework": digest(self.framework),
            "items": digest(self.probes),
            "respondents": digest(self.personas),
            "prompts": digest([PERSONA_FRAMING, ANSWER_INSTRUCTION]),
        }

    def _generate_config(self, request: ProbeRequest) -> GenerateConfig:
        greedy = self.config.samples == 1
        return GenerateConfig(
            max_tokens=self.config.max_tokens,
            temperature=0.0 if greedy else self.config.temperature,
            seed=self.config.seed,
            sample_index=request.sample,
        )

    async def answer(self, request: ProbeRequest, models: Models) -> Sequence[ProbeSample]:
        messages = request.messages()
        completion = await models.subject.generate(messages, self._generate_config(request))
        text = completion.text.strip()
        item_id, condition = request.key
        persona = request.persona.id if request.persona else None
        dimension = request.probe.dimension
        if not text:
            return [ProbeSample(item_id=item_id, condition=condition, valid=False,
                                invalid_reason=EMPTY, persona=persona,
                                dimension=dimension, answer="")]  # fmt: skip
        judge = Judge(
            models.judge, self.framework, self.config.judge_mode, self.config.min_option_mass
        )
        judgement = await judge.judge(text, request.probe.question)
        return [ProbeSample(item_id=item_id, condition=condition, valid=judgement.valid,
                            invalid_reason=None if judgement.valid else judgement.reason,
                            persona=persona, dimension=dimension, answer=text,
                            scores=judgement.scores, score_method=judgement.score_method,
                            judge_calls=judgement.calls)]  # fmt: skip

    def summarise(self, samples: list[ProbeSample], models: Models) -> ProbesResults:
        wanted = {r.key for r in self.requests()}
        samples = [s for s in samples if s.key in wanted]
        results = ProbesResults(
            command=COMMAND,
            model=self.config.model,
            judge=self.config.judge or self.config.model,
            judge_mode=self.config.judge_mode,
            framework=self.framework.id,
            instrument=self.bank.id,
            usage=models.subject.usage,
            judge_usage=models.judge.usage if models.has_own_judge else None,
            warnings=self._warnings(samples),
            **summarise(  # type: ignore[arg-type]
                self.framework.ids, self.probes, samples, self.config.n_boot
            ),
        )
        results.failure = probes_failure(results)
        results.verdict = None if results.failure else probes_verdict(results)
        return results

    def _warnings(self, samples: list[ProbeSample]) -> list[str]:
        warnings = self.config.notes([])
        warnings += invalid_note(
            samples,
            "answers were empty or their judgement could not be read in full "
            "(reasons in samples.jsonl); they are left out",
        )
        if self.config.judge is None:
            warnings.append(
                "the measured model judged its own answers (--judge names another model)"
            )
        return warnings
