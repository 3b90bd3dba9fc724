"""Ways to measure, one subpackage per instrument: `likert` (questionnaires, `measure`),
`csi` (the implicit sentiment inventory and its validity check), `dilemmas`. Each has an
instrument class that the engine (`valuescope.engine`) runs."""

__all__: list[str] = []  # the instruments are its subpackages, each with its own
