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

What it reads in a `choose` request (the contract with the instrument)
----------------------------------------------------------------------
1. *Who answers*: the longest persona text of the pool that appears verbatim in any message.
   The pool is the personas an API user passes to `SimModel`, else the config's
   `personas` (a list of texts, or a file), else the shipped pool (`valuescope.respondents`)
   where valuescope has one. No persona found = the model's own answers (the respondent `self`).
   A persona that is not in the pool is answered as `self`: name your `--personas-file` in
   the design file too.
2. *Which item*: the longest statement (an item's text or one of its paraphrases) of the
   configured item banks that appears verbatim in the last user message (a line that is
   exactly a statement, quotes aside, is found by one lookup; otherwise every statement is
   searched). Where banks word an item alike (IPIP-50 and the shipped Big Five bank share
   "I have a vivid imagination."), the bank whose scale the options' anchors belong to is
   the one asked (3.): an item is keyed by its bank and its wording, and the user's item
   files come first where two banks share both. The banks: the shipped banks of every
   framework in `frameworks` (its own bank and any other shipped bank for it, e.g.
   `bigfive_short` for `bigfive`: they measure the same latent traits by another method),
   and the user's `item_files` (the same files as `--items`).
3. *What each option means*: the options are labels ("1".."K"); lines `N = anchor` in the
   last user message say which anchor of the item's scale each label stands for, so the
   order (ascending or descending) is read, not assumed. An option that is itself an anchor
   also counts. Options may show a subset of the scale; the rest of the mass is "elsewhere".

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

Configuration (`sim:FILE.yaml`; bare `sim` = every default)
-----------------------------------------------------------
Paths are relative to the design file. Unknown keys are errors naming the file and line.

- `seed` (0): seeds traits, item residuals, item parameters and pure noise.
- `frameworks` (every shipped framework with an item bank): ids or aliases whose shipped
  banks (the framework's own and any other shipped bank for it) the respondent knows.
- `frameworks_dir` (none): a folder of extra framework files, as `--frameworks-dir`.
- `item_files` ([]): user instruments, each `{path, framework, scale, columns}` as
  `--items`, `--framework`, `--scale` and `--columns` (a mapping, e.g. `{text: item}`).
  Their statements win over a shipped bank's if both have one (and the same scale).
  `measure --model sim --items FILE` adds FILE here by itself (`SimModel.from_name`).
- `personas` (the shipped pool): a list of persona texts, or a file of them, read as
  `--personas-file` reads it (`valuescope.respondents.load_personas`: .txt, .yaml, .csv,
  .jsonl).
- `trait_means` ({}): mean of a dimension's trait (by dimension or latent name; default 0).
- `trait_correlation` (0.0): correlation between any two dimensions of one framework.
- `trait_correlations` ({}): single pairs, `{a: {b: 0.4}}` (symmetric).
- `item_residual_sd` (1.0): sd of a respondent's residual on an item (0 = every item a
  deterministic function of the trait: reliability 1 by construction).
- `dimension_aliases` ({}): `{dimension: latent}`; a key `framework.dimension` applies to
  one framework only.
- `discrimination` (1.5), `discrimination_sd` (0.0): the items' a (log-normal spread).
- `threshold_range` ([-2.0, 2.0]), `threshold_jitter` (0.25): the items' thresholds.
- `acquiescence` (0.0), `position_bias` (0.0), `position_decay` (0.5), `noise` (0.0),
  `option_mass` (1.0), `pure_noise` (false): response styles, see above.

Example (`my_design.yaml`)::

    seed: 7
    frameworks: [bigfive]
    item_files:
      - {path: bfi_short.csv, framework: bigfive, scale: bfi_short.scale.yaml}
    personas: personas.yaml
    trait_means: {extraversion: 0.5}
    trait_correlation: 0.2
    trait_correlations: {neuroticism: {extraversion: -0.3}}
    item_residual_sd: 0.8
    discrimination: 1.8
    discrimination_sd: 0.3
    threshold_range: [-2.5, 2.5]
    threshold_jitter: 0.3
    acquiescence: 0.2
    position_bias: 0.3
    noise: 0.05
    option_mass: 0.9

The identity is `sim|` + a hash of everything that shapes an answer (the resolved settings,
the banks' items and scales, the persona pool, this model's version), so the response cache
and `--resume` treat a changed design as another model.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from valuescope.datasets import DataFileError, load_yaml_located, located_error, read_utf8
from valuescope.datasets._located import line_of
from valuescope.datasets.item_files import ColumnMapping, ItemFileOptions
from valuescope.frameworks import (
    Framework,
    available_frameworks,
    load_framework,
    normalise_dimension_name,
)
from valuescope.models import (
    BackendRejected,
    Choice,
    Completion,
    GenerateConfig,
    Message,
    TokenUsage,
    refuse_images,
)

if TYPE_CHECKING:
    from valuescope.instruments.likert.items import ItemBank

SIM_VERSION = 1
"""Bumped whenever the same config would answer differently (part of the identity)."""
SELF = "self"
"""The respondent of a request that names no persona of the pool: the model itself."""
ELSEWHERE_REPLY = "I would rather not answer that."
"""What `generate` says when its draw falls on the mass outside the options."""

_OPTION_LINE = re.compile(r"^[ \t]*([^\s=]+)[ \t]*=[ \t]*(\S.*?)[ \t]*$", re.MULTILINE)
_QUOTES = "\"'“”‘’«»"


# -- configuration -------------------------------------------------------------------------


class SimItemFile(ItemFileOptions):
    """A user's instrument file the simulated respondent knows (as `--items` would load it)."""

    path: str


class SimConfig(BaseModel):
    """The simulated respondent's design (see the module docstring for each field)."""

    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    frameworks: list[str] | None = None
    frameworks_dir: str | None = None
    item_files: list[SimItemFile] = Field(default_factory=list)
    personas: list[str] | str | None = None
    trait_means: dict[str, float] = Field(default_factory=dict)
    trait_correlation: float = Field(default=0.0, gt=-1.0, lt=1.0)
    trait_correlations: dict[str, dict[str, float]] = Field(default_factory=dict)
    dimension_aliases: dict[str, str] = Field(default_factory=dict)
    item_residual_sd: float = Field(default=1.0, ge=0.0)
    discrimination: float = Field(default=1.5, gt=0.0)
    discrimination_sd: float = Field(default=0.0, ge=0.0)
    threshold_range: tuple[float, float] = (-2.0, 2.0)
    threshold_jitter: float = Field(default=0.25, ge=0.0)
    acquiescence: float = 0.0
    position_bias: float = 0.0
    position_decay: float = Field(default=0.5, ge=0.0, le=1.0)
    noise: float = Field(default=0.0, ge=0.0, le=1.0)
    option_mass: float = Field(default=1.0, gt=0.0, le=1.0)
    pure_noise: bool = False

    @field_validator("threshold_range")
    @classmethod
    def _ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        if value[0] > value[1]:
            raise ValueError(f"the lower end {value[0]} is above the upper end {value[1]}")
        return value


def load_sim_config(path: Path) -> tuple[SimConfig, Any]:
    """A design file and its located YAML (for errors that name a line later); an empty
    file means every default."""
    data = load_yaml_located(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise DataFileError(path, getattr(data, "line", 1), "a sim design is a mapping of settings")
    try:
        return SimConfig.model_validate(data), data
    except ValidationError as exc:
        raise located_error(path, data, exc) from exc


# -- what the model reports ----------------------------------------------------------------


class ItemParameters(BaseModel):
    """One item's true GRM parameters."""

    bank: str
    """The shipped bank's id, or the item file's path as the config gives it."""
    item_id: str
    framework: str
    dimension: str
    latent: str
    polarity: int
    discrimination: float
    thresholds: list[float]
    """b_2..b_K: P(Y >= k) = logistic(a * (polarity * theta + acquiescence - b_k))."""


class SimParameters(BaseModel):
    """The population and the items the simulated respondent answers from."""

    seed: int
    latents: list[str]
    dimensions: dict[str, dict[str, str]]
    """framework -> dimension -> the latent trait it measures."""
    means: dict[str, float]
    correlation: dict[str, dict[str, float]]
    items: list[ItemParameters]
    item_residual_sd: float
    """The sd of each respondent's residual on each item (see `SimModel.item_trait`)."""
    acquiescence: float
    position_bias: float
    position_decay: float
    noise: float
    option_mass: float
    pure_noise: bool
    personas: int
    """How many personas the respondent recognises (besides `self`)."""


class SimUnsupported(BackendRejected, NotImplementedError):
    """A request the simulated respondent cannot answer honestly (free text): a backend
    error for the CLI (one line, exit 3), a `NotImplementedError` for API users."""


# -- deterministic randomness --------------------------------------------------------------


def _uniforms(n: int, *parts: object) -> list[float]:
    """`n` uniforms in (0, 1) from SHA-256 of `parts`: the same in every process."""
    out: list[float] = []
    block = 0
    while len(out) < n:
        key = "\x1f".join([*(str(p) for p in parts), str(block)])
        digest = hashlib.sha256(key.encode("utf-8")).digest()
        for start in range(0, 32, 8):
            bits = int.from_bytes(digest[start : start + 8], "little") >> 11  # 53 bits
            out.append((bits + 0.5) / 2.0**53)
        block += 1
    return out[:n]


def _normal(*parts: object) -> float:
    """A standard normal draw keyed by `parts` (Box-Muller on `_uniforms`)."""
    u1, u2 = _uniforms(2, *parts)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def _request_key(messages: Sequence[Message], options: Sequence[str]) -> str:
    payload = json.dumps([[m.role, m.content] for m in messages], ensure_ascii=False)
    return hashlib.sha256((payload + "\x1e" + "\x1f".join(options)).encode()).hexdigest()


def _logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _respondent_key(persona: str | None) -> str:
    return SELF if persona is None or persona.strip() == SELF else f"persona:{persona.strip()}"


def _anchor_key(text: str) -> str:
    return " ".join(text.split()).casefold()


# -- personas ------------------------------------------------------------------------------


def _respondents_module() -> Any:
    """`valuescope.respondents` where this valuescope has it, else None."""
    try:
        return importlib.import_module("valuescope.respondents")
    except ModuleNotFoundError as exc:
        if exc.name in ("valuescope.respondents", "valuescope"):
            return None
        raise


def _persona_texts(personas: Sequence[Any]) -> list[str]:
    return [str(getattr(p, "text", p)) for p in personas]


def read_persona_file(path: Path) -> list[str]:
    """Persona texts from a file: through `valuescope.respondents.load_personas` where
    valuescope has it (the format `--personas-file` reads); else a YAML list of texts or of
    mappings with `text` (also under a top-level `personas:` key), or one text per line."""
    respondents = _respondents_module()
    if respondents is not None:
        return _persona_texts(respondents.load_personas(path))
    if path.suffix not in (".yaml", ".yml"):
        return [line for line in read_utf8(path).splitlines() if line.strip()]
    data = load_yaml_located(path)
    if isinstance(data, dict) and "personas" in data:
        data = data["personas"]
    if not isinstance(data, list):
        raise DataFileError(path, getattr(data, "line", 1), "expected a list of personas")
    texts = []
    for index, node in enumerate(data):
        text = node.get("text") if isinstance(node, dict) else node
        if not isinstance(text, str) or not text.strip():
            line = data.item_lines[index] if hasattr(data, "item_lines") else None
            raise DataFileError(path, line, "a persona is a text or a mapping with `text`")
        texts.append(text)
    return texts


def _shipped_personas() -> list[str]:
    respondents = _respondents_module()
    return [] if respondents is None else _persona_texts(respondents.load_personas())


# -- the model -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _SimItem:
    bank: str
    item_id: str
    latent: int
    polarity: int
    discrimination: float
    thresholds: tuple[float, ...]
    anchors: dict[str, int]
    """Normalised anchor text -> category (0 = the scale's first anchor)."""


class _Problem(Exception):
    """A config value that does not fit the frameworks and banks (located by `loc`)."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


_BANKS: dict[tuple[str, int, str], ItemBank] = {}
"""Shipped banks already read, by (path, mtime, framework): every `SimModel` knows every
shipped bank, and reading their YAML with line numbers takes most of a second."""


def _shipped_bank(path: Path, framework: Framework) -> ItemBank:
    """The shipped item bank at `path` for `framework`, read once per process (and again
    when the file or the framework changes). Banks are not modified after loading."""
    from valuescope.instruments.likert.items import load_item_bank

    key = (str(path), path.stat().st_mtime_ns, framework.model_dump_json())
    if key not in _BANKS:
        _BANKS[key] = load_item_bank(path, framework)
    return _BANKS[key]


def default_frameworks() -> list[str]:
    """Every shipped framework that has a shipped item bank."""
    from valuescope.instruments.likert.items import builtin_item_bank_path

    return [fid for fid in available_frameworks() if builtin_item_bank_path(fid).is_file()]


class SimModel:
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

    # -- construction ------------------------------------------------------------------------

    def _error(self, problem: _Problem) -> DataFileError:
        field = ".".join(str(p) for p in problem.loc)
        where: Path | str = self._source if self._source is not None else "sim config"
        line = line_of(self._located, problem.loc) if self._located is not None else None
        return DataFileError(where, line, f"{field}: {problem.message}")

    def _path(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self._base / path

    def _file(self, value: str, loc: tuple[str | int, ...]) -> Path:
        """A file the config names, relative to the design file; missing = an error at the
        config's line (the file itself cannot say where it was asked for)."""
        path = self._path(value)
        if not path.is_file():
            raise _Problem(loc, f"no such file: {path}")
        return path

    def _framework(self, name: str, extra: Path | None, loc: tuple[str | int, ...]) -> Framework:
        if Path(name).suffix in (".yaml", ".yml"):
            name = str(self._path(name))
        try:
            return load_framework(name, extra)
        except KeyError as exc:
            raise _Problem(loc, str(exc.args[0]) if exc.args else str(exc)) from None

    def _build(self, personas: Sequence[str] | None) -> None:
        from valuescope.instruments.likert.items import (
            builtin_item_bank_path,
            load_instrument_file,
            shipped_item_banks,
        )

        config = self.config
        extra = self._path(config.frameworks_dir) if config.frameworks_dir else None
        if extra is not None and not extra.is_dir():
            raise _Problem(("frameworks_dir",), f"{extra} is not a folder")
        frameworks: dict[str, Framework] = {}
        banks: list[tuple[str, ItemBank]] = []
        for index, spec in enumerate(config.item_files):
            framework = self._framework(spec.framework, extra, ("item_files", index, "framework"))
            frameworks.setdefault(framework.id, framework)
            if any(key == spec.path for key, _ in banks):
                raise _Problem(("item_files", index, "path"), f"{spec.path} is listed twice")
            bank = load_instrument_file(
                self._file(spec.path, ("item_files", index, "path")),
                framework,
                ColumnMapping(**spec.columns),
                self._file(spec.scale, ("item_files", index, "scale")) if spec.scale else None,
            )
            banks.append((spec.path, bank))
        names = config.frameworks if config.frameworks is not None else default_frameworks()
        for index, name in enumerate(names):
            framework = self._framework(name, extra, ("frameworks", index))
            if any(key == framework.id for key, _ in banks):
                continue  # named twice
            path = builtin_item_bank_path(framework.id)
            if not path.is_file():
                raise _Problem(
                    ("frameworks", index),
                    f"valuescope ships no item bank for framework {framework.id!r}; "
                    "give its items in item_files",
                )
            frameworks.setdefault(framework.id, framework)
            banks.append((framework.id, _shipped_bank(path, framework)))
            for bank_id, (owner, other) in shipped_item_banks().items():
                if owner == framework.id and bank_id != framework.id:
                    banks.append((bank_id, _shipped_bank(other, framework)))
        self._frameworks = frameworks
        self._banks = banks
        self._build_latents()
        self._build_items()
        self._build_personas(personas)
        self._traits_cache: dict[str, np.ndarray[Any, np.dtype[np.float64]]] = {}
        self._identity = "sim|" + self._digest()

    def _build_latents(self) -> None:
        config = self.config
        dims = {(f.id, d) for f in self._frameworks.values() for d in f.ids}
        bare = {d for _, d in dims}
        aliases: dict[str, str] = {}
        for key, target in config.dimension_aliases.items():
            framework, dot, dimension = key.rpartition(".")
            norm = normalise_dimension_name(dimension)
            if dot:
                norm = f"{normalise_dimension_name(framework)}.{norm}"
                known = tuple(norm.split(".", 1)) in dims
            else:
                known = norm in bare
            if not known:
                raise _Problem(
                    ("dimension_aliases", key),
                    f"{key!r} names no dimension of the frameworks "
                    f"{', '.join(self._frameworks)} (a key is `dimension` or "
                    "`framework.dimension`)",
                )
            if not normalise_dimension_name(target):
                raise _Problem(("dimension_aliases", key), f"empty latent name {target!r}")
            aliases[norm] = normalise_dimension_name(target)
        self._aliases = aliases
        self._dimension_latent = {
            fid: {d: self._latent_of(fid, d) for d in framework.ids}
            for fid, framework in self._frameworks.items()
        }
        self.latents = sorted({x for m in self._dimension_latent.values() for x in m.values()})
        index = {name: i for i, name in enumerate(self.latents)}
        self._latent_index = index
        n = len(self.latents)
        corr = np.eye(n)
        for mapping in self._dimension_latent.values():
            members = sorted({index[x] for x in mapping.values()})
            for i in members:
                for j in members:
                    if i != j:
                        corr[i, j] = config.trait_correlation
        given: dict[tuple[int, int], float] = {}
        for a, row in config.trait_correlations.items():
            ia = self._named_latent(a, ("trait_correlations", a))
            for b, value in row.items():
                ib = self._named_latent(b, ("trait_correlations", a, b))
                loc: tuple[str | int, ...] = ("trait_correlations", a, b)
                if ia == ib:
                    raise _Problem(loc, f"{a!r} and {b!r} are the same latent trait")
                if not -1.0 < value < 1.0:
                    raise _Problem(loc, f"a correlation lies strictly between -1 and 1: {value}")
                pair = (min(ia, ib), max(ia, ib))
                if pair in given and given[pair] != value:
                    raise _Problem(loc, f"{a!r}-{b!r} is given twice: {given[pair]} and {value}")
                given[pair] = value
                corr[ia, ib] = corr[ib, ia] = value
        try:
            self._cholesky = np.linalg.cholesky(corr)
        except np.linalg.LinAlgError:
            loc = ("trait_correlations",) if given else ("trait_correlation",)
            hint = "lower them, or name fewer frameworks"
            widest = max(len(set(m.values())) for m in self._dimension_latent.values())
            if config.trait_correlation < 0 and widest > 1:
                hint = (
                    f"one correlation shared by {widest} dimensions must be above "
                    f"-1/{widest - 1} = {-1 / (widest - 1):.3f}"
                )
            raise _Problem(
                loc,
                f"the trait correlations are not a valid correlation matrix (not positive "
                f"definite): {hint}",
            ) from None
        self._correlation = corr
        means = np.zeros(n)
        for name, value in config.trait_means.items():
            means[self._named_latent(name, ("trait_means", name))] = value
        self._means = means

    def _latent_of(self, framework: str, dimension: str) -> str:
        aliases = self._aliases
        return aliases.get(f"{framework}.{dimension}") or aliases.get(dimension) or dimension

    def _named_latent(self, name: str, loc: tuple[str | int, ...]) -> int:
        norm = normalise_dimension_name(name)
        latent = self._aliases.get(norm, norm)
        if latent not in self._latent_index:
            raise _Problem(
                loc, f"{name!r} is no dimension of the frameworks {', '.join(self._frameworks)}"
            )
        return self._latent_index[latent]

    def _build_items(self) -> None:
        config = self.config
        low, high = config.threshold_range
        self._items: list[tuple[_SimItem, ItemParameters]] = []
        by_statement: dict[str, list[_SimItem]] = {}
        for key, bank in self._banks:
            k = bank.scale.points
            if k == 2:
                base = [(low + high) / 2.0]
            else:
                base = [float(x) for x in np.linspace(low, high, k - 1)]
            anchors: dict[str, int] = {}
            for category, anchor in enumerate(bank.scale.anchors):
                anchors.setdefault(_anchor_key(anchor), category)
            for item in bank.items:
                shift = config.threshold_jitter * _normal(config.seed, "location", key, item.id)
                spread = config.discrimination_sd * _normal(config.seed, "slope", key, item.id)
                latent = self._latent_of(bank.framework, item.dimension)
                sim_item = _SimItem(
                    bank=key,
                    item_id=item.id,
                    latent=self._latent_index[latent],
                    polarity=item.polarity,
                    discrimination=config.discrimination * math.exp(spread),
                    thresholds=tuple(b + shift for b in base),
                    anchors=anchors,
                )
                parameters = ItemParameters(
                    bank=key,
                    item_id=item.id,
                    framework=bank.framework,
                    dimension=item.dimension,
                    latent=latent,
                    polarity=item.polarity,
                    discrimination=sim_item.discrimination,
                    thresholds=list(sim_item.thresholds),
                )
                self._items.append((sim_item, parameters))
                for text in (item.text, *item.paraphrases):
                    by_statement.setdefault(text.strip(), []).append(sim_item)
        self._by_statement = by_statement
        self._statements = sorted(by_statement, key=len, reverse=True)

    def _build_personas(self, personas: Sequence[str] | None) -> None:
        config = self.config
        if personas is not None:
            pool = _persona_texts(personas)
        elif isinstance(config.personas, list):
            pool = config.personas
        elif isinstance(config.personas, str):
            pool = read_persona_file(self._file(config.personas, ("personas",)))
        else:
            pool = _shipped_personas()
        unique = dict.fromkeys(p.strip() for p in pool if p.strip())
        self._personas = sorted(unique, key=len, reverse=True)
        self._persona_order = list(unique)

    def _digest(self) -> str:
        settings = self.config.model_dump(
            mode="json", exclude={"frameworks", "frameworks_dir", "item_files", "personas"}
        )
        payload = {
            "version": SIM_VERSION,
            "settings": settings,
            "dimensions": self._dimension_latent,
            "banks": [[key, bank.model_dump(mode="json")] for key, bank in self._banks],
            "personas": self._persona_order,
        }
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

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
        body, _ = self._read_messages(messages)
        labels = list(dict.fromkeys(m.group(1) for m in _OPTION_LINE.finditer(body)))
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

    # -- answering ---------------------------------------------------------------------------

    def _read_messages(self, messages: Sequence[Message]) -> tuple[str, str | None]:
        """(the last user message without the persona's text, the persona or None)."""
        persona = self._find_persona(messages)
        last = next((m.content for m in reversed(messages) if m.role == "user"), "")
        if persona is not None:
            last = last.replace(persona, "\n")
        return last, persona

    def _find_persona(self, messages: Sequence[Message]) -> str | None:
        if not self._personas:
            return None
        text = "\x00".join(m.content for m in messages)  # no persona spans two messages
        for persona in self._personas:  # longest first
            if persona in text:
                return persona
        return None

    def _find_items(self, body: str) -> list[_SimItem]:
        """The items whose statement the message holds: one per bank that has it (two
        banks may word an item alike, e.g. IPIP-50 and the shipped Big Five bank)."""
        by_statement = self._by_statement
        for line in reversed(body.splitlines()):
            hit = by_statement.get(line.strip().strip(_QUOTES).strip())
            if hit is not None:
                return hit
        for statement in self._statements:  # longest first
            if statement in body:
                return by_statement[statement]
        return []

    def _find_item(self, body: str, options: Sequence[str]) -> tuple[_SimItem, list[int]] | str:
        """The item asked and the scale category of each option, or why there is none.

        Of the banks that word the statement alike, the one whose scale the options' anchors
        belong to is the bank asked: an item is keyed by its bank (its scale) and its
        wording, so a shared sentence does not take another bank's item."""
        items = self._find_items(body)
        if not items:
            return "no statement of the configured item banks in the last user message"
        first_problem = ""
        for item in items:
            categories = self._map_options(body, options, item)
            if not isinstance(categories, str):
                return item, categories
            first_problem = first_problem or categories
        return first_problem

    def _map_options(self, body: str, options: Sequence[str], item: _SimItem) -> list[int] | str:
        """The scale category behind each option, or why there is none."""
        shown = {m.group(1): m.group(2) for m in _OPTION_LINE.finditer(body)}
        categories: list[int] = []
        for option in options:
            label = option.strip()
            anchor = shown.get(label)
            category = item.anchors.get(_anchor_key(anchor if anchor is not None else label))
            if category is None:
                if anchor is None:
                    return f"option {option!r} is listed as no '{label} = <anchor>' line"
                return (
                    f"option {option!r} stands for {anchor!r}, which is no anchor of the "
                    f"scale of {item.bank}"
                )
            categories.append(category)
        if len(set(categories)) != len(categories):
            return "two options stand for the same anchor"
        return categories

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
        body, persona = self._read_messages(messages)
        found = self._find_item(body, options)
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

    def _grm(self, item: _SimItem, theta: float) -> list[float]:
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

    def _item_trait(self, persona: str | None, item: _SimItem) -> float:
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
