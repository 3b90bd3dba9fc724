"""COUPLE (arXiv 2510.18526): rewrite each free-text answer toward the target, counterfactually.

COUPLE models a response as caused by value dimensions (with priorities) through the value
concepts they bring in, with the response's non-value content and style as exogenous noise.
Steering is then a counterfactual question: what would this response have been, same content
and style, had the values been at the target? Per response, at inference time:

1. *abduction*: the draft (the bare model's answer) is judged on every dimension of the
   framework (`Judge` with the artifact's `judge_mode`), and the model lists the value
   concepts the draft expresses (a few short phrases);
2. *intervention*: when the largest |p_k - t_k| over the target dimensions is at most the
   threshold, the draft is kept as it is. Otherwise the values are set to the target and
   a plan per dimension is derived from the framework's relation graph, in code
   (`intervention_plan`): target values above the middle of the scale are raised and their
   `consistent` neighbours supported; target values below it are lowered; the `opposing`
   values of the high priorities recede (a neighbour pulled both ways is left alone). The
   model only phrases one concrete concept per planned dimension for the request's topic;
3. *prediction*: the model rewrites the draft from those concepts, keeping its content,
   length and style. A rewrite that is empty, the draft unchanged, far shorter than it,
   repetitive, not prose or an echo of the instructions is not used: the draft is
   returned, with the reason.

Every request goes to the bare model through its cache, so a rerun costs nothing. The
extraction and concept answers are greedy, bounded by `RewriteConfig.max_tokens`; the
rewrite is written under the caller's `GenerateConfig` (its length limit and sampling hold
for the answer it gets back).

What `Completion.finish_reason` says: `couple: kept (...)`, `couple: rewritten (...)` or
`couple: fallback (...)`, followed by the underlying finish reason. `Completion.usage` sums
the draft and the three `generate` calls; the judge's tokens are counted in the model's
run usage (`CachedModel.usage`) but are not in the completion (a `Judgement` has no usage).

Honest differences from the paper: its SCM concept extraction and its intervention are done
here by prompting the same model (greedy, cached), not by a trained or separate component;
the relation graph is the framework's `consistent` / `opposing` lists, not a learned one.
The concepts are extracted only when a rewrite follows (only the rewrite uses them), which
saves a request per kept draft. An answer drafted under a grammar (a constrained answer) is
never rewritten. Closed answers (`choose`, questionnaires) cannot be rewritten at all: the
artifact's `instruction` (the plain value instruction) stands in for them.

`CoupleMethod.search` has nothing to search: it runs the rewrite on the optimisation tasks,
so that its scored responses sit in the run beside the other methods' candidates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar, Literal

from valuescope.frameworks import Framework, load_framework
from valuescope.judges import Judge, Judgement
from valuescope.models import (
    CachedModel,
    Choice,
    Completion,
    Filled,
    GenerateConfig,
    Message,
    Template,
    TokenUsage,
    user,
)
from valuescope.steering.artifact import MethodName, RewriteConfig, SteeringArtifact, SteeringError
from valuescope.steering.methods.baselines import value_instruction
from valuescope.steering.methods.couple_steps import (
    PlanEntry,
    concept_messages,
    extraction_messages,
    intervention_plan,
    largest_deviation,
    parse_concepts,
    parse_plan_concepts,
    readable_rewrite,
    rewrite_messages,
)
from valuescope.steering.search import (
    BudgetExhausted,
    CallBudget,
    MethodContext,
    MethodOutcome,
    ScoredResponse,
)

Outcome = Literal["kept", "rewritten", "fallback"]


@lru_cache(maxsize=16)
def _framework(framework_id: str) -> Framework:
    try:
        return load_framework(framework_id)
    except (KeyError, ValueError, OSError) as exc:
        raise SteeringError(f"COUPLE needs the framework {framework_id!r}: {exc}") from None


def _question(messages: list[Message]) -> str:
    return next((m.content for m in reversed(messages) if m.role == "user"), "")


class CountedModel(CachedModel):
    """`inner` with every request counted against a search's budget (cached or not), so
    that the rewrite's inner calls (judge, extraction, concepts, rewrite) are budgeted."""

    def __init__(self, inner: CachedModel, budget: CallBudget) -> None:
        super().__init__(inner.backend, inner.cache)
        self.usage = inner.usage
        self.inner = inner
        self.budget = budget

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        self.budget.spend(1)
        return await self.inner.generate(messages, config)

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        self.budget.spend(1)
        return await self.inner.choose(messages, options)

    async def fill(self, messages: list[Message], template: Template) -> Filled:
        self.budget.spend(1)
        return await self.inner.fill(messages, template)


@dataclass
class RewriteResult:
    """One draft through COUPLE: what came out and why (for logs and counts)."""

    completion: Completion
    outcome: Outcome
    reason: str
    judgement: Judgement | None = None
    plan: list[PlanEntry] = field(default_factory=list)
    expressed: list[str] = field(default_factory=list)
    ideas: dict[int, str] = field(default_factory=dict)


def _finish(outcome: Outcome, why: str, underlying: str | None) -> str:
    """`couple: rewritten (why); stop`: what `Completion.finish_reason` says."""
    return f"couple: {outcome} ({why})" + (f"; {underlying}" if underlying else "")


def _usage(parts: list[Completion]) -> TokenUsage:
    return TokenUsage(prompt_tokens=sum(p.usage.prompt_tokens for p in parts),
                      completion_tokens=sum(p.usage.completion_tokens for p in parts))  # fmt: skip


