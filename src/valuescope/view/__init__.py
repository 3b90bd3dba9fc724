"""`valuescope view`: a local, read-only web app over a folder of runs (see `_app`).

    from valuescope.view import serve
    serve(Path("runs"), port=8765)          # http://127.0.0.1:8765/

FastAPI and uvicorn are imported here, not when valuescope is.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from valuescope.view._app import LOCAL_HOSTS, create_app

__all__ = ["DEFAULT_PORT", "create_app", "is_loopback", "serve", "serve_view"]

DEFAULT_PORT = 8765


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`: addresses no other machine reaches."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(root: Path | str, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
    """Serve the viewer until interrupted (binds `host`: loopback unless asked otherwise)."""
    import uvicorn

    root = Path(root)
    hosts = LOCAL_HOSTS if is_loopback(host) else [*LOCAL_HOSTS, host, "*"]
    app = create_app(root, allowed_hosts=hosts)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


serve_view = serve
"""The name `valuescope.serve_view` exposes (`vs.serve_view("runs")`)."""
