"""Value judges: repairing near-JSON, the two modes' scoring logic (on a scripted model),
and both modes on the embedded model and through a llama.cpp server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from valuescope.frameworks import load_framework
from valuescope.judges import Judge, parse_labels
from valuescope.models import (
    Choice,
    Completion,
    Filled,
    GenerateConfig,
    Message,
    ModelSettings,
    SlotAnswer,
    Template,
    get_model,
)

MFT = load_framework("mft6")
IDS = MFT.ids  # care, fairness, loyalty, authority, sanctity, liberty

# --- repairing a judge's answer ------------------------------------------------------------


def test_clean_json_needs_no_repair() -> None:
    parsed = parse_labels('{"care": 1, "fairness": 0}', ["care", "fairness"])
    assert parsed.labels == {"care": 1, "fairness": 0}
    assert not parsed.repaired and parsed.missing == [] and parsed.reason is None


@pytest.mark.parametrize(
    "answer",
    [
        '```json\n{"care": 1, "fairness": 0}\n```',  # a code fence around valid JSON
        "{'care': 1, 'fairness': 0}",  # single quotes
        '{"care": true, "fairness": false}',
        '{"care": "yes", "fairness": "no",}',  # trailing comma, words
        '{"Care": 1, "FAIRNESS": 0}',  # keys in another case
        '{"care": 1, "fairness": 0',  # the closing brace cut off by max_tokens
        'Sure! {"care": 1.0, "fairness": 0.0} Hope this helps.',
    ],
)
def test_near_json_is_repaired(answer: str) -> None:
    parsed = parse_labels(answer, ["care", "fairness"])
    assert parsed.labels == {"care": 1, "fairness": 0}, answer
    assert parsed.missing == []


def test_the_fence_alone_is_not_a_repair_but_quotes_are() -> None:
    assert not parse_labels('```json\n{"care": 1}\n```', ["care"]).repaired
    assert parse_labels("{'care': 1}", ["care"]).repaired


def test_what_is_not_written_is_not_guessed() -> None:
    partial = parse_labels('{"care": 1, "fairness": 2, "other": 1}', ["care", "fairness"])
    assert partial.labels == {"care": 1} and partial.missing == ["fairness"]
    nothing = parse_labels("I think the text is about kindness.", ["care"])
    assert nothing.labels == {} and nothing.reason == "no JSON object in the answer"
    empty = parse_labels("{}", ["care"])
    assert empty.reason == "no dimension's 0/1 could be read"


# --- the scoring logic, on a scripted model -------------------------------------------------


class ScriptedJudge:
    """A fake judge for the scoring logic: fills with a fixed `Filled`, chooses with fixed
    probabilities per dimension (found by the dimension's id in the prompt)."""

    name = identity = "scripted"

    def __init__(self, filled: Filled | None = None, p1: dict[str, float] | None = None,
                 mass: float = 1.0, method: str = "logprobs") -> None:  # fmt: skip
        self.filled, self.p1, self.mass, self.method = filled, p1 or {}, mass, method
        self.calls = 0

    async def fill(self, messages: list[Message], template: Template) -> Filled:
        self.calls += 1
        assert self.filled is not None
        return self.filled

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        raise AssertionError("the judge fills or chooses; it does not generate")

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        self.calls += 1
        dimension = next(d for d in IDS if f"- {d}:" in messages[0].content)
        p = self.p1[dimension]
        return Choice(options=options, probs=[1 - p, p], option_mass=self.mass,
                      method=self.method)  # type: ignore[arg-type]  # fmt: skip

    async def aclose(self) -> None:
        pass


def _slots(*probs: float | None) -> list[SlotAnswer]:
    return [
        SlotAnswer(
            chosen="1" if (p or 0) > 0.5 else "0",
            probs=None if p is None else [1 - p, p],
            option_mass=0.9,
        )
        for p in probs
    ]


def test_all_at_once_scores_are_p1_at_each_position() -> None:
    filled = Filled(text="{...}", slots=_slots(0.9, 0.2, 0.6, 0.1, 0.4, 0.7), method="logprobs")
    judgement = asyncio.run(Judge(ScriptedJudge(filled), MFT).judge("a text"))
    assert judgement.valid and judgement.score_method == "logprobs" and judgement.calls == 1
    assert [judgement.scores[d] for d in IDS] == pytest.approx([0.9, 0.2, 0.6, 0.1, 0.4, 0.7])
    assert [judgement.labels[d] for d in IDS] == [1, 0, 1, 0, 0, 1]


def test_all_at_once_without_logprobs_scores_the_labels_and_says_so() -> None:
    filled = Filled(text='{"care":1, ...}', method=None, reason="no log-probabilities",
                    slots=[SlotAnswer(chosen=c) for c in "100101"])  # fmt: skip
    judgement = asyncio.run(Judge(ScriptedJudge(filled), MFT).judge("a text"))
    assert judgement.valid and judgement.score_method == "labels"
    assert [judgement.scores[d] for d in IDS] == [1.0, 0.0, 0.0, 1.0, 0.0, 1.0]
    assert judgement.reason == "no log-probabilities"


def test_all_at_once_off_the_template_is_repaired_or_invalid() -> None:
    def judged(text: str):  # type: ignore[no-untyped-def]
        filled = Filled(text=text, method=None, reason="the answer does not follow the template",
                        slots=[SlotAnswer(chosen=None) for _ in IDS])  # fmt: skip
        return asyncio.run(Judge(ScriptedJudge(filled), MFT).judge("a text"))

    repaired = judged("{'care': 1, 'fairness': 0, 'loyalty': 0, 'authority': 1, "
                      "'sanctity': 0, 'liberty': 0}")  # fmt: skip
    assert repaired.valid and repaired.repaired and repaired.score_method == "labels"
    assert repaired.scores["authority"] == 1.0 and "after repair" in (repaired.reason or "")
    broken = judged('{"care": 1, "fairness": maybe')
    assert not broken.valid and broken.score_method is None
    assert broken.scores["care"] == 1.0 and broken.scores["fairness"] is None
    assert "no 0/1 for fairness, loyalty" in (broken.reason or "")


def test_one_by_one_asks_each_dimension_and_keeps_low_mass_apart() -> None:
    p1 = dict(zip(IDS, [0.8, 0.3, 0.5, 0.1, 0.9, 0.45], strict=True))
    model = ScriptedJudge(p1=p1)
    judgement = asyncio.run(Judge(model, MFT, mode="one-by-one").judge("a text"))
    assert model.calls == judgement.calls == 6
    assert judgement.valid and judgement.scores == pytest.approx(p1)
    assert judgement.labels["care"] == 1 and judgement.labels["liberty"] == 0
    low = asyncio.run(Judge(ScriptedJudge(p1=p1, mass=0.1), MFT, mode="one-by-one").judge("t"))
    assert not low.valid and all(v is None for v in low.scores.values())
    assert "care: option_mass 0.100 below the minimum 0.25" in (low.reason or "")
    sampled = ScriptedJudge(p1=p1, method="samples")
    assert asyncio.run(Judge(sampled, MFT, mode="one-by-one").judge("t")).score_method == "samples"


# --- real models ----------------------------------------------------------------------------

TEXTS = [
    "I stayed late to sit with my neighbour after her surgery so she would not be alone.",
    "The committee must not let anyone jump the queue; every applicant waits the same.",
    "The bus leaves the station at 7:15 and arrives at the terminal at 8:02.",
]


@pytest.mark.slow
def test_both_modes_on_the_embedded_model(gguf: Path) -> None:
    model = get_model(f"llamacpp:{gguf}", use_cache=False)

    async def judge_all(mode: str) -> list:  # type: ignore[type-arg]
        judge = Judge(model, MFT, mode=mode)  # type: ignore[arg-type]
        return [await judge.judge(t) for t in TEXTS]

    at_once = asyncio.run(judge_all("all@once"))
    for judgement in at_once:
        assert judgement.valid and judgement.score_method == "logprobs" and judgement.calls == 1
        assert set(judgement.scores) == set(IDS)
        assert all(0.0 <= s <= 1.0 for s in judgement.scores.values() if s is not None)
        for d in IDS:  # the written label is the likelier one at its position
            assert judgement.labels[d] == int(judgement.scores[d] > 0.5)  # type: ignore[operator]
        assert parse_labels(judgement.answer or "", IDS).labels == judgement.labels
    one_by_one = asyncio.run(judge_all("one-by-one"))
    for judgement in one_by_one:
        assert judgement.calls == 6 and judgement.score_method == "logprobs"
        assert sum(v is not None for v in judgement.scores.values()) >= 4
    # the two modes ask different questions: their scores are not copies of each other
    assert at_once[0].scores != one_by_one[0].scores


@pytest.mark.slow
def test_all_at_once_through_a_llama_cpp_server(cpp_llama_server: str) -> None:
    async def judged() -> list:  # type: ignore[type-arg]
        model = get_model(f"openai:smollm2@{cpp_llama_server}", ModelSettings(constrain="grammar"),
                          use_cache=False)  # fmt: skip
        try:
            judge = Judge(model, MFT)
            return [await judge.judge(t) for t in TEXTS]
        finally:
            await model.aclose()

    for judgement in asyncio.run(judged()):
        assert judgement.valid and judgement.score_method == "logprobs", judgement
        assert parse_labels(judgement.answer or "", IDS).labels == judgement.labels
