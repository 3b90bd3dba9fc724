"""One small, real run of every kind of result valuescope writes, on the embedded model.

The report and viewer tests render these (`make_gallery(root)` returns the folder of each
kind). Everything is sized for CI: the embedded SmolLM2-135M on 2 cores, a few minutes in
all, most of it the steering run. The same commands a user would type, through the CLI.
Run it by hand to get a folder to look at: `python tests/gallery.py /tmp/gallery`.
"""

from __future__ import annotations

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


def _invoke(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    if result.exit_code != 0:
        raise RuntimeError(f"valuescope {' '.join(args)} failed:\n{result.output}")


def make_gallery(root: Path, cache_dir: Path | None = None) -> dict[str, Path]:
    """Run every kind into `root/<kind>` (skipping those already there); their folders."""
    cache = ["--cache-dir", str(cache_dir)] if cache_dir else []
    runs = {kind: root / kind for kind in KINDS}

    def once(kind: str, *args: str) -> None:
        if not (runs[kind]).exists():
            start = time.monotonic()
            _invoke(*args, *cache, "--out", str(runs[kind]))
            with (root / "seconds.txt").open("a") as log:  # which kinds cost the most
                log.write(f"{kind} {time.monotonic() - start:.1f}\n")

    once("measure", "measure", "--framework", "bigfive", "--limit", "10", "--paraphrases", "0")
    once("personas", "measure", "--framework", "mft6", "--limit", "6", "--paraphrases", "0",
         "--personas", "4")  # fmt: skip
    once("probes", "measure", "--instrument", "probes", "--framework", "mft6", "--personas",
         "4", "--limit", "2", "--max-tokens", "24")  # fmt: skip
    if not (runs["probes"] / "agreement.json").exists():
        # writes agreement.json into the probes run, whose report shows it
        _invoke("agreement", str(runs["personas"]), str(runs["probes"]))
    once("csi", "csi", "--mode", "per-word", "--n", "12", "--passes", "1")
    once("csi-validity", "csi-validity", "--run", str(runs["csi"]), "--stories-per-k", "1")
    once("dilemmas", "dilemmas", "--limit", "2")
    once("classify", "classify", "devset:mft6", "--framework", "mft6", "--limit", "8")
    once("generate", "generate", "--models", "llamacpp", "--personas", "3", "--framework",
         "mft6", "--arms", "1", "--arms-per-round", "1", "--questions", "2", "--rounds", "2",
         "--max-tokens", "24", "--dedupe", "lexical")  # fmt: skip
    once("compare", "compare", "--models", "llamacpp,llamacpp", "--framework", "bigfive",
         "--limit", "10", "--paraphrases", "0")  # fmt: skip
    once("validity", "validity", "--instruments", "bigfive,bigfive_short", "--model",
         "llamacpp", "--design", "quick", "--personas", "6", "--limit", "10",
         "--paraphrases", "0")  # fmt: skip
    once("steer", "steer", "--target", "self_direction=6,tradition=1,benevolence=5",
         "--method", "prompt,opro", "--rounds", "1", "--candidates", "2",
         "--optimisation-tasks", "2", "--held-out-tasks", "3", "--max-tokens", "32",
         "--transfer-items", "1")  # fmt: skip
    once("safety", "safety", "--limit", "6", "--max-tokens", "32", "--mitigations", "safety")
    once("bench", "bench", "motive", "--limit", "3", "--orders", "2")
    once("construct", "construct", "--culture", "Japan", "--related", "Korea,China",
         "--personas", "2", "--questions", "2", "--rounds", "1", "--max-tokens", "32")  # fmt: skip
    return runs


if __name__ == "__main__":
    made = make_gallery(Path(sys.argv[1]))
    for kind, folder in made.items():
        print(f"{kind:14} {folder}")
