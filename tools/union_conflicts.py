"""Resolve git conflict markers in the given files by keeping both sides (ours, then theirs).
For append-only shared files (README tables, model imports) after merging parallel branches."""
import re
import sys

for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"<<<<<<< [^\n]*\n(.*?)=======\n(.*?)>>>>>>> [^\n]*\n", lambda m: m.group(1) + m.group(2),
                  text, flags=re.S)
    open(path, "w", encoding="utf-8").write(text)
