"""A real Jupyter server with jupyterlab-apk on 127.0.0.1, for the benchmarks."""

from __future__ import annotations

import contextlib
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def summary(samples: list[float]) -> dict:
    """Median and p95 in milliseconds of *samples* given in seconds."""
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 2),
        "runs": len(ordered),
    }


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


@dataclass
class Server:
    process: subprocess.Popen
    base: str
    token: str

    def call(self, path: str, method: str = "GET", body: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.base}/jupyterlab-apk/{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())


@contextlib.contextmanager
def running_server(apk_manager: dict) -> Iterator[Server]:
    """Start `jupyter server` with `c.ApkManager.<key> = value` for each item; wait for it."""
    port, token = free_port(), "bench-token"
    config = Path(tempfile.mkdtemp()) / "jupyter_server_config.py"
    lines = ["c.ServerApp.jpserver_extensions = {'jupyterlab_apk': True}"]
    lines += [f"c.ApkManager.{key} = {value!r}" for key, value in apk_manager.items()]
    config.write_text("\n".join(lines) + "\n")
    argv = [
        sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}",
        "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
        "--ServerApp.allow_root=True", f"--config={config}",
    ]  # fmt: skip
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Server(process, f"http://127.0.0.1:{port}", token)
    try:
        for _ in range(300):
            try:
                server.call("settings")
                break
            except urllib.error.HTTPError:
                raise
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:  # busy on an overloaded machine: do not wait on
            process.kill()
            process.wait()
