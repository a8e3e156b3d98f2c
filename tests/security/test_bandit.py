"""bandit over portal/: no high-severity findings."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bandit_finds_no_high_severity_issue():
    result = subprocess.run([sys.executable, "-m", "bandit", "-r", "portal", "-f", "json", "-q"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    high = [r for r in report["results"] if r["issue_severity"] == "HIGH"]
    assert high == [], [(r["filename"], r["line_number"], r["test_id"], r["issue_text"]) for r in high]
    assert report["metrics"]["_totals"]["loc"] > 1000  # it really scanned the code
