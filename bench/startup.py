"""Start-up time of the command line: what a user waits for before anything happens.

Each arm is a fresh process of the same interpreter (`sys.executable`, so the same
virtualenv and the same `PYTHONPATH`), timed from spawn to exit:

  pass      `python -c pass`: the interpreter alone, the floor every arm pays
  import    `python -c "import valuescope"`
  --version `valuescope --version` (the console script next to the interpreter; as
            `python -m valuescope` where there is none)
  --help    `valuescope --help`

The arms take turns within each repetition, in an order rotated from one repetition to
the next, so a machine that is busy for a while slows all of them alike. One untimed round
first warms the disk cache. Each arm's median and fastest are printed; `valuescope
--version` must print what it printed before (checked against `valuescope.__version__`).

Last line: `ratio: X.X`, the median of `valuescope --version` over the median of
`python -c pass`; the lines above it give the other arms' ratios.

    .venv/bin/python bench/startup.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def valuescope_command() -> list[str]:
    """The `valuescope` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "valuescope"
    if script.is_file():
        return [str(script)]
    found = shutil.which("valuescope")
    return [found] if found else [sys.executable, "-m", "valuescope"]


def arms() -> dict[str, list[str]]:
    valuescope = valuescope_command()
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        'python -c "import valuescope"': [sys.executable, "-c", "import valuescope"],
        "valuescope --version": [*valuescope, "--version"],
        "valuescope --help": [*valuescope, "--help"],
    }


def timed(command: list[str]) -> tuple[float, str]:
    """Seconds from spawn to exit, and what the command printed."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr}")
    return seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=20, help="timed runs of each arm")
    args = parser.parse_args()

    commands = arms()
    names = list(commands)
    for name in names:  # untimed: the disk cache, .pyc files
        timed(commands[name])
    _, printed = timed(commands["valuescope --version"])
    expected = subprocess.run(
        [sys.executable, "-c", "import valuescope; print(valuescope.__version__)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if printed != f"valuescope {expected}\n":
        raise SystemExit(f"valuescope --version printed {printed!r}")

    seconds: dict[str, list[float]] = {name: [] for name in names}
    for i in range(args.repeats):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            seconds[name].append(timed(commands[name])[0])

    print(f"python: {sys.executable}; valuescope: {' '.join(commands['valuescope --help'][:-1])}")
    print(f"{args.repeats} runs of each, arms rotated; wall time from spawn to exit")
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    for name in names:
        print(f"{name:32} median {medians[name] * 1000:7.1f} ms   "
              f"fastest {min(seconds[name]) * 1000:7.1f} ms")  # fmt: skip
    base = medians["python -c pass"]
    for name in names[1:]:
        print(f"{name} / python -c pass: {medians[name] / base:.1f}")
    print(f"ratio: {medians['valuescope --version'] / base:.1f}")


if __name__ == "__main__":
    main()
