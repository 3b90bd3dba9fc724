"""Where things are, for tests in any folder below tests/."""

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
"""tests/"""
REPO = TESTS.parent
"""The repository's root."""
DATA = TESTS / "data"
"""tests/data/: small files the tests read."""
SRC = REPO / "src"
