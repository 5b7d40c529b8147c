"""Browser tests (marker `browser`): fixtures in conftest.py; the constants every module shares are here."""

import pathlib

TIMEOUT_MS = 10_000  # the bounded wait for every page action
OUTPUT = pathlib.Path(__file__).resolve().parents[1] / "output"  # screenshots a person looks at
