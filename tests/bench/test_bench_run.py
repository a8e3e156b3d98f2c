"""``bench/run.py``'s reading of wrk's figures (a run in which no answer came within wrk's
timeout must not be reported as 0 ms, faster than every page) and of the CPU each part used."""
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
              p95_ratio=1.0, app_cpu_ms=0.41, db_cpu_ms=0.0, load_cpu_ms=0.12)
    timed_out = dict(bench_run.without_empty_latencies(_wrk(socket_errors=13, timeouts=13)), name="monthly report",
                     connections=20, p95_ratio=None)
    bench_run.print_table({"pages": [ok, timed_out]})
    lines = capsys.readouterr().out.splitlines()
    assert "| minimal | 20 | 0.7 | 5.0 | 9.0 | 11.0 | 1.0× | 0 | 0 | 0.4 / 0.0 / 0.1 |" in lines
    assert "| monthly report | 20 | 0.7 | — | — | — | — | 0 | 13 | — / — / — |" in lines


# /proc/<pid>/stat lines (proc(5)): pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt
# majflt cmajflt utime stime cutime cstime …; ppid, pgrp and session differ, so that reading the
# wrong one of them shows
@pytest.mark.parametrize("line, expected", [
    ("4242 (gunicorn) S 4000 4100 4200 0 -1 4194560 9000 0 0 0 1234 56 7 3 20 0 1 0 77 1 1",
     (4242, "gunicorn", 4000, 4100, 1300)),
    ("88 (postgres) S 1 87 86 0 -1 4194560 10 0 0 0 7 3 500 20 20 0 1 0 5 1 1", (88, "postgres", 1, 87, 530)),
    # a name with a space and a closing parenthesis of its own: the fields start after the last ")"
    ("77 (odd) name)) R 3 5 6 0 -1 0 0 0 0 0 40 2 0 0 20 0 1 0 5 1 1", (77, "odd) name)", 3, 5, 42)),
])
def test_proc_stat_lines_give_pid_name_parent_group_and_cpu_ticks(line, expected):
    assert bench_run.parse_proc_stat(line) == expected


def test_cpu_split_is_milliseconds_of_cpu_per_request_of_each_part():
    hz = bench_run.CLOCK_TICKS
    before = {"app": 1000, "db": 500, "load": 10}
    # 4 s of the portal, 1 s of PostgreSQL, 0.3 s of wrk over 1,000 requests
    after = {"app": 1000 + 4 * hz, "db": 500 + hz, "load": 10 + round(0.3 * hz)}
    assert bench_run.cpu_split(before, after, 1000) == {"app_cpu_ms": 4.0, "db_cpu_ms": 1.0, "load_cpu_ms": 0.3}
    assert bench_run.cpu_split(before, after, 0) == dict.fromkeys(("app_cpu_ms", "db_cpu_ms", "load_cpu_ms"))


def test_cpu_ticks_counts_the_server_group_and_the_bench_databases_postgresql(monkeypatch, tmp_path):
    for pid, line in {
        "10": "10 (gunicorn) S 1 10 10 0 -1 0 0 0 0 0 100 20 40 5 20 0 1 0 5 1 1",  # master, a reaped worker's 45
        "11": "11 (gunicorn) S 10 10 10 0 -1 0 0 0 0 0 300 30 0 0 20 0 1 0 5 1 1",
        "20": "20 (postgres) S 1 20 20 0 -1 0 0 0 0 0 50 5 100 10 20 0 1 0 5 1 1",  # the postmaster
        "21": "21 (postgres) S 20 20 20 0 -1 0 0 0 0 0 70 7 0 0 20 0 1 0 5 1 1",  # a backend
        "90": "90 (postgres) S 1 90 90 0 -1 0 0 0 0 0 800 80 0 0 20 0 1 0 5 1 1",  # another cluster
        "91": "91 (postgres) S 90 90 90 0 -1 0 0 0 0 0 900 90 0 0 20 0 1 0 5 1 1",
        "30": "30 (bash) S 1 30 30 0 -1 0 0 0 0 0 999 999 0 0 20 0 1 0 5 1 1",
    }.items():
        (tmp_path / pid).mkdir()
        (tmp_path / pid / "stat").write_text(line)
    (tmp_path / "40").mkdir()  # a process that ended between the listing and the reading
    real_path = bench_run.Path
    monkeypatch.setattr(bench_run, "Path", lambda p: tmp_path if p == "/proc" else real_path(p))
    assert bench_run.cpu_ticks(10, postmaster=20) == {"app": 100 + 20 + 45 + 330, "db": 55 + 110 + 77}
