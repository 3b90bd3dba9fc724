"""Value and trait systems as data files: dimensions, definitions, keywords, relations."""

from valuescope.frameworks._load import available_frameworks, load_framework, load_framework_file
from valuescope.frameworks._schema import (
    Dimension,
    Framework,
    Relations,
    normalise_dimension_name,
)

__all__ = [
    "Dimension",
    "Framework",
    "Relations",
    "available_frameworks",
    "load_framework",
    "load_framework_file",
    "normalise_dimension_name",
]
