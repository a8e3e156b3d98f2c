"""What other areas show on a customer's archive page: reception contacts, complaints, revisits.

Those areas register a provider at import time (like ``pending.provider``)::

    from portal.services.archive_links import LinkedItem, LinkedSection, link_provider

    @link_provider
    def complaints_of(customer, viewer) -> list[LinkedSection]:
        return [LinkedSection(title=_("Complaints"), items=[LinkedItem(label=c.serial, link=url, when=c.received_at,
                                                                       status=...)])]

The customer page renders whatever is registered, in registration order. A provider is called
with the customer and the signed-in user, only after that user has been allowed to read the
customer; a grant to read an archive is not a grant to the other areas, so each provider still
leaves out what the user may not see in its own area (a report 举报 about him, another branch's
contact), and must not put unmasked ID numbers or phones in labels.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable


@dataclass(frozen=True)
class LinkedItem:
    label: str
    link: str | None = None
    when: datetime | None = None
    status: str | None = None


@dataclass(frozen=True)
class LinkedSection:
    title: str
    items: list[LinkedItem] = field(default_factory=list)
    more_link: str | None = None


_providers: list[Callable] = []


def link_provider(fn: Callable) -> Callable:
    if fn not in _providers:
        _providers.append(fn)
    return fn


def sections_for(customer, viewer) -> list[LinkedSection]:
    sections: list[LinkedSection] = []
    for fn in _providers:
        sections.extend(fn(customer, viewer))
    return sections
