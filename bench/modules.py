"""The server's part of the missing-module offer, on Alpine's real v3.19 indexes (see
bench/README.md): the module index built once per catalog snapshot (the first lookup after
each apk run pays it), and a lookup once it is built.

    python -m bench.modules [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from jupyterlab_apk.apkindex import parse_index
from jupyterlab_apk.catalog import Catalog, merge_repositories
from jupyterlab_apk.modules import locate
from jupyterlab_apk.resolver import KernelInfo
from jupyterlab_apk.signing import load_keys, open_index

from .server import summary

ROOT_DIR = Path(__file__).resolve().parents[1]
RESULTS = ROOT_DIR / "bench" / "results"
V319 = ROOT_DIR / "tests" / "data" / "alpine" / "v3.19"
KERNEL = KernelInfo(python="3.11", site_packages_visible=True)
REPOS = ("main", "community")
MODULES = ["sklearn", "yaml", "PIL", "bs4", "cv2", "torch", "tabulate", "numpy"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    keys = load_keys(V319 / "keys")
    indexes = {repo: (V319 / f"{repo}-x86_64-APKINDEX.tar.gz").read_bytes() for repo in REPOS}
    available = merge_repositories(
        (repo, parse_index(open_index(data, keys).text)) for repo, data in indexes.items()
    )
    first, warm = [], []
    for _ in range(args.runs):
        catalog = Catalog(available)  # a new snapshot, as after an apk run
        start = time.perf_counter()
        locate("sklearn", catalog, KERNEL)
        first.append(time.perf_counter() - start)
        start = time.perf_counter()
        for module in MODULES:
            locate(module, catalog, KERNEL)
        warm.append((time.perf_counter() - start) / len(MODULES))
    results = {
        "packages": len(catalog),
        "first_lookup_ms": summary(first),
        "warm_lookup_median_us": round(statistics.median(warm) * 1e6, 1),
    }
    print(json.dumps(results, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "modules-server.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
