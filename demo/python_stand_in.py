"""A sandbox root for a real apk binary, and a stand-in for Alpine's `python3` package.

Alpine's py3 packages depend on `python3~3.11` (the demo's on `python3~X.Y` of the Python that
built them), and no sandbox root holds a python3 package: the kernels run this machine's
Python. The stand-in satisfies that dependency. It depends on `pyc`, as Alpine's python3 pulls
`pyc` (through python3-pyc), so that the real `-pyc` companions of Alpine's packages come along.

tests/test_real_install.py serves the stand-ins from a signed repository of its own; the UI
tests' real-apk server (ui-tests/jupyter_server_test_config.py) installs them into its root
before it starts, as Python is installed in an Alpine image before any user arrives.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from jupyterlab_apk.apkwriter import PackageInfo, write_repository

Packages = list[tuple[PackageInfo, dict[str, bytes]]]


def python_stand_ins(version: str, arch: str) -> Packages:
    """`python3` and `pyc` at *version* ("3.11.9-r90"), with one small file each."""
    series = ".".join(version.split(".")[:2])
    return [
        (PackageInfo("python3", version, arch=arch, depends=["pyc"],
                     description="stand-in: the kernel runs this machine's Python"),
         {f"usr/lib/python{series}/site-packages/README.txt": b"stand-in\n"}),
        (PackageInfo("pyc", version, arch=arch,
                     description="Meta package for pulling in all -pyc packages"),
         {"usr/share/doc/pyc/README": b"stand-in\n"}),
    ]  # fmt: skip


def init_root(apk: Sequence[str], root: Path) -> None:
    """Create an empty root as apk itself does (`--initdb`): into a root laid out by hand,
    apk 2.x simulates but fails to install ("Failed to open apk database")."""
    root.mkdir(parents=True, exist_ok=True)
    _run(apk, "add", "--root", str(root), "--initdb", "--no-cache",
         "--repositories-file", "/dev/null")  # fmt: skip


def install_python_stand_in(
    apk: Sequence[str], root: Path, repo_dir: Path, version: str, arch: str
) -> None:
    """Install the stand-ins into *root* from an unsigned repository written to *repo_dir*."""
    write_repository(repo_dir, arch, python_stand_ins(version, arch), None)
    _run(apk, "add", "--root", str(root), "--no-cache", "--repositories-file", "/dev/null",
         "--allow-untrusted", "-X", str(repo_dir), "python3")  # fmt: skip


def _run(apk: Sequence[str], *args: str) -> None:
    done = subprocess.run([*apk, *args], capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join([*apk, *args])} failed ({done.returncode}): {done.stderr}")
