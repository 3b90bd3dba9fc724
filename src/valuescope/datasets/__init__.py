"""Loading data files (item banks, frameworks, word lists) with errors that name file and
line; `read_utf8` reads every such file; `round_robin` takes a few records of every group."""

from valuescope.datasets._located import (
    DataFileError,
    LocatedDict,
    LocatedList,
    line_of,
    load_yaml_located,
    located_error,
    read_utf8,
)
from valuescope.datasets._selection import round_robin

__all__ = [
    "DataFileError",
    "LocatedDict",
    "LocatedList",
    "line_of",
    "load_yaml_located",
    "located_error",
    "read_utf8",
    "round_robin",
]
