#!/usr/bin/env bash
# `make run`: the web server, and the RQ worker + scheduler when Redis can be had.
# With no Redis reachable it starts a local redis-server if one is installed; otherwise it says
# how to get one and runs jobs in-process (PORTAL_RQ_INLINE_FALLBACK=1) so the portal still works.
set -u
PORT=${1:-5000}
BIN=.venv/bin
redis_ok() { $BIN/python -c "import redis,sys; redis.Redis.from_url('${PORTAL_REDIS_URL:-redis://127.0.0.1:6379/0}').ping()" 2>/dev/null; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT INT TERM
if ! redis_ok && command -v redis-server >/dev/null; then
  echo "Redis not reachable: starting a local redis-server on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  sleep 1
fi
if redis_ok; then
  $BIN/flask worker & pids+=($!)
  $BIN/flask scheduler & pids+=($!)
else
  echo "No Redis and no redis-server installed (Debian: apt-get install redis-server)."
  echo "Reminders run in-process for now; install Redis for the real worker."
  export PORTAL_RQ_INLINE_FALLBACK=1
  # The scheduler runs the sweep itself while Redis is away (see portal/jobs/schedule.py).
  $BIN/flask scheduler & pids+=($!)
fi
echo "Portal on http://127.0.0.1:${PORT}  (demo logins: see 'flask seed-demo' output above or README)"
$BIN/flask run --host 127.0.0.1 --port "$PORT"
