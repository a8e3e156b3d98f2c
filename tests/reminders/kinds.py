"""Test-only reminder kinds and a file channel, used in-process and by worker subprocesses.

``test.ping`` is a plain reminder; ``test.canary`` tries to smuggle an ID number and a phone
number into its message; ``test.group`` goes to the group webhook; ``test.group_private`` is of
a webhook kind but its message is private (``to_group=False``, as a 举报's are). The file channel appends
one JSON line per send to ``$W7_OUTBOX`` and, while ``$W7_BLOCK`` exists, waits before sending
(after touching ``$W7_BLOCK.entered``) so a test can kill the worker at a known point.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from portal.services import reminders
from portal.services.reminders import Message
from portal.services.reminders_channels import Channel, register_channel

PING = "test.ping"
CANARY = "test.canary"
GROUP = "test.group"
GROUP_PRIVATE = "test.group_private"
CANARY_PHONE = "13812345678"
CANARY_ID = "110101199003071234"

reminders.define_kind(PING, "测试提醒")
reminders.define_kind(CANARY, "测试金丝雀")
reminders.define_kind(GROUP, "测试群消息", webhook=True)
reminders.define_kind(GROUP_PRIVATE, "测试私密消息", webhook=True)


@reminders.message(PING)
def _ping(r):
    return Message(title=f"测试提醒 #{r.object_id}", body="请及时处理。", link=f"/test/{r.object_id}")


@reminders.message(CANARY)
def _canary(r):
    return Message(title=f"客户 {CANARY_PHONE} 的投诉", body=f"身份证 {CANARY_ID}，电话 {CANARY_PHONE}", link="/")


@reminders.message(GROUP)
def _group(r):
    return Message(title=f"重大投诉 #{r.object_id}", link=f"/test/{r.object_id}")


@reminders.message(GROUP_PRIVATE)
def _group_private(r):
    return Message(title=f"举报 #{r.object_id}", link=f"/test/{r.object_id}", to_group=False)


class FileChannel(Channel):
    name = "testfile"

    def enabled(self, config) -> bool:
        return bool(os.environ.get("W7_OUTBOX"))

    def send(self, reminder, user, msg, config) -> None:
        block = os.environ.get("W7_BLOCK")
        if block and os.path.exists(block):
            Path(block + ".entered").write_text(str(os.getpid()))
            while os.path.exists(block):
                time.sleep(0.05)
        with open(os.environ["W7_OUTBOX"], "a", encoding="utf-8") as out:
            out.write(json.dumps({"reminder": reminder.id, "title": msg.title, "body": msg.body},
                                 ensure_ascii=False) + "\n")


FILE_CHANNEL = register_channel(FileChannel())


def outbox_lines(path) -> list[dict]:
    p = Path(path)
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()] if p.exists() else []
