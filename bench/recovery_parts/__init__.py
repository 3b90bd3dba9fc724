"""The parts of `bench/recovery.py` (parameter recovery on the simulated respondent), one
module each: `common` (engine runs, persona and design files, the direct route to the
population values), `reliability` (a), `mtmm` (b), `styles` (c), `noise` (d), `power` (e),
`profile` (f).
"""
