"""Catalog benchmarks on a ~25,000-package signed index (see bench/README.md).

Measures, each over repeated runs (median and p95):
- cold load: what the server does on start or refresh (read, decompress, verify the signature,
  parse, merge, join the installed database), in a fresh `PackageService` each run, with the
  stages timed apart as the server runs them (the cyclic garbage collector paused);
- a reference loop (`sum(range(10**7))`): this VM's speed drifts by up to 1.8x from minute
  to minute, so results are comparable only next to it;
- warm page: one filtered page of `GET /jupyterlab-apk/packages` answered by a real Jupyter
  server over HTTP on 127.0.0.1, and the same query in process;
- memory: the server process's resident memory before and after loading the catalog.

    python -m bench.catalog [--count 25000] [--runs 15]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from jupyterlab_apk.apkindex import parse_index, parse_installed
from jupyterlab_apk.bulk import gc_paused
from jupyterlab_apk.catalog import Catalog, merge_repositories
from jupyterlab_apk.packages import PackageService
from jupyterlab_apk.policy import ApkManager
from jupyterlab_apk.signing import load_keys, open_index

from .make_catalog import write_catalog
from .server import rss_kib, running_server, summary

QUERIES = ["numpy", "py3", "lib", "doc", "pandas", "abseil", "test", "c1", "python", "zip"]
RESULTS = Path(__file__).resolve().parent / "results"


def timed(function, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        # Each run starts without the previous run's garbage: freeing and collecting it is
        # not part of this run's work.
        gc.collect()
        start = time.perf_counter()
        result = function()
        samples.append(time.perf_counter() - start)
        del result
    return samples


def reference_loop(runs: int) -> dict:
    """A fixed pure-Python loop: how fast this machine runs Python right now (VM speed drifts),
    so that results of different runs can be compared."""
    return summary(timed(lambda: sum(range(10**7)), runs))


def paused(function):
    """*function* run as the server runs it: with the cyclic garbage collector paused."""

    def run():
        with gc_paused():
            return function()

    return run


def manager_for(catalog: Path, cache: Path) -> ApkManager:
    return ApkManager(
        repositories=[str(catalog / "repo")],
        keys_dir=str(catalog / "keys"),
        root=str(catalog / "root"),
        cache_dir=str(cache),
        arch="x86_64",
    )


def bench_cold_load(catalog: Path, runs: int) -> dict:
    cache = Path(tempfile.mkdtemp())

    def load():
        service = PackageService(manager_for(catalog, cache))
        asyncio.run(service.catalog())
        return service

    load()  # warm the file system cache, as on a running machine
    total = timed(load, runs)

    data = (catalog / "repo/x86_64/APKINDEX.tar.gz").read_bytes()
    keys = load_keys(catalog / "keys")
    archive = open_index(data, keys)
    records = parse_index(archive.text)
    available = merge_repositories([("repo", records)])
    installed_text = (catalog / "root/lib/apk/db/installed").read_text()
    installed = parse_installed(installed_text)
    stages = {
        "decompress_and_verify": summary(timed(lambda: open_index(data, keys), runs)),
        "parse": summary(timed(paused(lambda: parse_index(archive.text)), runs)),
        "merge": summary(timed(paused(lambda: merge_repositories([("repo", records)])), runs)),
        "parse_installed": summary(timed(paused(lambda: parse_installed(installed_text)), runs)),
        "join_installed": summary(timed(paused(lambda: Catalog(available, installed)), runs)),
    }
    return {"packages": len(records), "total": summary(total), "stages": stages}


def bench_query_in_process(catalog: Path, runs: int) -> dict:
    service = PackageService(manager_for(catalog, Path(tempfile.mkdtemp())))
    snapshot = asyncio.run(service.catalog())
    rng = random.Random(1)
    samples = timed(lambda: snapshot.query(q=rng.choice(QUERIES), python=True, limit=50), runs)
    return summary(samples)


def bench_server(catalog: Path, runs: int) -> dict:
    """Warm page latency and memory of a real Jupyter server holding the catalog."""
    config = {
        "keys_dir": str(catalog / "keys"),
        "root": str(catalog / "root"),
        "cache_dir": tempfile.mkdtemp(),
        "arch": "x86_64",
    }
    with running_server({**config, "repositories": []}) as server:
        time.sleep(1)
        baseline = rss_kib(server.process.pid)
    with running_server({**config, "repositories": [str(catalog / "repo")]}) as server:
        # The extension preloads the catalog at start; wait until it is in.
        deadline = time.time() + 60
        while server.call("repositories")[0]["packages"] == 0 and time.time() < deadline:
            time.sleep(0.1)
        loaded = rss_kib(server.process.pid)
        rng = random.Random(2)
        samples = timed(
            lambda: server.call(f"packages?python=true&limit=50&q={rng.choice(QUERIES)}"), runs
        )
    return {
        "warm_page_http": summary(samples),
        "rss_with_catalog_mib": round(loaded / 1024, 1),
        "rss_without_repositories_mib": round(baseline / 1024, 1),
        "catalog_memory_mib": round((loaded - baseline) / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=25000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Path(tmp)
        write_catalog(catalog, args.count, "x86_64")
        gc.collect()
        results = {
            "reference_loop": reference_loop(args.runs),
            "cold_load": bench_cold_load(catalog, args.runs),
            "warm_page_in_process": bench_query_in_process(catalog, args.runs * 20),
            **bench_server(catalog, args.runs * 20),
            "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "catalog.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
