"""`valuescope generate`: AdAEM's self-extending question bank (METHODS.md, "AdAEM").

Each round the UCB1 bandit (`bandit.py`) picks `arms_per_round` topics. For a topic pulled
for the first time the generator model writes `questions` questions about it; for one pulled
before, it rewrites the topic's best question so far into that many variants (more
specific, more controversial, culture-bound). Near-duplicates of any earlier question are
dropped (`dedupe.py`). Every pool member answers every new question and the judge scores
each answer: that evaluation is an ordinary probes run (`measure --instrument probes`, on
the round's questions as a JSONL bank) per pool model, in `<out>/round-<r>/<member>/`. A
question's informativeness is the mean pairwise Jensen-Shannon divergence of the members'
judged profiles, its elicitation the mean strongest value, its reward the product
(`scoring.py`); a topic's reward for the round is the mean over its new questions.

The pool is several models (`models`), or one model under several personas (`personas`:
each persona is a member, the persona-free answers are not). Budgets: `rounds`, and
`max_calls` (answers + judgements + generator calls; a round that would pass it is not
started). A run is a study (`engine.Study`: manifest.json lists its probes runs).
Resumable: rerunning with the same `out` reuses the finished probes runs, resumes an
unfinished one, and takes the generator's answers from the cache (greedy, so the same);
other settings in the same `out` are refused, naming them.

Outputs: `bank.jsonl` (every question with its provenance: round, arm/topic, parent, and
scores), which `measure --instrument probes --items` reads directly; `generate.json` (the
arms' pulls and mean rewards, each round's questions, the seed-vs-refined comparison, and
the same comparison on held-out models or personas when given).

Partly implemented, said here and in `--help`: the pool's answers are greedy (one per
question and member), and the comparison of the refined bank with the seed questions on
held-out members is reported as mean informativeness only (no significance test).
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from valuescope.engine import ConfigError, Progress, Study, resume, run
from valuescope.frameworks import load_framework
from valuescope.generate.bandit import UCB1
from valuescope.generate.config import (
    BANK_FILE,
    COMMAND,
    LEGACY_CONFIG,
    REPORT_FILE,
    AdaemConfig,
    ArmReport,
    Comparison,
    GenerateReport,
    Member,
    QuestionRecord,
    member_label,
)
from valuescope.generate.dedupe import Deduplicator
from valuescope.generate.prompts import parse_questions, refine_messages, seed_messages
from valuescope.generate.scoring import elicitation, informativeness, reward
from valuescope.generate.topics import Topic, load_topics
from valuescope.instruments.probes import (
    ProbeSample,
    ProbesConfig,
    ProbesInstrument,
    ProbesResults,
)
from valuescope.instruments.probes.summary import question_means
from valuescope.models import CachedModel, Message, Model
from valuescope.models import GenerateConfig as SamplingConfig
from valuescope.respondents import load_personas, sample_personas
from valuescope.runs import MANIFEST, RunStore


class Generator:
    """The AdAEM loop over one output folder (see the module docstring)."""

    def __init__(self, config: AdaemConfig, out: Path, progress: Progress | None = None,
                 command_line: str | None = None) -> None:  # fmt: skip
        self.config = config
        self.out = out
        self.progress = progress
        self.framework = load_framework(config.framework)
        topics = load_topics(Path(config.topics) if config.topics else None)
        if config.arms is not None and config.arms < len(topics):
            rng = np.random.default_rng(config.seed)
            picked = sorted(rng.choice(len(topics), size=config.arms, replace=False))
            topics = [topics[i] for i in picked]
        self.topics = {t.id: t for t in topics}
        self.bandit = UCB1(list(self.topics), config.exploration)
        self.dedupe = Deduplicator(config.dedupe)
        self.records: list[QuestionRecord] = []
        self.dropped: list[dict[str, str]] = []
        self.unparsed = 0
        self.calls = 0
        self.members = [Member(member_label(m, i), m) for i, m in enumerate(config.models)]
        if config.personas is None and len(self.members) < 2:
            raise ConfigError("the pool needs >= 2 models, or one model with --personas N")
        self.study = Study.open(COMMAND, config, out, model=config.model, seed=config.seed,
                                instrument=self.framework.id, command_line=command_line,
                                legacy=LEGACY_CONFIG)  # fmt: skip

    # -- one round -----------------------------------------------------------------------

    async def _write(self, generator: CachedModel, topic: Topic) -> tuple[list[str], str | None]:
        """New questions for `topic`: K written from the topic on its first pull, else K
        variants of its best question so far (one call each)."""
        k = self.config.questions
        best = self._best_question(topic.id)
        if best is None:
            texts = [await self._ask(generator, seed_messages(topic, k), 60 * k)]
        else:
            texts = [await self._ask(generator, refine_messages(topic, best.question, i), 80)
                     for i in range(k)]  # fmt: skip
        questions: list[str] = []
        for text in texts:
            parsed = [q for q in parse_questions(text, k) if q not in questions]
            if not parsed:
                self.unparsed += 1
            questions.extend(parsed)
        return questions[:k], best.id if best else None

    async def _ask(self, generator: CachedModel, messages: list[Message], max_tokens: int) -> str:
        completion = await generator.generate(messages, SamplingConfig(max_tokens=max_tokens))
        self.calls += 0 if completion.cached else 1
        return completion.text

    def _best_question(self, arm: str) -> QuestionRecord | None:
        scored = [r for r in self.records if r.arm == arm and r.reward is not None]
        return max(scored, key=lambda r: r.reward or 0.0) if scored else None

    def _probes_config(self, model: str, bank: Path, personas: int | None,
                       personas_file: str | None = None) -> ProbesConfig:  # fmt: skip
        shared = self.config.model_dump(include={"seed", "min_option_mass", "settings",
                                                 "use_cache", "cache_dir"})  # fmt: skip
        return ProbesConfig(
            **shared, model=model, framework=self.framework.id, items=str(bank),
            judge=self.config.judge or self.config.models[0], judge_mode=self.config.judge_mode,
            max_tokens=self.config.max_tokens, personas=personas, personas_file=personas_file,
            n_boot=0,
        )  # fmt: skip

    async def _evaluate(self, bank: Path, folder: Path, models: Sequence[Member],
                        personas: int | None, personas_file: str | None = None,
                        ) -> dict[str, dict[str, list[float]]]:  # fmt: skip
        """question id -> member -> profile (mean P(expressed) per dimension). With
        personas, the members are the personas (their persona-free answers are left out);
        without, each model is one member."""
        by_persona = personas is not None or personas_file is not None
        profiles: dict[str, dict[str, list[float]]] = defaultdict(dict)
        for member in models:
            child = (folder / member.label).relative_to(self.out).as_posix()
            directory = self.study.child(child)
            if (directory / MANIFEST).is_file():
                finished = await resume(directory, "probes", self.progress)
            else:
                config = self._probes_config(member.model, bank, personas, personas_file)
                finished = await run(ProbesInstrument(config), directory, self.progress)
            results = finished.results
            assert isinstance(results, ProbesResults)
            usage, judge_usage = results.usage, results.judge_usage
            self.calls += usage.model_calls + (judge_usage.model_calls if judge_usage else 0)
            answers: dict[str, list[ProbeSample]] = defaultdict(list)
            for s in RunStore.open_existing(directory).read_samples(ProbeSample):
                if by_persona and s.persona is not None:
                    answers[s.persona].append(s)
                elif not by_persona:
                    answers[member.label].append(s)
            for who, samples in answers.items():
                means = {d: question_means(samples, d) for d in self.framework.ids}
                scored = set.intersection(*(set(m) for m in means.values()))
                for question in scored:
                    profiles[question][who] = [means[d][question] for d in self.framework.ids]
        return profiles

    def _bank_path(self, round_number: int, records: Sequence[QuestionRecord]) -> Path:
        folder = self.out / f"round-{round_number}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "questions.jsonl"
        lines = [json.dumps({"id": r.id, "question": r.question, "arm": r.arm}) for r in records]
        path.write_text("\n".join(lines) + "\n", "utf-8")
        return path

    def _estimated_round_calls(self) -> int:
        n_members = self.config.personas or len(self.members)
        per_question = 2 * (n_members + (1 if self.config.personas else 0))
        per_arm = 1 + self.config.questions * per_question
        return self.config.arms_per_round * per_arm

    def _over_budget(self) -> bool:
        limit = self.config.max_calls
        return limit is not None and self.calls + self._estimated_round_calls() > limit

    async def _new_questions(
        self, generator: CachedModel, arm: str, round_number: int
    ) -> list[QuestionRecord]:
        topic = self.topics[arm]
        questions, parent = await self._write(generator, topic)
        kept = []
        for index, question in enumerate(questions):
            duplicate = self.dedupe.duplicate_of(question)
            if duplicate is not None:
                self.dropped.append(
                    {"question": question, "repeats": duplicate[0], "why": duplicate[1]}
                )
                continue
            self.dedupe.add(question)
            record_id = f"r{round_number}-{arm}-{index + 1}"
            kept.append(QuestionRecord(id=record_id, question=question, round=round_number,
                                       arm=arm, topic=topic.topic, parent=parent))  # fmt: skip
        return kept

    async def run(self, generator: CachedModel) -> GenerateReport:
        notes: list[str] = []
        rounds_run = 0
        for round_number in range(1, self.config.rounds + 1):
            if self._over_budget():
                notes.append(
                    f"stopped before round {round_number}: it would pass --max-calls "
                    f"{self.config.max_calls} ({self.calls} calls so far)"
                )
                break
            selected = self.bandit.select(self.config.arms_per_round)
            new: list[QuestionRecord] = []
            for arm in selected:
                new.extend(await self._new_questions(generator, arm, round_number))
            if new:
                bank = self._bank_path(round_number, new)
                folder = self.out / f"round-{round_number}"
                profiles = await self._evaluate(bank, folder, self.members, self.config.personas)
                for record in new:
                    record.profiles = profiles.get(record.id, {})
                    record.informativeness = informativeness(record.profiles)
                    record.elicitation = elicitation(record.profiles)
                    record.reward = reward(record.informativeness, record.elicitation)
                self.records.extend(new)
            for arm in selected:  # an arm whose questions were all dropped earns 0
                rewards = [r.reward or 0.0 for r in new if r.arm == arm]
                self.bandit.update(arm, float(np.mean(rewards)) if rewards else 0.0)
            rounds_run = round_number
        self._write_bank()
        held_out = await self._held_out(notes)
        return self._report(rounds_run, notes, held_out)

    # -- outputs ---------------------------------------------------------------------------

    def _write_bank(self) -> None:
        ranked = sorted(self.records, key=lambda r: -(r.reward or 0.0))
        lines = [r.model_dump_json(exclude={"profiles"}) for r in ranked]
        tmp = self.out / (BANK_FILE + ".tmp")
        tmp.write_text("\n".join(lines) + ("\n" if lines else ""), "utf-8")
        os.replace(tmp, self.out / BANK_FILE)

    def _comparison(
        self, records: Sequence[QuestionRecord], profiles: dict[str, dict[str, list[float]]]
    ) -> Comparison:
        """Mean informativeness of the seed and of the refined questions under `profiles`
        (the pool's, or held-out members')."""
        values = {r.id: informativeness(profiles.get(r.id, {})) for r in records}
        seed = [v for r in records if r.parent is None and (v := values[r.id]) is not None]
        refined = [v for r in records if r.parent is not None and (v := values[r.id]) is not None]
        members = sorted({m for p in profiles.values() for m in p})
        return Comparison(members=members, seed=float(np.mean(seed)) if seed else None,
                          refined=float(np.mean(refined)) if refined else None,
                          n_seed=len(seed), n_refined=len(refined))  # fmt: skip

    async def _held_out(self, notes: list[str]) -> Comparison | None:
        """The seed and refined questions answered by members the search never saw."""
        config = self.config
        if not self.records or not (config.held_out or config.held_out_personas):
            return None
        bank = self.out / "held-out" / "questions.jsonl"
        bank.parent.mkdir(parents=True, exist_ok=True)
        bank.write_text(
            "\n".join(json.dumps({"id": r.id, "question": r.question}) for r in self.records)
            + "\n",
            "utf-8",
        )
        if config.held_out_personas:
            personas_file = self._held_out_personas_file(config.held_out_personas)
            profiles = await self._evaluate(
                bank, bank.parent, self.members[:1], None, str(personas_file)
            )
        else:
            members = [Member(member_label(m, i), m) for i, m in enumerate(config.held_out)]
            if len(members) < 2:
                notes.append(
                    "one held-out model: informativeness needs >= 2 members; none computed"
                )
                return None
            profiles = await self._evaluate(bank, bank.parent, members, None)
        return self._comparison(self.records, profiles)

    def _held_out_personas_file(self, n: int) -> Path:
        pool = load_personas()
        used = {p.id for p in sample_personas(pool, self.config.personas or 0, self.config.seed)}
        rest = [p for p in pool if p.id not in used]
        chosen = sample_personas(rest, n, self.config.seed + 1)
        path = self.out / "held-out" / "personas.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "\n".join(json.dumps({"id": p.id, "text": p.text}) for p in chosen) + "\n", "utf-8"
        )
        return path

    def _report(
        self, rounds_run: int, notes: list[str], held_out: Comparison | None
    ) -> GenerateReport:
        arms = {
            arm: ArmReport(topic=self.topics[arm].topic, pulls=stats.pulls,
                           mean_reward=stats.mean, rewards=stats.rewards)
            for arm, stats in self.bandit.arms.items() if stats.pulls
        }  # fmt: skip
        if self.config.personas is None and not any(r.profiles for r in self.records):
            notes.append("no question got a profile from two members")
        pool_profiles = {r.id: r.profiles for r in self.records}
        report = GenerateReport(
            framework=self.framework.id,
            pool=[m.model for m in self.members]
            if not self.config.personas
            else [f"{self.config.models[0]} x {self.config.personas} personas"],
            judge=self.config.judge or self.config.models[0],
            generator=self.config.generator or self.config.models[0],
            rounds_run=rounds_run,
            calls=self.calls,
            arms=arms,
            questions=len(self.records),
            dropped_duplicates=self.dropped,
            unparsed_generations=self.unparsed,
            pool_comparison=self._comparison(self.records, pool_profiles),
            held_out_comparison=held_out,
            notes=notes,
        )
        tmp = self.out / (REPORT_FILE + ".tmp")
        tmp.write_text(json.dumps(report.model_dump(mode="json"), indent=2) + "\n", "utf-8")
        os.replace(tmp, self.out / REPORT_FILE)
        self.study.finish()
        return report


async def agenerate(
    config: AdaemConfig,
    out: Path,
    progress: Progress | None = None,
    generator: Model | None = None,
    command_line: str | None = None,
) -> GenerateReport:
    """Run (or resume, in the same `out`) the AdAEM loop; see the module docstring.
    `generator`: an API user's own `Model` to write the questions (behind the cache), instead
    of the one `config.generator` names; the pool and the judge are always opened by name,
    since their probes runs must be resumable."""
    loop = Generator(config, out, progress, command_line)
    name = config.generator or config.models[0]
    writer = config.model_copy(update={"model": name}).open_model(generator)
    try:
        return await loop.run(writer)
    finally:
        await writer.aclose()
