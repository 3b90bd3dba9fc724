"""One small, real run of every kind of result valuescope writes, on the embedded model.

The report and viewer tests render these (`make_gallery(root)` returns the folder of each
kind). Everything is sized for CI: the embedded SmolLM2-135M on 2 cores, a few minutes in
all, most of it the steering run. The same commands a user would type, through the CLI.
Run it by hand to get a folder to look at: `python tests/helpers/gallery.py /tmp/gallery`.
"""

from __future__ import annotations

import fcntl
import shutil
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from valuescope.cli import app

KINDS = (
    "measure", "personas", "probes", "csi", "csi-validity", "dilemmas",
    "classify", "generate", "compare", "validity", "steer", "safety", "bench", "construct",
)  # fmt: skip
"""Each kind's folder name under the gallery root."""


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    if result.exit_code != 0:
        raise RuntimeError(f"valuescope {' '.join(args)} failed:\n{result.output}")
    return result.output


def output_of(run: Path) -> str:
    """What the command that made a gallery run printed (tests check it as a user reads it)."""
    return (run.parent / f"{run.name}.output").read_text()


def cache_of(run: Path) -> Path:
    """The response cache the gallery's runs were made with (a rerun with it asks nothing)."""
    return run.parent / "cache"


def _commands(runs: dict[str, Path]) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each kind's command line and the kinds it reads, longest first (steer takes a third
    of the time), so that two builders sharing the work finish together."""
    return {
        "steer": (("steer", "--target", "self_direction=6,tradition=1,benevolence=5",
                   "--method", "prompt,opro", "--rounds", "1", "--candidates", "2",
                   "--optimisation-tasks", "2", "--held-out-tasks", "3", "--max-tokens", "32",
                   "--transfer-items", "1"), ()),
        "validity": (("validity", "--instruments", "bigfive,bigfive_short", "--model",
                      "llamacpp", "--design", "quick", "--personas", "6", "--limit", "10",
                      "--paraphrases", "0"), ()),
        "measure": (("measure", "--framework", "bigfive", "--limit", "10",
                     "--paraphrases", "0"), ()),
        "personas": (("measure", "--framework", "mft6", "--limit", "6", "--paraphrases", "0",
                      "--personas", "6"), ()),
        "probes": (("measure", "--instrument", "probes", "--framework", "mft6", "--personas",
                    "6", "--limit", "2", "--max-tokens", "24"), ()),
        # writes agreement.json into the probes run, whose report shows it
        "agreement": (("agreement", str(runs["personas"]), str(runs["probes"])),
                      ("personas", "probes")),
        "csi": (("csi", "--mode", "per-word", "--n", "12", "--passes", "1"), ()),
        "csi-validity": (("csi-validity", "--run", str(runs["csi"]), "--stories-per-k", "1"),
                         ("csi",)),
        "dilemmas": (("dilemmas", "--limit", "2"), ()),
        "classify": (("classify", "devset:mft6", "--framework", "mft6", "--limit", "8"), ()),
        "generate": (("generate", "--models", "llamacpp", "--personas", "3", "--framework",
                      "mft6", "--arms", "1", "--arms-per-round", "1", "--questions", "2",
                      "--rounds", "2", "--max-tokens", "24", "--dedupe", "lexical"), ()),
        "compare": (("compare", "--models", "llamacpp,llamacpp", "--framework", "bigfive",
                     "--limit", "10", "--paraphrases", "0"), ()),
        "safety": (("safety", "--limit", "6", "--max-tokens", "32", "--mitigations",
                    "safety"), ()),
        "bench": (("bench", "motive", "--limit", "3", "--orders", "2"), ()),
        "construct": (("construct", "--culture", "Japan", "--related", "Korea,China",
                       "--personas", "2", "--questions", "2", "--rounds", "1",
                       "--max-tokens", "32"), ()),
    }  # fmt: skip


def make_gallery(root: Path) -> dict[str, Path]:
    """Run every kind into `root/<kind>` (skipping those done); their folders. What each
    command printed goes to `root/<kind>.output` (`output_of`), the responses to
    `root/cache` (`cache_of`).

    Several processes may call it on one `root` at once (pytest-xdist's workers): each
    takes the kinds no other has claimed (a lock file per kind), so they share the work,
    and each returns once every kind is done (`<kind>.done` beside the folders)."""
    cache = ["--cache-dir", str(root / "cache")]
    runs = {kind: root / kind for kind in KINDS}
    commands = _commands(runs)

    def done(step: str) -> bool:
        return (root / f"{step}.done").exists()

    while not all(done(step) for step in commands):
        progressed = False
        for step, (args, needs) in commands.items():
            if done(step) or not all(done(n) for n in needs):
                continue
            with (root / f"{step}.lock").open("w") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # another builder has it
                if done(step):
                    continue
                start = time.monotonic()
                out = [] if step == "agreement" else ["--out", str(runs[step])]
                shutil.rmtree(runs.get(step, root / "-"), ignore_errors=True)
                printed = _invoke(*args, *([] if step == "agreement" else cache), *out)
                (root / f"{step}.output").write_text(printed)
                with (root / "seconds.txt").open("a") as log:  # which kinds cost the most
                    log.write(f"{step} {time.monotonic() - start:.1f}\n")
                (root / f"{step}.done").touch()
                progressed = True
        if not progressed:
            time.sleep(0.5)  # waiting on another builder's kinds
    return runs


if __name__ == "__main__":
    made = make_gallery(Path(sys.argv[1]))
    for kind, folder in made.items():
        print(f"{kind:14} {folder}")
