"""privileged/apk-chroot: the argv it gives the root's own apk (a table, anywhere), its
refusals (run through its `#!/usr/bin/python3 -I` line), and, in Alpine's real minirootfs
(root only), the installer driving Alpine's own apk through it over the REST API: scripts run
inside the root; a failed script's error state and its repair."""

import importlib.machinery
import importlib.util
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from jupyterlab_apk.apkcli import ApkOptions, build_argv, parse_progress
from jupyterlab_apk.apkwriter import PackageInfo, write_repository

from .conftest import run_job, server_config

APK_CHROOT = Path(__file__).resolve().parents[1] / "privileged" / "apk-chroot"
ARCH = "x86_64"
R = "/srv/alpine"


def load_wrapper():
    """The wrapper as a module (its main() only runs as a script), for the argv table."""
    loader = importlib.machinery.SourceFileLoader("apk_chroot", str(APK_CHROOT))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("apk_chroot", loader))
    loader.exec_module(module)
    return module


wrapper = load_wrapper()


def server_argv(action, packages, **options):
    """The argv the server builds for apk (after its apk_command), for the root R."""
    defaults = {"command": (), "root": R, "repositories": (), "keys_dir": f"{R}/etc/apk/keys"}
    return build_argv(ApkOptions(**(defaults | options)), action, packages, progress_fd=7)


@pytest.mark.parametrize(
    ("argv", "inside"),
    [
        (server_argv("install", ["py3-demo"], repositories=(
            f"{R}/srv/repo", "https://mirror/alpine/v3.20/main", f"file://{R}/srv/other/")),
         ["add", "--root", "/", "--no-cache", "--repositories-file", "/dev/null",
          "--keys-dir", "/etc/apk/keys", "-X", "/srv/repo",
          "-X", "https://mirror/alpine/v3.20/main", "-X", "file:///srv/other",
          "--wait", "10", "--progress-fd", "7", "--", "py3-demo"]),
        (server_argv("remove", ["py3-demo"]),
         ["del", "--root", "/", "--no-cache", "--repositories-file", "/dev/null",
          "--wait", "10", "--progress-fd", "7", "--", "py3-demo"]),
        # Paths are normalized, the root itself is "/", what follows "--" passes unchanged.
        (["add", "--root", f"{R}/", "-X", f"{R}/x/../repo", "-X", R, "--", "--root"],
         ["add", "--root", "/", "-X", "/repo", "-X", "/", "--", "--root"]),
    ],
)  # fmt: skip
def test_paths_are_seen_from_inside_the_root(argv, inside):
    assert wrapper.inside_argv(argv) == (R, inside)


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["add", "--", "py3-demo"], "exactly one --root"),
        (["add", "--root", R, "--root", R, "--", "x"], "exactly one --root"),
        (["add", "--root", "srv/alpine", "--", "x"], "exactly one --root"),
        (["add", "--root", "/", "--", "x"], "--root / is this system"),
        (["add", "--root", R, "-X", "/srv/alpine-evil/repo", "--", "x"], "outside the root"),
        (["add", "--root", R, "--keys-dir", "/etc/apk/keys", "--", "x"], "outside the root"),
        (["add", "--root", R, "-X", "file:///tmp/repo", "--", "x"], "outside the root"),
        (["add", "--root", R, "-X", "repo", "--", "x"], "not an absolute path or URL"),
        (["add", f"--root={R}", "--", "x"], "exactly one --root"),
        (["add", "--root", R, f"--keys-dir={R}/keys", "--", "x"], "as its own argument"),
        (["add", "--root", R, "--keys-dir"], "--keys-dir needs a value"),
    ],
)  # fmt: skip
def test_argv_it_cannot_map_is_refused(argv, reason):
    with pytest.raises(wrapper.Refused, match=reason):
        wrapper.inside_argv(argv)


def run_wrapper(*argv, **options):
    return subprocess.run(
        [str(APK_CHROOT), *argv], capture_output=True, text=True, timeout=30, **options
    )


def test_a_root_without_apk_or_dev_null_is_refused_before_entering_it(tmp_path):
    result = run_wrapper("add", "--root", str(tmp_path), "--", "x")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"apk-chroot: refused: '{tmp_path}' has no /sbin/apk: not an Alpine root\n"
    )

    (tmp_path / "sbin").mkdir()
    (tmp_path / "sbin/apk").write_bytes(b"")
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev/null").write_text("a file, not the null device")
    argv = ["add", "--root", str(tmp_path), "--repositories-file", "/dev/null", "--", "x"]
    result = run_wrapper(*argv)
    assert result.returncode == 2
    assert result.stderr == (
        f"apk-chroot: refused: '{tmp_path}' has no /dev/null: mount /dev into it first\n"
    )


def test_without_root_privileges_it_says_it_cannot_enter_the_root():
    # As nobody when the tests run as root (in a directory nobody can read); else as ourselves.
    nobody = {"user": 65534, "group": 65534, "extra_groups": []} if os.geteuid() == 0 else {}
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        root.chmod(0o755)
        (root / "sbin").mkdir()
        shutil.copy("/bin/true", root / "sbin/apk")
        result = run_wrapper("add", "--root", str(root), "--", "x", **nobody)
    assert result.returncode == 127
    assert result.stderr.startswith(f"apk-chroot: cannot run /sbin/apk in '{root}': ")
    assert "Operation not permitted" in result.stderr


