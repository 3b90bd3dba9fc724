"""The embedded backend: any GGUF through llama-cpp-python, in this process.

- The model is loaded once per process (per file) and used by one request at a time: a
  forward pass already uses every core, so concurrency would only add contention. Blocking
  calls run in a worker thread so the event loop stays free.
- `n_threads` defaults to every core; llama-cpp-python's own default halves them.
- Prompts are rendered with the GGUF's own chat template (SmolLM2's inserts a default system
  message when there is none, which is why the rendered prompt is returned and stored).
  GGUFs without a template (Gemma 3 270M base) get the messages' contents joined as a plain
  completion prompt.
- `choose` evaluates the prompt and reads the last position's logits with
  `llama_get_logits_ith` (`Llama.scores` is only filled with `logits_all=True`, and holds
  stale values otherwise). Options are scored by their *full* token sequence, and their
  surface variants ("1" and " 1", which SmolLM2 tokenises as [" ", "1"]) are added. Shared
  token prefixes are evaluated once. Where one option's tokens are a prefix of another's
  ("1" and "10"), the shorter option only gets the mass that does not continue into the
  longer one. A sequence is not extended once its prefix is below 1e-4 (so the common case,
  a space token the model would almost never write, costs no second forward pass).
- Text only: `supports_images` is False, and a message with images is refused with
  `ImagesUnsupported` (the llama.cpp vision projectors are not wired in).
- Consecutive requests that share a prompt prefix reuse its KV cache: only the new suffix is
  evaluated.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from valuescope.models._errors import refuse_images
from valuescope.models._fill import Filled, SlotAnswer, Template
from valuescope.models._merge import PRUNE_BELOW, renormalise, surface_variants
from valuescope.models._settings import ModelSettings
from valuescope.models._types import (
    Choice,
    Completion,
    GenerateConfig,
    Message,
    TokenLogprobs,
    TokenUsage,
)

_LOADED: dict[tuple[str, int, int], Any] = {}
_IN_USE: dict[tuple[str, int, int], threading.Lock] = {}
"""One lock per loaded model: every `LlamaCppModel` over the same weights (a run's model,
a judge, a sub-run's) shares the one llama.cpp context, which serves one call at a time."""
_LOAD_LOCK = threading.Lock()


def _load_llama(path: Path, n_ctx: int, n_threads: int) -> Any:
    """Load a GGUF once per process (keyed by path, context size and threads)."""
    key = (str(path), n_ctx, n_threads)
    with _LOAD_LOCK:
        if key not in _LOADED:
            from llama_cpp import Llama  # heavy native library: imported on first use

            _LOADED[key] = Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                logits_all=False,
                verbose=False,
            )
            _IN_USE[key] = threading.Lock()
        return _LOADED[key]


def file_fingerprint(path: Path) -> str:
    """Size plus a hash of the first MiB: identifies weights without reading 100 MB."""
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    return f"{path.stat().st_size}-{hashlib.sha256(head).hexdigest()[:16]}"


