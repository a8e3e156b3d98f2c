"""Helpers to walk the URL map with real ids from the demo data."""
from __future__ import annotations

from datetime import date


def sample_url(rule, ids: dict[str, int] | None = None) -> str:
    values = {}
    for arg in rule.arguments:
        if arg == "day":
            values[arg] = date(2026, 10, 1).isoformat()
        else:
            values[arg] = (ids or {}).get(arg, 1)
    return rule.build(values, append_unknown=False)[1]


def routes(app, method: str):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or method not in rule.methods:
            continue
        yield rule
