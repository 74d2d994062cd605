"""Hostile repository indexes against a real server (see bench/README.md).

For each index (built here, in a temporary directory): a real Jupyter server on 127.0.0.1 has
that one local repository configured; `POST refresh` makes it read the index again while another
thread times small requests (`GET settings`, a new connection each) back to back. Reported per
index: how long the refresh took, the server's peak resident memory during it minus before it
(sampled every 2 ms), the slowest and the 99th percentile of the small requests meanwhile, and
the repository's status and message afterwards.

    python -m bench.hostile [--runs 3] [--only WORD]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

from jupyterlab_apk.apkwriter import build_index, generate_key

from .catalog import RESULTS, reference_loop
from .server import rss_kib, running_server

ARCH = "x86_64"
TINY = "P:a\nV:1\n"  # 9 bytes with its blank line


def realistic(number: int) -> str:
    """A record of about 300 bytes, laid out as apk writes them."""
    return (
        f"C:Q1{number:027d}=\nP:py3-bench{number}\nV:1.{number % 97}.0-r0\nA:{ARCH}\n"
        f"S:{10_000 + number}\nI:{40_000 + number}\nT:Benchmark package number {number}\n"
        f"U:https://example.org/bench\nL:MIT\no:bench{number}\nm:Bench <bench@example.org>\n"
        f"t:1700000000\nc:0123456789abcdef0123456789abcdef01234567\n"
        f"D:python3~3.12 so:libc.musl-x86_64.so.1\np:py3.12:bench{number}=1.0\n"
    )


def cases(key) -> list[tuple[str, bytes, dict]]:
    """(name, index bytes, ApkManager changes) of each hostile index."""
    records_64mib = 64 * 2**20 // 9 - 1000
    return [
        ("64 MiB of tiny records, unsigned, untrusted not allowed",
         build_index([TINY] * records_64mib, None), {}),
        ("the same, untrusted allowed",
         build_index([TINY] * records_64mib, None), {"allow_untrusted": True}),
        ("256 MiB of tiny records, unsigned, untrusted allowed",
         build_index([TINY] * (4 * records_64mib), None), {"allow_untrusted": True}),
        ("64 MiB of tiny records, signed by a trusted key",
         build_index([TINY] * records_64mib, key), {}),
        ("one 65 MiB record, untrusted allowed",
         build_index([f"P:a\nV:1\nT:{'x' * 65 * 2**20}\n"], None), {"allow_untrusted": True}),
        ("largest accepted: 210,000 records of ~300 bytes (60 MiB), signed",
         build_index([realistic(n) for n in range(210_000)], key), {}),
        ("control: a valid signed index of 3 records",
         build_index([realistic(n) for n in range(3)], key), {}),
    ]  # fmt: skip


class Sampler(threading.Thread):
    """Times small requests back to back and samples the server's memory, until stopped."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server = server
        self.latencies: list[float] = []
        self.peak_kib = 0
        self.done = threading.Event()

    def run(self) -> None:
        memory = threading.Thread(target=self.sample_memory, daemon=True)
        memory.start()
        while not self.done.is_set():
            start = time.perf_counter()
            self.server.call("settings")
            self.latencies.append(time.perf_counter() - start)
        memory.join()

    def sample_memory(self) -> None:
        while not self.done.is_set():
            self.peak_kib = max(self.peak_kib, rss_kib(self.server.process.pid))
            time.sleep(0.002)


def measure(name: str, data: bytes, changes: dict, base: dict, repo: Path, runs: int) -> dict:
    (repo / ARCH).mkdir(parents=True)
    (repo / ARCH / "APKINDEX.tar.gz").write_bytes(data)
    samples = []
    with running_server({**base, **changes, "repositories": [str(repo)]}) as server:
        server.call("repositories")  # the first load, at start, is over
        for _ in range(runs):
            before = rss_kib(server.process.pid)
            sampler = Sampler(server)
            sampler.start()
            time.sleep(0.2)  # requests are flowing before the load starts
            start = time.perf_counter()
            [state] = server.call("refresh", "POST", {})
            elapsed = time.perf_counter() - start
            time.sleep(0.1)
            sampler.done.set()
            sampler.join()
            latencies = sorted(sampler.latencies)
            samples.append({
                "refresh_s": round(elapsed, 3),
                "peak_rss_increase_mb": round((sampler.peak_kib - before) / 1024, 1),
                "requests": len(latencies),
                "slowest_request_ms": round(latencies[-1] * 1000, 1),
                "p99_request_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
                "median_request_ms": round(statistics.median(latencies) * 1000, 1),
            })
    return {"index": name, "compressed_bytes": len(data), "status": state["status"],
            "message": state["message"], "packages": state["packages"],
            "runs": samples}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="", help="only the indexes whose name has this word")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="jupyterlab-apk-hostile-"))
    key = generate_key(work / "keys", work / "private", "bench")
    root = work / "root"
    (root / "etc/apk").mkdir(parents=True)
    (root / "etc/apk/arch").write_text(f"{ARCH}\n")
    (root / "lib/apk/db").mkdir(parents=True)
    (root / "lib/apk/db/installed").write_text("")
    base = {"keys_dir": str(work / "keys"), "root": str(root), "arch": ARCH,
            "cache_dir": str(work / "cache")}  # fmt: skip
    results = {"reference_loop": reference_loop(5), "indexes": []}
    for number, (name, data, changes) in enumerate(cases(key)):
        if args.only not in name:
            continue
        result = measure(name, data, changes, base, work / f"repo{number}", args.runs)
        results["indexes"].append(result)
        print(json.dumps(result), flush=True)
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "hostile.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
