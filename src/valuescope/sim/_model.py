"""The simulated respondent: model name `sim` or `sim:FILE.yaml`.

A backend whose answers come from a psychometric model with parameters you set, not from a
language model. Running a questionnaire on it tells you what the statistics *should* say:

- **Parameter recovery.** Every respondent (the model's own answers, and each persona of a
  respondent design) has known latent traits, and every item known parameters
  (`SimModel.true_traits`, `SimModel.true_parameters`). Do the scores order the traits as
  they were put in? Do alpha, omega and the MTMM correlations come out as high as the
  discrimination and the trait correlations imply, and do the position-bias and
  acquiescence statistics catch the response styles switched on here (and stay near 0 when
  they are off)? `pure_noise: true` answers at random: a design whose statistics still
  "pass" then passes by construction (a false-pass check).
- **Power analysis.** How many personas and items does a design need for a reliability CI
  of a given width, or to tell two dimensions apart?
  `valuescope measure --model sim:my_design.yaml --personas 100` costs seconds, not GPU
  hours, so the design can be tried at many sizes before a model is run.

The model
---------
Samejima's graded response model (GRM). Respondent r has a trait theta_r,d on each latent
dimension d; item i (of dimension d, keyed `polarity` = +1, or -1 for reverse-keyed) has a
discrimination a_i and ordered thresholds b_i,2 < ... < b_i,K on a K-point scale:

    t_r,i     = theta_r,d + e_r,i,   e_r,i ~ N(0, item_residual_sd)
    P(Y >= k) = logistic(a_i * (polarity_i * t_r,i + acquiescence - b_i,k)),  k = 2..K
    P(Y = k)  = P(Y >= k) - P(Y >= k+1)     (P(Y >= 1) = 1, P(Y >= K+1) = 0)

where scale point 1 is the first anchor of the item's scale (least agreement) and K the
last. e_r,i is respondent r's own residual on item i (seeded by seed, respondent and item;
the same in every option order and wording; `SimModel.item_trait` gives t_r,i). It is
what makes reliability less than 1: without it every item's answer is a deterministic
function of one trait, so items agree perfectly across respondents, whatever their number
(the answers are distributions read whole, as log-probability scoring reads a model; there
is no sampling error unless the instrument draws, `--samples K`). `acquiescence` shifts
every item toward agreement whatever its keying (it is subtracted from every threshold).
Then, on the options in the order they were shown:

- `position_bias`: the option shown at position j (0 = first) is weighted by
  exp(position_bias * position_decay ** j) and the distribution renormalised: a pull toward
  the first listed option (negative: away from it), whichever order the scale is shown in;
- `noise`: the distribution becomes (1 - noise) * p + noise / K;
- `option_mass`: the share of probability on the options (`Choice.option_mass`); the rest
  went "elsewhere" (a refusal, another word). Answers below `--min-option-mass` are invalid.

Traits are drawn from a multivariate normal: mean `trait_means[d]` (default 0), sd 1,
correlation `trait_correlation` between any two dimensions of one framework (0 across
frameworks), with single pairs overridden by `trait_correlations`. Dimensions are *latent
traits*: two instruments whose dimensions have the same id (after the framework's lenient
name matching: `Extraversion` = `extraversion`) measure the same trait, so a user's Big Five
bank and the shipped one make a multitrait-multimethod design; `dimension_aliases` merges
differently named dimensions (or separates same-named ones, with `framework.dimension`
keys). Each respondent's standard-normal draws are seeded by (seed, respondent, dimension)
through SHA-256, not numpy's stream, so they are the same in every process, platform and
numpy version; a persona's traits depend only on the dimensions it is correlated with, so
adding an unrelated framework leaves them as they were.

Items: a_i = `discrimination` * exp(`discrimination_sd` * z_i) (log-normal around
`discrimination`), thresholds evenly spaced over `threshold_range` plus one shift per item
drawn from N(0, `threshold_jitter`) (the item's location), both seeded by (seed, bank,
item id): an item's paraphrases share its parameters.

What it reads in a `choose` request (who answers, which item, what each option means) is
`_read.py`'s docstring: the contract with the instrument.

A request it cannot interpret (no known statement, an option it cannot map) gets a uniform
distribution with `option_mass` 0 and the reason in `unscored_reason`: the instrument
records an invalid answer, and the run goes on. Answers are deterministic: the same messages
give the same `Choice`. `pure_noise: true` answers any request with a Dirichlet(1) draw
seeded by the request (traits, items and acquiescence play no part; position_bias, noise and
option_mass still apply).

`generate` simulates a client that asks for free text and parses a label: for a Likert
prompt (it has `N = anchor` lines) it returns one label drawn from the same distribution
(seeded by the request, `GenerateConfig.seed` and `sample_index`; the mode at temperature 0),
or, with probability 1 - option_mass, a sentence that is no label. Anything else (the CSI
words, dilemmas) raises `SimUnsupported`: made-up free text would look like data and
measure nothing, so the run stops at the first request with one line saying why.

The design file's settings: `_config.py`. Construction (frameworks, banks, latent traits,
items, personas): `_build.py`; the seeded draws: `_draws.py`.

The identity is `sim|` + a hash of everything that shapes an answer (the resolved settings,
the banks' items and scales, the persona pool, this model's version), so the response cache
and `--resume` treat a changed design as another model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from valuescope.models import (
    BackendRejected,
    Choice,
    Completion,
    GenerateConfig,
    Message,
    TokenUsage,
    refuse_images,
)
from valuescope.sim._build import SimItem, _Builder, _Problem
from valuescope.sim._config import SimConfig, SimItemFile, SimParameters, load_sim_config
from valuescope.sim._draws import _logistic, _normal, _request_key, _respondent_key, _uniforms
from valuescope.sim._read import find_item, find_items, option_labels, read_messages

ELSEWHERE_REPLY = "I would rather not answer that."
"""What `generate` says when its draw falls on the mass outside the options."""


class SimUnsupported(BackendRejected, NotImplementedError):
    """A request the simulated respondent cannot answer honestly (free text): a backend
    error for the CLI (one line, exit 3), a `NotImplementedError` for API users."""


class SimModel(_Builder):
    """A simulated respondent answering Likert items from a graded response model with
    known parameters (see the module docstring: model, parameters, contract, example).

    Example:
        ```python
        model = SimModel(SimConfig(discrimination=3.0), personas=["A retired sailor."])
        choice = await model.choose(build_messages(item, scale, condition), labels_for(scale))
        model.true_traits("A retired sailor.", framework="bigfive")
        ```
    """

    def __init__(
        self,
        config: SimConfig | None = None,
        personas: Sequence[str] | None = None,
        *,
        name: str = "sim",
        source: Path | None = None,
        located: Any = None,
    ) -> None:
        """`personas` (texts, or `Persona`s with a `text`) replaces the pool the config
        names (tests, API users). `source` and `located` are the design file and its located
        YAML, for errors naming its lines and for paths relative to it (`from_file`)."""
        self.config = config or SimConfig()
        self._name = name
        self._source = source
        self._located = located
        self._base = source.parent if source is not None else Path.cwd()
        self.calls = 0
        """Requests answered (`choose` and `generate`)."""
        try:
            self._build(personas)
        except _Problem as problem:
            raise self._error(problem) from None

    @classmethod
    def from_file(
        cls, path: Path, personas: Sequence[str] | None = None, name: str | None = None
    ) -> SimModel:
        """The simulated respondent a design file describes."""
        config, located = load_sim_config(path)
        return cls(config, personas, name=name or f"sim:{path}", source=path, located=located)

    @classmethod
    def from_name(
        cls,
        model: str,
        name: str,
        item_file: SimItemFile | None = None,
        personas: Sequence[str] | None = None,
    ) -> SimModel:
        """`model` is what follows `sim:` in a model name ("" = every default).

        `item_file` is a user's instrument (`measure --items FILE`) the respondent then
        knows too, unless its design lists that file already: plain `sim` reads a user's
        items instead of answering every one invalid. `personas` (a user's
        `--personas FILE`) become its pool where the design names none, so that they differ
        as the shipped ones do."""
        if not model:
            config, located, source = SimConfig(), None, None
        else:
            source = Path(model)
            config, located = load_sim_config(source)
        if item_file is not None:
            base = source.parent if source is not None else Path.cwd()
            wanted = Path(item_file.path).expanduser().resolve()
            listed = {(base / Path(f.path).expanduser()).resolve() for f in config.item_files}
            if wanted not in listed:
                added = item_file.model_copy(update={"path": str(wanted)})
                config = config.model_copy(update={"item_files": [*config.item_files, added]})
        pool = personas if config.personas is None else None
        return cls(config, pool, name=name, source=source, located=located)

    # -- the Model protocol ------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def identity(self) -> str:
        return self._identity

    @property
    def supports_images(self) -> bool:
        """False: simulated respondents answer Likert text."""
        return False

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        """The simulated distribution over `options` (see the module docstring)."""
        refuse_images(messages, "the simulated respondent")
        self.calls += 1
        probs, mass, reason = self._distribution(messages, options)
        if reason is not None:
            return Choice(
                options=list(options),
                probs=[1.0 / len(options)] * len(options) if options else [],
                option_mass=0.0,
                method="logprobs",
                unscored_reason=f"sim: {reason}",
            )
        return Choice(options=list(options), probs=probs, option_mass=mass, method="logprobs")

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        """One label drawn from the distribution of a Likert prompt (see the module
        docstring); `SimUnsupported` for any other prompt."""
        refuse_images(messages, "the simulated respondent")
        self.calls += 1
        body, _ = read_messages(messages, self._personas)
        labels = option_labels(body)
        if not labels:
            raise SimUnsupported(
                "the sim backend simulates answers to Likert items only (options listed as "
                "'N = anchor' lines); it cannot write free text such as CSI or dilemma answers"
            )
        probs, mass, reason = self._distribution(messages, labels)
        u_mass, u_draw = _uniforms(
            2,
            self.config.seed,
            "generate",
            _request_key(messages, labels),
            config.seed,
            config.sample_index,
        )
        if reason is not None or u_mass >= mass:
            text = ELSEWHERE_REPLY
        elif config.temperature <= 0.0:
            text = labels[int(np.argmax(probs))]
        else:
            weights = [p ** (1.0 / config.temperature) for p in probs]
            total = sum(weights)
            cumulative, text = 0.0, labels[-1]
            for label, weight in zip(labels, weights, strict=True):
                cumulative += weight / total
                if u_draw < cumulative:
                    text = label
                    break
        return Completion(text=text, usage=TokenUsage(), finish_reason="stop")

    async def aclose(self) -> None:
        return None

    def _distribution(
        self, messages: Sequence[Message], options: Sequence[str]
    ) -> tuple[list[float], float, str | None]:
        """(probs over `options`, option mass, None) or ([], 0, why it cannot answer)."""
        config = self.config
        if not options:
            return [], 0.0, "no options to choose from"
        if config.pure_noise:
            draws = _uniforms(
                len(options), config.seed, "pure_noise", _request_key(messages, options)
            )
            weights = [-math.log(u) for u in draws]  # Dirichlet(1, ..., 1)
            total = sum(weights)
            return self._response_style([w / total for w in weights]), config.option_mass, None
        body, persona = read_messages(messages, self._personas)
        items = find_items(body, self._by_statement, self._statements)
        found = find_item(body, options, items)
        if isinstance(found, str):
            return [], 0.0, found
        item, categories = found
        grm = self._grm(item, self._item_trait(persona, item))
        shown = [grm[c] for c in categories]
        total = sum(shown)
        if total <= 0.0:
            return [], 0.0, "the shown options have no probability under the model"
        probs = self._response_style([p / total for p in shown])
        covered = 1.0 if len(categories) == len(grm) else total  # 1, not 1 - rounding
        return probs, config.option_mass * covered, None

    def _grm(self, item: SimItem, theta: float) -> list[float]:
        """P(category) for every category of the item's scale (0 = its first anchor)."""
        location = item.polarity * theta + self.config.acquiescence
        at_least = [1.0]
        at_least += [_logistic(item.discrimination * (location - b)) for b in item.thresholds]
        at_least.append(0.0)
        return [max(at_least[k] - at_least[k + 1], 0.0) for k in range(len(at_least) - 1)]

    def _response_style(self, probs: list[float]) -> list[float]:
        """Position bias (by the position shown), then noise."""
        config = self.config
        if config.position_bias:
            weighted = [
                p * math.exp(config.position_bias * config.position_decay**j)
                for j, p in enumerate(probs)
            ]
            total = sum(weighted)
            probs = [w / total for w in weighted]
        if config.noise:
            uniform = config.noise / len(probs)
            probs = [(1.0 - config.noise) * p + uniform for p in probs]
        return probs

    def _item_trait(self, persona: str | None, item: SimItem) -> float:
        """The trait as this item sees it: the respondent's trait plus the respondent's own
        residual on this item (the same under every option order and wording)."""
        config = self.config
        theta = float(self._traits(persona)[item.latent])
        if not config.item_residual_sd:
            return theta
        key = _respondent_key(persona)
        residual = _normal(config.seed, "residual", key, item.bank, item.item_id)
        return theta + config.item_residual_sd * residual

    def _traits(self, persona: str | None) -> np.ndarray[Any, np.dtype[np.float64]]:
        key = _respondent_key(persona)
        cached = self._traits_cache.get(key)
        if cached is None:
            seed = self.config.seed
            z = np.array([_normal(seed, "trait", key, latent) for latent in self.latents])
            cached = self._means + self._cholesky @ z
            self._traits_cache[key] = cached
        return cached

    # -- what tests and benchmarks compare with ----------------------------------------------

    @property
    def personas(self) -> list[str]:
        """The persona texts this respondent recognises (in the pool's order)."""
        return list(self._persona_order)

    def true_traits(
        self, persona: str | None = None, framework: str | None = None
    ) -> dict[str, float]:
        """A respondent's true traits: `persona` is a persona's text, or None / "self" for
        the model's own answers. By latent name, or by the dimension ids of `framework`
        (one of the configured frameworks, by id or alias)."""
        theta = self._traits(persona)
        if framework is None:
            return {name: float(theta[i]) for i, name in enumerate(self.latents)}
        mapping = self._dimension_latent.get(framework)
        if mapping is None:
            from valuescope.frameworks import resolve_framework_name

            try:
                mapping = self._dimension_latent.get(resolve_framework_name(framework))
            except KeyError:
                mapping = None
        if mapping is None:
            raise KeyError(
                f"framework {framework!r} is not one the sim respondent knows: "
                f"{', '.join(self._dimension_latent)}"
            )
        return {d: float(theta[self._latent_index[x]]) for d, x in mapping.items()}

    def item_trait(self, persona: str | None, bank: str, item_id: str) -> float:
        """The trait a respondent answers item `item_id` of `bank` with (`ItemParameters.bank`
        names the bank): `true_traits` plus the respondent's residual on that item, N(0,
        `item_residual_sd`). The item's GRM probabilities are a function of this value."""
        for sim_item, parameters in self._items:
            if parameters.bank == bank and parameters.item_id == item_id:
                return self._item_trait(persona, sim_item)
        raise KeyError(f"no item {item_id!r} in bank {bank!r}")

    def true_parameters(self) -> SimParameters:
        """The population (trait means and correlations) and every item's parameters."""
        config, names = self.config, self.latents
        return SimParameters(
            seed=config.seed,
            latents=list(names),
            dimensions={f: dict(m) for f, m in self._dimension_latent.items()},
            means={x: float(self._means[i]) for i, x in enumerate(names)},
            correlation={
                a: {b: float(self._correlation[i, j]) for j, b in enumerate(names)}
                for i, a in enumerate(names)
            },
            items=[parameters for _, parameters in self._items],
            item_residual_sd=config.item_residual_sd,
            acquiescence=config.acquiescence,
            position_bias=config.position_bias,
            position_decay=config.position_decay,
            noise=config.noise,
            option_mass=config.option_mass,
            pure_noise=config.pure_noise,
            personas=len(self._persona_order),
        )
