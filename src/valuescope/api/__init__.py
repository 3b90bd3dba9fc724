"""The public Python API: every run command of the CLI as a function, with the CLI's
argument order and option names, async (`ameasure`) and blocking (`measure`).

    import valuescope.api as vs
    run = vs.measure("llamacpp", framework="schwartz", limit=20, paraphrases=0)
    print(run.results.dimensions["benevolence"].score, run.directory)
    texts = vs.classify("mytexts.csv", framework="mft6", judge="llamacpp")
    same = vs.run("classify", "mytexts.csv", framework="mft6")   # by the command's name
    json.dumps(texts.to_dict())                                  # plain JSON types

`valuescope measure --limit 20` is `measure(limit=20)`: a CLI argument is a positional
argument in the same order (`classify SOURCE`, `bench NAME`, `compare RUN_DIR...`,
`agreement Q_RUN PROBES_RUN`), an option is a keyword named like it (`--judge-mode` ->
`judge_mode=`), and a config's own field names are taken too. Options are validated by the
command's config class (from the `INSTRUMENTS` registry for single runs), so a misspelt one
is an error. `model` (and `judge`) is a model name or your own `valuescope.Model`; `out=`
names the run folder; `progress=` receives progress (`engine.Progress`).

Single runs return an engine `Run` (`directory`, `results`, `to_dict()`); composite ones
(validity, steer, generate, construct, compare, agreement) a `StudyRun` (`directory`,
`results`, `files`, `to_dict()`). Each blocking function is made from its async form by
one `sync()`, which also works inside a running event loop (Jupyter). The CLI calls these
same functions.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from valuescope.api._core import StudyRun, invocation, sync
from valuescope.api._instruments import (
    abench,
    aclassify,
    acsi,
    acsi_validity,
    adilemmas,
    ameasure,
    aprobes,
    asafety,
)
from valuescope.api._studies import (
    aagreement,
    acompare,
    aconstruct,
    agenerate,
    aresume,
    asteer,
    avalidity,
)
from valuescope.engine import Run

COMMANDS: dict[str, Callable[..., Coroutine[Any, Any, Any]]] = {
    "measure": ameasure, "probes": aprobes, "csi": acsi, "csi-validity": acsi_validity,
    "dilemmas": adilemmas, "bench": abench, "classify": aclassify, "safety": asafety,
    "validity": avalidity, "steer": asteer, "generate": agenerate, "construct": aconstruct,
    "compare": acompare, "agreement": aagreement, "resume": aresume,
}  # fmt: skip
"""CLI command name -> its async function."""


async def arun(command: str, *args: Any, **options: Any) -> Any:
    """Run the CLI command `command` ("measure", "csi-validity", ...) with its arguments and
    options as the per-command function takes them: `arun("classify", "t.csv",
    framework="mft6")` is `aclassify("t.csv", framework="mft6")`. Returns what it returns."""
    from valuescope.engine import ConfigError

    if command not in COMMANDS:
        raise ConfigError(f"no command {command!r} (known: {', '.join(COMMANDS)})")
    return await COMMANDS[command](*args, **options)


run = sync(arun)
measure, probes, csi, csi_validity = sync(ameasure), sync(aprobes), sync(acsi), sync(acsi_validity)
dilemmas, bench, classify, safety = sync(adilemmas), sync(abench), sync(aclassify), sync(asafety)
validity, steer, generate, construct = (
    sync(avalidity),
    sync(asteer),
    sync(agenerate),
    sync(aconstruct),
)
compare, agreement, resume = sync(acompare), sync(aagreement), sync(aresume)

construct_validity, aconstruct_validity = validity, avalidity
"""`validity` under the name it had (and `valuescope.validity`, a module, keeps at the
package's top level)."""

__all__ = [
    "COMMANDS",
    "Run",
    "StudyRun",
    "aagreement",
    "abench",
    "aclassify",
    "acompare",
    "aconstruct",
    "aconstruct_validity",
    "acsi",
    "acsi_validity",
    "adilemmas",
    "agenerate",
    "agreement",
    "ameasure",
    "aprobes",
    "aresume",
    "arun",
    "asafety",
    "asteer",
    "avalidity",
    "bench",
    "classify",
    "compare",
    "construct",
    "construct_validity",
    "csi",
    "csi_validity",
    "dilemmas",
    "generate",
    "invocation",
    "measure",
    "probes",
    "resume",
    "run",
    "safety",
    "steer",
    "validity",
]