# -- Alpine's own apk in the real minirootfs, through the REST API ----------------------------

SCRIPTS_RAN = "var/lib/scripts-ran"


def package(name, script=None):
    info = PackageInfo(name=name, version="1.0-r0", arch=ARCH, description=name)
    scripts = {".post-install": script} if script else {}
    return info, {f"usr/share/{name}/README": f"{name}\n".encode()}, scripts


@pytest.fixture
def alpine_system(alpine_root, keys):
    """The minirootfs made ready as a container runtime would (/dev/null), trusting the test
    key, with a repository inside it (the chroot's /srv/repo)."""
    os.mknod(alpine_root / "dev/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    shutil.copy(keys.key.public_pem_path, alpine_root / "etc/apk/keys")
    packages = [
        package("hello", b'#!/bin/sh\necho "hello $1" >> /' + SCRIPTS_RAN.encode() + b"\n"),
        package("needy", b"#!/bin/sh\necho 'needy: not configured' >&2\nexit 3\n"),
        package("other"),
    ]  # fmt: skip
    write_repository(alpine_root / "srv/repo", ARCH, packages, keys.key)
    return alpine_root


@pytest.fixture
def jp_server_config(alpine_system, keys, tmp_path):
    config = server_config(
        tmp_path, keys, [alpine_system / "srv/repo"], alpine_system, apk_command=[str(APK_CHROOT)]
    )
    del config["ApkManager"]["keys_dir"]  # the default: the root's own etc/apk/keys
    return config


def installed_flags(root: Path) -> dict[str, str]:
    """package -> its `f:` flags in the installed database ("" when none)."""
    flags = {}
    for record in (root / "lib/apk/db/installed").read_text().split("\n\n"):
        fields = dict(line.split(":", 1) for line in record.splitlines() if line[1:2] == ":")
        if "P" in fields:
            flags[fields["P"]] = fields.get("f", "")
    return flags


def test_the_progress_pipe_reaches_apk_inside_the_root(alpine_system):
    read_fd, write_fd = os.pipe()
    options = ApkOptions((str(APK_CHROOT),), str(alpine_system), (str(alpine_system / "srv/repo"),),
                         str(alpine_system / "etc/apk/keys"))  # fmt: skip
    argv = build_argv(options, "install", ["other"], progress_fd=write_fd)
    with os.fdopen(read_fd, "rb") as progress:
        try:
            process = subprocess.Popen(argv, pass_fds=(write_fd,), stdout=subprocess.DEVNULL)
        finally:
            os.close(write_fd)
        lines = progress.read().decode().split()
    assert process.wait(timeout=30) == 0
    assert lines and [parse_progress(line) for line in lines][-1] == 1.0, lines


@pytest.mark.usefixtures("jp_serverapp")
async def test_scripts_run_inside_the_alpine_root(api, alpine_system):
    _, settings = await api("settings")
    assert settings["root"] == str(alpine_system)

    job = await run_job(api, "install", "hello")
    assert job["state"] == "done", job["log"]
    assert job["installed"] == ["hello-1.0-r0"]
    assert "Executing hello-1.0-r0.post-install" in job["log"]
    # The script ran inside the root (its /var/lib), given the version as apk gives it.
    assert (alpine_system / SCRIPTS_RAN).read_text() == "hello 1.0-r0\n"
    assert installed_flags(alpine_system)["hello"] == ""
    assert "hello" in (alpine_system / "etc/apk/world").read_text().split()

    job = await run_job(api, "remove", "hello")
    assert job["state"] == "done", job["log"]
    assert "hello" not in installed_flags(alpine_system)
    assert not (alpine_system / "usr/share/hello").exists()


@pytest.mark.usefixtures("jp_serverapp")
async def test_a_failed_script_leaves_the_package_broken_until_repaired(api, alpine_system):
    job = await run_job(api, "install", "needy")
    assert job["state"] == "failed"
    assert "The install script of needy-1.0-r0 failed." in job["error"]
    assert "needy: not configured" in job["log"]
    # apk keeps the package, in error: a failed script (`f:s`).
    assert installed_flags(alpine_system)["needy"] == "s"
    _, needy = await api("packages", "needy")
    assert needy["installed_version"] == "1.0-r0"
    assert "install script failed" in needy["broken"]

    # A later job whose own change succeeds is done, with a warning naming the broken package.
    job = await run_job(api, "install", "other")
    assert job["state"] == "done", job["log"]
    assert job["exit_code"] == 1  # apk still counts the old error
    assert "needy" in " ".join(job["warnings"])

    job = await run_job(api, "repair")
    assert job["state"] == "done", job["log"]
    assert "Reinstalling needy (1.0-r0)" in job["log"]
    assert installed_flags(alpine_system)["needy"] == ""
    _, needy = await api("packages", "needy")
    assert needy["broken"] is None

    job = await run_job(api, "install", "hello")
    assert (job["state"], job["exit_code"], job["warnings"]) == ("done", 0, [])
