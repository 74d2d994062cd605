"""The apk test double (demo/apk_double.py) against apk-tools 2.12's recorded behaviour.

Every test runs the double as a subprocess (argv, no shell) on a fresh root, against repositories
built with jupyterlab_apk.apkwriter in the real format, and checks the exact lines and the exit
status the document records for apk-tools 2.12.
"""

from __future__ import annotations

import base64
import dataclasses
import fcntl
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jupyterlab_apk.apkindex import parse_index, parse_installed
from jupyterlab_apk.apkwriter import PackageInfo, build_apk, read_apk, write_repository
from jupyterlab_apk.signing import open_index, split_gzip_members

from .conformance import NO_NAMESPACES, READ_ONLY_EXEC
from .http_repo import RepoServer

PROJECT = Path(__file__).resolve().parents[1]
DOUBLE = [sys.executable, "-m", "demo.apk_double"]
LAUNCHER = PROJECT / "demo" / "bin" / "apk-test-double"
ARCH = "x86_64"
SITE = "usr/lib/python3.11/site-packages"
PY = "python3~3.11"


def package(name, version, files, depends=(PY,), provides=(), scripts=None):
    info = PackageInfo(name, version, license="MIT", depends=depends, provides=provides)
    return (info, files, scripts) if scripts else (info, files)


DEMOLIB = package("py3-demolib", "2.0-r0", {f"{SITE}/demolib/__init__.py": b"VERSION = 2\n"})
DEMO = package(
    "py3-demo",
    "1.0-r0",
    {f"{SITE}/demo.py": b"import demolib\n", "usr/bin/demo": b"#!/usr/bin/python3\n"},
    depends=("py3-demolib", PY),
)
DEMO_11 = package(
    "py3-demo", "1.1-r0", {f"{SITE}/demo.py": b"import demolib  # 1.1\n"}, ("py3-demolib", PY)
)
APP = package("py3-app", "1.0-r0", {f"{SITE}/app.py": b"import demo\n"}, ("py3-demo",))
PROVIDER = package(
    "py3-provider", "1.0-r0", {f"{SITE}/virtmod.py": b""}, provides=("py3.11:virtmod=1.0-r0",)
)
NEEDS_VIRTUAL = package("py3-needsvirtual", "1.0-r0", {f"{SITE}/nv.py": b""}, ("py3.11:virtmod",))
BROKEN = package("py3-broken", "1.0-r0", {f"{SITE}/broken.py": b""}, ("py3-doesnotexist",))
FAILING_SCRIPT = package(
    "py3-script", "1.0-r0", {f"{SITE}/script.py": b""}, scripts={".post-install": b"exit 127\n"}
)
GOOD_SCRIPT = package(
    "py3-goodscript",
    "1.0-r0",
    {f"{SITE}/good.py": b""},
    scripts={".post-install": b'echo "post-install $1" > ran-post-install\n'},
)
READ_ONLY_TARGET = package("py3-rotarget", "1.0-r0", {"srv/ro/data.txt": b"data\n"})
MODIFIED = package("py3-modified", "1.0-r0", {f"{SITE}/modified.py": b"original\n"})
SWAPPED = package("py3-swapped", "1.0-r0", {f"{SITE}/swapped.py": b"original\n"})
CORRUPT = package("py3-corrupt", "1.0-r0", {f"{SITE}/corrupt.py": b"x = 1\n"}, ("py3-demolib",))
PYTHON312 = package("python3", "3.12.0-r0", {"usr/bin/python3.12": b""}, depends=())


@dataclasses.dataclass(frozen=True)
class Repos:
    main: Path
    newer: Path
    unsigned: Path
    unknown_key: Path
    forged: Path
    sha1: Path
    damaged: Path
    python: Path


