"""The commands that run one instrument on the engine: each takes the command's options by
their CLI names (`--judge-mode` is `judge_mode=`) or as its config's fields, and returns the
finished `Run` (`run.directory`, `run.results`, `run.to_dict()`).

Every one of them also takes the shared run options: `seed`, `min_option_mass`,
`concurrency`, `api_key_env`, `timeout`, `constrain`, `choose_samples`, `continuation`,
`no_images`, `cache_dir`, `no_cache`, `steering` (as on the command line), and `out=DIR`
(the run folder; default `runs/<UTC>-<command>-<instrument>-<model>/`) and `progress=` (an
`engine.Progress`). `model` (and `judge`) is a model name or your own `valuescope.Model`.
A misspelt option is an error, not ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from valuescope.api._core import arun_instrument, persona_fields, require, split
from valuescope.engine import ConfigError, Progress, Run

if TYPE_CHECKING:
    from valuescope.models import Model

Out = Path | str | None


async def ameasure(
    model: str | Model = "llamacpp", *, out: Out = None, progress: Progress | None = None,
    **options: Any,
) -> Run[Any]:  # fmt: skip
    """Measure a model's profile on a framework's questionnaire (`valuescope measure`).

    Options: `framework` (default schwartz10), `items` (your bank: YAML, CSV/JSONL, or a
    shipped id), `columns` ("text=item,dimension=value"), `scale`, `frameworks_dir`,
    `paraphrases`, `samples`, `temperature`, `limit`, `design` (none, quick, standard,
    full), `personas` (N, or a FILE), `check_text`, `norms` (a norms file), and
    `instrument="probes"` (the same as `probes(...)`).

    Returns a `Run` whose `results` is a `MeasureResults` (per dimension: score, CI,
    consistency; with a design, reliability over simulated respondents).
    """
    if options.pop("instrument", "likert") == "probes":
        return await aprobes(model, out=out, progress=progress, **options)
    persona_fields(options)
    if options.get("columns", "") is None:
        del options["columns"]
    if isinstance(options.get("columns"), str):
        from valuescope.datasets.item_files import ColumnMapping

        try:
            options["columns"] = ColumnMapping.parse(options["columns"])
        except ValueError as exc:
            raise ConfigError(f"--columns: {exc}") from None
    return await arun_instrument("measure", {"model": model, **options}, out, progress)


async def aprobes(
    model: str | Model = "llamacpp", *, out: Out = None, progress: Progress | None = None,
    **options: Any,
) -> Run[Any]:  # fmt: skip
    """Free answers to value-laden questions, scored by a value judge (`valuescope measure
    --instrument probes`).

    Options: `framework`, `items` (a probe bank: YAML, or generate's bank.jsonl),
    `frameworks_dir`, `limit`, `samples`, `temperature`, `design`, `personas` (N or a FILE),
    `judge` (default: the model itself), `judge_mode` (all@once or one-by-one),
    `max_tokens`.

    Returns a `Run` whose `results` is a `ProbesResults` (P(expressed) per dimension).
    """
    persona_fields(options)
    options.setdefault("framework", "schwartz10")  # as on the command line
    return await arun_instrument("probes", {"model": model, **options}, out, progress)


async def acsi(
    model: str | Model = "llamacpp", *, out: Out = None, progress: Progress | None = None,
    **options: Any,
) -> Run[Any]:  # fmt: skip
    """The implicit sentiment inventory (`valuescope csi`): the model's first association,
    comedy or tragedy, for N words over several passes.

    Options: `n` (words, default 1000), `words` (your list), `passes`, `mode` (chunk or
    per-word), `lang`, `chunk_size`.

    Returns a `Run` whose `results` is a `CSIResults` (optimism, pessimism, neutrality,
    consistency, reluctance).
    """
    return await arun_instrument("csi", {"model": model, **options}, out, progress)


async def acsi_validity(
    model: str | Model | None = None, *, out: Out = None, progress: Progress | None = None,
    **options: Any,
) -> Run[Any]:  # fmt: skip
    """Does the CSI predict the stories a model writes? (`valuescope csi-validity`)

    Options: `run` (a CSI run folder: stories use the words it found polar; also the default
    `model` and `lang`), `judge` (rates the stories; default the model), `words` (your
    polar words), `stories_per_k`, `lang`.

    Returns a `Run` whose `results` is a `ValidityResults` (Pearson r per story and over the
    k-group means).
    """
    csi_run = options.pop("run", None) or options.pop("csi_run", None)
    if csi_run is not None:
        from valuescope.instruments.csi.instrument import open_csi_run

        source = open_csi_run(Path(csi_run))[1]
        model = model or source.model
        options["lang"] = options.get("lang") or source.lang
        options["csi_run"] = csi_run
    fields = {"model": model or "llamacpp", "lang": options.pop("lang", None) or "en", **options}
    return await arun_instrument("csi-validity", fields, out, progress)


async def adilemmas(
    model: str | Model = "llamacpp", *, out: Out = None, progress: Progress | None = None,
    **options: Any,
) -> Run[Any]:  # fmt: skip
    """Which moral framework a model's choices follow (`valuescope dilemmas`, also `bench
    dilemmas`): it picks one outcome per dilemma and rates each, scored from its answer
    distribution.

    Options: `file` (your dilemmas, YAML), `limit`, `tasks` ("choice,rating" or a list).

    Returns a `Run` whose `results` is a `DilemmaResults`.
    """
    if isinstance(options.get("tasks"), str):
        options["tasks"] = split(options["tasks"])
    tasks = options.get("tasks", ["choice"])
    require(bool(tasks) and set(tasks) <= {"choice", "rating"},
            f"tasks are choice and/or rating, got {tasks!r}")  # fmt: skip
    return await arun_instrument("dilemmas", {"model": model, **options}, out, progress)


async def abench(
    benchmark: str, model: str | Model = "llamacpp", *, out: Out = None,
    progress: Progress | None = None, **options: Any,
) -> Run[Any]:  # fmt: skip
    """A multiple-choice benchmark under option orders (`valuescope bench NAME`);
    `benchmark="dilemmas"` is `dilemmas(...)`.

    Options: `data` (your copy of the data), `orders` (K random orders; default all cyclic
    shifts), `answer_mode` (choose, parse or reason), `limit`, `info_gain`, `max_k`
    (`learning` only).

    Returns a `Run` whose `results` is a `BenchResults` (accuracy with CIs, position bias,
    agreement of written and log-prob answers).
    """
    if benchmark == "dilemmas":
        return await adilemmas(model, out=out, progress=progress, **options)
    mode = options.get("answer_mode", "choose")
    require(mode in ("choose", "parse", "reason"), f"choose, parse or reason, got {mode!r}")
    require(options.get("max_k") is None or benchmark == "learning",
            "--max-k is for `bench learning` only")  # fmt: skip
    fields = {"benchmark": benchmark, "model": model, **options}
    return await arun_instrument("bench", fields, out, progress)


async def aclassify(
    source: str | Path, *, framework: str, judge: str | Model = "llamacpp", out: Out = None,
    progress: Progress | None = None, **options: Any,
) -> Run[Any]:  # fmt: skip
    """Score texts on every dimension of a framework with a value judge (`valuescope
    classify SOURCE --framework F`).

    `source`: a CSV/TSV/JSONL file (label columns named like the framework's dimensions,
    0/1, give AUC and F1), `devset:schwartz10` or `devset:mft6`, `touche:DIR`, or
    `hf:NAME[:SPLIT]`. Options: `mode` (all@once or one-by-one), `text_column`,
    `id_column`, `question_column`, `limit`, `frameworks_dir`.

    Returns a `Run` whose `results` is a `ClassifyResults` (the texts' profile; AUC and F1
    per dimension when the texts have gold labels).
    """
    fields = {"source": source, "framework": framework, "model": judge, **options}
    return await arun_instrument("classify", fields, out, progress)


async def asafety(
    model: str | Model = "llamacpp", *, out: Out = None, progress: Progress | None = None,
    **options: Any,
) -> Run[Any]:  # fmt: skip
    """Does steering make a model go along with harmful requests? (`valuescope safety`)

    Options: `steering` (a steer run, method folder or artifact.json: adds the steered
    conditions), `prompts` (harm prompts, JSONL or YAML), `judge` (default: the bare model),
    `mitigations` ("safety,value,both", "none", or a list), `framework`, `limit`,
    `max_tokens`.

    Returns a `Run` whose `results` is a `SafetyResults` (harm rate per category and
    condition with Wilson CIs, before/after and mitigation tests, value-harm correlations).
    """
    text = options.get("mitigations")
    if isinstance(text, str):
        from valuescope.steering.safety import MITIGATIONS

        names = split(text)
        options["mitigations"] = [] if names == ["none"] else names
        require(bool(names) and set(options["mitigations"]) <= set(MITIGATIONS),
                f"--mitigations takes none or a list of {', '.join(MITIGATIONS)} "
                f"(got {text!r})")  # fmt: skip
    renames = {"steering": "steering_run"}
    return await arun_instrument("safety", {"model": model, **options}, out, progress, renames)
