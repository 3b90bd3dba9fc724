"""Errors the model layer raises for users to read (kept import-light for the CLI)."""


class BackendUnreachable(RuntimeError):
    """A model server could not be reached (refused, DNS, TLS) or rejected the request.
    The message names the URL."""
