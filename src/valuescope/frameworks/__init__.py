"""Value and trait systems as data files: dimensions, definitions, keywords, relations."""

from valuescope.frameworks._load import (
    ALIASES,
    UnknownFramework,
    available_frameworks,
    check_declared_framework,
    framework_aliases,
    load_framework,
    load_framework_file,
    resolve_framework_name,
)
from valuescope.frameworks._schema import (
    Dimension,
    Framework,
    Relations,
    normalise_dimension_name,
)

__all__ = [
    "ALIASES",
    "Dimension",
    "Framework",
    "Relations",
    "UnknownFramework",
    "available_frameworks",
    "check_declared_framework",
    "framework_aliases",
    "load_framework",
    "load_framework_file",
    "normalise_dimension_name",
    "resolve_framework_name",
]
