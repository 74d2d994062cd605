"""The kernel probe against real interpreters: venvs, kernelspec environments, failures, cache."""

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpec
from packaging.markers import default_environment

from jupyterlab_apk.kernels import KernelProbeCache, apk_site_packages, probe_kernel

SERIES = f"{sys.version_info.major}.{sys.version_info.minor}"


@pytest.fixture(scope="module")
def apk_root(tmp_path_factory) -> Path:
    """A fake apk root holding the site-packages directory of the running Python's series."""
    root = tmp_path_factory.mktemp("apk-root")
    (root / "usr" / "lib" / f"python{SERIES}" / "site-packages").mkdir(parents=True)
    return root


def site_dir(apk_root: Path) -> Path:
    return apk_root / "usr" / "lib" / f"python{SERIES}" / "site-packages"


def make_venv(path: Path, *options: str) -> Path:
    """A venv (no pip: much faster) of the running Python; returns its interpreter."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", *options, str(path)], check=True)
    return path / "bin" / "python"


def venv_site_packages(python: Path) -> Path:
    out = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(out.stdout.strip())


@pytest.fixture(scope="module")
def venvs(tmp_path_factory, apk_root):
    """Interpreters: a venv that sees the apk directory through a .pth file, an isolated venv,
    and one with system site-packages (whose system is not the fake apk root)."""
    base = tmp_path_factory.mktemp("venvs")
    seeing = make_venv(base / "seeing")
    (venv_site_packages(seeing) / "apk.pth").write_text(f"{site_dir(apk_root)}\n")
    return {
        "seeing": seeing,
        "isolated": make_venv(base / "isolated"),
        "system": make_venv(base / "system", "--system-site-packages"),
    }


def script(path: Path, body: str) -> str:
    """An executable shell script standing in for a kernel's interpreter."""
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


async def test_venv_seeing_the_apk_site_packages(venvs, apk_root):
    info = await probe_kernel([str(venvs["seeing"]), "-m", "ipykernel_launcher"], {}, str(apk_root))
    assert (info.python, info.site_packages_visible, info.reason) == (SERIES, True, None)


@pytest.mark.parametrize(
    ("venv", "reason"),
    [
        ("isolated", "kernel in a venv without system site-packages"),
        ("system", "the kernel's sys.path does not include {site}"),
    ],
)
async def test_venvs_not_seeing_it(venvs, apk_root, venv, reason):
    info = await probe_kernel([str(venvs[venv])], {}, str(apk_root))
    assert (info.python, info.site_packages_visible) == (SERIES, False)
    assert info.reason == reason.format(site=apk_site_packages(str(apk_root), SERIES))


async def test_the_kernelspec_environment_is_used(venvs, apk_root, monkeypatch):
    argv = [str(venvs["isolated"])]
    # Through the kernelspec's env, as jupyter_client launches it...
    env = {"PYTHONPATH": str(site_dir(apk_root))}
    assert (await probe_kernel(argv, env, str(apk_root))).site_packages_visible
    # ...with ${VAR} taken from the server's environment, as jupyter_client does...
    monkeypatch.setenv("APK_SITE", str(site_dir(apk_root)))
    env = {"PYTHONPATH": "${APK_SITE}"}
    assert (await probe_kernel(argv, env, str(apk_root))).site_packages_visible
    # ...and the interpreter options that drop it are kept.
    info = await probe_kernel([*argv, "-E", "-m", "ipykernel_launcher"], env, str(apk_root))
    assert not info.site_packages_visible


async def test_paths_are_compared_resolved(venvs, apk_root, tmp_path):
    # The apk root through a symlink...
    linked_root = tmp_path / "root-link"
    linked_root.symlink_to(apk_root)
    info = await probe_kernel([str(venvs["seeing"])], {}, str(linked_root))
    assert info.site_packages_visible
    # ...and the kernel's sys.path entry through one.
    linked_site = tmp_path / "site-link"
    linked_site.symlink_to(site_dir(apk_root))
    env = {"PYTHONPATH": str(linked_site)}
    assert (await probe_kernel([str(venvs["isolated"])], env, str(apk_root))).site_packages_visible
    # Another series' directory is not this kernel's.
    other = tmp_path / "other-root"
    (other / "usr" / "lib" / "python3.0" / "site-packages").mkdir(parents=True)
    assert not (await probe_kernel([str(venvs["seeing"])], {}, str(other))).site_packages_visible


