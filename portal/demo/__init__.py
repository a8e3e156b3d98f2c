"""Demo data for ``flask seed-demo``.

Each area adds a module here named ``NN_area.py`` with a ``seed(ctx)`` function; they run in
name order, so the organisation exists before the records that use it. ``ctx`` is a
``DemoContext`` the modules share (users by role, projects, a seeded random generator).
"""
from __future__ import annotations

import importlib
import pkgutil
import random
from dataclasses import dataclass, field

DEMO_PASSWORD = "Fuwu@Zhongxin-2026"


@dataclass
class DemoContext:
    rng: random.Random
    users: dict = field(default_factory=dict)  # username → User
    units: dict = field(default_factory=dict)  # name → OrgUnit
    projects: list = field(default_factory=list)
    customers: list = field(default_factory=list)
    logins: list = field(default_factory=list)  # (username, role label, unit)


def demo_modules() -> list[str]:
    import portal.demo as pkg

    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if m.name[:2].isdigit())


def seed_demo(seed: int = 2026) -> DemoContext:
    ctx = DemoContext(rng=random.Random(seed))
    for name in demo_modules():
        importlib.import_module(f"portal.demo.{name}").seed(ctx)
    return ctx
