"""Label dictionaries for templates, translated once per page instead of once per row.

The areas keep their labels as ``lazy_gettext`` strings in module-level dicts (an enum member →
its Chinese name). A lazy string is translated again every time it is used, and Jinja's
escaping touches it two or three times (``hasattr(value, "__html__")`` goes through the lazy
string's ``__getattr__``): a 50-row list with five labelled columns made ~650 catalogue look-ups,
a third of the page's time. ``Translated`` wraps such a dict for one rendering: each label is
translated on first use and reused for every further row.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping


class Translated(Mapping):
    def __init__(self, lazy_labels: Mapping):
        self._lazy = lazy_labels
        self._done: dict = {}

    def __getitem__(self, key):
        try:
            return self._done[key]
        except KeyError:
            label = self._done[key] = str(self._lazy[key])
            return label

    def __iter__(self) -> Iterator:
        return iter(self._lazy)

    def __len__(self) -> int:
        return len(self._lazy)


def translated(labels: dict[str, Mapping]) -> dict[str, Translated]:
    """``{"name": LAZY_DICT, …}`` → the same names, each wrapped for this rendering."""
    return {name: Translated(lazy) for name, lazy in labels.items()}
