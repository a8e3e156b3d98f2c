"""Label dictionaries for templates, as plain dicts of translated strings.

The areas keep their labels as ``lazy_gettext`` strings in module-level dicts (an enum member →
its Chinese name). A lazy string is translated again every time it is used, and Jinja's
escaping touches it two or three times (``hasattr(value, "__html__")`` goes through the lazy
string's ``__getattr__``): a 50-row list with five labelled columns made ~650 catalogue look-ups,
a third of the page's time. ``translated`` gives each dict translated once per locale and worker
(the catalogues do not change while the portal runs): a template's look-up is then a plain dict's.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask_babel import get_locale

# (locale, id of a label dict) → (that dict, it translated). The dict is kept with its
# translation so that its id cannot pass to another dict while the entry exists.
_TRANSLATED: dict[tuple[str, int], tuple[object, object]] = {}


def translated_labels(lazy_labels: Mapping) -> dict:
    """``lazy_labels`` (a module-level dict of lazy strings) in the current locale. The result is
    shared: do not change it."""
    return _once_per_locale(lazy_labels, lambda: {k: str(v) for k, v in lazy_labels.items()})


def translated_choices(lazy_choices: list[tuple]) -> list[tuple]:
    """A select field's ``(value, lazy label)`` choices, module-level, in the current locale: a
    filter bar's selects otherwise translate each option's label again on every page (the
    reception register's bar has 32). The result is shared: do not change it."""
    return _once_per_locale(lazy_choices, lambda: [(value, str(label)) for value, label in lazy_choices])


def _once_per_locale(lazy, translate):
    key = (str(get_locale()), id(lazy))
    hit = _TRANSLATED.get(key)
    if hit is not None and hit[0] is lazy:
        return hit[1]
    done = translate()
    _TRANSLATED[key] = (lazy, done)
    return done


def translated(labels: dict[str, Mapping]) -> dict[str, dict]:
    """``{"name": LAZY_DICT, …}`` → the same names, each dict translated (``translated_labels``)."""
    return {name: translated_labels(lazy) for name, lazy in labels.items()}