@pytest.fixture(scope="module")
def repos(tmp_path_factory, keys, other_key) -> Repos:
    base = tmp_path_factory.mktemp("repos")
    everything = [DEMOLIB, DEMO, APP, PROVIDER, NEEDS_VIRTUAL, BROKEN, FAILING_SCRIPT, GOOD_SCRIPT]
    write_repository(base / "main", ARCH, [*everything, READ_ONLY_TARGET], keys.key)
    write_repository(base / "newer", ARCH, [DEMO_11], keys.key)
    write_repository(base / "unsigned", ARCH, [DEMOLIB, DEMO], None)
    write_repository(base / "unknown_key", ARCH, [DEMOLIB, DEMO], other_key)
    impostor = dataclasses.replace(other_key, key_name=keys.key.key_name)
    write_repository(base / "forged", ARCH, [DEMOLIB, DEMO], impostor)
    write_repository(base / "sha1", ARCH, [DEMOLIB, DEMO], keys.key, algorithm="RSA")
    write_repository(base / "damaged", ARCH, [MODIFIED, SWAPPED], keys.key)
    # Rebuilt after indexing: the control member no longer matches the index's C: checksum.
    rebuilt = build_apk(MODIFIED[0], {f"{SITE}/modified.py": b"changed\n"}, keys.key)
    (base / "damaged" / ARCH / "py3-modified-1.0-r0.apk").write_bytes(rebuilt)
    # Same control member, so C: matches, but another (valid) data member: `datahash` fails.
    swapped = base / "damaged" / ARCH / "py3-swapped-1.0-r0.apk"
    *head, _ = split_gzip_members(swapped.read_bytes())
    other_data = split_gzip_members(build_apk(SWAPPED[0], {"other": b"other\n"}, None))[-1]
    swapped.write_bytes(b"".join(head) + other_data)
    write_repository(base / "python", ARCH, [PYTHON312], keys.key)
    return Repos(*(base / field.name for field in dataclasses.fields(Repos)))


