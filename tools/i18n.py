"""Translation chores: ``python tools/i18n.py update|missing|fill FILE.json|compile``.

- update: extract every string from portal/ and merge it into the zh_Hans_CN and en catalogs;
- missing: print the Simplified Chinese msgids still untranslated (as a JSON object to fill);
- fill FILE.json: set the Chinese translations given as {"msgid": "译文", ...};
- compile: build the .mo files the portal loads;
- absorb FILE.po: take Chinese translations from another copy of the catalog (after a merge
  conflict: keep one side, absorb the other, then update).
Plain wrappers around Babel's own catalog API, so no hand-editing of .po files is needed.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
POT = TRANSLATIONS / "messages.pot"
LOCALES = ["zh_Hans_CN", "en"]


def _po(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def _read(path: Path, locale: str | None = None):
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _write(path: Path, catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=120, no_location=True, sort_output=True, omit_header=False)


def update() -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "_l", "-k", "lazy_gettext", "--no-location", "--sort-output", "--omit-header",
                    "-o", str(POT), str(ROOT / "portal")], check=True, cwd=ROOT, capture_output=True)
    template = _read(POT)
    for locale in LOCALES:
        path = _po(locale)
        if path.exists():
            catalog = _read(path, locale)
            catalog.update(template, no_fuzzy_matching=True)
            # forget strings no longer in the code
            catalog.obsolete.clear()
        else:
            from babel.messages.catalog import Catalog

            catalog = Catalog(locale=locale, domain="messages")
            catalog.update(template, no_fuzzy_matching=True)
        _write(path, catalog)


def missing() -> dict[str, str]:
    catalog = _read(_po("zh_Hans_CN"), "zh_Hans_CN")
    return {m.id: "" for m in catalog if m.id and not m.string}


def fill(mapping: dict[str, str]) -> int:
    path = _po("zh_Hans_CN")
    catalog = _read(path, "zh_Hans_CN")
    n = 0
    for msgid, text in mapping.items():
        if text and msgid in catalog:
            catalog[msgid].string = text
            catalog[msgid].flags.discard("fuzzy")
            n += 1
    _write(path, catalog)
    return n


def absorb(other: Path) -> int:
    """Take the other copy's translations only where ours has none: a msgid two branches
    translated differently keeps the one already on this branch."""
    ours = {m.id: m.string for m in _read(_po("zh_Hans_CN"), "zh_Hans_CN") if m.id}
    theirs = _read(other, "zh_Hans_CN")
    return fill({m.id: m.string for m in theirs
                 if m.id and m.string and isinstance(m.id, str) and not ours.get(m.id)})


def compile_all() -> None:
    for locale in LOCALES:
        path = _po(locale)
        catalog = _read(path, locale)
        with path.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog)


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "update":
        update()
    elif cmd == "missing":
        print(json.dumps(missing(), ensure_ascii=False, indent=1))
    elif cmd == "fill":
        print(fill(json.loads(Path(sys.argv[2]).read_text())), "translations set")
    elif cmd == "absorb":
        print(absorb(Path(sys.argv[2])), "translations absorbed")
    elif cmd == "compile":
        compile_all()
    else:
        sys.exit(__doc__)
