"""`classify`: a value judge scores a user's texts on a framework (MoVa; docs/methods.md).

Texts (`texts.load_texts`: a CSV/TSV/JSONL file, Touche23-ValueEval, a shipped dev set or a
hub dataset) -> one judgement per text (`judges.Judge`, all@once or one-by-one) -> one
`ClassifySample` per text -> the texts' value profile and, where the source has gold
labels, ROC-AUC and F1 per dimension and macro with bootstrap CIs (`summary.py`). The run's
model *is* the judge (`--judge` on the command line). The engine runs it: run directory,
resume, cache, worker pool, progress.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field

from valuescope.engine import InstrumentBase, Models, Plan, RunConfig, SampleKey, digest
from valuescope.frameworks import load_framework
from valuescope.instruments.classify.summary import ClassifyResults, ClassifySample, summarise
from valuescope.instruments.classify.texts import LabelledText, load_texts
from valuescope.judges import (
    Judge,
    JudgeMode,
    all_at_once_messages,
    all_at_once_template,
    one_by_one_messages,
)
from valuescope.runs import invalid_note

COMMAND = "classify"


class ClassifyConfig(RunConfig):
    """Everything that defines a classify run (`model` is the judge)."""

    source: str
    """A file, `devset:NAME`, `touche:PATH` or `hf:NAME[:SPLIT]` (see `texts`)."""
    framework: str
    mode: JudgeMode = "all@once"
    text_column: str = "text"
    id_column: str = "id"
    question_column: str | None = None
    limit: int | None = Field(default=None, ge=1)
    """Judge only the first N texts."""
    frameworks_dir: str | None = None
    n_boot: int = Field(default=1000, ge=0)


class ClassifyInstrument(
    InstrumentBase[ClassifyConfig], command=COMMAND, config_type=ClassifyConfig
):
    """A judge over a set of texts (see the module docstring)."""

    sample_type = ClassifySample

    def __init__(self, config: ClassifyConfig, resume_from: Path | None = None) -> None:
        super().__init__(config)
        self.framework = load_framework(config.framework, config.frameworks_dir)
        texts = load_texts(config.source, self.framework, config.text_column,
                           config.id_column, config.question_column)  # fmt: skip
        self.source = texts
        self.texts = texts.texts[: config.limit] if config.limit else texts.texts

    @property
    def instrument_name(self) -> str:
        return self.source.name

    def fingerprint(self) -> dict[str, str]:
        probe = "{text}"
        prompts = [
            all_at_once_messages(self.framework, probe, None),
            all_at_once_template(self.framework),
        ]
        prompts += [
            one_by_one_messages(self.framework, d, probe, None) for d in self.framework.dimensions
        ]
        return {
            "framework": digest(self.framework),
            "texts": digest([(t.id, t.text, t.question, t.gold) for t in self.texts]),
            "prompts": digest(prompts),
        }

    def plan(self, done: set[SampleKey]) -> Plan[LabelledText]:
        mode = self.config.mode
        return Plan(
            total=len(self.texts), pending=[t for t in self.texts if (t.id, mode) not in done]
        )

    async def answer(self, request: LabelledText, models: Models) -> Sequence[ClassifySample]:
        judge = Judge(models.subject, self.framework, self.config.mode, self.config.min_option_mass)
        return [ClassifySample.of(request, await judge.judge(request.text, request.question))]

    def summarise(self, samples: list[ClassifySample], models: Models) -> ClassifyResults:
        samples = [s for s in samples if s.condition == self.config.mode]
        fields = summarise(self.texts, self.source.labelled, self.framework.ids, samples,
                           self.config.seed, self.config.n_boot)  # fmt: skip
        return ClassifyResults(
            command=COMMAND,
            model=self.config.model,
            framework=self.framework.id,
            source=self.config.source,
            mode=self.config.mode,
            usage=models.subject.usage,
            warnings=self._warnings(samples),
            **fields,  # type: ignore[arg-type]
        )

    def _warnings(self, samples: list[ClassifySample]) -> list[str]:
        warnings = [w for w in self.config.notes([]) if w]
        warnings += invalid_note(
            samples,
            "judgements could not be read in full and are left out of the dimensions they "
            "miss (reasons in results.json)",
        )
        labels_only = sum(s.score_method == "labels" for s in samples)
        if labels_only:
            warnings.append(
                f"{labels_only} judgements have 0/1 labels only (no log-probabilities), so "
                "their scores are the labels and AUC ranks them coarsely; on a llama.cpp "
                "server use --constrain grammar, on vLLM --constrain guided_choice"
            )
        return warnings
