"""`valuescope view`: a read-only local web app over a folder of runs.

Routes (all GET; nothing here writes, moves or deletes a file):

- `/`: the run list, newest first, filtered by kind, model, instrument, date and status,
  50 a page;
- `/run/<path>`: a run's page (the same page as its report.html), its answers paged and
  filtered; a run still in flight reloads itself every few seconds and shows how far it is;
- `/compare?run=<path>&run=<path>`: questionnaire runs picked from a list, their profiles
  overlaid and tested per dimension;
- `/files/<path>`: a run's data file (results.json, samples.jsonl, an export) as plain text.

Every run path is resolved and must stay inside RUNS_DIR: `..`, absolute paths and
symlinks that lead out are answered 404. Every response carries a Content-Security-Policy
that allows no script (the pages have none), and the Host header must name this machine
(a web page elsewhere cannot read the viewer through DNS rebinding).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path, PurePosixPath
from urllib.parse import urlencode

from fastapi import FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from markupsafe import Markup
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from valuescope.report.pages import (
    Links,
    ReportError,
    RunFolder,
    SampleQuery,
    content_security_policy,
    el,
    page,
    render_run,
    select,
    title_of,
)
from valuescope.view._index import RunEntry, RunIndex, read_progress

DATA_SUFFIXES = frozenset({".json", ".jsonl", ".txt", ".yaml", ".yml", ".csv"})
"""What /files/ serves (as text/plain, never as a page): a run's data, not its report."""
PER_PAGE = 50
REFRESH_SECONDS = 3
LOCAL_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]


def create_app(root: Path, allowed_hosts: list[str] | None = None) -> FastAPI:
    """The viewer over the runs in `root` (`allowed_hosts`: Host header values accepted,
    the loopback names by default; `valuescope view --host` adds its own)."""
    if not root.is_dir():
        raise ReportError(f"{root} is not a folder of runs")
    index = RunIndex(root)
    app = FastAPI(title="valuescope view", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or LOCAL_HOSTS)

    @app.middleware("http")
    async def headers(request: Request,
                      call_next: Callable[[Request], Awaitable[Response]]) -> Response:  # fmt: skip
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = (
            content_security_policy() + "; frame-ancestors 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def not_found(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        body = el("div", el("h1", f"{exc.status_code}"), el("p", str(exc.detail)),
                  el("p", el("a", "all runs", href="/")))  # fmt: skip
        return HTMLResponse(page("valuescope view", body, _nav()), status_code=exc.status_code)

    @app.get("/", response_class=HTMLResponse)
    def run_list(
        kind: str = "", model: str = "", instrument: str = "", since: str = "", until: str = "",
        status: str = "", nested: bool = False, page_number: int = Query(1, alias="page", ge=1),
    ) -> HTMLResponse:  # fmt: skip
        entries = index.entries()
        chosen = [
            e for e in entries
            if (nested or e.parent is None)
            and (not kind or e.kind == kind)
            and (not model or model.lower() in e.model.lower())
            and (not instrument or instrument.lower() in e.instrument.lower())
            and (not since or e.created[:10] >= since)
            and (not until or e.created[:10] <= until)
            and (not status or e.status == status)
        ]  # fmt: skip
        base = len([e for e in entries if nested or e.parent is None])
        values = {"kind": kind, "model": model, "instrument": instrument, "since": since,
                  "until": until, "status": status, "nested": "true" if nested else ""}  # fmt: skip
        body = _list_page(entries, chosen, values, page_number, base)
        return HTMLResponse(page("valuescope view · runs", body, _nav()))

    @app.get("/run/{relative:path}", response_class=HTMLResponse)
    def run_page(
        relative: str, page_number: int = Query(1, alias="page", ge=1), item: str = "",
        group: str = "", valid: str = "",
    ) -> HTMLResponse:  # fmt: skip
        folder = _inside(index.root, relative)
        try:
            run = RunFolder.open(folder)
        except ReportError as exc:
            raise HTTPException(404, str(exc)) from exc
        validity = {"1": True, "0": False}.get(valid)
        query = SampleQuery(page_number, 25, item or None, group or None, validity)
        links = Links(run=lambda p: _run_href(index.root, p),
                      file=lambda p: _file_href(index.root, p),
                      samples=lambda values: f"{_run_href(index.root, folder)}?"
                      f"{urlencode(values)}")  # fmt: skip
        body = render_run(run, links, query)
        entry = index.one(folder)
        refresh = None
        if entry.status == "running":
            body = _progress(folder, entry) + body
            refresh = REFRESH_SECONDS
        title = f"valuescope · {title_of(run)}"
        return HTMLResponse(page(title, body, _nav(), refresh=refresh))

    @app.get("/files/{relative:path}")
    def data_file(relative: str) -> FileResponse:
        """A run's data file (JSON, JSON lines, text, YAML, CSV) as plain text."""
        path = _inside(index.root, relative, want_file=True)
        if path.suffix not in DATA_SUFFIXES:
            raise HTTPException(404, "only a run's data files are served")
        return FileResponse(path, media_type="text/plain; charset=utf-8",
                            content_disposition_type="inline")  # fmt: skip

    @app.get("/compare", response_class=HTMLResponse)
    def compare_page(run: list[str] = Query(default=[])) -> HTMLResponse:  # noqa: B008
        from valuescope.view._compare import compare_body

        folders = [_inside(index.root, r) for r in run]
        body = compare_body(index, folders, lambda p: _run_href(index.root, p))
        return HTMLResponse(page("valuescope view · compare", body, _nav()))

    return app


