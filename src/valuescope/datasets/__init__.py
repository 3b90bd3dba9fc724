"""Loading data files (item banks, frameworks, word lists) with errors that name file and
line; `read_utf8` reads every such file."""

from valuescope.datasets._located import (
    DataFileError,
    load_yaml_located,
    located_error,
    read_utf8,
)

__all__ = ["DataFileError", "load_yaml_located", "located_error", "read_utf8"]
