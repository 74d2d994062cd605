"""Ask a kernelspec's interpreter about itself: apks are routed only where the kernel imports them.

apk installs into `<root>/usr/lib/python3.X/site-packages`. That helps a kernel only if its
interpreter has that minor version and that directory on `sys.path` (a venv without system
site-packages, conda or another Python never sees it). The interpreter is asked once, the way
jupyter_client would start it, and the answer is cached per kernelspec.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
from string import Template

from jupyter_client.kernelspec import KernelSpec

from .resolver import KernelInfo

PROBE_TIMEOUT = 10.0  # seconds; a cold interpreter on a slow disk starts in well under one

# Run by the kernel's interpreter, which may lack `packaging`: the marker environment is computed
# as packaging.markers.default_environment() does. Kept to syntax every Python 3 accepts, so an
# old interpreter answers instead of failing on a SyntaxError.
SCRIPT = r"""
import json, os, platform, sys

def full_version(info):
    version = "%d.%d.%d" % (info.major, info.minor, info.micro)
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version

isolated = False
if sys.prefix != getattr(sys, "base_prefix", sys.prefix):
    try:
        with open(os.path.join(sys.prefix, "pyvenv.cfg")) as config:
            for line in config:
                key, _, value = line.partition("=")
                if key.strip().lower() == "include-system-site-packages":
                    isolated = value.strip().lower() != "true"
    except OSError:
        pass

print(json.dumps({
    "python": "%d.%d" % sys.version_info[:2],
    "path": sys.path,
    "venv_without_system_site_packages": isolated,
    "environment": {
        "implementation_name": sys.implementation.name,
        "implementation_version": full_version(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    },
}))
"""

# Interpreter options that change sys.path; kept when the kernelspec puts them before `-m`.
_PATH_OPTIONS = frozenset({"-E", "-I", "-P", "-S", "-s"})
_PYTHON_SERIES = re.compile(r"\d+\.\d+")


def _failed(reason: str) -> KernelInfo:
    return KernelInfo(python="", site_packages_visible=False, environment={}, reason=reason)


def _interpreter(argv0: str) -> str:
    # jupyter_client starts a kernelspec's bare `python`, `python3` or `python3.X` as the server's
    # own sys.executable (KernelManager.format_kernel_cmd), so that is the interpreter to ask.
    major, minor = sys.version_info[:2]
    bare = {"python", f"python{major}", f"python{major}.{minor}"}
    return sys.executable if argv0 in bare else argv0


def _launch_environment(env: dict[str, str]) -> dict[str, str]:
    # As jupyter_client's provisioner: the kernelspec's values, with ${VAR} taken from the
    # server's environment, over the server's environment.
    return {**os.environ, **{k: Template(v).safe_substitute(os.environ) for k, v in env.items()}}


def apk_site_packages(apk_root: str, python: str) -> str:
    """The directory apk installs Python *python*'s packages into, symlinks resolved."""
    site = os.path.join(apk_root, "usr", "lib", f"python{python}", "site-packages")
    return os.path.realpath(site)


async def run_interpreter(
    spec_argv: list[str], env: dict[str, str], script: str, timeout: float = PROBE_TIMEOUT
) -> tuple[bytes, str | None]:
    """Run *script* with a Python kernelspec's interpreter, started as jupyter_client would.

    Returns `(stdout, None)`, or `(b"", why it could not)`: failures are a reason, not an error.
    """
    if not spec_argv:
        return b"", "the kernelspec has no command"
    interpreter = _interpreter(spec_argv[0])
    options = []
    for argument in spec_argv[1:]:
        if argument not in _PATH_OPTIONS:
            break
        options.append(argument)
    try:
        process = await asyncio.create_subprocess_exec(
            interpreter,
            *options,
            "-c",
            script,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=_launch_environment(env),
            start_new_session=True,  # its own process group, so a wrapper's children die too
        )
    except OSError as error:
        return b"", f"cannot run the kernel's interpreter {interpreter}: {error.strerror}"
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    except asyncio.TimeoutError:
        with contextlib.suppress(ProcessLookupError):  # it ended just now
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
        return b"", f"the kernel's interpreter {interpreter} did not answer in {timeout:g} s"
    if process.returncode != 0:
        last = (stderr.decode(errors="replace").strip().splitlines() or [""])[-1][:200]
        return b"", (
            f"the kernel's interpreter {interpreter} failed (exit status {process.returncode})"
            + (f": {last}" if last else "")
        )
    return stdout, None


def last_json_line(stdout: bytes):
    """The answer of a script run by `run_interpreter`: its last line, as JSON (ValueError if
    none). A sitecustomize or a wrapper may print before it."""
    lines = stdout.decode(errors="replace").strip().splitlines()
    if not lines:
        raise ValueError("no output")
    return json.loads(lines[-1])


async def probe_kernel(
    spec_argv: list[str], env: dict[str, str], apk_root: str, timeout: float = PROBE_TIMEOUT
) -> KernelInfo:
    """What the interpreter of a Python kernelspec says; failures become a reason, not an error."""
    stdout, failure = await run_interpreter(spec_argv, env, SCRIPT, timeout)
    if failure:
        return _failed(failure)
    return _read_answer(stdout, _interpreter(spec_argv[0]), apk_root)


def _read_answer(stdout: bytes, interpreter: str, apk_root: str) -> KernelInfo:
    try:
        answer = last_json_line(stdout)
        python = answer["python"]
        path = answer["path"]
        environment = answer["environment"]
        isolated = answer["venv_without_system_site_packages"]
        valid = (
            isinstance(python, str)
            and _PYTHON_SERIES.fullmatch(python) is not None
            and isinstance(path, list)
            and all(isinstance(item, str) for item in path)
            and isinstance(environment, dict)
            and all(isinstance(v, str) for v in environment.values())
            and isinstance(isolated, bool)
        )
    except (ValueError, TypeError, KeyError):
        valid = False
    if not valid:
        return _failed(f"the kernel's interpreter {interpreter} gave no readable answer")

    site = apk_site_packages(apk_root, python)
    # "" (the working directory) is on every sys.path and never the apk directory.
    visible = site in {os.path.realpath(item) for item in path if item}
    if visible:
        reason = None
    elif isolated:
        reason = "kernel in a venv without system site-packages"
    else:
        reason = f"the kernel's sys.path does not include {site}"
    return KernelInfo(python, visible, environment, reason)


class KernelProbeCache:
    """One probe per kernelspec (name, command and environment), shared by concurrent callers.

    A probe that could not ask the interpreter (missing, timed out, unreadable) is not kept:
    the next request tries again, as the cause may have been passing.
    """

    def __init__(self, apk_root: str, timeout: float = PROBE_TIMEOUT) -> None:
        self._apk_root = apk_root
        self._timeout = timeout
        self._probes: dict[tuple, asyncio.Future[KernelInfo]] = {}

    async def get(self, name: str, spec: KernelSpec) -> KernelInfo:
        if (spec.language or "").lower() != "python":
            return _failed("kernel is not Python")
        key = (name, tuple(spec.argv), tuple(sorted(spec.env.items())))
        probe = self._probes.get(key)
        if probe is None:
            probe = asyncio.ensure_future(
                probe_kernel(list(spec.argv), dict(spec.env), self._apk_root, self._timeout)
            )
            self._probes[key] = probe
        # shield: a caller that goes away (a closed request) must not cancel the others' probe.
        info = await asyncio.shield(probe)
        if not info.python and self._probes.get(key) is probe:
            del self._probes[key]
        return info
