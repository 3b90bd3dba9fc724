"""The reports and the viewer in a real browser: Debian's chromium driven by playwright
(`executable_path`; browser downloads do not work here). `make test` installs chromium
where it can (root); without it these tests skip, except in CI (CI=true), where they fail.

The viewer runs in uvicorn on 127.0.0.1 over a copy of the gallery (one real run of every
kind) with XSS payloads put into a questionnaire run's items, answers and model name.
Screenshots of every page land in the test's tmp dir (`screenshots/`).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from valuescope.runs import RunLock

pytestmark = pytest.mark.slow

SCRIPT = "<script>window.__xss = 1; alert(1)</script>"
IMG = '"><img src=x onerror="window.__xss = 2; alert(2)">'


def chromium_path() -> str | None:
    for candidate in (os.environ.get("VALUESCOPE_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):  # fmt: skip
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        message = "no chromium (Debian's package `chromium`; `make test` installs it as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        yield launched
        launched.close()


def _poison(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["model"] = SCRIPT
    (folder / "manifest.json").write_text(json.dumps(manifest))
    results = json.loads((folder / "results.json").read_text())
    results["warnings"] = [SCRIPT, IMG]
    (folder / "results.json").write_text(json.dumps(results))
    lines = []
    for line in (folder / "samples.jsonl").read_text().splitlines():
        record = json.loads(line)
        record["item_id"], record["prompt"] = IMG, f"{SCRIPT} {IMG}"
        lines.append(json.dumps(record))
    (folder / "samples.jsonl").write_text("\n".join(lines) + "\n")
    later = (folder / "samples.jsonl").stat().st_mtime + 1  # still a finished run
    os.utime(folder / "results.json", (later, later))
    from valuescope.report import write_report

    write_report(folder)


@pytest.fixture(scope="module")
def served(gallery: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[str, Path]]:  # fmt: skip
    """The viewer on a free port over a copy of the gallery; yields (base URL, root)."""
    import uvicorn

    from valuescope.view import create_app

    root = tmp_path_factory.mktemp("served") / "runs"
    for kind, folder in gallery.items():
        shutil.copytree(folder, root / kind)
    _poison(root / "measure")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(root), host="127.0.0.1", port=port,
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the viewer did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", root
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    """A fresh page that records dialogs and errors: a payload that ran would show up."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.events = []  # type: ignore[attr-defined]
    opened.on("dialog", lambda d: (opened.events.append(f"dialog {d.message}"), d.dismiss()))
    opened.on("pageerror", lambda e: opened.events.append(f"error {e}"))
    opened.shots = tmp_path / "screenshots"  # type: ignore[attr-defined]
    opened.shots.mkdir()
    yield opened
    context.close()


def _shoot(page: Any, name: str) -> Path:
    path: Path = page.shots / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000
    return path


def _no_payload_ran(page: Any) -> None:
    assert page.events == []
    assert page.evaluate("window.__xss === undefined")
    assert page.locator("img").count() == 0  # the <img> payload is text, not an element


def test_the_run_list(page: Any, served: tuple[str, Path]) -> None:
    url, root = served
    page.goto(url + "/")
    rows = page.locator("#runs tbody tr")
    top_level = [p for p in root.iterdir() if p.is_dir()]
    assert rows.count() == len(top_level)
    page.select_option("select[name=kind]", "csi")
    page.click("form.filters button")
    page.wait_for_url("**/?kind=csi**")
    assert page.locator("#runs tbody tr").count() == 1
    _shoot(page, "runs-csi")
    _no_payload_ran(page)


CHARTS = {"measure": 2, "personas": 2, "probes": 1, "csi": 1, "csi-validity": 1,
          "dilemmas": 1, "classify": 2, "generate": 0, "compare": 1, "validity": 1,
          "steer": 1, "safety": 1, "bench": 1, "construct": 0}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(CHARTS))
def test_a_run_page_of_each_kind(kind: str, page: Any, served: tuple[str, Path]) -> None:
    url, _ = served
    page.goto(f"{url}/run/{kind}")
    assert page.locator("h1").first.is_visible()
    assert page.locator("section table").count() >= 1
    assert page.locator("svg[role=img]").count() >= CHARTS[kind]
    assert page.locator("#error").count() == 0
    _shoot(page, f"run-{kind}")
    _no_payload_ran(page)


def test_payloads_stay_text_in_the_viewer_and_the_static_report(
    page: Any, served: tuple[str, Path]
) -> None:
    url, root = served
    for address in (f"{url}/run/measure", (root / "measure" / "report.html").as_uri()):
        page.goto(address)
        text = page.locator("body").inner_text()
        assert "<script>window.__xss = 1; alert(1)</script>" in text
        assert 'onerror="window.__xss = 2; alert(2)">' in text
        page.locator("details").first.click()
        _no_payload_ran(page)
    _shoot(page, "static-measure-payloads")


def test_drill_down_pages_and_filters(page: Any, served: tuple[str, Path]) -> None:
    url, _ = served
    page.goto(f"{url}/run/personas")
    before = page.locator(".pager span").first.inner_text()
    page.select_option("#samples select[name=group]", "care")
    page.click("#samples form button")
    page.wait_for_url("**group=care**")
    after = page.locator(".pager span").first.inner_text()
    assert before != after and "samples" in after
    assert page.locator(".sample").count() >= 1
    assert page.locator(".sample svg.options").count() >= 1  # options with probabilities
    _shoot(page, "drilldown-care")


def test_the_compare_page(page: Any, served: tuple[str, Path]) -> None:
    url, _ = served
    page.goto(f"{url}/compare")
    boxes = page.locator("#picker input[type=checkbox][value^='compare/']")
    assert boxes.count() == 2
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("#picker button")
    page.wait_for_url("**/compare?run=**")
    assert page.locator("svg.radar").count() >= 1
    assert page.locator("section table").count() >= 2
    _shoot(page, "compare")
    _no_payload_ran(page)


def test_live_progress_of_a_run_in_flight(page: Any, served: tuple[str, Path]) -> None:
    """A run still being written: the page says how far it is and reloads by itself."""
    url, root = served
    live = root / "live"
    live.mkdir()
    shutil.copy(root / "measure" / "manifest.json", live)
    (live / "progress.json").write_text(json.dumps({"total": 100, "already_done": 0}))
    lines = (root / "personas" / "samples.jsonl").read_text().splitlines()
    (live / "samples.jsonl").write_text("\n".join(lines[:5]) + "\n")
    lock = RunLock.acquire(live)  # a process is writing it (the viewer checks the lock)
    try:
        page.goto(f"{url}/run/live")
        assert "5 of 100 answers" in page.locator("#progress").inner_text()
        with (live / "samples.jsonl").open("a") as handle:
            handle.write("\n".join(lines[5:9]) + "\n")
        deadline = time.monotonic() + 15  # the page reloads itself (no script: meta refresh)
        while "9 of 100" not in page.locator("#progress").inner_text():
            assert time.monotonic() < deadline, "the page did not reload with the new answers"
            page.wait_for_timeout(500)
        _shoot(page, "live")
    finally:
        lock.release()
