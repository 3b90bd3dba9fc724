"""Parameter recovery: do the respondent statistics find what the simulated respondents were given?

The simulated respondent (`sim:DESIGN.yaml`, `valuescope.sim._model`) answers from a graded
response model whose traits, item parameters and response styles are set in a design file,
so every statistic has a known right answer. Each run below goes through the whole engine
(`valuescope.measure`, response cache off, `--paraphrases 0`, a temporary run directory),
as `valuescope measure --model sim:DESIGN.yaml --framework bigfive --personas FILE` would;
only the *population* values are computed directly, from the design's true parameters
(the "direct route"; parts (a) and (b) print its max |difference| from the engine's
respondents x items matrix on their first replication).

This file is the entry point (arguments, the order of the runs and of the printout); the
parts are modules of `bench/recovery_parts/`, whose docstrings say what each measures and
why. `common.py` holds what they share: the engine runs, the persona and design files, the
replication loop and the direct route.

(a) Reliability (`reliability.py`): coverage, bias and width of the bootstrap CIs of alpha,
    lambda6 and omega against population values; how often the all-three >= 0.70 rule
    passed.
(b) MTMM (`mtmm.py`), through `valuescope validity`: convergent r and discriminant gap
    against population values, for two instruments of the same traits and for a control
    whose second instrument measures unrelated traits.
(c) Response styles (`styles.py`): position bias and acquiescence set in the design, read
    back from the model's own profile, beside what the design implies.
(d) False passes (`noise.py`): how often pure-noise respondents pass the all-three rule.
(g) Clustered respondents (`clustered.py`): respondents who share personas (20 personas x 9
    phrasings), drawn from the sim's model with a phrasing effect: coverage of the intervals
    of alpha, lambda6, omega and the MTMM gap, resampling personas and resampling respondents.
(e) Power (`power.py`; `--power` only, not in the default run): alpha CI width and how often
    a difference between two models' respondents is detected, per number of respondents and
    items per dimension.
(f) Profile CIs from few items (`profile.py`; numpy on item scores, no engine): coverage of
    the profile's t-interval over 2 / 3 / 4 / 6 items (`likert.summary.score_ci`) against a
    known domain of items, beside the percentile bootstrap it replaced; prints
    `profile CI coverage: X`, the smallest at 3 and 6 items over the symmetric domains.

Second to last line (part g): `clustered coverage: X`, the smallest coverage of the four
statistics' intervals under persona resampling. Last line: `false pass rate: X` =
dimensions where pure-noise respondents passed the all-three >= 0.70 rule / dimensions
tested.

    .venv/bin/python bench/recovery.py [--replications 30] [--personas 60] [--population 5000]
        [--mtmm-replications 6] [--noise-replications 40] [--noise-personas 30]
        [--clustered-replications 200] [--clustered-personas 20] [--phrasings 9]
        [--parts abcdfg] [--power [--power-personas 20,60,200] [--power-items 3,9]
         [--power-replications 5] [--difference 0.5] [--power-direct]]
        [--profile-replications 2000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

# `python bench/recovery.py` has bench/ on sys.path already; a caller that loads this file
# by path (tests/test_recovery.py) does not, and the parts are imported from there.
_BENCH = str(Path(__file__).resolve().parent)
if _BENCH not in sys.path:
    sys.path.insert(0, _BENCH)

from recovery_parts.clustered import ClusteredRecovery, clustered_recovery, print_clustered
from recovery_parts.common import (
    BIG_FIVE,
    RELIABILITY_DESIGN,
    RULE,
    STATISTICS,
    _mean,
    engine_vs_direct,
    expected_scores,
    persona_texts,
    run_sim,
    write_design,
    write_personas,
)
from recovery_parts.mtmm import MTMMRecovery, mtmm_recovery, print_mtmm
from recovery_parts.noise import FalsePasses, false_passes, print_false_passes
from recovery_parts.power import PowerCell, power, print_power
from recovery_parts.profile import (
    ProfileCell,
    print_profile_ci,
    profile_ci_coverage,
    smallest_coverage,
)
from recovery_parts.reliability import (
    ReliabilityRecovery,
    print_reliability,
    reliability_recovery,
)
from recovery_parts.styles import STYLE_LEVELS, StyleRow, print_styles, style_recovery

__all__ = [  # the parts' names, as before the split (tests/test_recovery.py uses them)
    "BIG_FIVE",
    "RELIABILITY_DESIGN",
    "RULE",
    "STATISTICS",
    "STYLE_LEVELS",
    "ClusteredRecovery",
    "FalsePasses",
    "MTMMRecovery",
    "PowerCell",
    "ProfileCell",
    "ReliabilityRecovery",
    "StyleRow",
    "_mean",
    "clustered_recovery",
    "engine_vs_direct",
    "expected_scores",
    "false_passes",
    "main",
    "mtmm_recovery",
    "persona_texts",
    "power",
    "print_clustered",
    "print_false_passes",
    "print_mtmm",
    "print_power",
    "print_profile_ci",
    "print_reliability",
    "print_styles",
    "profile_ci_coverage",
    "reliability_recovery",
    "run_sim",
    "smallest_coverage",
    "style_recovery",
    "write_design",
    "write_personas",
]


# -- main ---------------------------------------------------------------------------------------


def _int_list(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications", type=int, default=30, help="(a): replications")
    parser.add_argument("--personas", type=int, default=60, help="(a), (b): respondents each")
    parser.add_argument("--population", type=int, default=5000, help="population respondents")
    parser.add_argument("--mtmm-replications", type=int, default=6)
    parser.add_argument("--noise-replications", type=int, default=40)
    parser.add_argument("--noise-personas", type=int, default=30)
    parser.add_argument("--clustered-replications", type=int, default=200)
    parser.add_argument("--clustered-personas", type=int, default=20)
    parser.add_argument("--phrasings", type=int, default=9)
    parser.add_argument(
        "--parts", default="abcdfg", help="which parts to run (default abcdfg; e = --power)"
    )
    parser.add_argument("--power", action="store_true", help="also run part (e)")
    parser.add_argument("--power-personas", type=_int_list, default=[20, 60, 200])
    parser.add_argument("--power-items", type=_int_list, default=[3, 9])
    parser.add_argument("--power-replications", type=int, default=5)
    parser.add_argument("--difference", type=float, default=0.5)
    parser.add_argument(
        "--power-direct", action="store_true", help="(e) on the direct route (no engine, no CIs)"
    )
    parser.add_argument("--profile-replications", type=int, default=2000, help="(f): per cell")
    args = parser.parse_args()
    parts = set(args.parts) | ({"e"} if args.power else set())
    if parts - set("abcdefg"):
        parser.error(f"--parts: unknown part(s) {''.join(sorted(parts - set('abcdefg')))}")
    if min(args.personas, args.noise_personas, *args.power_personas) < 20:
        parser.error("reliability over respondents needs >= 20 respondents")

    started = time.perf_counter()

    def note(text: str) -> None:
        print(f"  [{time.perf_counter() - started:6.0f} s] {text}", flush=True)

    print("parameter recovery on the simulated respondent (sim backend), engine end to end")
    print()
    with tempfile.TemporaryDirectory(prefix="valuescope-recovery-") as tmp:
        work = Path(tmp)
        rel = mt = noise = clustered = None
        styles: list[StyleRow] = []
        cells: list[PowerCell] = []
        profile: list[ProfileCell] = []
        if "a" in parts:
            rel = reliability_recovery(
                work, args.replications, args.personas, args.population, note
            )
        if "b" in parts:
            mt = mtmm_recovery(work, args.mtmm_replications, args.personas, args.population, note)
        if "c" in parts:
            styles = style_recovery(work)
            note("(c) done")
        if "d" in parts:
            noise = false_passes(work, args.noise_replications, args.noise_personas, note)
        if "g" in parts:
            clustered = clustered_recovery(
                args.clustered_replications,
                args.clustered_personas,
                args.phrasings,
                args.population,
                note,
            )
        if "e" in parts:
            cells = power(
                work,
                args.power_personas,
                args.power_items,
                args.power_replications,
                args.difference,
                note,
                direct=args.power_direct,
            )
        if "f" in parts:
            profile = profile_ci_coverage(args.profile_replications)
            note("(f) done")
    print()
    if rel is not None:
        print_reliability(rel)
    if mt is not None:
        print_mtmm(mt)
    if styles:
        print_styles(styles)
    if cells:
        print_power(cells, args.difference, args.power_direct)
    if profile:
        print_profile_ci(profile)
    if noise is not None:
        print_false_passes(noise)
    if clustered is not None:
        print_clustered(clustered)
    print(f"total wall time: {time.perf_counter() - started:.0f} s")
    rate = f"{noise.rate:.3f}" if noise is not None else "not measured (part d not run)"
    print(f"false pass rate: {rate}")


if __name__ == "__main__":
    main()
