"""The outside channels of a reminder: e-mail (SMTP) and a WeCom/DingTalk group webhook.

The in-portal notification is not here: it is a database row written in the same transaction
as its delivery record, so it is exactly-once by construction (``portal.jobs.reminders``).

A channel raises ``TransientFailure`` for what may work later (a 4xx SMTP reply, a timeout,
an HTTP 5xx) — the job retries with backoff — and ``PermanentFailure`` for what never will
(a 5xx SMTP reply such as an unknown mailbox, an HTTP 4xx, a rejected webhook key): the
reminder is marked failed at once and lands in RQ's failed registry for the administrator.
"""
from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlsplit

from portal.services.reminders import KINDS, Message, wants_email


class TransientFailure(Exception):
    """Worth trying again later."""


class PermanentFailure(Exception):
    """Will not work however often it is tried."""


class Channel:
    name = "channel"

    def enabled(self, config) -> bool:
        return True

    def wants(self, reminder, user) -> bool:
        return True

    def group_key(self, reminder) -> str | None:
        """Non-None for group channels: sent once per key, whichever recipient's row comes first."""
        return None

    def send(self, reminder, user, msg: Message, config) -> None:
        raise NotImplementedError


def absolute_link(config, link: str | None) -> str:
    return (config.get("BASE_URL") or "").rstrip("/") + link if link else ""


class EmailChannel(Channel):
    name = "email"

    def enabled(self, config) -> bool:
        return bool(config.get("MAIL_SERVER"))

    def wants(self, reminder, user) -> bool:
        return bool(user.email) and wants_email(user, reminder.kind)

    def send(self, reminder, user, msg, config) -> None:
        host = config["MAIL_SERVER"]
        em = EmailMessage()
        em["Subject"] = msg.title
        em["From"] = config.get("MAIL_SENDER") or "portal@localhost"
        em["To"] = user.email
        em["Date"] = formatdate(localtime=False)
        # The same Message-ID on every attempt: should a crash between the server's "250" and
        # our record resend it, mail clients show one message.
        em["Message-ID"] = f"<reminder-{reminder.id}@{urlsplit(config.get('BASE_URL') or '').hostname or 'portal'}>"
        em.set_content("\n\n".join(p for p in (msg.body, absolute_link(config, msg.link)) if p) or msg.title)
        try:
            with smtplib.SMTP(host, int(config.get("MAIL_PORT") or 25),
                              timeout=float(config.get("MAIL_TIMEOUT_SECONDS", 20))) as smtp:
                if config.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
                smtp.send_message(em)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise PermanentFailure(f"SMTP recipient refused ({codes[0]})") from exc
            raise TransientFailure(f"SMTP recipient deferred ({codes[0] if codes else '?'})") from exc
        except smtplib.SMTPResponseException as exc:
            text = f"SMTP {exc.smtp_code}"
            if exc.smtp_code >= 500:
                raise PermanentFailure(text) from exc
            raise TransientFailure(text) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientFailure(f"SMTP unavailable: {type(exc).__name__}") from exc


# WeCom/DingTalk answer 200 with an errcode; these mean "busy, try later".
_WEBHOOK_BUSY = {-1, 45009, 130101}


class WebhookChannel(Channel):
    """A WeCom (企业微信) or DingTalk (钉钉) group robot: both take this JSON text message."""

    name = "webhook"

    def enabled(self, config) -> bool:
        return bool(config.get("WEBHOOK_URL"))

    def wants(self, reminder, user) -> bool:
        info = KINDS.get(reminder.kind)
        return bool(info and info.webhook)

    def group_key(self, reminder) -> str | None:
        return f"webhook|{reminder.kind}|{reminder.object_type}|{reminder.object_id}|{reminder.occurrence}"[:255]

    def send(self, reminder, user, msg, config) -> None:
        url = config["WEBHOOK_URL"]
        if urlsplit(url).scheme not in ("http", "https"):
            raise PermanentFailure("WEBHOOK_URL must be an http(s) URL")
        text = "\n".join(p for p in (msg.title, msg.body, absolute_link(config, msg.link)) if p)
        data = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()
        request = urllib.request.Request(url, data=data, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:  # nosec B310 - scheme checked above
                answer = resp.read(65536)
        except urllib.error.HTTPError as exc:
            if exc.code >= 500 or exc.code == 429:
                raise TransientFailure(f"webhook HTTP {exc.code}") from exc
            raise PermanentFailure(f"webhook HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise TransientFailure(f"webhook unreachable: {type(exc).__name__}") from exc
        try:
            errcode = int(json.loads(answer or b"{}").get("errcode", 0))
        except (ValueError, AttributeError):
            errcode = 0
        if errcode in _WEBHOOK_BUSY:
            raise TransientFailure(f"webhook busy (errcode {errcode})")
        if errcode:
            raise PermanentFailure(f"webhook refused (errcode {errcode})")


# The outside channels, in order. Tests (and future channels, e.g. SMS) append with register_channel.
CHANNELS: list[Channel] = [EmailChannel(), WebhookChannel()]


def register_channel(channel: Channel) -> Channel:
    if all(c.name != channel.name for c in CHANNELS):
        CHANNELS.append(channel)
    return channel


def unregister_channel(name: str) -> None:
    CHANNELS[:] = [c for c in CHANNELS if c.name != name]
