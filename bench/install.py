"""Overhead of jupyterlab-apk on top of apk for a one-package install (see bench/README.md).

A real Jupyter server runs the apk test double on a sandbox root. Each run installs one small
package through the REST API and follows the job with long-polls until it ends; the overhead
is the time from the request to the terminal state seen by the client, minus the time the apk
processes ran (the job's `apk_seconds`: the simulate step and the install). A removal between
runs makes every install do real work.

    python -m bench.install [--runs 30]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from jupyterlab_apk.apkwriter import PackageInfo, generate_key, write_repository

from .server import running_server, summary

ROOT_DIR = Path(__file__).resolve().parents[1]
RESULTS = ROOT_DIR / "bench" / "results"
SITE = "usr/lib/python3.11/site-packages"


def sandbox(base: Path) -> dict:
    key = generate_key(base / "keys", base / "private", "bench")
    info = PackageInfo(name="py3-hello", version="1.0-r0", arch="x86_64", description="hello")
    write_repository(base / "repo", "x86_64", [(info, {f"{SITE}/hello.py": b"X = 1\n"})], key)
    (base / "root/etc/apk").mkdir(parents=True)
    (base / "root/etc/apk/arch").write_text("x86_64\n")
    (base / "root/lib/apk/db").mkdir(parents=True)
    (base / "root/lib/apk/db/installed").write_text("")
    return {
        "repositories": [str(base / "repo")],
        "keys_dir": str(base / "keys"),
        "root": str(base / "root"),
        "cache_dir": str(base / "cache"),
        "apk_command": [str(ROOT_DIR / "demo/bin/apk-test-double")],
    }


def run_job(server, action: str) -> tuple[float, dict]:
    start = time.perf_counter()
    job = server.call("jobs", "POST", {"action": action, "packages": ["py3-hello"]})
    while job["state"] in ("queued", "running"):
        job = server.call(f"jobs/{job['id']}?since={job['revision']}&wait=10&log_offset=0")
    elapsed = time.perf_counter() - start
    if job["state"] != "done":
        raise RuntimeError(f"{action} ended {job['state']}: {job['error']}")
    return elapsed, job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_server(sandbox(Path(tmp))) as server:
        total, apk, overhead = [], [], []
        for _ in range(args.runs):
            elapsed, job = run_job(server, "install")
            total.append(elapsed)
            apk.append(job["apk_seconds"])
            overhead.append(elapsed - job["apk_seconds"])
            run_job(server, "remove")
    results = {
        "request_to_terminal": summary(total),
        "apk_processes": summary(apk),
        "overhead": summary(overhead),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "install.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
