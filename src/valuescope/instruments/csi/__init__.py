"""CSI, the implicit sentiment inventory (`valuescope csi`), and its validity check
(`valuescope csi-validity`). `words` (word lists), `parse` (chunk replies word by word),
`summary` (optimism, pessimism, ...), `instrument` (`CSIConfig`, `CSIInstrument`),
`validity` (`ValidityConfig`, `ValidityInstrument`).

The names below load on first use: the instruments pull in the engine and the model
layer, which `valuescope csi --help` (it needs only `words.Lang`) does not."""

from typing import TYPE_CHECKING

from valuescope._lazy import lazy_attributes

if TYPE_CHECKING:
    from valuescope.instruments.csi.instrument import CSIConfig, CSIInstrument, CSIResults
    from valuescope.instruments.csi.summary import CSISample
    from valuescope.instruments.csi.validity import (
        StorySample,
        ValidityConfig,
        ValidityInstrument,
        ValidityResults,
    )

_LAZY = {
    "CSIConfig": "instrument",
    "CSIInstrument": "instrument",
    "CSIResults": "instrument",
    "CSISample": "summary",
    "StorySample": "validity",
    "ValidityConfig": "validity",
    "ValidityInstrument": "validity",
    "ValidityResults": "validity",
}


__getattr__ = lazy_attributes(__name__, {k: f"{__name__}.{v}" for k, v in _LAZY.items()})


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