def _nav() -> Markup:
    return el("nav", el("a", "valuescope", href="/", class_="brand"), el("a", "runs", href="/"),
              el("a", "compare", href="/compare"), class_="top")  # fmt: skip


def _inside(root: Path, relative: str, want_file: bool = False) -> Path:
    """The folder (or file) `relative` names inside `root`, or 404: absolute paths, `..` and
    symlinks that resolve outside `root` are refused."""
    pure = PurePosixPath(relative)
    if pure.is_absolute() or ".." in pure.parts or "\\" in relative or "\x00" in relative:
        raise HTTPException(404, "no such run")
    folder = (root / pure).resolve()
    if folder != root and root not in folder.parents:
        raise HTTPException(404, "no such run")
    if not (folder.is_file() if want_file else folder.is_dir()):
        raise HTTPException(404, "no such run" if not want_file else "no such file")
    return folder


def _relative(root: Path, folder: Path) -> str:
    return folder.resolve().relative_to(root).as_posix()


def _file_href(root: Path, path: Path) -> str | None:
    try:
        return "/files/" + _relative(root, path)
    except ValueError:
        return None


def _run_href(root: Path, folder: Path) -> str | None:
    try:
        return "/run/" + _relative(root, folder)
    except ValueError:
        return None


def _list_page(entries: list[RunEntry], chosen: list[RunEntry], values: dict[str, str],
               page_number: int, base: int) -> Markup:  # fmt: skip
    kinds = sorted({e.kind for e in entries})
    statuses = ("finished", "failed", "running", "incomplete")
    form = el(
        "form",
        el(
            "label", "kind", select("kind", [("all", ""), *((k, k) for k in kinds)], values["kind"])
        ),
        el("label", "model", el("input", name="model", value=values["model"], type="search")),
        el(
            "label",
            "instrument",
            el("input", name="instrument", value=values["instrument"], type="search"),
        ),
        el("label", "from", el("input", name="since", value=values["since"], type="date")),
        el("label", "to", el("input", name="until", value=values["until"], type="date")),
        el(
            "label",
            "status",
            select("status", [("all", ""), *((s, s) for s in statuses)], values["status"]),
        ),
        el(
            "label",
            "runs inside runs",
            el(
                "input",
                type="checkbox",
                name="nested",
                value="true",
                checked=bool(values["nested"]),
            ),
        ),
        el("button", "filter", type="submit"),
        method="get",
        action="/",
        class_="filters",
    )
    pages = max((len(chosen) + PER_PAGE - 1) // PER_PAGE, 1)
    shown = chosen[(page_number - 1) * PER_PAGE : page_number * PER_PAGE]
    rows = [
        [el("a", e.relative, href=f"/run/{e.relative}"), e.kind, e.model, e.instrument,
         e.created.replace("T", " ")[:19], _status_cell(e.status, e.failure),
         _verdict_cell(e.verdict), e.answers, len(e.children) or ""]
        for e in shown
    ]  # fmt: skip
    from valuescope.report.pages import table

    kept = {k: v for k, v in values.items() if v}

    def href(number: int) -> str:
        return "/?" + urlencode({**kept, "page": str(number)})

    pager = el(
        "div",
        el("a", "← newer", href=href(page_number - 1)) if page_number > 1 else None,
        el("span", f"page {page_number} of {pages} · {len(chosen)} of {base} runs"),
        el("a", "older →", href=href(page_number + 1)) if page_number < pages else None,
        class_="pager",
    )
    headers = ["run", "kind", "model", "instrument", "started (UTC)", "status", "verdict",
               "answers", "runs inside"]  # fmt: skip
    return el("div", el("h1", "Runs"), form, pager,
              el("div", table(headers, rows, numeric_from=7), class_="scroll"), pager,
              id="runs")  # fmt: skip


def _status_cell(status: str, failure: str | None = None) -> Markup:
    css = {"finished": "good", "running": None, "incomplete": "bad", "failed": "bad"}.get(status)
    return el("span", status, class_=css, title=failure)


def _verdict_cell(verdict: str | None) -> Markup | str:
    if verdict is None:
        return "–"
    css = {"interpretable": "good", "interpret with care": None}.get(verdict, "bad")
    return el("span", verdict, class_=css)


def _progress(folder: Path, entry: RunEntry) -> Markup:
    progress = read_progress(folder)
    total = progress.get("total")
    done = entry.answers
    text = f"{done} of {total} answers" if isinstance(total, int) and total else f"{done} answers"
    share = f" ({100 * done / total:.0f}%)" if isinstance(total, int) and total else ""
    started = progress.get("started_utc")
    return el("div", el("b", "In flight: "), text + share,
              f" · this session started {started}" if started else None,
              f" · the page reloads every {REFRESH_SECONDS} s", class_="progress",
              id="progress")  # fmt: skip
