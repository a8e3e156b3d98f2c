""""My pending work" on the home page, gathered from every area.

Each area registers a provider: a function of the user that returns ``PendingItem``s (a
count and a link). The home page shows the non-empty ones. Providers must be cheap (a
COUNT with an index), because the home page runs them all.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class PendingItem:
    label: str
    count: int
    link: str
    urgent: bool = False


_providers: list[Callable] = []


def provider(fn: Callable) -> Callable:
    if fn not in _providers:
        _providers.append(fn)
    return fn


def pending_for(user) -> list[PendingItem]:
    items: list[PendingItem] = []
    for fn in _providers:
        items.extend(item for item in fn(user) if item.count)
    return items
