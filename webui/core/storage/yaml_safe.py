"""YAML for imported documents: the safe loader, refusing alias bombs (by nodes and by bytes), cycles and deep
nesting (issues 15 and 24), parsed off the event loop."""

import yaml

from webui import bounds
from webui.offload import off_loop


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader that checks each composed document before any object is built from it."""

    max_expanded_bytes = None  # set per load: the document once its aliases are expanded

    def compose_document(self):
        node = super().compose_document()
        _check_nodes(node, self.max_expanded_bytes)
        return node


def load_yaml(text, max_expanded_bytes=None):
    """The document in text (None when empty); InputRefused past a bound, yaml.YAMLError when malformed.

    Parsed in the thread pool under gevent (a 1 MiB document is seconds of pure-Python work). Expanded, the
    document may not be larger than `max_expanded_bytes` (default twice WEBUI_MAX_IMPORT_BYTES, room for a dense
    plain document's separators): aliases never let a small upload become a stored config far larger than a
    plain upload could."""
    limit = max_expanded_bytes or bounds.EXPANSION_FACTOR * bounds.max_import_bytes()
    return off_loop(_load, text, limit)


def _load(text, limit):
    loader = BoundedLoader(text)
    loader.max_expanded_bytes = limit
    try:
        return loader.get_single_data()
    except RecursionError:  # PyYAML composes recursively: nesting this deep is refused, not crashed on
        raise bounds.InputRefused(f"is nested deeper than {bounds.MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


class _CompactDumper(yaml.SafeDumper):
    """SafeDumper that writes an object met twice once, with an anchor: long strings too (PyYAML aliases only
    containers), so a document whose aliases repeat a 20 kB string stays about its upload's size."""

    def ignore_aliases(self, data):
        if isinstance(data, str):
            return len(data) < COMPACT_MIN_CHARS
        return super().ignore_aliases(data)


COMPACT_MIN_CHARS = 64


def compact_dump(value):
    """YAML text of value in which every repeated object (a container, or a string of 64+ characters) is written
    once and referred to by an alias after."""
    return yaml.dump(value, Dumper=_CompactDumper, sort_keys=False, allow_unicode=True)


def _children(node):
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_nodes(root, max_bytes=None):
    """Refuse a cycle, aliases adding more than MAX_ALIAS_NODES nodes, or (max_bytes) an expanded document larger
    than max_bytes: each node's size counts every time an alias repeats it (iterative: no recursion)."""
    sizes, weights, open_nodes, stack = {}, {}, set(), [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_nodes.discard(key)
            children = _children(node)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            own = len(node.value) if isinstance(node, yaml.ScalarNode) else 2
            weights[key] = own + 2 + sum(weights[id(child)] for child in children)  # separators, quotes
            if sizes[key] - len(sizes) > bounds.MAX_ALIAS_NODES:
                raise bounds.InputRefused(f"uses YAML aliases that expand past {bounds.MAX_ALIAS_NODES} nodes")
            if max_bytes and weights[key] > max_bytes:
                raise bounds.InputRefused(f"uses YAML aliases that expand past {max_bytes} bytes (twice "
                                          "WEBUI_MAX_IMPORT_BYTES)")
            continue
        if key in sizes:
            continue
        open_nodes.add(key)  # expanded, not finished: exactly the ancestors of what is processed next
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_nodes:
                raise bounds.InputRefused("is cyclic: a YAML alias refers to a node that contains it")
            if id(child) not in sizes:
                stack.append((child, False))
