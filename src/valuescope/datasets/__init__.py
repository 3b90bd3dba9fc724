"""Loading data files (item banks, frameworks) with errors that name file and line."""

from valuescope.datasets._located import DataFileError, load_yaml_located, located_error

__all__ = ["DataFileError", "load_yaml_located", "located_error"]
