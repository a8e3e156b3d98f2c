"""The permission table the access-matrix test checks every endpoint against.

Each area keeps its own module here with a dict ``ACCESS`` of endpoint → rule, where a rule
is ``PUBLIC``, ``LOGIN`` or a set of permissions (any one suffices). An endpoint missing
from every module fails the test: a new view must be entered here on purpose.
"""
from __future__ import annotations

import importlib
import pkgutil

from portal.auth.access import LOGIN_ONLY as LOGIN
from portal.auth.access import PUBLIC


def load_scoped() -> set[str]:
    """Endpoints where a role the permission table allows may still be refused (403) by an
    object rule that a bare request cannot satisfy, e.g. archive pages without a grant.
    Each area lists them as ``GRANT_SCOPED`` and proves the allowed case in its own tests."""
    import tests.access as pkg

    scoped: set[str] = set()
    for mod in pkgutil.iter_modules(pkg.__path__):
        scoped |= set(getattr(importlib.import_module(f"tests.access.{mod.name}"), "GRANT_SCOPED", ()))
    return scoped


def load_table() -> dict:
    table: dict = {}
    import tests.access as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        access = importlib.import_module(f"tests.access.{mod.name}").ACCESS
        overlap = table.keys() & access.keys()
        assert not overlap, f"endpoints listed twice: {overlap}"
        table.update(access)
    return table


__all__ = ["LOGIN", "PUBLIC", "load_scoped", "load_table"]