@dataclasses.dataclass
class Apk:
    """Runs the double on one root with the trusted keys and no repositories file."""

    root: Path
    keys_dir: Path

    def argv(self, args, repos=(), defaults=True):
        options = ["--root", str(self.root)]
        if defaults:
            options += ["--keys-dir", str(self.keys_dir), "--repositories-file", "/dev/null"]
        for repo in repos:
            options += ["-X", str(repo)]
        return [*DOUBLE, *options, *args]

    def __call__(self, *args, repos=(), defaults=True, prefix=(), **kwargs):
        argv = [*prefix, *self.argv(args, repos, defaults)]
        return subprocess.run(argv, cwd=PROJECT, capture_output=True, text=True, **kwargs)

    def installed(self):
        return parse_installed((self.root / "lib/apk/db/installed").read_text())

    def installed_names(self):
        return [i.record.name for i in self.installed()]

    def world(self):
        return (self.root / "etc/apk/world").read_text()

    def hold_lock(self):
        fd = os.open(self.root / "lib/apk/db/lock", os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd


@pytest.fixture
def apk(tmp_path, keys) -> Apk:
    root = tmp_path / "root"
    (root / "lib/apk/db").mkdir(parents=True)
    (root / "etc/apk").mkdir(parents=True)
    return Apk(root, keys.dir)


@pytest.fixture(scope="module")
def server(repos):
    """Serves the main repository under /main (shutting a server down costs 0.5 s: share it)."""
    server = RepoServer()
    for path in (repos.main / ARCH).iterdir():
        server.files[f"/main/{ARCH}/{path.name}"] = path.read_bytes()
    yield server
    server.close()


def lines(text: str) -> list[str]:
    return text.splitlines()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


INSTALL_DEMO = ["(1/2) Installing py3-demolib (2.0-r0)", "(2/2) Installing py3-demo (1.0-r0)"]


# ------------------------------------------------------------------------------ add


@pytest.mark.parametrize("spelling", ["path", "file-url"])
def test_add_installs_dependencies_first(apk, repos, spelling):
    repo = repos.main if spelling == "path" else f"file://{repos.main}"
    result = apk("add", "py3-demo", repos=[repo])
    assert (result.returncode, result.stderr) == (0, "")
    assert lines(result.stdout) == [*INSTALL_DEMO, "OK: 0 MiB in 2 packages"]
    assert (apk.root / SITE / "demolib/__init__.py").read_bytes() == b"VERSION = 2\n"
    assert (apk.root / "usr/bin/demo").read_bytes() == b"#!/usr/bin/python3\n"
    assert apk.world() == "py3-demo\n"


def test_installed_database_is_apks_format(apk, repos):
    assert apk("add", "py3-demo", repos=[repos.main]).returncode == 0
    installed = apk.installed()
    assert [(i.record.name, i.files, i.broken_files) for i in installed] == [
        ("py3-demolib", 1, False),
        ("py3-demo", 2, False),
    ]
    # The index fields as the repository lists them, then one F: line per directory.
    index = open_index((repos.main / ARCH / "APKINDEX.tar.gz").read_bytes(), {}).text
    record = next(block for block in index.split("\n\n") if "P:py3-demo\nV:1.0-r0" in block)
    text = (apk.root / "lib/apk/db/installed").read_text()
    demo = text.split("\n\n")[1]
    entries = read_apk((repos.main / ARCH / "py3-demo-1.0-r0.apk").read_bytes()).entries
    q1 = {
        e.name: "Q1" + base64.b64encode(bytes.fromhex(e.checksum)).decode()
        for e in entries
        if e.kind == "file"
    }
    assert demo.rstrip("\n").split("\n") == [
        *record.split("\n"),
        "F:usr",
        "F:usr/bin",
        "R:demo",
        f"Z:{q1['usr/bin/demo']}",
        "F:usr/lib",
        "F:usr/lib/python3.11",
        f"F:{SITE}",
        "R:demo.py",
        f"Z:{q1[f'{SITE}/demo.py']}",
    ]
    assert parse_index(record)[0] == installed[1].record


def test_add_over_http_prints_fetch_first(apk, server):
    result = apk("add", "py3-demo", repos=[f"{server.url}/main"])
    assert (result.returncode, result.stderr) == (0, "")
    fetch = f"fetch {server.url}/main/{ARCH}/APKINDEX.tar.gz"
    assert lines(result.stdout) == [fetch, *INSTALL_DEMO, "OK: 0 MiB in 2 packages"]
    assert apk.installed_names() == ["py3-demolib", "py3-demo"]


def test_add_by_provides(apk, repos):
    result = apk("add", "py3-needsvirtual", repos=[repos.main])
    assert (result.returncode, result.stderr) == (0, "")
    assert lines(result.stdout) == [
        "(1/2) Installing py3-provider (1.0-r0)",
        "(2/2) Installing py3-needsvirtual (1.0-r0)",
        "OK: 0 MiB in 2 packages",
    ]


def test_upgrade_downgrade_and_pinned_world(apk, repos):
    both = [repos.main, repos.newer]
    assert apk("add", "py3-demo", repos=[repos.main]).returncode == 0
    # Installed versions are kept unless asked for: nothing to do.
    assert lines(apk("add", "py3-demo", repos=both).stdout) == ["OK: 0 MiB in 2 packages"]
    result = apk("add", "-u", "py3-demo", repos=both)
    assert lines(result.stdout) == [
        "(1/1) Upgrading py3-demo (1.0-r0 -> 1.1-r0)",
        "OK: 0 MiB in 2 packages",
    ]
    assert not (apk.root / "usr/bin/demo").exists()  # not in 1.1: removed, and its directory
    assert not (apk.root / "usr/bin").exists()
    assert (apk.root / SITE / "demo.py").read_bytes() == b"import demolib  # 1.1\n"
    result = apk("add", "py3-demo=1.0-r0", repos=both)
    assert lines(result.stdout) == [
        "(1/1) Downgrading py3-demo (1.1-r0 -> 1.0-r0)",
        "OK: 0 MiB in 2 packages",
    ]
    assert apk.world() == "py3-demo=1.0-r0\n"
    assert apk("add", "py3-app", repos=both).returncode == 0
    assert apk.world() == "py3-app\npy3-demo=1.0-r0\n"


def test_unknown_package_installs_nothing(apk, repos):
    result = apk("add", "nosuchpkg", "py3-demo", repos=[repos.main])
    assert result.returncode == 1
    assert result.stderr == "ERROR: unable to select packages:\n"
    assert lines(result.stdout) == [
        "  nosuchpkg (no such package):",
        "    required by: world[nosuchpkg]",
    ]
    assert not (apk.root / "lib/apk/db/installed").exists()
    assert not (apk.root / "usr").exists()


def test_missing_dependency(apk, repos):
    result = apk("add", "py3-broken", repos=[repos.main])
    assert result.returncode == 2
    assert result.stderr == "ERROR: unable to select packages:\n"
    assert lines(result.stdout) == [
        "  py3-doesnotexist (no such package):",
        "    required by: py3-broken-1.0-r0[py3-doesnotexist]",
    ]


def test_python3_from_a_repository_must_fit(apk, repos):
    """The host's Python stands in for python3 only while no repository provides one."""
    result = apk("add", "py3-demo", repos=[repos.main, repos.python])
    assert result.returncode == 3  # python3, and the two packages that need another one
    assert lines(result.stdout) == [
        "  python3-3.12.0-r0:",
        "    breaks: py3-demolib-2.0-r0[python3~3.11]",
        "            py3-demo-1.0-r0[python3~3.11]",
    ]


@pytest.mark.parametrize("repo", ["unsigned", "unknown_key"])
def test_untrusted_repository_is_ignored(apk, repos, repo):
    path = getattr(repos, repo)
    result = apk("add", "py3-demo", repos=[path])
    assert result.returncode == 1
    assert lines(result.stderr) == [
        f"WARNING: Ignoring {path}: UNTRUSTED signature",
        "ERROR: unable to select packages:",
    ]
    assert lines(result.stdout) == [
        "  py3-demo (no such package):",
        "    required by: world[py3-demo]",
    ]
    allowed = apk("add", "--allow-untrusted", "py3-demo", repos=[path])
    assert (allowed.returncode, allowed.stderr) == (0, "")
    assert lines(allowed.stdout) == [*INSTALL_DEMO, "OK: 0 MiB in 2 packages"]


def test_bad_signature_masks_the_repository(apk, repos):
    for extra in ([], ["--allow-untrusted"]):
        result = apk("add", *extra, "py3-demo", repos=[repos.forged])
        assert result.returncode == 2
        assert lines(result.stderr) == [
            f"WARNING: Ignoring {repos.forged}: BAD signature",
            "ERROR: unable to select packages:",
        ]
        assert lines(result.stdout) == [
            "  py3-demo-1.0-r0:",
            "    masked in: --no-network",
            "    satisfies: world[py3-demo]",
            "  py3-demolib-2.0-r0:",
            "    masked in: --no-network",
            "    satisfies: py3-demo-1.0-r0[py3-demolib]",
        ]
    assert not (apk.root / "usr").exists()


def test_sha1_signed_index_is_trusted(apk, repos):
    result = apk("add", "py3-demo", repos=[repos.sha1])
    assert (result.returncode, result.stderr) == (0, "")


def test_unreachable_and_missing_http_repositories(apk, repos, server):
    dead = f"http://127.0.0.1:{closed_port()}"
    result = apk("add", "py3-demo", repos=[dead, f"{server.url}/nope", repos.main])
    assert result.returncode == 0
    assert lines(result.stderr) == [
        f"WARNING: Ignoring {dead}: could not connect to server (check repositories file)",
        f"WARNING: Ignoring {server.url}/nope: No such file or directory",
    ]
    assert lines(result.stdout) == [
        f"fetch {dead}/{ARCH}/APKINDEX.tar.gz",
        f"fetch {server.url}/nope/{ARCH}/APKINDEX.tar.gz",
        *INSTALL_DEMO,
        "OK: 0 MiB in 2 packages",
    ]


def test_relative_repository_is_ignored_with_a_warning(apk, repos):
    result = apk("add", "py3-demo", repos=["relative/repo", repos.main])
    assert result.returncode == 0
    assert result.stderr == (
        "WARNING: Ignoring relative/repo: invalid URL (check your repositories file)\n"
    )


def test_corrupt_package_leaves_a_partial_state_that_add_repairs(apk, repos, tmp_path, keys):
    repo = tmp_path / "corrupt"
    write_repository(repo, ARCH, [CORRUPT], keys.key)
    apk_path = repo / ARCH / "py3-corrupt-1.0-r0.apk"
    good = apk_path.read_bytes()
    # Damaged bytes in the compressed data: it no longer inflates (a gzip CRC error).
    apk_path.write_bytes(good[:-40] + bytes(20) + good[-20:])

    result = apk("add", "py3-corrupt", repos=[repos.main, repo])
    assert result.returncode == 1
    assert result.stderr == "ERROR: py3-corrupt-1.0-r0: BAD archive\n"
    assert lines(result.stdout) == [
        "(1/2) Installing py3-demolib (2.0-r0)",
        "(2/2) Installing py3-corrupt (1.0-r0)",
        "1 error; 0 MiB in 1 packages",
    ]
    assert apk.world() == "py3-corrupt\n"
    assert apk.installed_names() == ["py3-demolib"]

    apk_path.write_bytes(good)
    again = apk("add", "py3-corrupt", repos=[repos.main, repo])
    assert (again.returncode, again.stderr) == (0, "")
    assert lines(again.stdout) == [
        "(1/1) Installing py3-corrupt (1.0-r0)",
        "OK: 0 MiB in 2 packages",
    ]


@pytest.mark.parametrize("name", ["py3-modified", "py3-swapped"])
def test_package_changed_after_indexing_is_a_bad_signature(apk, repos, name):
    result = apk("add", name, repos=[repos.damaged])
    assert result.returncode == 1
    assert result.stderr == f"ERROR: {name}-1.0-r0: BAD signature\n"
    assert lines(result.stdout) == [
        f"(1/1) Installing {name} (1.0-r0)",
        "1 error; 0 MiB in 0 packages",
    ]
    assert [p.name for p in apk.root.rglob("*.py")] == []


def test_progress_fd_gets_done_total_lines(apk, repos):
    read_end, write_end = os.pipe()
    try:
        result = apk("add", "--progress-fd", str(write_end), "py3-demo", repos=[repos.main],
                     pass_fds=(write_end,))  # fmt: skip
    finally:
        os.close(write_end)
    with os.fdopen(read_end) as progress:
        reported = progress.read()
    assert result.returncode == 0
    pairs = [tuple(map(int, line.split("/"))) for line in lines(reported)]
    sizes = [sum(map(len, files.values())) for _, files in (DEMOLIB, DEMO)]
    total = sum(sizes) + 2
    assert pairs == [(0, total), (sizes[0] + 1, total), (total, total)]


def test_simulate_changes_nothing_and_takes_no_lock(apk, repos):
    lock = apk.hold_lock()
    try:
        result = apk("add", "--simulate", "py3-demo", repos=[repos.main])
        short = apk("add", "-s", "py3-demo", repos=[repos.main])
    finally:
        os.close(lock)
    assert (result.returncode, result.stderr) == (0, "")
    assert lines(result.stdout) == [*INSTALL_DEMO, "OK: 0 MiB in 0 packages"]
    assert short.stdout == result.stdout
    left = sorted(str(p.relative_to(apk.root)) for p in apk.root.rglob("*"))
    assert left == ["etc", "etc/apk", "lib", "lib/apk", "lib/apk/db", "lib/apk/db/lock"]


def test_failing_post_install_script(apk, repos):
    result = apk("add", "py3-script", repos=[repos.main])
    assert result.returncode == 1
    assert lines(result.stdout) == [
        "(1/1) Installing py3-script (1.0-r0)",
        "Executing py3-script-1.0-r0.post-install",
        "1 error; 0 MiB in 1 packages",
    ]
    assert result.stderr == "ERROR: py3-script-1.0-r0.post-install: script exited with error 127\n"
    [installed] = apk.installed()
    assert (installed.failed_script, installed.broken_files) == (True, False)


def test_post_install_runs_in_the_root_unless_no_scripts(apk, repos, tmp_path):
    result = apk("add", "py3-goodscript", repos=[repos.main])
    assert result.returncode == 0
    assert "Executing py3-goodscript-1.0-r0.post-install" in lines(result.stdout)
    assert (apk.root / "ran-post-install").read_text() == "post-install 1.0-r0\n"

    other = Apk(tmp_path / "other", apk.keys_dir)
    skipped = other("add", "--initdb", "--no-scripts", "py3-script", repos=[repos.main])
    assert (skipped.returncode, skipped.stderr) == (0, "")
    assert lines(skipped.stdout) == [
        "(1/1) Installing py3-script (1.0-r0)",
        "OK: 0 MiB in 1 packages",
    ]


@pytest.mark.parametrize("content, reason", [(None, "No such file or directory"),
                                             (b"not gzip", "BAD archive")])  # fmt: skip
def test_bad_local_apk_argument(apk, tmp_path, content, reason):
    local = tmp_path / "local.apk"
    if content is not None:
        local.write_bytes(content)
    result = apk("add", str(local))
    assert (result.returncode, result.stdout, result.stderr) == (
        99, "", f"ERROR: {local}: {reason}\n"
    )


# ------------------------------------------------------------------ root and lock


def test_initdb_creates_the_database(tmp_path, keys):
    apk = Apk(tmp_path / "new-root", keys.dir)
    result = apk("add", "--initdb")
    assert (result.returncode, result.stdout, result.stderr) == (0, "OK: 0 MiB in 0 packages\n", "")
    assert (apk.root / "lib/apk/db/installed").read_text() == ""
    assert apk.world() == ""
    assert (apk.root / "etc/apk/arch").read_text() == "x86_64\n"


@pytest.mark.parametrize(
    "make, first",
    [
        (lambda root: None, "Unable to open root: No such file or directory"),
        (lambda root: root.mkdir(), "Unable to lock database: No such file or directory"),
    ],
    ids=["no-root", "no-database"],
)
def test_missing_root_or_database(tmp_path, keys, repos, make, first):
    apk = Apk(tmp_path / "root", keys.dir)
    make(apk.root)
    result = apk("add", "py3-demo", repos=[repos.main])
    assert (result.returncode, result.stdout) == (99, "")
    reason = first.rpartition(": ")[2]
    assert lines(result.stderr) == [
        f"ERROR: {first}",
        f"ERROR: Failed to open apk database: {reason}",
    ]


def test_locked_database_without_wait(apk, repos):
    lock = apk.hold_lock()
    try:
        result = apk("add", "py3-demo", repos=[repos.main])
    finally:
        os.close(lock)
    assert (result.returncode, result.stdout) == (99, "")
    assert lines(result.stderr) == [
        "ERROR: Unable to lock database: temporary error (try again later)",
        "ERROR: Failed to open apk database: temporary error (try again later)",
    ]


def test_locked_database_wait_times_out(apk, repos):
    lock = apk.hold_lock()
    try:
        started = time.monotonic()
        result = apk("add", "--wait", "1", "py3-demo", repos=[repos.main])
        waited = time.monotonic() - started
    finally:
        os.close(lock)
    assert (result.returncode, result.stdout) == (99, "Waiting for repository lock\n")
    assert lines(result.stderr) == [
        "ERROR: Unable to lock database: Interrupted system call",
        "ERROR: Failed to open apk database: Interrupted system call",
    ]
    assert 1 <= waited < 5
    assert not (apk.root / "usr").exists()


def test_locked_database_wait_proceeds_once_released(apk, repos):
    lock = apk.hold_lock()
    argv = apk.argv(["add", "--wait", "5", "py3-demo"], repos=[repos.main])
    with subprocess.Popen(argv, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as process:  # fmt: skip
        try:
            assert process.stdout.readline() == "Waiting for repository lock\n"
        finally:
            os.close(lock)
        stdout, stderr = process.communicate(timeout=10)
    assert (process.returncode, stderr) == (0, "")
    assert lines(stdout) == [*INSTALL_DEMO, "OK: 0 MiB in 2 packages"]


def run_read_only(apk: Apk, read_only: Path, *args, repos=()):
    result = apk(*args, repos=repos, prefix=[sys.executable, "-c", READ_ONLY_EXEC, str(read_only)])
    if result.returncode == NO_NAMESPACES:
        pytest.skip("no mount namespaces here: cannot make a read-only file system")
    return result


def test_read_only_root(apk, repos):
    result = run_read_only(apk, apk.root, "add", "py3-demo", repos=[repos.main])
    assert (result.returncode, result.stdout) == (99, "")
    assert lines(result.stderr) == [
        "ERROR: Unable to lock database: Read-only file system",
        "ERROR: Failed to open apk database: Read-only file system",
    ]


def test_read_only_target_directory(apk, repos):
    (apk.root / "srv/ro").mkdir(parents=True)
    result = run_read_only(apk, apk.root / "srv/ro", "add", "py3-rotarget", repos=[repos.main])
    assert result.returncode == 1
    assert lines(result.stdout) == [
        "(1/1) Installing py3-rotarget (1.0-r0)",
        "1 error; 0 MiB in 1 packages",
    ]
    first, second = lines(result.stderr)
    assert first == "ERROR: Failed to create srv/ro/data.txt: Read-only file system"
    # The file was to be written as .apk.<48 hex digits> beside its final name, then renamed.
    rename = r"ERROR: py3-rotarget-1\.0-r0: failed to rename (\S+) to srv/ro/data\.txt\."
    assert re.fullmatch(r"srv/ro/\.apk\.[0-9a-f]{48}", re.fullmatch(rename, second)[1])
    [installed] = apk.installed()
    assert (installed.record.name, installed.broken_files) == ("py3-rotarget", True)
    assert "f:f" in lines((apk.root / "lib/apk/db/installed").read_text())


def test_repositories_file_and_keys_default_to_the_root(apk, repos, keys):
    (apk.root / "etc/apk/repositories").write_text(f"# comment\n\n{repos.main}\n")
    (apk.root / "etc/apk/keys").mkdir()
    public_key = keys.key.public_pem_path.read_bytes()
    (apk.root / "etc/apk/keys" / keys.key.key_name).write_bytes(public_key)
    result = apk("add", "py3-demo", defaults=False)
    assert (result.returncode, result.stderr) == (0, "")
    assert lines(result.stdout) == [*INSTALL_DEMO, "OK: 0 MiB in 2 packages"]


# ---------------------------------------------------------------------- del


def test_del_purges_the_package_and_orphans(apk, repos):
    assert apk("add", "py3-app", repos=[repos.main]).returncode == 0
    result = apk("del", "py3-app", repos=[repos.main])
    assert (result.returncode, result.stderr) == (0, "")
    assert lines(result.stdout) == [
        "(1/3) Purging py3-app (1.0-r0)",
        "(2/3) Purging py3-demo (1.0-r0)",
        "(3/3) Purging py3-demolib (2.0-r0)",
        "OK: 0 MiB in 0 packages",
    ]
    assert apk.world() == ""
    assert apk.installed() == []
    assert not (apk.root / "usr").exists()


def test_del_of_a_package_not_installed(apk, repos):
    result = apk("del", "py3-demo", repos=[repos.main])
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "ERROR: No such package: py3-demo\n"


def test_del_of_a_package_still_required(apk, repos):
    assert apk("add", "py3-app", repos=[repos.main]).returncode == 0
    result = apk("del", "py3-demolib", repos=[repos.main])
    assert (result.returncode, result.stderr) == (0, "")
    assert lines(result.stdout) == [
        "World updated, but the following packages are not removed due to:",
        "  py3-demolib: py3-demo py3-app",
        "OK: 0 MiB in 3 packages",
    ]
    assert apk.installed_names() == ["py3-demolib", "py3-demo", "py3-app"]


# -------------------------------------------------------- info, list, policy


def test_info_exists(apk, repos):
    assert apk("add", "py3-demo", repos=[repos.main]).returncode == 0
    lock = apk.hold_lock()  # info takes no lock
    try:
        result = apk("info", "-e", "py3-demo", "py3-nope", "py3-demolib", "py3-app")
    finally:
        os.close(lock)
    assert (result.returncode, result.stdout, result.stderr) == (2, "py3-demo\npy3-demolib\n", "")


def test_list_installed_and_upgradable(apk, repos):
    assert apk("add", "py3-demo", repos=[repos.main]).returncode == 0
    both = [repos.main, repos.newer]
    lock = apk.hold_lock()  # list takes no lock
    try:
        installed = apk("list", "--installed", repos=both)
        upgradable = apk("list", "-u", repos=both)
    finally:
        os.close(lock)
    assert (installed.returncode, installed.stderr) == (0, "")
    assert lines(installed.stdout) == [
        "py3-demo-1.0-r0 noarch {py3-demo} (MIT) [installed]",
        "py3-demolib-2.0-r0 noarch {py3-demolib} (MIT) [installed]",
    ]
    assert lines(upgradable.stdout) == [
        "py3-demo-1.1-r0 noarch {py3-demo} (MIT) [upgradable from: py3-demo-1.0-r0]"
    ]


def test_policy(apk, repos):
    assert apk("add", "py3-demo", repos=[repos.main]).returncode == 0
    result = apk("policy", "py3-demo", repos=[repos.main, repos.newer])
    assert (result.returncode, result.stderr) == (0, "")
    assert lines(result.stdout) == [
        "py3-demo policy:",
        "  1.0-r0:",
        "    lib/apk/db/installed",
        f"    {repos.main}",
        "  1.1-r0:",
        f"    {repos.newer}",
    ]


def test_launcher_works_from_any_directory(tmp_path, repos, keys):
    apk = Apk(tmp_path / "root", keys.dir)
    argv = [str(LAUNCHER), *apk.argv(["add", "--initdb", "py3-demo"], [repos.main])[len(DOUBLE):]]
    result = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True)
    assert (result.returncode, result.stderr) == (0, "")
    assert lines(result.stdout) == [*INSTALL_DEMO, "OK: 0 MiB in 2 packages"]
