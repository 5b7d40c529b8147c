"""YAML for imported documents: the safe loader, refusing alias bombs, cycles and deep nesting (issue 15)."""

import yaml

from webui import bounds


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader that checks each composed document before any object is built from it."""

    def compose_document(self):
        node = super().compose_document()
        _check_nodes(node)
        return node


def load_yaml(text):
    """The document in text (None when empty); InputRefused past a bound, yaml.YAMLError when malformed."""
    try:
        return yaml.load(text, Loader=BoundedLoader)  # noqa: S506 (a SafeLoader subclass)
    except RecursionError:  # PyYAML composes recursively: nesting this deep is refused, not crashed on
        raise bounds.InputRefused(f"is nested deeper than {bounds.MAX_DEPTH} levels") from None


def _children(node):
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_nodes(root):
    """Refuse a cycle, or aliases adding more than MAX_ALIAS_NODES nodes once expanded (iterative: no recursion)."""
    sizes, open_nodes, stack = {}, set(), [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[key] - len(sizes) > bounds.MAX_ALIAS_NODES:
                raise bounds.InputRefused(f"uses YAML aliases that expand past {bounds.MAX_ALIAS_NODES} nodes")
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
