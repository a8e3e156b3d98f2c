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

# (locale, id of a module-level label dict) → that dict translated. The label dicts live as long
# as the process, so their ids stay theirs.
_TRANSLATED: dict[tuple[str, int], dict] = {}


def translated_labels(lazy_labels: Mapping) -> dict:
    """``lazy_labels`` (a module-level dict of lazy strings) in the current locale."""
    key = (str(get_locale()), id(lazy_labels))
    try:
        return _TRANSLATED[key]
    except KeyError:
        done = _TRANSLATED[key] = {k: str(v) for k, v in lazy_labels.items()}
        return done


def translated(labels: dict[str, Mapping]) -> dict[str, dict]:
    """``{"name": LAZY_DICT, …}`` → the same names, each dict translated (``translated_labels``)."""
    return {name: translated_labels(lazy) for name, lazy in labels.items()}
