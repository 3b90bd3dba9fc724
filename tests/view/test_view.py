"""`valuescope view` through its ASGI app (no browser): what each page lists, paging and
filters, live progress, and the security rules (paths stay inside RUNS_DIR, only GET,
only local Host headers, a CSP on every response). The browser tests are in
test_browser.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from valuescope.runs import list_runs
from valuescope.view import create_app, is_loopback

SCRIPT = "<script>alert(1)</script>"
LOCAL = "http://127.0.0.1:8765"


def _run(folder: Path, model: str = "m", created: str = "2026-11-01T10:00:00+00:00",
         command: str = "measure", samples: int = 0, finished: bool = True) -> Path:  # fmt: skip
    """A small run folder (a manifest, samples, results) for list and paging tests."""
    folder.mkdir(parents=True)
    manifest = {"command": command, "instrument": "bigfive", "created_utc": created,
                "model": model, "model_identity": model, "seed": 0, "config": {},
                "versions": {}}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with (folder / "samples.jsonl").open("w") as handle:
        for i in range(samples):
            record = {"item_id": f"it{i}", "condition": "asc/none", "valid": i % 5 != 0,
                      "dimension": ["openness", "neuroticism"][i % 2], "prompt": f"prompt {i}",
                      "labels": ["1", "2"], "probs": [0.25, 0.75]}  # fmt: skip
            handle.write(json.dumps(record) + "\n")
    if finished:  # results written after the last answer
        results = folder / "results.json"
        results.write_text(json.dumps({"command": command, "model": model}))
        later = (folder / "samples.jsonl").stat().st_mtime + 1
        os.utime(results, (later, later))
    return folder


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    root = tmp_path / "runs"
    _run(root / "a", model="alpha", created="2026-11-01T10:00:00+00:00", samples=60)
    _run(root / "b", model="beta", created="2026-11-20T10:00:00+00:00", command="csi")
    _run(root / "b" / "inner", model="beta-inner")
    (tmp_path / "outside").mkdir()
    _run(tmp_path / "outside" / "secret", model="secret")
    os.symlink(tmp_path / "outside" / "secret", root / "link-out")
    return TestClient(create_app(root), base_url=LOCAL)


def test_the_run_list_filters_and_nests(client: TestClient) -> None:
    page = client.get("/").text
    assert "/run/a" in page and "/run/b" in page
    assert "/run/b/inner" not in page  # inside b: reached from b's page
    assert "secret" not in page  # a symlink out of RUNS_DIR is not followed
    assert "/run/b/inner" in client.get("/?nested=true").text
    only_csi = client.get("/?kind=csi").text
    assert "/run/b" in only_csi and "/run/a" not in only_csi
    assert (
        "/run/a" in client.get("/?model=ALP").text
        and "/run/b" not in client.get("/?model=alp").text
    )
    since = client.get("/?since=2026-11-10").text
    assert "/run/b" in since and "/run/a" not in since
    assert "/run/a" in client.get("/?until=2026-11-10").text
    assert "/run/a" not in client.get("/?status=incomplete").text


def test_run_pages_page_and_filter_answers(client: TestClient) -> None:
    first = client.get("/run/a")
    assert first.status_code == 200 and "page 1 of 3 · 60 of 60 samples" in first.text
    assert first.text.count('class="sample"') == 25
    third = client.get("/run/a?page=3").text
    assert third.count('class="sample"') == 10 and "it59" in third
    invalid = client.get("/run/a?valid=0&group=openness").text
    assert "6 of 60 samples" in invalid  # it0, it10, ..., it50
    assert "it10" in client.get("/run/a?item=it10").text
    assert "1 of 60 samples" in client.get("/run/a?item=it10").text


@pytest.mark.parametrize(
    "path",
    ["/run/../outside/secret", "/run/%2e%2e/outside/secret", "/run//etc", "/run/link-out",
     "/run/a/..%2F..%2Foutside%2Fsecret", "/run/nothing", "/run/a/../../outside/secret"],
)  # fmt: skip
def test_paths_cannot_leave_the_runs_folder(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and "secret" not in response.text


def test_read_only_local_and_under_a_policy(client: TestClient, tmp_path: Path) -> None:
    before = sorted(str(p) for p in (tmp_path / "runs").rglob("*"))
    for method in ("post", "put", "delete", "patch"):
        assert getattr(client, method)("/run/a").status_code == 405
    assert sorted(str(p) for p in (tmp_path / "runs").rglob("*")) == before
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 400
    response = client.get("/run/a")
    policy = response.headers["content-security-policy"]
    assert "script-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert is_loopback("127.0.0.2") and is_loopback("::1") and not is_loopback("0.0.0.0")


HOLD_LOCK = """
import sys, time
from pathlib import Path
from valuescope.runs import RunLock
RunLock.acquire(Path(sys.argv[1]))
print("locked", flush=True)
time.sleep(120)
"""


def test_a_run_in_flight_shows_progress_and_reloads(tmp_path: Path) -> None:
    """Running while a process holds the run's lock; killed (SIGKILL), the same files read
    incomplete at once, in the list and on its page, which stops reloading."""
    root = tmp_path / "runs"
    folder = _run(root / "live", samples=30, finished=False)
    progress = {"total": 120, "already_done": 0, "started_utc": "2026-12-01T10:00:00"}
    (folder / "progress.json").write_text(json.dumps(progress))
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(folder)],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    client = TestClient(create_app(root), base_url=LOCAL)
    try:
        page = client.get("/run/live").text
        assert "30 of 120 answers (25%)" in page and 'http-equiv="refresh"' in page
        assert "running" in client.get("/").text
        with (folder / "samples.jsonl").open("a") as handle:  # it goes on answering
            handle.write(json.dumps({"item_id": "more", "condition": "c", "valid": True}) + "\n")
        assert "31 of 120 answers" in client.get("/run/live").text
    finally:
        holder.kill()  # SIGKILL: no chance to clean up
        holder.wait()
        holder.stdout.close()
    page = client.get("/run/live").text
    assert 'http-equiv="refresh"' not in page and "incomplete" in client.get("/").text
    listed = list_runs(root).runs
    assert [r.status for r in listed] == ["incomplete"]  # `valuescope runs` says the same


def test_many_runs_and_a_large_run_are_paged(tmp_path: Path) -> None:
    """1,000 runs: 50 a page; a run of 5,000 samples: 25 a page, the last page reachable.
    (Timings at 1,000 runs and 100,000 samples: bench/view.py.)"""
    root = tmp_path / "runs"
    for i in range(1000):
        _run(root / f"r{i:04d}", model=f"model-{i % 7}",
             created=f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:00:00+00:00")  # fmt: skip
    _run(root / "big", samples=5000, created="2026-12-01T00:00:00+00:00")
    client = TestClient(create_app(root), base_url=LOCAL)
    listing = client.get("/").text
    assert "page 1 of 21 · 1001 of 1001 runs" in listing and listing.count("/run/r") == 49
    assert listing.index("/run/big") < listing.index("/run/r")  # newest first
    assert "page 21 of 21" in client.get("/?page=21").text
    assert "143 of 1001 runs" in client.get("/?model=model-3").text
    big = client.get("/run/big?page=200").text
    assert "page 200 of 200" in big and "it4999" in big and big.count('class="sample"') == 25


@pytest.mark.slow
def test_the_compare_page_overlays_picked_runs(gallery: dict[str, Path], tmp_path: Path) -> None:
    root = tmp_path / "runs"
    shutil.copytree(gallery["compare"], root / "cmp")
    client = TestClient(create_app(root), base_url=LOCAL)
    picker = client.get("/compare").text
    names = [f"cmp/{p.name}" for p in sorted((root / "cmp").iterdir()) if p.is_dir()]
    assert all(f'value="{n}"' in picker for n in names)
    page = client.get("/compare", params=[("run", n) for n in names]).text
    assert page.count('class="chart radar"') >= 1
    assert page.count("<polygon") >= 5 + len(names)  # grid rings + one profile per run
    assert client.get("/compare", params={"run": "../x"}).status_code == 404
    assert SCRIPT not in page


def test_data_files_are_served_as_text_and_nothing_else(client: TestClient,
                                                        tmp_path: Path) -> None:  # fmt: skip
    response = client.get("/files/a/samples.jsonl")
    assert response.status_code == 200 and response.text.startswith('{"item_id": "it0"')
    assert response.headers["content-type"].startswith("text/plain")
    assert "/files/a/samples.jsonl" in client.get("/run/a").text  # linked from the run page
    (tmp_path / "runs" / "a" / "report.html").write_text(SCRIPT)
    (tmp_path / "outside" / "secret" / "key.txt").write_text("secret")
    os.symlink(tmp_path / "outside" / "secret" / "key.txt", tmp_path / "runs" / "a" / "k.txt")
    for path in ("/files/a/report.html", "/files/a", "/files/a/k.txt",
                 "/files/../outside/secret/key.txt", "/files/a/missing.json"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 404, path
        assert "secret" not in response.text and SCRIPT not in response.text
