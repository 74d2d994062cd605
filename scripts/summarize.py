"""Add up the test reports of every suite into one closing line: "N passed, N failed".

A suite whose report is missing counts as one failure, so a crashed runner cannot pass silently.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def pytest_counts(path: Path) -> tuple[int, int, int]:
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    total = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return total - failed - skipped, failed, skipped


def jest_counts(path: Path) -> tuple[int, int, int]:
    report = json.loads(path.read_text())
    failed = report["numFailedTests"] + report.get("numRuntimeErrorTestSuites", 0)
    return report["numPassedTests"], failed, report["numPendingTests"]


def playwright_counts(path: Path) -> tuple[int, int, int]:
    stats = json.loads(path.read_text())["stats"]
    return stats["expected"] + stats.get("flaky", 0), stats["unexpected"], stats["skipped"]


SUITES = {
    "pytest": ("pytest.xml", pytest_counts),
    "jest": ("jest.json", jest_counts),
    "galata": ("galata.json", playwright_counts),
}


def main(reports: Path) -> int:
    passed = failed = skipped = 0
    for suite, (name, count) in SUITES.items():
        path = reports / name
        try:
            p, f, s = count(path)
        except (OSError, ValueError, KeyError, ET.ParseError) as e:
            print(f"{suite}: no usable report at {path} ({e}); counted as 1 failure")
            p, f, s = 0, 1, 0
        else:
            print(f"{suite}: {p} passed, {f} failed, {s} skipped")
        passed, failed, skipped = passed + p, failed + f, skipped + s
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
