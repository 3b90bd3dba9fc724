"""Likert prompts are laid out for prefix caching, and asked in an order that uses it.

What an administration shares (framing, stem, options in its order) comes first and the
statement last; requests go administration by administration, so consecutive prompts share
everything before the statement. On the embedded backend that shows as the tokens
evaluated per answer after KV reuse: about the statement's own tokens, not the prompt's.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest

import valuescope as vs
from valuescope.instruments.likert import LikertInstrument, MeasureConfig, build_messages
from valuescope.instruments.likert.prompts import item_text
from valuescope.models import ModelSettings, load_backend
from valuescope.models._llamacpp import LlamaCppModel


def shared_parts(config: MeasureConfig) -> list[str]:
    """For each planned request in order: its messages up to the statement."""
    instrument = LikertInstrument(config)
    heads = []
    for request in instrument.plan(set()).pending:
        messages = build_messages(request.item, instrument.bank.scale, request.condition)
        text = "\n".join(f"{m.role}: {m.content}" for m in messages)
        statement = item_text(request.item, request.condition.paraphrase)
        heads.append(text[: text.index(f'"{statement}"')])
    return heads


@pytest.mark.parametrize("framework", ["schwartz10", "bigfive", "mft6"])
def test_consecutive_requests_share_everything_before_the_statement(framework: str) -> None:
    heads = shared_parts(MeasureConfig(model="llamacpp", framework=framework, limit=12))
    assert len(heads) == 12 * 4 * 3  # items x (orders x framings) x (text + 2 paraphrases)
    assert len(set(heads)) == 4  # one shared part per (framing, option order)
    switches = sum(a != b for a, b in itertools.pairwise(heads))
    assert switches == 3  # each shared part is asked in one stretch


@pytest.mark.slow
def test_embedded_evaluates_about_the_statement_per_answer(tmp_path: Path) -> None:
    backend = load_backend("llamacpp", ModelSettings())
    assert isinstance(backend, LlamaCppModel)
    items = 20
    config = MeasureConfig(model="llamacpp", framework="schwartz10", limit=items, paraphrases=0)
    instrument = LikertInstrument(config)
    pending = instrument.plan(set()).pending
    scale = instrument.bank.scale

    async def lengths() -> tuple[list[int], list[int]]:
        statements = [
            len(await backend.tokenize(f'"{item_text(r.item, 0)}"\nYour answer:')) for r in pending
        ]
        prompts = [
            len(await backend.tokenize(await backend.render(build_messages(r.item, scale, c))))
            for r in pending
            for c in [r.condition]
        ]
        return statements, prompts

    statements, prompts = asyncio.run(lengths())
    before = backend.prompt_tokens_evaluated
    run = vs.measure(backend, framework="schwartz10", limit=items, paraphrases=0,
                     use_cache=False, out=tmp_path / "run")  # fmt: skip
    evaluated = backend.prompt_tokens_evaluated - before
    assert run.results.overall.n_samples == items * 4
    # The first request of each of the 4 administrations pays for its whole prompt; every
    # other one only for what follows the shared part (the statement, the cue and the
    # template's closing tokens), within 15 tokens of the statement's own length.
    assert evaluated <= 4 * max(prompts) + sum(n + 15 for n in statements)
    assert evaluated < 0.5 * sum(prompts)
