"""Every string the portal shows has its Chinese translation (the users work in Chinese): the
strings extracted from the code now, not only those the catalogue already holds. A changed
English text (a figure's definition, say) otherwise shows in English until someone notices."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def test_every_string_of_the_code_is_translated_into_chinese(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "_l", "-k", "lazy_gettext", "--no-location", "--omit-header", "-o", str(pot),
                    str(ROOT / "portal")], check=True, cwd=ROOT, capture_output=True)
    with pot.open("rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    with (ROOT / "portal/translations/zh_Hans_CN/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="zh_Hans_CN")
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    untranslated = sorted(str(i) for i in wanted - translated)
    assert len(wanted) > 500
    assert untranslated == [], ("run `python tools/i18n.py update`, then `missing` and `fill`: "
                                + "; ".join(untranslated[:5]))
