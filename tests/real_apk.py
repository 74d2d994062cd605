"""The real apk-tools binaries and the real Alpine root, as pytest fixtures.

Where they come from is the machine's business, told through two environment variables:

- `JUPYTERLAB_APK_TEST_APK`: paths of real `apk` binaries, separated by `os.pathsep`
  (`.ci/run` names apk-tools 2.12, 2.14 and 3.0). A test that asks for the `real_apk` fixture
  runs once per binary.
- `JUPYTERLAB_APK_TEST_ALPINE_ROOTFS`: Alpine's minirootfs tarball, for the `alpine_root`
  fixture (a fresh unpacked copy per test, entered with `chroot`: root only).

Without them these tests are skipped with a reason naming the variable. With
`JUPYTERLAB_APK_TEST_REQUIRE_REAL=1` (CI) such a skip is a failure instead: CI must not pass by
skipping the tests that decide what apk really does.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import tarfile
from pathlib import Path

import pytest

APK_VARIABLE = "JUPYTERLAB_APK_TEST_APK"
ROOTFS_VARIABLE = "JUPYTERLAB_APK_TEST_ALPINE_ROOTFS"
REQUIRE_VARIABLE = "JUPYTERLAB_APK_TEST_REQUIRE_REAL"


@dataclasses.dataclass(frozen=True)
class RealApk:
    """One real apk binary and the version it reports (`apk --version`)."""

    path: Path
    version: str  # "2.12.7"

    @property
    def series(self) -> tuple[int, int]:
        major, minor, *_ = self.version.split(".")
        return int(major), int(minor)

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run the binary with *args* (argv, no shell); output is captured as text."""
        return subprocess.run(
            [str(self.path), *args], capture_output=True, text=True, timeout=timeout, check=False
        )


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{reason} ({REQUIRE_VARIABLE}=1: real-apk tests must run here)")
    pytest.skip(reason)


def _binaries() -> list[Path]:
    value = os.environ.get(APK_VARIABLE, "")
    return [Path(item) for item in value.split(os.pathsep) if item]


def _version(path: Path) -> str:
    out = subprocess.run(
        [str(path), "--version"], capture_output=True, text=True, timeout=10
    ).stdout
    match = re.search(r"apk-tools (\d+\.\d+\.\d+)", out)
    if not match:
        raise RuntimeError(f"{path} --version said {out!r}")
    return match.group(1)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test that uses `real_apk` once per binary named by the variable."""
    if "real_apk" not in metafunc.fixturenames:
        return
    paths = _binaries()
    metafunc.parametrize(
        "real_apk",
        paths or [None],
        ids=[path.name for path in paths] or ["no-real-apk"],
        indirect=True,
    )


@pytest.fixture
def real_apk(request: pytest.FixtureRequest) -> RealApk:
    path = request.param
    if path is None:
        _unavailable(f"no real apk binaries: set {APK_VARIABLE} to their paths")
    if not os.access(path, os.X_OK):
        _unavailable(f"{APK_VARIABLE} names {path}, which is not an executable file")
    return RealApk(Path(path), _version(path))


@pytest.fixture
def alpine_root(tmp_path: Path) -> Path:
    """A fresh copy of Alpine's minirootfs, to be entered with `chroot` (as root)."""
    tarball = os.environ.get(ROOTFS_VARIABLE)
    if not tarball:
        _unavailable(f"no Alpine minirootfs: set {ROOTFS_VARIABLE} to its tarball")
    if os.geteuid() != 0:
        _unavailable("entering the Alpine root with chroot needs root")
    root = tmp_path / "alpine"
    root.mkdir()
    with tarfile.open(tarball) as archive:
        archive.extractall(root, filter="fully_trusted")
    return root
