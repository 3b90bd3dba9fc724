"""The package's shape, checked: public or private by one rule, modules a newcomer can read.

- A package's public names are in its `__init__`'s `__all__`; the rest lives in `_modules`.
- No module imports another package's private module (`valuescope.report._html` from
  outside `valuescope.report`): packages meet at their public surface.
- No module is over 400 lines unless its docstring says why (`over 400 lines`).

The import layers themselves are checked by import-linter (`.importlinter`, `make lint`).
"""

from __future__ import annotations

import ast
from pathlib import Path

from helpers.paths import SRC as SRC_DIR

SRC = SRC_DIR
PACKAGE = SRC / "valuescope"
MAX_LINES = 400


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
        found.append((name, path))
    return found


def _private_owner(target: str) -> str | None:
    """`valuescope.report` for `valuescope.report._html.x`; None for a public path."""
    parts = target.split(".")
    for i, part in enumerate(parts[1:], start=1):
        if part.startswith("_"):
            return ".".join(parts[:i])
    return None


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text("utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, name) for line, name in found if name.startswith("valuescope.")]


def test_no_module_imports_another_packages_private_module() -> None:
    reaching = []
    for name, path in _modules():
        for line, target in _imports(path):
            owner = _private_owner(target)
            if owner is not None and not (name == owner or name.startswith(owner + ".")):
                reaching.append(f"{path.relative_to(SRC)}:{line}: {target}")
    assert not reaching, "\n".join(reaching)


def test_every_public_package_says_what_it_exports() -> None:
    missing = []
    for name, path in _modules():
        if path.name != "__init__.py" or any(p.startswith("_") for p in name.split(".")):
            continue
        tree = ast.parse(path.read_text("utf-8"))
        assigned = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        }
        if "__all__" not in assigned:
            missing.append(str(path.relative_to(SRC)))
    assert not missing, "no __all__ in: " + ", ".join(missing)


def test_no_module_is_over_400_lines_without_a_reason() -> None:
    long = []
    for _, path in _modules():
        text = path.read_text("utf-8")
        lines = text.count("\n")
        docstring = ast.get_docstring(ast.parse(text)) or ""
        if lines > MAX_LINES and "over 400 lines" not in docstring:
            long.append(f"{path.relative_to(SRC)}: {lines} lines")
    assert not long, "\n".join(long)