class LlamaCppModel:
    """A GGUF model run in-process by llama.cpp (see module docstring)."""

    def __init__(self, path: Path, settings: ModelSettings, name: str, chat: bool = True) -> None:
        self._path = path
        self._name = name
        self._threads = settings.n_threads or os.cpu_count() or 1
        self._llm = _load_llama(path, settings.n_ctx, self._threads)
        self._lock = _IN_USE[(str(path), settings.n_ctx, self._threads)]
        template = self._llm.metadata.get("tokenizer.chat_template")
        self._formatter: Any = None
        if chat and template:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            llm = self._llm
            self._formatter = Jinja2ChatFormatter(
                template=template,
                eos_token=llm._model.token_get_text(llm.token_eos()),
                bos_token=llm._model.token_get_text(llm.token_bos()),
                add_generation_prompt=True,
            )
        self._identity = (
            f"llamacpp|{path.name}|{file_fingerprint(path)}|chat={bool(self._formatter)}"
        )
        self._grammars: dict[str, Any] = {}
        self.prompt_tokens_evaluated = 0
        """Prompt tokens `choose` evaluated after reusing the KV cache (what the prompt
        layout and the request order save: compare with the prompts' lengths)."""

    @property
    def name(self) -> str:
        return self._name

    @property
    def identity(self) -> str:
        return self._identity

    @property
    def supports_images(self) -> bool:
        """False: llama-cpp-python's embedded models here read text only."""
        return False

    @property
    def has_chat_template(self) -> bool:
        return self._formatter is not None

    # -- prompt handling -------------------------------------------------------------------

    def render(self, messages: list[Message]) -> str:
        """The exact text the model sees for `messages` (`ImagesUnsupported` if any has an
        image: every request renders its prompt here first)."""
        refuse_images(messages, f"the embedded model {self._name}")
        if self._formatter is None:
            return "\n\n".join(m.content for m in messages)
        return str(self._formatter(messages=[m.model_dump() for m in messages]).prompt)

    def _tokens(self, prompt: str) -> list[int]:
        # A chat template writes its own special tokens; a plain prompt gets the BOS token.
        tokens = self._llm.tokenize(
            prompt.encode("utf-8"), add_bos=self._formatter is None, special=True
        )
        return list(tokens)

    def _evaluate_prompt(self, tokens: list[int]) -> None:
        """Make `tokens` the evaluated context, reusing the longest cached prefix."""
        llm = self._llm
        cached = llm.input_ids[: llm.n_tokens].tolist()
        shared = 0
        for a, b in zip(cached, tokens, strict=False):
            if a != b:
                break
            shared += 1
        shared = min(shared, len(tokens) - 1)  # always decode >= 1 token: fresh logits
        llm.n_tokens = shared
        llm.eval(tokens[shared:])
        self.prompt_tokens_evaluated += len(tokens) - shared

    def _last_logprobs(self) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Log-softmax of the logits at the last evaluated position."""
        import llama_cpp

        pointer = llama_cpp.llama_get_logits_ith(self._llm._ctx.ctx, -1)
        logits = np.ctypeslib.as_array(pointer, shape=(self._llm.n_vocab(),)).astype(np.float64)
        shifted = logits - logits.max()
        result: np.ndarray[Any, np.dtype[np.float64]] = shifted - math.log(np.exp(shifted).sum())
        return result

    # -- choose ----------------------------------------------------------------------------

    def _choose_sync(self, messages: list[Message], options: list[str]) -> Choice:
        prompt = self.render(messages)
        with self._lock:
            choice = self._choose_tokens(self._tokens(prompt), options)
        return choice.model_copy(update={"rendered_prompt": prompt})

    def _choose_tokens(self, tokens: list[int], options: list[str]) -> Choice:
        """`choose` after the prompt `tokens` (the caller holds the lock)."""
        sequences = {
            option: sorted(
                {
                    tuple(self._llm.tokenize(v.encode(), add_bos=False, special=False))
                    for v in surface_variants(option)
                }
            )
            for option in options
        }
        all_sequences = {seq for seqs in sequences.values() for seq in seqs if seq}
        self._evaluate_prompt(tokens)
        logprob_cache: dict[tuple[int, ...], np.ndarray[Any, np.dtype[np.float64]]] = {
            (): self._last_logprobs()
        }

        def next_logprobs(prefix: tuple[int, ...]) -> np.ndarray[Any, np.dtype[np.float64]]:
            if prefix not in logprob_cache:
                self._llm.n_tokens = len(tokens)
                self._llm.eval(list(prefix))
                logprob_cache[prefix] = self._last_logprobs()
            return logprob_cache[prefix]

        def terminal_prob(seq: tuple[int, ...]) -> float:
            """P(the answer is exactly `seq`): its tokens, not continuing into a longer
            option's tokens. A sequence whose prefix already has probability below
            PRUNE_BELOW is not extended (each extension costs a forward pass), so its
            probability is reported as 0, an error of at most PRUNE_BELOW."""
            p = 1.0
            for i, token in enumerate(seq):
                p *= math.exp(float(next_logprobs(seq[:i])[token]))
                if p < PRUNE_BELOW:
                    return 0.0
            continuations = {
                other[len(seq)]
                for other in all_sequences
                if len(other) > len(seq) and other[: len(seq)] == seq
            }
            if continuations:
                after = next_logprobs(seq)
                p *= max(0.0, 1.0 - sum(math.exp(float(after[t])) for t in continuations))
            return p

        raw = [sum(terminal_prob(seq) for seq in sequences[o] if seq) for o in options]
        probs, mass = renormalise(raw)
        missing = [o for o in options if not any(sequences[o])]
        reason = None
        if mass <= 0.0:
            reason = (
                "no option has any tokens"
                if len(missing) == len(options)
                else f"every option's token sequence is below {PRUNE_BELOW:g}"
            )
        return Choice(
            options=options,
            probs=probs,
            option_mass=mass,
            missing=missing,
            method="logprobs",
            usage=TokenUsage(prompt_tokens=len(tokens)),
            unscored_reason=reason,
        )

    # -- fill ------------------------------------------------------------------------------

    def _fill_sync(self, messages: list[Message], template: Template) -> Filled:
        """Teacher-force the template's text; at each slot, `choose` among its options and
        write the likeliest (see `models._fill`). One prompt evaluation, then per slot the
        fixed text before it and the option tokens: a few short decodes."""
        prompt = self.render(messages)
        context = self._tokens(prompt)
        prompt_tokens = len(context)
        answers: list[SlotAnswer] = []
        written: list[str] = []
        with self._lock:
            for part in template.parts:
                if isinstance(part, str):
                    context = context + self._text_tokens(part)
                    written.append(part)
                    continue
                choice = self._choose_tokens(context, part.options)
                best = max(range(len(part.options)), key=lambda i: choice.probs[i])
                chosen = part.options[best]
                scored = choice.option_mass > 0.0
                answers.append(
                    SlotAnswer(
                        chosen=chosen,
                        probs=choice.probs if scored else None,
                        option_mass=choice.option_mass,
                    )
                )
                context = context + self._text_tokens(chosen)
                written.append(chosen)
        unread = sum(a.probs is None for a in answers)
        return Filled(
            text="".join(written),
            slots=answers,
            method="logprobs",
            reason=None if unread == 0 else f"{unread} slots had no probability on any option",
            usage=TokenUsage(
                prompt_tokens=prompt_tokens, completion_tokens=len(context) - prompt_tokens
            ),
            constrained=True,
        )

    def _text_tokens(self, text: str) -> list[int]:
        return list(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    async def fill(self, messages: list[Message], template: Template) -> Filled:
        return await asyncio.to_thread(self._fill_sync, messages, template)

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        return await asyncio.to_thread(self._choose_sync, messages, options)

    # -- generate --------------------------------------------------------------------------

    def _grammar(self, gbnf: str | None) -> Any:
        """The compiled GBNF grammar (compiled once per text; None for no grammar)."""
        if gbnf is None:
            return None
        if gbnf not in self._grammars:
            import llama_cpp
            from llama_cpp.llama_grammar import LlamaGrammar

            # LlamaGrammar does not parse the text; llama.cpp does when the sampler is
            # built, and a grammar that fails there would crash the process. Build one
            # here to find out.
            vocab = self._llm._model.vocab
            sampler = llama_cpp.llama_sampler_init_grammar(vocab, gbnf.encode(), b"root")
            if not sampler:
                raise ValueError(f"the GBNF grammar does not parse: {gbnf[:200]!r}")
            llama_cpp.llama_sampler_free(sampler)
            self._grammars[gbnf] = LlamaGrammar.from_string(gbnf, verbose=False)
        return self._grammars[gbnf]

    def _generate_sync(self, messages: list[Message], config: GenerateConfig) -> Completion:
        prompt = self.render(messages)
        tokens = self._tokens(prompt)
        if config.top_logprobs > 0:
            return self._generate_with_logprobs(prompt, tokens, config)
        stop = list(config.stop)
        if self._formatter is not None:
            stop.append(self._llm._model.token_get_text(self._llm.token_eos()))
        seed = (config.seed or 0) + config.sample_index
        with self._lock:
            result = self._llm.create_completion(
                prompt=tokens,
                max_tokens=config.max_tokens,
                temperature=config.temperature,
                top_p=config.top_p,
                seed=seed,
                stop=stop or None,
                grammar=self._grammar(config.grammar),
            )
        choice = result["choices"][0]
        usage = result.get("usage") or {}
        return Completion(
            text=choice["text"],
            usage=TokenUsage(
                prompt_tokens=int(usage.get("prompt_tokens", len(tokens))),
                completion_tokens=int(usage.get("completion_tokens", 0)),
            ),
            finish_reason=choice.get("finish_reason"),
            rendered_prompt=prompt,
            constrained=config.grammar is not None,
        )

    def _generate_with_logprobs(
        self, prompt: str, tokens: list[int], config: GenerateConfig
    ) -> Completion:
        """Generate token by token, reading each position's log-softmax before its token is
        sampled (llama-cpp-python's own logprobs need `logits_all`, a vocabulary-sized row
        per context position for every request; here only the written positions are read).
        The log-probabilities are the model's, before the grammar masks tokens, so a judge's
        P("1") / (P("0") + P("1")) is the model's belief, not the grammar's."""
        import llama_cpp

        llm = self._llm
        eos = llm.token_eos()
        written: list[int] = []
        out: list[TokenLogprobs] = []
        text, finish = "", "length"
        with self._lock:
            llm.set_seed((config.seed or 0) + config.sample_index)
            steps = llm.generate(
                tokens,
                top_k=40,
                top_p=config.top_p,
                min_p=0.05,
                temp=config.temperature,
                repeat_penalty=1.0,
                grammar=self._grammar(config.grammar),
            )
            for token in steps:
                if token == eos or llama_cpp.llama_vocab_is_eog(llm._model.vocab, token):
                    finish = "stop"
                    break
                logprobs = self._last_logprobs()
                context = tokens + written
                piece = llm.detokenize([token], prev_tokens=context).decode("utf-8", "replace")
                top = np.argpartition(-logprobs, config.top_logprobs)[: config.top_logprobs]
                alternatives = {
                    llm.detokenize([int(i)], prev_tokens=context).decode("utf-8", "replace"): float(
                        logprobs[i]
                    )
                    for i in top
                }
                alternatives[piece] = float(logprobs[token])
                out.append(
                    TokenLogprobs(text=piece, logprob=float(logprobs[token]), top=alternatives)
                )
                written.append(token)
                text = llm.detokenize(written, prev_tokens=tokens).decode("utf-8", "replace")
                hit = min((text.find(s) for s in config.stop if s in text), default=-1)
                if hit >= 0:
                    text, finish = text[:hit], "stop"
                    break
                if len(written) >= config.max_tokens:
                    break
        self.prompt_tokens_evaluated += len(tokens)
        return Completion(
            text=text,
            usage=TokenUsage(prompt_tokens=len(tokens), completion_tokens=len(written)),
            finish_reason=finish,
            rendered_prompt=prompt,
            tokens=out,
            constrained=config.grammar is not None,
        )

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        return await asyncio.to_thread(self._generate_sync, messages, config)

    async def aclose(self) -> None:
        """The loaded model stays for the life of the process (it is shared)."""
