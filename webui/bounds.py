"""Bounds on outside input (issue 15): nesting depth, stored strings, imported document size, YAML aliases."""

import json
import os

from webui.errors import InputRefused

MAX_DEPTH = 32  # JSON/YAML nesting: far beyond any real config, far below Python's recursion limit
IMPORT_BYTES_ENV = "WEBUI_MAX_IMPORT_BYTES"
DEFAULT_MAX_IMPORT_BYTES = 1024 * 1024
MAX_ALIAS_NODES = 10_000  # nodes YAML aliases may add on expansion (a "billion laughs" adds millions)


def max_import_bytes(environ=None):
    """WEBUI_MAX_IMPORT_BYTES (default 1 MiB): the largest YAML/JSON document imported."""
    raw = (os.environ if environ is None else environ).get(IMPORT_BYTES_ENV, "")
    try:
        value = int(str(raw).strip())
    except ValueError:
        return DEFAULT_MAX_IMPORT_BYTES
    return value if value > 0 else DEFAULT_MAX_IMPORT_BYTES


def loads(text):
    """json.loads, then check_value; a document too deep even to parse is InputRefused (never RecursionError)."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise InputRefused(f"is nested deeper than {MAX_DEPTH} levels", "body") from None
    check_value(data)
    return data


def check_value(value, field="body"):
    """InputRefused for nesting past MAX_DEPTH or a string no UTF-8 can hold (a lone surrogate)."""
    stack = [(value, field, 1)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InputRefused(f"is nested deeper than {MAX_DEPTH} levels", path)
        if isinstance(item, str):
            if not is_storable(item):
                raise InputRefused("holds an invalid character (a lone surrogate)", path)
        elif isinstance(item, dict):
            for key, child in item.items():
                name = f"{path}.{key}" if is_storable(str(key)) else f"{path}.?"
                if not is_storable(str(key)):
                    raise InputRefused("has a key with an invalid character (a lone surrogate)", name)
                stack.append((child, name if path != "body" else str(key), depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))


def is_storable(text):
    """True when the text can be written as UTF-8 (no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
