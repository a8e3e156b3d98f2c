#!/usr/bin/env bash
# The tests need the real PostgreSQL and Redis on 127.0.0.1. Start them when they are installed
# but stopped; fail with a clear message when they cannot be had (never skip).
set -u
pg_ok() { python3 - <<'PY' 2>/dev/null
import socket; s = socket.create_connection(("127.0.0.1", 5432), 2); s.close()
PY
}
redis_ok() { python3 - <<'PY' 2>/dev/null
import socket; s = socket.create_connection(("127.0.0.1", 6379), 2); s.sendall(b"PING\r\n"); assert s.recv(16).startswith(b"+PONG"); s.close()
PY
}
if ! pg_ok; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL…"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_ok && break; sleep 1; done
  fi
fi
if ! redis_ok; then
  if command -v redis-server >/dev/null; then
    echo "starting Redis…"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    for _ in $(seq 1 30); do redis_ok && break; sleep 1; done
  fi
fi
pg_ok || { echo "ERROR: PostgreSQL is not reachable on 127.0.0.1:5432 (trust auth, user postgres). Install/start it; the tests need it."; exit 1; }
redis_ok || { echo "ERROR: Redis is not reachable on 127.0.0.1:6379. Install/start redis-server; the tests need it."; exit 1; }
echo "PostgreSQL and Redis are up."
