"""Snapshots of the system for `environment.py`, and the service behind `GET environment`.

apk's side is read from the root (`etc/apk/world`, the installed database); pip's side is asked
of the kernelspec's interpreter, as `kernels.py` asks it for routing. The baseline is read from
the file the image wrote (`jupyter apk baseline`), or taken once by the server and kept in its
cache directory, labelled "first-start".
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec

from . import environment
from .environment import Baseline, Snapshot
from .kernels import apk_site_packages, last_json_line, run_interpreter
from .packages import installed_db, installed_versions, read_installed

# Run by the kernel's interpreter: the distributions in the directories of its sys.path (as
# importlib.metadata finds them), with those directories, whose mtimes tell the server when the
# answer may have changed. Kept to what every Python 3 has.
DISTRIBUTIONS_SCRIPT = r"""
import json, os, sys

def metadata_field(path, field):
    try:
        with open(os.path.join(path, "METADATA" if path.endswith(".dist-info") else "PKG-INFO"),
                  encoding="utf-8", errors="replace") as metadata:
            for line in metadata:
                if line.startswith(field + ":"):
                    return line.split(":", 1)[1].strip()
                if not line.strip():
                    break
    except OSError:
        pass
    return None

found = []
paths = [p for p in sys.path if p and os.path.isdir(p)]
for directory in paths:
    for entry in os.listdir(directory):
        if entry.endswith((".dist-info", ".egg-info")):
            path = os.path.join(directory, entry)
            # The directory's name is `{name}-{version}` (name escaped, so no "-" in it);
            # reading every METADATA file costs ten times as much.
            name, _, version = entry.rsplit(".", 1)[0].partition("-")
            if not version or "-" in version:
                name, version = metadata_field(path, "Name"), metadata_field(path, "Version")
            if name and version:
                found.append({"name": name, "version": version, "location": directory})
print(json.dumps({
    "python": "%d.%d" % sys.version_info[:2],
    "executable": sys.executable,
    "paths": paths,
    "distributions": found,
}))
"""


@dataclass(frozen=True)
class PipView:
    """What pip manages in a kernel's environment (apk's site-packages left out)."""

    executable: str | None  # the kernel's interpreter, to run its pip
    packages: dict[str, str]  # canonical name -> version
    reason: str | None = None  # why pip's view is missing, if it is
    paths: tuple[str, ...] = ()


# File systems stamp with a coarse clock: a change this close to the question may predate it.
_MTIME_SLACK_NS = 1_000_000_000


def _mtimes(paths: tuple[str, ...]) -> tuple[int | None, ...]:
    def mtime(path: str) -> int | None:
        try:
            return os.stat(path).st_mtime_ns
        except OSError:
            return None

    return tuple(mtime(path) for path in paths)


async def kernel_pip(spec: KernelSpec, apk_root: str) -> PipView:
    """The kernel environment's pip packages, outside apk's `usr/lib/python3.X/site-packages`."""
    if (spec.language or "").lower() != "python":
        return PipView(None, {}, "kernel is not Python")
    stdout, failure = await run_interpreter(list(spec.argv), dict(spec.env), DISTRIBUTIONS_SCRIPT)
    if failure:
        return PipView(None, {}, failure)
    try:
        answer = last_json_line(stdout)
        site = apk_site_packages(apk_root, answer["python"])
        distributions = [
            d for d in answer["distributions"] if os.path.realpath(d["location"]) != site
        ]
        return PipView(
            answer["executable"],
            environment.pip_snapshot(distributions),
            paths=tuple(answer["paths"]),
        )
    except (ValueError, TypeError, KeyError):
        return PipView(None, {}, "the kernel's interpreter gave no readable list of packages")


class PipViewCache:
    """One answer per kernelspec, asked again once a directory of its sys.path has changed
    (pip adds or removes a `.dist-info` directory there); concurrent callers share one run."""

    def __init__(self, apk_root: str) -> None:
        self._apk_root = apk_root
        self._views: dict[tuple, tuple[tuple, asyncio.Future[PipView]]] = {}

    async def get(self, name: str, spec: KernelSpec) -> PipView:
        key = (name, tuple(spec.argv), tuple(sorted(spec.env.items())))
        cached = self._views.get(key)
        if cached:
            mtimes, future = cached
            if not future.done() or _mtimes(future.result().paths) == mtimes:
                return await asyncio.shield(future)
        asked = time.time_ns()
        future = asyncio.ensure_future(kernel_pip(spec, self._apk_root))
        self._views[key] = ((), future)
        view = await asyncio.shield(future)
        if self._views.get(key, (None, None))[1] is future:
            mtimes = _mtimes(view.paths)
            if view.reason:
                del self._views[key]  # a failure may be passing: ask again next time
            elif any(m is not None and m >= asked - _MTIME_SLACK_NS for m in mtimes):
                # Changed while the kernel listed it: the answer may miss that, ask again.
                self._views[key] = ((), future)
            else:
                self._views[key] = (mtimes, future)
        return view


def read_world(root: str) -> tuple[str, ...]:
    try:
        return environment.read_world(Path(root, "etc/apk/world").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ()


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def load_baseline(path: Path) -> Baseline | None:
    """The baseline in *path*, None if there is none; ValueError if it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ValueError(f"cannot read the baseline {path}: {error.strerror}") from error
    return environment.read_baseline(text)


