"""How the simulated respondent is built from its design: the frameworks and item banks it
knows, the latent traits and their correlations, every item's GRM parameters, the persona
pool, and the identity (a hash of all of them). `SimModel` inherits it (`_model.py`)."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from valuescope.datasets import DataFileError, line_of
from valuescope.datasets.item_files import ColumnMapping
from valuescope.frameworks import (
    Framework,
    available_frameworks,
    load_framework,
    normalise_dimension_name,
)
from valuescope.sim._config import ItemParameters, SimConfig
from valuescope.sim._draws import _anchor_key, _normal
from valuescope.sim._personas import _persona_texts, _shipped_personas, read_persona_file

if TYPE_CHECKING:
    from valuescope.instruments.likert.items import ItemBank

SIM_VERSION = 1
"""Bumped whenever the same config would answer differently (part of the identity)."""


@dataclass(frozen=True)
class SimItem:
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


class _Builder:
    """The construction half of `SimModel`: `_build` reads the design into the attributes
    that `SimModel` answers from (the latent traits, the items, the personas)."""

    config: SimConfig
    _source: Path | None
    _located: Any
    _base: Path

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
        self._items: list[tuple[SimItem, ItemParameters]] = []
        by_statement: dict[str, list[SimItem]] = {}
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
                sim_item = SimItem(
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
