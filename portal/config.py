"""Configuration: defaults, then environment variables prefixed ``PORTAL_``.

Every setting can be given as ``PORTAL_<NAME>`` (e.g. ``PORTAL_DATABASE_URL``). Secrets come
only from the environment. ``create_app(config)`` applies a mapping on top, which is how the
tests choose their database.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ENV_PREFIX = "PORTAL_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration cannot work (e.g. no SECRET_KEY in production)."""


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV_PREFIX + name, default)


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(overrides: dict | None = None) -> dict:
    """Build the settings mapping from defaults, the environment and ``overrides``."""
    overrides = dict(overrides or {})
    env = overrides.get("ENV") or _env("ENV", "development")
    instance = Path(overrides.get("INSTANCE_PATH") or _env("INSTANCE_PATH") or PROJECT_ROOT / "instance")

    cfg: dict = {
        "ENV": env,
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL") or f"sqlite:///{instance / 'portal.sqlite3'}",
        # Pooled connections are pinged at checkout only after this many idle seconds
        # (extensions.ping_idle_connections), not on every request as pool_pre_ping does.
        "DB_PING_AFTER_IDLE_SECONDS": _env_int("DB_PING_AFTER_IDLE_SECONDS", 10),
        # How long a worker may reuse the registers' names and filter choices (services/lookups.py);
        # 0 reads them on every page.
        "REFERENCE_CACHE_SECONDS": _env_int("REFERENCE_CACHE_SECONDS", 5),
        # How many database connections one monthly report may query over at once
        # (services/concurrent_reads.py; PostgreSQL only); 1 runs its queries one after another.
        # On 2 cores 2 and 3 gave the same report time for one reader; 2 crowds the database
        # less when many reports are computed at once.
        "REPORT_QUERY_CONNECTIONS": _env_int("REPORT_QUERY_CONNECTIONS", 2),
        "REDIS_URL": _env("REDIS_URL", "redis://127.0.0.1:6379/0"),
        # Jobs run in-process when Redis is unreachable and this is on (make run without Redis).
        "RQ_INLINE_FALLBACK": _env_bool("RQ_INLINE_FALLBACK", False),
        "RQ_QUEUE": _env("RQ_QUEUE", "portal"),
        "TIMEZONE": _env("TIMEZONE", "Asia/Shanghai"),
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": _env("TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": ["zh_Hans_CN", "en"],
        "UPLOAD_DIR": _env("UPLOAD_DIR") or str(instance / "uploads"),
        # Imports of a 100,000-row Excel file need room; single attachments are limited separately.
        "MAX_CONTENT_LENGTH": _env_int("MAX_UPLOAD_MB", 32) * 1024 * 1024,
        "MAX_ATTACHMENT_BYTES": _env_int("MAX_ATTACHMENT_MB", 10) * 1024 * 1024,
        # Sessions: 30 idle minutes, 12 hours at most (issue #2).
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=_env_int("SESSION_IDLE_MINUTES", 30)),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=_env_int("SESSION_MAX_HOURS", 12)),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_env_int("SESSION_MAX_HOURS", 12)),
        # the cookie is sent again only when the session changes (auth.access.IDLE_CLOCK_STEP);
        # its 12-hour lifetime counts from then, and the absolute limit is checked on login_at
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("SECURE_COOKIES", env == "production"),
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session, which is bounded above
        "LOGIN_MAX_FAILURES": 10,
        "LOGIN_FAILURE_WINDOW": timedelta(minutes=15),
        "LOGIN_LOCKOUT": timedelta(minutes=15),
        "COMPLAINT_PROGRESS_INTERVAL_DAYS": _env_int("COMPLAINT_PROGRESS_INTERVAL_DAYS", 2),
        "MAIL_SERVER": _env("SMTP_HOST"),
        "MAIL_PORT": _env_int("SMTP_PORT", 25),
        "MAIL_USERNAME": _env("SMTP_USER"),
        "MAIL_PASSWORD": _env("SMTP_PASSWORD"),
        "MAIL_USE_TLS": _env_bool("SMTP_STARTTLS", False),
        "MAIL_SENDER": _env("MAIL_SENDER", "portal@localhost"),
        "WEBHOOK_URL": _env("WEBHOOK_URL"),
        "BASE_URL": _env("BASE_URL", "http://127.0.0.1:5000"),
        "TESTING": False,
    }
    cfg.update(overrides)

    secret = cfg.get("SECRET_KEY") or _env("SECRET_KEY")
    if not secret:
        if cfg["ENV"] not in ("development", "testing"):
            raise ConfigError(
                "PORTAL_SECRET_KEY is not set. Outside development the portal needs a secret key: "
                "export PORTAL_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        secret = _development_secret(instance)
    cfg["SECRET_KEY"] = secret
    return cfg


def _development_secret(instance: Path) -> str:
    """Development keeps a generated key in instance/ so sessions survive restarts."""
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
