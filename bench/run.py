"""``make bench``: the portal under load on the seeded PostgreSQL database (issue #9 part 3).

0. vacuums the tables earlier runs churned (``CHURNED_TABLES``; autovacuum may be off);
1. starts gunicorn on 127.0.0.1 against ``PORTAL_DATABASE_URL`` (``portal_bench``);
2. signs in as center staff (``kefu``) and gives wrk the session cookie;
3. for every page in PAGES: a warm-up, then ``wrk -t2 -c20 -d<seconds>`` (20 concurrent
   connections = 20 users who each send their next request as soon as the last one is answered),
   recording requests/s and p50/p95/p99 latency, the ratio of each page's p50/p95 to the
   minimal endpoint (``/health``: same gunicorn, Flask, middleware and access gate, no login,
   no database), and where the CPU went: milliseconds of CPU per request in the portal's
   gunicorn processes, in PostgreSQL's and in wrk (``cpu_split``);
4. times, in-process, a full reminder sweep over 100,000 due reminders and the import of a
   100,000-row Excel file through the archive import service;
5. writes ``bench/results/latest.json`` and prints a table.

Only 127.0.0.1 is ever contacted. Every load phase is bounded in time.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "report.lua"
HOST = "127.0.0.1"
USER, PASSWORD = "kefu", "Fuwu@Zhongxin-2026"


def pages(ids: dict) -> list[tuple]:
    """(name, path, signed in[, connections]). Adding a page is one line here. Every page runs at
    --users connections; the monthly report also at one (the target "under 1 s" is for a leader
    opening it, and at 20 connections its 0.8 s of database work per request queue up)."""
    today = date.today()
    frm, to = (today - timedelta(days=90)).isoformat(), today.isoformat()
    return [
        ("minimal endpoint (/health)", "/health", False),
        ("home page (my work)", "/", True),
        ("complaint list", "/complaints/", True),
        ("complaint list, filtered", f"/complaints/?severity=important&project={ids['project']}&from={frm}&to={to}", True),
        ("complaint page", f"/complaints/{ids['complaint']}", True),
        ("archive search, name prefix", "/archives/?q=" + urllib.parse.quote(ids["name_prefix"]), True),
        ("archive search, phone", f"/archives/?q={ids['phone']}", True),
        ("reception list", "/reception/", True),
        # one user first: requests of the 20-connection run still queued in gunicorn when wrk
        # stops would otherwise run alongside the one-user measurement
        ("monthly report, one user", f"/reports/monthly?month={today:%Y-%m}&live=1", True, 1),
        ("monthly report", f"/reports/monthly?month={today:%Y-%m}&live=1", True),
    ]


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer {url} within {seconds} s")


def sign_in(base: str) -> str:
    """Sign in through the real form (CSRF token and all); return the Cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/auth/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    data = urllib.parse.urlencode({"csrf_token": token.group(1) if token else "", "username": USER,
                                   "password": PASSWORD}).encode()
    opener.open(base + "/auth/login", data=data, timeout=10).read()
    home = opener.open(base + "/", timeout=10)
    if "/auth/login" in home.geturl():
        raise SystemExit("signing in as kefu failed (run `flask seed-demo` on the bench database)")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def check_page(url: str, path: str, cookie: str | None) -> None:
    """The page answers 200 itself, not a redirect to the login page."""
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {}),
                                timeout=30) as r:
        if r.status != 200 or "/auth/login" in r.geturl():
            raise SystemExit(f"{path} answered {r.status} at {r.geturl()}")


def wrk(url: str, cookie: str | None, seconds: int, connections: int, threads: int) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA), url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("BENCH_JSON "))
    return without_empty_latencies(json.loads(line[len("BENCH_JSON "):]))


LATENCY_KEYS = ("p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms")


