"""`GET environment` with 500 installed apk packages and 200 pip packages (see bench/README.md).

The root's installed database holds 500 real Alpine records (30 files each, as apk writes
them), 250 of them in world; 200 pip distributions lie in a directory on the kernel's sys.path,
besides the benchmark's own environment. The image's baseline is written first by
`jupyter apk baseline`, then 20 apk and 20 pip packages change. Cold: the first request of a
freshly started server (it asks the kernel's interpreter for its pip packages); warm: the same
request again (the answer is asked again only when a sys.path directory changed).

    python -m bench.environment [--starts 5] [--runs 30]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .make_catalog import catalog_records, installed_entry
from .server import running_server, summary

ROOT_DIR = Path(__file__).resolve().parents[1]
RESULTS = ROOT_DIR / "bench" / "results"


def dist_info(site: Path, name: str, version: str) -> None:
    path = site / f"{name}-{version}.dist-info"
    path.mkdir()
    (path / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


def sandbox(base: Path) -> tuple[Path, Path]:
    records = catalog_records(520)
    root = base / "root"
    (root / "etc/apk").mkdir(parents=True)
    (root / "lib/apk/db").mkdir(parents=True)
    names = [re.search(r"^P:(.*)$", record, re.M).group(1) for record in records]
    (root / "lib/apk/db/installed").write_text("".join(installed_entry(r) for r in records[:500]))
    (root / "etc/apk/world").write_text("".join(f"{name}\n" for name in names[:250]))
    site = base / "pip-site"
    site.mkdir()
    for number in range(200):
        dist_info(site, f"bench-package-{number}", "1.0")
    return root, site


def change(root: Path, site: Path) -> None:
    """20 apk packages added to world and the database, 20 pip packages installed."""
    records = catalog_records(520)
    names = [re.search(r"^P:(.*)$", record, re.M).group(1) for record in records]
    with (root / "lib/apk/db/installed").open("a") as db:
        db.write("".join(installed_entry(r) for r in records[500:]))
    with (root / "etc/apk/world").open("a") as world:
        world.write("".join(f"{name}\n" for name in names[500:]))
    for number in range(20):
        dist_info(site, f"bench-added-{number}", "2.0")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--runs", type=int, default=30)
    options = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-environment-"))
    root, site = sandbox(base)
    os.environ["PYTHONPATH"] = str(site)  # the kernelspec (and its pip) inherit it
    baseline = base / "baseline.json"
    subprocess.run(
        [sys.executable, "-m", "jupyterlab_apk.cli", "baseline", "--root", str(root),
         "--output", str(baseline)],
        cwd=ROOT_DIR, check=True,
    )  # fmt: skip
    change(root, site)
    config = {"root": str(root), "repositories": [], "baseline_file": str(baseline),
              "cache_dir": str(base / "cache")}  # fmt: skip
    cold, warm = [], []
    for _ in range(options.starts):
        with running_server(config) as server:
            start = time.perf_counter()
            answer = server.call("environment")
            cold.append(time.perf_counter() - start)
            for _ in range(options.runs):
                start = time.perf_counter()
                server.call("environment")
                warm.append(time.perf_counter() - start)
    assert len(answer["added"]) == 20 and len(answer["pip"]) == 20, answer
    result = {"cold": summary(cold), "warm": summary(warm), "installed": 520, "pip": 220}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "environment.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
