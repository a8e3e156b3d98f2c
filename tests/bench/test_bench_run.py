"""``bench/run.py``'s reading of wrk's figures: a run in which no answer came within wrk's
timeout must not be reported as 0 ms (faster than every page)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("bench_run", Path(__file__).resolve().parents[2] / "bench" / "run.py")
bench_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_run)


def _wrk(**figures) -> dict:
    base = {"requests": 13, "seconds": 20.0, "rps": 0.65, "non_2xx": 0, "socket_errors": 0, "timeouts": 0}
    base.update(dict.fromkeys(bench_run.LATENCY_KEYS, 0.0))
    base.update(figures)
    return base


@pytest.mark.parametrize("figures, emptied", [
    ({"socket_errors": 13, "timeouts": 13}, True),  # every answer later than --timeout
    ({"socket_errors": 2, "timeouts": 2, "p50_ms": 800.0, "p95_ms": 9000.0, "max_ms": 9500.0}, False),
    ({"p50_ms": 5.2, "p95_ms": 8.9, "max_ms": 33.0}, False),  # an ordinary run
])
def test_latencies_of_a_run_without_answers_are_none(figures, emptied):
    m = bench_run.without_empty_latencies(_wrk(**figures))
    if emptied:
        assert all(m[k] is None for k in bench_run.LATENCY_KEYS)
    else:
        assert m["p50_ms"] == figures.get("p50_ms", 0.0) and m["max_ms"] == figures["max_ms"]


def test_table_shows_a_dash_for_missing_figures(capsys):
    ok = dict(_wrk(p50_ms=5.0, p95_ms=9.0, p99_ms=11.0, max_ms=20.0), name="minimal", connections=20,
              p95_ratio=1.0)
    timed_out = dict(bench_run.without_empty_latencies(_wrk(socket_errors=13, timeouts=13)), name="monthly report",
                     connections=20, p95_ratio=None)
    bench_run.print_table({"pages": [ok, timed_out]})
    lines = capsys.readouterr().out.splitlines()
    assert "| minimal | 20 | 0.7 | 5.0 | 9.0 | 11.0 | 1.0× | 0 | 0 |" in lines
    assert "| monthly report | 20 | 0.7 | — | — | — | — | 0 | 13 |" in lines