def without_empty_latencies(m: dict) -> dict:
    """wrk records latencies only of answers that came within its --timeout; when none did (the
    monthly report at 20 connections: each waits for the ones queued before it), its empty
    histogram reads 0 ms. Those figures become None ("—" in the table) so that no one reads a
    run in which every request timed out as the fastest page of the run."""
    if m.get("max_ms", 0) == 0 and m.get("socket_errors", 0) > 0:
        m.update(dict.fromkeys(LATENCY_KEYS))
    return m


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def parse_proc_stat(line: str) -> tuple[int, str, int, int, int]:
    """(pid, command name, parent pid, process group, CPU ticks) of a ``/proc/<pid>/stat`` line.
    The ticks are the process's own in user and system mode plus those of its children it has
    reaped: a gunicorn worker or a PostgreSQL backend that ends between two readings then stays
    counted in its parent's. The name is between the first "(" and the last ")", and may hold
    spaces and parentheses itself; the fields after it are counted from there (proc(5): ppid is
    the 4th of the line, pgrp the 5th, utime, stime, cutime and cstime the 14th to 17th)."""
    pid, comm = int(line[:line.index(" (")]), line[line.index("(") + 1:line.rindex(")")]
    rest = line[line.rindex(")") + 2:].split()
    return pid, comm, int(rest[1]), int(rest[2]), sum(int(rest[i]) for i in (11, 12, 13, 14))


