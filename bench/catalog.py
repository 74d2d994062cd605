"""Catalog benchmarks on a ~25,000-package signed index (see bench/README.md).

Measures, each over repeated runs (median and p95):
- cold load: what the server does on start or refresh (read, decompress, verify the signature,
  parse, merge, join the installed database), in a fresh `PackageService` each run, with the
  stages timed apart;
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
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from jupyterlab_apk.apkindex import parse_index, parse_installed
from jupyterlab_apk.catalog import Catalog, merge_repositories
from jupyterlab_apk.packages import PackageService
from jupyterlab_apk.policy import ApkManager
from jupyterlab_apk.signing import load_keys, open_index

from .make_catalog import write_catalog

QUERIES = ["numpy", "py3", "lib", "doc", "pandas", "abseil", "test", "c1", "python", "zip"]
RESULTS = Path(__file__).resolve().parent / "results"


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 2),
        "runs": len(ordered),
    }


def timed(function, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


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

    load()  # warm the file system cache, as on a running machine
    total = timed(load, runs)

    data = (catalog / "repo/x86_64/APKINDEX.tar.gz").read_bytes()
    keys = load_keys(catalog / "keys")
    archive = open_index(data, keys)
    records = parse_index(archive.text)
    available = merge_repositories([("repo", records)])
    installed = parse_installed((catalog / "root/lib/apk/db/installed").read_text())
    stages = {
        "decompress_and_verify": summary(timed(lambda: open_index(data, keys), runs)),
        "parse": summary(timed(lambda: parse_index(archive.text), runs)),
        "merge": summary(timed(lambda: merge_repositories([("repo", records)]), runs)),
        "join_installed": summary(timed(lambda: Catalog(available, installed), runs)),
    }
    return {"packages": len(records), "total": summary(total), "stages": stages}


def bench_query_in_process(catalog: Path, runs: int) -> dict:
    service = PackageService(manager_for(catalog, Path(tempfile.mkdtemp())))
    snapshot = asyncio.run(service.catalog())
    rng = random.Random(1)
    samples = timed(lambda: snapshot.query(q=rng.choice(QUERIES), python=True, limit=50), runs)
    return summary(samples)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def bench_server(catalog: Path, runs: int) -> dict:
    """Warm page latency and memory of a real Jupyter server holding the catalog."""
    port, token = free_port(), "bench-token"
    argv = server_argv(catalog, [str(catalog / "repo")], port, token)
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/jupyterlab-apk"
    headers = {"Authorization": f"token {token}"}

    def get(path: str) -> dict:
        request = urllib.request.Request(f"{base}/{path}", headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    try:
        for _ in range(300):  # wait for the server
            try:
                get("settings")
                break
            except urllib.error.HTTPError:
                raise
            except OSError:
                time.sleep(0.1)
        # The extension preloads the catalog at start; wait until it is in.
        deadline = time.time() + 60
        while get("repositories")[0]["packages"] == 0 and time.time() < deadline:
            time.sleep(0.1)
        rss_loaded = rss_kib(process.pid)
        rng = random.Random(2)
        samples = timed(
            lambda: get(f"packages?python=true&limit=50&q={rng.choice(QUERIES)}"), runs
        )
        baseline = server_baseline_rss(catalog)
    finally:
        process.terminate()
        process.wait(10)
    return {
        "warm_page_http": summary(samples),
        "rss_with_catalog_mib": round(rss_loaded / 1024, 1),
        "rss_without_repositories_mib": round(baseline / 1024, 1),
        "catalog_memory_mib": round((rss_loaded - baseline) / 1024, 1),
    }


def server_argv(catalog: Path, repositories: list[str], port: int, token: str) -> list[str]:
    config = Path(tempfile.mkdtemp()) / "jupyter_server_config.py"
    config.write_text(
        "c.ServerApp.jpserver_extensions = {'jupyterlab_apk': True}\n"
        f"c.ApkManager.repositories = {repositories!r}\n"
        f"c.ApkManager.keys_dir = {str(catalog / 'keys')!r}\n"
        f"c.ApkManager.root = {str(catalog / 'root')!r}\n"
        f"c.ApkManager.cache_dir = {str(config.parent / 'cache')!r}\n"
        "c.ApkManager.arch = 'x86_64'\n"
    )
    return [
        sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}",
        "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
        "--ServerApp.allow_root=True", f"--config={config}",
    ]  # fmt: skip


def server_baseline_rss(catalog: Path) -> int:
    """RSS of the same server with no repositories: the catalog's share is the difference."""
    port = free_port()
    argv = server_argv(catalog, [], port, "baseline")
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(1)
        return rss_kib(process.pid)
    finally:
        process.terminate()
        process.wait(10)


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
