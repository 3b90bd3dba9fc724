"""The README and the docs site's sources: the README stays a five-minute read whose links
land, the site's navigation names pages that exist, and the CLI reference (generated when
the site is built, `scripts/cli_docs.py`) covers every command. `make docs` (in `make test`)
builds the site itself with `mkdocs build --strict`, which checks every link, anchor and
API reference."""

from __future__ import annotations

import importlib.util
import re
from types import ModuleType

import typer
import yaml

from helpers.paths import REPO
from valuescope.cli import app

ROOT = REPO
README = ROOT / "README.md"


def cli_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cli_docs", ROOT / "scripts" / "cli_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_is_short_and_opens_with_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 150
    first_block = text.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    assert [line.split()[:2] for line in first_block] == [["make", "demo"], ["make", "test"]]


def test_readme_links_land_on_files() -> None:
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README.read_text(encoding="utf-8"))
    assert links
    missing = [link for link in links if not (ROOT / link).is_file()]
    assert not missing, f"README.md links to files that do not exist: {missing}"


def nav_pages(nav: object) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [page for entry in nav for page in nav_pages(entry)]
    if isinstance(nav, dict):
        return [page for value in nav.values() for page in nav_pages(value)]
    return []


def test_every_page_in_the_nav_exists_and_every_page_is_in_the_nav() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    pages = nav_pages(config["nav"])
    generated = {cli_docs().PAGE}
    docs = ROOT / config["docs_dir"]
    assert [p for p in pages if p not in generated and not (docs / p).is_file()] == []
    on_disk = {str(p.relative_to(docs)) for p in docs.rglob("*.md")}
    assert on_disk - set(pages) == set()
    assert {"design.md", "methods.md", "extending.md", "api.md", "cli.md"} <= set(pages)


def test_cli_reference_has_every_command_in_plain_layout() -> None:
    page = cli_docs().generate()
    group = typer.main.get_command(app)
    ctx = group.context_class(group, info_name="valuescope")  # type: ignore[attr-defined]
    for name in group.list_commands(ctx):  # type: ignore[attr-defined]
        assert f"## `valuescope {name}`\n" in page
    assert "### `valuescope bench motive`" in page  # bench's benchmarks are subcommands
    assert "### `valuescope cache clear`" in page
    assert "--min-option-mass" in page and "╭" not in page  # typer's plain help, no boxes