def save_baseline(path: Path, baseline: Baseline) -> None:
    """Write *path* whole or not at all (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(environment.write_baseline(baseline), encoding="utf-8")
    partial.replace(path)


class EnvironmentService:
    """The baseline and the system as it is now, for `GET environment` and its exports.

    *installed_versions* reads the installed database (PackageService's reader); the baseline
    is the image's file if it exists, else one the server takes when it starts (before its
    first job at the latest) and keeps.
    """

    def __init__(self, manager, installed_versions) -> None:
        self.manager = manager
        self._installed_versions = installed_versions
        self._pip = PipViewCache(manager.root)
        self._baseline: Baseline | None = None
        self._lock = asyncio.Lock()
        self._installed: tuple[tuple | None, dict[str, str]] = ((), {})

    @property
    def first_start_file(self) -> Path:
        return Path(self.manager.cache_dir, "baseline.json")

    def installed(self) -> dict[str, str]:
        """The installed versions, read again only when apk rewrote its database."""
        try:
            stat = installed_db(self.manager.root).stat()
            validator = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except OSError:
            validator = None
        if validator != self._installed[0]:
            self._installed = (validator, self._installed_versions())
        return self._installed[1]

    async def snapshot(self, name: str, spec: KernelSpec) -> tuple[Snapshot, PipView]:
        pip = await self._pip.get(name, spec)
        world = read_world(self.manager.root)
        return Snapshot(world, self.installed(), pip.packages), pip

    async def baseline(self, name: str, spec: KernelSpec) -> Baseline:
        async with self._lock:  # two first requests must not take two baselines
            if self._baseline is None:
                self._baseline = (
                    load_baseline(Path(self.manager.baseline_file))
                    or load_baseline(self.first_start_file)
                    or await self._first_start(name, spec)
                )
            return self._baseline

    async def _first_start(self, name: str, spec: KernelSpec) -> Baseline:
        snapshot, _ = await self.snapshot(name, spec)
        baseline = Baseline("first-start", now(), snapshot)
        save_baseline(self.first_start_file, baseline)
        return baseline

    async def apk_changes(self, name: str, spec: KernelSpec) -> environment.Changes:
        """apk's side of the changes only (its pip lists are empty): no kernel is asked."""
        baseline = await self.baseline(name, spec)
        current = Snapshot(read_world(self.manager.root), self.installed(), baseline.snapshot.pip)
        return environment.changes(baseline.snapshot, current)

    async def changes(self, name: str, spec: KernelSpec) -> dict:
        """The answer of `GET environment`."""
        baseline = await self.baseline(name, spec)
        current, pip = await self.snapshot(name, spec)
        change = environment.changes(baseline.snapshot, current)
        return {
            "baseline": {"source": baseline.source, "created": baseline.created},
            "kernel": name,
            "added": change.added,
            "removed": change.removed,
            "upgraded": change.upgraded,
            "pip": change.pip,
            "pip_error": pip.reason,
        }

    async def export(self, fmt: str, name: str, spec: KernelSpec, *, pin: bool, image: str):
        """`(filename, text)` of the changes as *fmt*: dockerfile, apko, apk or requirements."""
        baseline = await self.baseline(name, spec)
        current, pip = await self.snapshot(name, spec)
        change = environment.changes(baseline.snapshot, current)
        if fmt == "dockerfile":
            uid, gid = os.getuid(), os.getgid()
            user = f"{uid}:{gid}" if uid else None
            text = environment.export_dockerfile(
                change, image=image, python=pip.executable, user=user, pin=pin
            )
            return "Dockerfile", text
        if fmt == "apko":
            keys = sorted(str(p) for p in Path(self.manager.keys_dir).glob("*.rsa.pub"))
            text = environment.export_apko(
                current,
                repositories=list(self.manager.repositories),
                keys=keys,
                arch=self.manager.arch,
            )
            return "apko.yaml", text
        if fmt == "apk":
            return "world", environment.export_apk(change, pin=pin)
        return "requirements.txt", environment.export_requirements(change)


def take_baseline(root: str, spec: KernelSpec | None) -> Baseline:
    """A baseline of *root* and the kernel *spec*'s pip packages, labelled as the image's."""
    installed = installed_versions(read_installed(root))
    pip = asyncio.run(kernel_pip(spec, root)) if spec else PipView(None, {})
    if pip.reason:
        raise RuntimeError(f"cannot list the kernel's pip packages: {pip.reason}")
    return Baseline("image", now(), Snapshot(read_world(root), installed, pip.packages))