def cpu_ticks(server_pgid: int, postmaster: int) -> dict[str, int]:
    """CPU ticks used so far by the portal (the processes of gunicorn's process group) and by
    the bench database's PostgreSQL (its postmaster and the postmaster's children: a backend per
    pooled connection, the writers, autovacuum), not by any other PostgreSQL on the machine.
    The difference of two readings is what the run between them cost each."""
    ticks = {"app": 0, "db": 0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, _comm, ppid, pgrp, used = parse_proc_stat(stat.read_text())
        except (OSError, ValueError, IndexError):  # the process ended while being read
            continue
        if pgrp == server_pgid:
            ticks["app"] += used
        elif postmaster in (pid, ppid):
            ticks["db"] += used
    return ticks


def postmaster_pid(app) -> int:
    """The pid of the PostgreSQL server the portal's database runs on: the parent of a backend."""
    from sqlalchemy import text

    from portal.extensions import db

    with app.app_context():
        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.rollback()
    return parse_proc_stat(Path(f"/proc/{backend}/stat").read_text())[2]


def wait_until_idle(server_pgid: int, postmaster: int, seconds: float = 60) -> None:
    """Wait until neither the portal nor PostgreSQL uses CPU: requests a warm-up left queued in
    gunicorn are still served after wrk has gone (a 20-connection report queue takes seconds),
    and their CPU would fall into the next measured run without being among its requests."""
    deadline, last = time.monotonic() + seconds, cpu_ticks(server_pgid, postmaster)
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = cpu_ticks(server_pgid, postmaster)
        if sum(now.values()) - sum(last.values()) <= 2:  # a few ticks of the idle processes
            return
        last = now


def children_ticks() -> int:
    """CPU ticks of the ended child processes (the wrk runs) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return round((usage.ru_utime + usage.ru_stime) * CLOCK_TICKS)


def cpu_split(before: dict[str, int], after: dict[str, int], requests: int) -> dict[str, float | None]:
    """Milliseconds of CPU per request of the portal, PostgreSQL and the load generator between two
    readings of ``{"app": ticks, "db": ticks, "load": ticks}``. On two cores a page's requests per
    second at 20 connections is bounded by 2,000 ms over their sum: this says which part to cut."""
    return {f"{part}_cpu_ms": (round((after[part] - before[part]) * 1000 / CLOCK_TICKS / requests, 2)
                               if requests else None) for part in ("app", "db", "load")}


def ms(value) -> str:
    return "—" if value is None else f"{value:.1f}"


def discover_ids(app) -> dict:
    from sqlalchemy import text

    from portal.extensions import db

    with app.app_context():
        q = lambda sql: db.session.execute(text(sql)).scalar()  # noqa: E731
        return {
            "complaint": q("SELECT max(id) FROM complaint WHERE NOT is_report"),
            "project": q("SELECT project_id FROM complaint GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"),
            "name_prefix": q("SELECT substr(name, 1, 2) FROM customer ORDER BY id DESC LIMIT 1"),
            "phone": q("SELECT phone1 FROM customer WHERE phone1 IS NOT NULL ORDER BY id DESC LIMIT 1"),
            "complaints": q("SELECT count(*) FROM complaint"),
            "contacts": q("SELECT count(*) FROM reception_contact"),
            "customers": q("SELECT count(*) FROM customer"),
            "revisit_plans": q("SELECT count(*) FROM revisit_plan"),
        }


# Tables a run writes and deletes in bulk (the sweep's 100,000 reminders; the import's 100,000
# owners with their purchases, revisit plans, quality bases and change history): rewritten with
# VACUUM FULL, because a plain VACUUM leaves the table and its indexes at their bloated size.
DELETED_IN_BULK = ("reminder", "periodic_run", "customer", "purchase", "revisit_plan", "customer_quality_basis",
                   "customer_change")
# Tables that only grow (the read log and audit of every list page, notifications): VACUUM ANALYZE.
APPENDED_TO = ("archive_read_log", "audit_event", "notification")
CHURNED_TABLES = DELETED_IN_BULK + APPENDED_TO


def vacuum_churned_tables(app) -> dict:
    """Bring what earlier runs churned back to a compact, analysed state, so that each run
    measures the same database. Autovacuum may be off (it is on this CI machine's PostgreSQL):
    a third run found 600,000 dead reminders in a 109 MB table holding 108,000 live ones, and
    200,000 dead customers and purchases. (Its slower sweep, 31 s against 27, was the machine's:
    after VACUUM FULL it stayed at 31 s, and the older code measured 30 s at the same time.)"""
    from portal.extensions import db

    started = time.monotonic()
    with app.app_context():
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            dead = conn.exec_driver_sql(
                "SELECT coalesce(sum(n_dead_tup), 0) FROM pg_stat_user_tables WHERE relname = ANY(%(t)s)",
                {"t": list(CHURNED_TABLES)}).scalar()
            for table in DELETED_IN_BULK:  # names from the tuples above
                conn.exec_driver_sql(f"VACUUM (FULL, ANALYZE) {table}")
                # VACUUM FULL writes a new table without its visibility map (PostgreSQL 15), so every
                # index-only scan went back to the heap: the report's tally of revisits due in the
                # month (ix_revisit_plan_due_tally) ran as a bitmap heap scan in 103 ms, 36 ms after
                # a plain VACUUM, which is the state autovacuum keeps a production table in.
                conn.exec_driver_sql(f"VACUUM {table}")
            for table in APPENDED_TO:
                conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
    seconds = round(time.monotonic() - started, 1)
    print(f"bench: vacuumed {len(CHURNED_TABLES)} churned tables ({dead:,} dead rows): {seconds} s", flush=True)
    return {"dead_rows": int(dead), "seconds": seconds}


def http_phase(args, app, ids) -> list[dict]:
    env = dict(os.environ, PORTAL_ENV=os.environ.get("PORTAL_ENV", "development"))
    base = f"http://{HOST}:{args.port}"
    # Sync workers, as in the README's deployment: each request is accepted by whichever worker is
    # free. Threaded workers with keep-alive pinned each wrk connection to one worker thread, so
    # requests queued behind a busy thread while another sat idle, and the threads of a worker
    # fought over the GIL: at 20 connections the same pages served half as many requests.
    gunicorn = [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", str(args.workers), "--worker-class", "sync",
                "-b", f"{HOST}:{args.port}", "--graceful-timeout", "5", "--log-level", "warning", "wsgi:app"]
    postmaster = postmaster_pid(app)
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env, start_new_session=True)
    results = []
    try:
        wait_for(base + "/health")
        cookie = sign_in(base)
        for name, path, signed_in, *conns in pages(ids):
            connections = conns[0] if conns else args.users
            url = base + path
            check_page(url, path, cookie if signed_in else None)
            threads = min(2, connections)
            wrk(url, cookie if signed_in else None, args.warmup, connections, threads)
            wait_until_idle(server.pid, postmaster)
            load = load_average()
            before = dict(cpu_ticks(server.pid, postmaster), load=children_ticks())
            m = wrk(url, cookie if signed_in else None, args.seconds, connections, threads)
            m.update(cpu_split(before, dict(cpu_ticks(server.pid, postmaster), load=children_ticks()), m["requests"]))
            # wrk counts only statuses of 400 and more: a page that turned into a redirect (the
            # session ended, say) during the run is caught here
            check_page(url, path, cookie if signed_in else None)
            m.update(name=name, path=path, connections=connections, load_before=load)
            results.append(m)
            print(f"  {name:<30} {m['rps']:8.1f} req/s  p50 {ms(m['p50_ms']):>7}  p95 {ms(m['p95_ms']):>7}  "
                  f"p99 {ms(m['p99_ms']):>7} ms  non-2xx {m['non_2xx']}  timed out {m.get('timeouts', 0)}  "
                  f"CPU ms/request: portal {ms(m['app_cpu_ms'])}, PostgreSQL {ms(m['db_cpu_ms'])}, "
                  f"wrk {ms(m['load_cpu_ms'])}  load {load}", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:  # a request still running past the graceful timeout
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=15)
    base_row = results[0]
    for m in results:
        for q in ("p50", "p95"):
            mine, base = m[f"{q}_ms"], base_row[f"{q}_ms"]
            m[f"{q}_ratio"] = None if mine is None or base is None else round(mine / max(base, 0.001), 1)
        m["rps_ratio"] = round(m["rps"] / max(base_row["rps"], 0.001), 3)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="measured seconds per page")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up seconds per page")
    parser.add_argument("--users", type=int, default=20, help="concurrent connections")
    # The pages are CPU-bound and PostgreSQL and wrk share the same cores: one worker per core
    # plus one served the most pages (2 and 3 workers within a few per cent; 4 or 5 fewer).
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) + 1)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--jobs-rows", type=int, default=100_000, help="due reminders and Excel rows")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-jobs", action="store_true")
    parser.add_argument("--out", default=str(RESULTS / "latest.json"))
    args = parser.parse_args()
    if "postgresql" not in os.environ.get("PORTAL_DATABASE_URL", ""):
        raise SystemExit("set PORTAL_DATABASE_URL to the seeded PostgreSQL database (make bench does)")

    sys.path.insert(0, str(ROOT))
    from portal import create_app

    app = create_app()
    report_vacuum = vacuum_churned_tables(app)
    ids = discover_ids(app)
    report = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "host": {"cpus": os.cpu_count(),
              "load_at_start": load_average()}, "data": {k: ids[k] for k in
              ("complaints", "contacts", "customers", "revisit_plans")},
              "settings": {"users": args.users, "seconds": args.seconds, "warmup": args.warmup,
                           "gunicorn": f"-w {args.workers} --worker-class sync", "load_generator": "wrk -t2"},
              "vacuum_before": report_vacuum}
    print(f"bench: {ids['complaints']:,} complaints, {ids['contacts']:,} contacts, {ids['customers']:,} customers; "
          f"load {report['host']['load_at_start']}", flush=True)
    if not args.skip_http:
        report["pages"] = http_phase(args, app, ids)
    if not args.skip_jobs:
        from bench.jobs import time_import, time_sweep

        report["sweep"] = time_sweep(app, args.jobs_rows)
        print(f"  reminder sweep over {args.jobs_rows:,} due: {report['sweep']['seconds']:.1f} s "
              f"({report['sweep']})", flush=True)
        report["import"] = time_import(app, args.jobs_rows)
        print(f"  Excel import of {args.jobs_rows:,} rows: {report['import']['seconds']:.1f} s "
              f"({report['import']})", flush=True)
    report["host"]["load_at_end"] = load_average()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print_table(report)
    print(f"written to {out}")


def print_table(report: dict) -> None:
    print()
    print(f"| page | connections | req/s | p50 ms | p95 ms | p99 ms | p95 vs minimal | non-2xx | timed out "
          f"| CPU ms/request: portal / PostgreSQL / wrk |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for m in report.get("pages", []):
        ratio = "—" if m["p95_ratio"] is None else f"{m['p95_ratio']:.1f}×"
        cpu = " / ".join(ms(m.get(f"{part}_cpu_ms")) for part in ("app", "db", "load"))
        print(f"| {m['name']} | {m.get('connections', '')} | {m['rps']:.1f} | {ms(m['p50_ms'])} | {ms(m['p95_ms'])} | "
              f"{ms(m['p99_ms'])} | {ratio} | {m['non_2xx']} | {m.get('timeouts', 0)} | {cpu} |")
    if "sweep" in report:
        print(f"| reminder sweep, {report['sweep']['due']:,} due | | | | | | {report['sweep']['seconds']:.1f} s | | | |")
    if "import" in report:
        print(f"| Excel import, {report['import']['rows']:,} rows | | | | | | {report['import']['seconds']:.1f} s "
              f"(check {report['import']['check_seconds']:.1f} s + write {report['import']['write_seconds']:.1f} s) | | | |")


if __name__ == "__main__":
    main()
