#!/usr/bin/env bash
# After `git merge` of a branch that also changed the catalogs: keep ours, absorb theirs,
# regenerate from the code, compile. Usage: tools/resolve_po.sh
set -euo pipefail
for loc in zh_Hans_CN en; do
  f=portal/translations/$loc/LC_MESSAGES/messages.po
  git show :3:$f > /tmp/theirs_$loc.po 2>/dev/null || continue
  git show :2:$f > $f 2>/dev/null || true
done
git show :2:portal/translations/messages.pot > portal/translations/messages.pot 2>/dev/null || true
.venv/bin/python tools/i18n.py update
.venv/bin/python tools/i18n.py absorb /tmp/theirs_zh_Hans_CN.po
.venv/bin/python tools/i18n.py compile
.venv/bin/python tools/i18n.py missing
git add portal/translations
