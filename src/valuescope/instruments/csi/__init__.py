"""CSI, the implicit sentiment inventory (`valuescope csi`), and its validity check
(`valuescope csi-validity`). `words` (word lists), `parse` (chunk replies word by word),
`summary` (optimism, pessimism, ...), `instrument` (`CSIConfig`, `CSIInstrument`),
`validity` (`ValidityConfig`, `ValidityInstrument`)."""

from valuescope.instruments.csi.instrument import CSIConfig, CSIInstrument, CSIResults
from valuescope.instruments.csi.summary import CSISample
from valuescope.instruments.csi.validity import (
    StorySample,
    ValidityConfig,
    ValidityInstrument,
    ValidityResults,
)

__all__ = [
    "CSIConfig",
    "CSIInstrument",
    "CSIResults",
    "CSISample",
    "StorySample",
    "ValidityConfig",
    "ValidityInstrument",
    "ValidityResults",
]