async def counterfactual_rewrite(
    bare: CachedModel, artifact: SteeringArtifact, messages: list[Message], draft: Completion,
    config: GenerateConfig, framework: Framework | None = None,
) -> RewriteResult:  # fmt: skip
    """Abduction, intervention, prediction for one draft (see the module docstring)."""
    rewrite = artifact.rewrite or RewriteConfig()
    framework = framework or _framework(artifact.framework)
    target = artifact.target

    def kept(outcome: Outcome, reason: str, parts: list[Completion], **kw: object) -> RewriteResult:
        completion = draft.model_copy(update={
            "finish_reason": _finish(outcome, reason, draft.finish_reason), "usage": _usage(parts),
            "cached": all(p.cached for p in parts)})  # fmt: skip
        return RewriteResult(completion, outcome, reason, **kw)  # type: ignore[arg-type]

    if config.grammar is not None:
        return kept("kept", "a constrained answer is not rewritten", [draft])
    text = draft.text.strip()
    if not text:
        return kept("kept", "the draft is empty", [draft])
    question = _question(messages)
    judgement = await Judge(bare, framework, rewrite.judge_mode).judge(text, question)
    expression = {d: float(s) for d, s in judgement.scores.items() if s is not None}
    worst = largest_deviation(expression, target)
    if worst is not None and worst[1] <= rewrite.threshold:
        why = f"largest deviation {worst[1]:.2f} on {worst[0]} <= {rewrite.threshold:g}"
        return kept("kept", why, [draft], judgement=judgement)
    if worst is None:
        why = "the judge scored no target value; rewritten unchecked"
    else:
        why = f"largest deviation {worst[1]:.2f} on {worst[0]} > {rewrite.threshold:g}"
    aux = GenerateConfig(max_tokens=rewrite.max_tokens, temperature=0.0, seed=config.seed)
    extracted = await bare.generate(extraction_messages(text), aux)
    plan = intervention_plan(framework, target)
    phrased = await bare.generate(concept_messages(framework, plan, question), aux)
    expressed = parse_concepts(extracted.text)
    ideas = parse_plan_concepts(phrased.text, len(plan))
    asked = rewrite_messages(framework, plan, ideas, expressed, question, text)
    written = await bare.generate(asked, config)
    parts = [draft, extracted, phrased, written]
    details = dict(judgement=judgement, plan=plan, expressed=expressed, ideas=ideas)
    rewritten, problem = readable_rewrite(written.text, text)
    if rewritten is None:
        return kept("fallback", f"{why}; the rewrite was unusable: {problem}", parts, **details)
    completion = written.model_copy(update={
        "text": rewritten, "usage": _usage(parts), "cached": all(p.cached for p in parts),
        "finish_reason": _finish("rewritten", why, written.finish_reason)})  # fmt: skip
    return RewriteResult(completion, "rewritten", why, judgement, plan, expressed, ideas)


async def rewrite_completion(
    bare: CachedModel, artifact: SteeringArtifact, messages: list[Message], draft: Completion,
    config: GenerateConfig, framework: Framework | None = None,
) -> Completion:  # fmt: skip
    """What `SteeredModel.generate` returns for a COUPLE artifact: `draft` kept or
    rewritten toward the target (`finish_reason` says which and why)."""
    result = await counterfactual_rewrite(bare, artifact, messages, draft, config, framework)
    return result.completion


class CoupleMethod:
    """Counterfactual rewriting at inference time; no search (see the module docstring)."""

    name: ClassVar[MethodName] = "couple"

    async def search(self, context: MethodContext) -> MethodOutcome:
        settings = context.settings
        instruction = value_instruction(context.framework, context.target)
        artifact = SteeringArtifact(
            method="couple", framework=context.framework.id, target=context.target,
            instruction=instruction,
            rewrite=RewriteConfig(threshold=settings.threshold, max_tokens=settings.max_tokens),
        )  # fmt: skip
        counted = CountedModel(context.model, context.budget)
        config = context.response_config()
        scored: list[ScoredResponse] = []
        counts: dict[Outcome, int] = {"rewritten": 0, "kept": 0, "fallback": 0}
        stopped: Literal["no search", "budget"] = "no search"
        for task in context.tasks:
            try:
                [bare] = await context.bare_responses([task])
                draft = Completion(text=bare.text)
                messages = [user(task.question())]
                result = await counterfactual_rewrite(counted, artifact, messages, draft, config,
                                                      context.framework)  # fmt: skip
                scored.append(await context.score(task, result.completion.text))
            except BudgetExhausted:
                if not scored:
                    raise
                stopped = "budget"
                break
            counts[result.outcome] += 1
        note = (f"rewrote {counts['rewritten']} of {len(scored)} drafts, kept "
                f"{counts['kept']} (within {settings.threshold:g} of the target), "
                f"{counts['fallback']} fell back to the draft (unusable rewrite)")  # fmt: skip
        if stopped == "budget":
            note += f"; the budget ran out after {len(scored)} of {len(context.tasks)} tasks"
        text = (
            "COUPLE: rewrite each free-text draft toward the target when a target value is "
            f"more than {settings.threshold:g} off; closed answers: {instruction}"
        )
        best = context.candidate(1, "rewrite", text, scored, note=note)
        return MethodOutcome(instruction=instruction, score=best.score, rounds_run=1,
                             stopped=stopped, notes=[note],
                             rewrite_threshold=settings.threshold)  # fmt: skip