async def test_bare_python_is_the_servers_interpreter_with_its_marker_environment(
    apk_root, tmp_path
):
    # jupyter_client runs a kernelspec's `python3` as sys.executable, not the one on PATH;
    # so does the probe.
    (tmp_path / "bin").mkdir()
    script(tmp_path / "bin" / f"python{sys.version_info[0]}", "exit 1")
    env = {"PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"}
    info = await probe_kernel([f"python{sys.version_info[0]}", "-m", "x"], env, str(apk_root))
    assert (info.python, info.reason) == (SERIES, "kernel in a venv without system site-packages")
    # Computed without packaging, it must still be what packaging computes.
    assert info.environment == default_environment()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("echo 'no JSON here'", "the kernel's interpreter {argv0} gave no readable answer"),
        ('echo \'{"python": "3", "path": [], "environment": {}, '
         '"venv_without_system_site_packages": false}\'',
         "the kernel's interpreter {argv0} gave no readable answer"),
        ("echo 'Traceback …' >&2; echo 'SyntaxError: bad' >&2; exit 3",
         "the kernel's interpreter {argv0} failed (exit status 3): SyntaxError: bad"),
        ("exit 1", "the kernel's interpreter {argv0} failed (exit status 1)"),
    ],
)  # fmt: skip
async def test_unusable_answers_become_reasons(tmp_path, apk_root, body, reason):
    argv0 = script(tmp_path / "interpreter", body)
    info = await probe_kernel([argv0], {}, str(apk_root))
    assert (info.python, info.reason) == ("", reason.format(argv0=argv0))


async def test_output_before_the_answer_is_tolerated(tmp_path, venvs, apk_root):
    # A wrapper or a sitecustomize that prints first: the answer is the last line.
    argv0 = script(tmp_path / "wrapper", f'echo hello; exec "{venvs["seeing"]}" "$@"')
    info = await probe_kernel([argv0], {}, str(apk_root))
    assert (info.python, info.site_packages_visible, info.reason) == (SERIES, True, None)


async def test_missing_interpreter(apk_root, tmp_path):
    missing = str(tmp_path / "no-such-python")
    info = await probe_kernel([missing, "-m", "ipykernel_launcher"], {}, str(apk_root))
    assert (info.python, info.site_packages_visible) == ("", False)
    assert info.reason == (
        f"cannot run the kernel's interpreter {missing}: No such file or directory"
    )
    assert (await probe_kernel([], {}, str(apk_root))).reason == "the kernelspec has no command"


async def test_timeout_kills_the_interpreter_and_its_children(apk_root, tmp_path):
    pid_file = tmp_path / "child.pid"
    # A wrapper whose child would outlive it: the whole process group must go.
    argv0 = script(tmp_path / "slow", f"sleep 30 & echo $! > {pid_file}; wait")
    started = time.monotonic()
    info = await probe_kernel([argv0], {}, str(apk_root), timeout=0.5)
    assert info.reason == f"the kernel's interpreter {argv0} did not answer in 0.5 s"
    # Not held up by the child's open stdout until it ends by itself.
    assert time.monotonic() - started < 5
    child = int(pid_file.read_text())
    for _ in range(50):  # the kill is delivered at once; reaping by init may take a moment
        if not _alive(child):
            break
        await asyncio.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return status != "Z"  # a zombie is dead, only not yet reaped


def counting_interpreter(tmp_path: Path, body: str = f'exec "{sys.executable}" "$@"') -> str:
    """An interpreter that appends a line to `calls` each time it runs."""
    return script(tmp_path / "python", f"echo run >> {tmp_path / 'calls'}\n{body}")


def calls(tmp_path: Path) -> int:
    path = tmp_path / "calls"
    return len(path.read_text().splitlines()) if path.exists() else 0


async def test_cache_probes_once_for_concurrent_callers(apk_root, tmp_path):
    spec = KernelSpec(argv=[counting_interpreter(tmp_path), "-m", "x"], language="python")
    cache = KernelProbeCache(str(apk_root))
    infos = await asyncio.gather(*(cache.get("python3", spec) for _ in range(5)))
    assert calls(tmp_path) == 1
    assert all(info == infos[0] for info in infos) and infos[0].python == SERIES
    await cache.get("python3", spec)
    assert calls(tmp_path) == 1
    # Another environment or name is another kernel.
    await cache.get("python3", KernelSpec(argv=spec.argv, env={"X": "1"}, language="python"))
    await cache.get("other", spec)
    assert calls(tmp_path) == 3


async def test_cache_retries_failed_probes_and_skips_other_languages(apk_root, tmp_path):
    spec = KernelSpec(argv=[counting_interpreter(tmp_path, "exit 1")], language="python")
    cache = KernelProbeCache(str(apk_root))
    first, second = await asyncio.gather(cache.get("broken", spec), cache.get("broken", spec))
    assert calls(tmp_path) == 1 and first == second and first.reason.endswith("(exit status 1)")
    await cache.get("broken", spec)
    assert calls(tmp_path) == 2

    r_spec = KernelSpec(argv=[counting_interpreter(tmp_path)], language="R")
    assert (await cache.get("ir", r_spec)).reason == "kernel is not Python"
    assert calls(tmp_path) == 2


async def test_a_cancelled_caller_does_not_cancel_the_shared_probe(apk_root, tmp_path):
    spec = KernelSpec(argv=[counting_interpreter(tmp_path)], language="python")
    cache = KernelProbeCache(str(apk_root))
    impatient = asyncio.ensure_future(cache.get("python3", spec))
    patient = asyncio.ensure_future(cache.get("python3", spec))
    await asyncio.sleep(0)
    impatient.cancel()
    assert (await patient).python == SERIES
    assert calls(tmp_path) == 1
