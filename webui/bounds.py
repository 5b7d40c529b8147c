"""Bounds on outside input (issue 15): nesting depth, stored strings, imported document size, YAML aliases."""

import json

from webui import settings
from webui.errors import InputRefused

MAX_DEPTH = 32  # JSON/YAML nesting: far beyond any real config, far below Python's recursion limit
IMPORT_BYTES_ENV = settings.SPEC["max_import_bytes"]["env"]
DEFAULT_MAX_IMPORT_BYTES = settings.SPEC["max_import_bytes"]["default"]
EXPANSION_FACTOR = 2  # an expanded YAML document may be this many times WEBUI_MAX_IMPORT_BYTES (aliases by bytes)
MAX_ALIAS_NODES = 10_000  # nodes YAML aliases may add on expansion (a "billion laughs" adds millions)


def max_import_bytes(environ=None):
    """WEBUI_MAX_IMPORT_BYTES (default 1 MiB): the largest YAML/JSON document imported."""
    return settings.Settings.from_env(environ).max_import_bytes if environ is not None else settings.current().max_import_bytes


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
