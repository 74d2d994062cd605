"""The conformance table: scenarios run alike against the apk test double and real apk binaries.

Each scenario lays out a sandbox root, runs what the installer would run (argv from
`apkcli.build_argv`, so the production argv is what is tested) and reduces the run to an
`Outcome`: the exit status, what the server's parsers make of stdout and stderr, the plan, and
the installed database and world afterwards. `tests/test_conformance.py` compares the outcome
of the double with that of every real binary; a known, explained difference is recorded in the
scenario's `known` table.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Mapping
from itertools import pairwise
from pathlib import Path

from jupyterlab_apk.apkcli import (
    ApkOptions,
    build_argv,
    explain,
    parse_plan,
    parse_progress,
    parse_summary,
)
from jupyterlab_apk.apkindex import parse_installed
from jupyterlab_apk.apkwriter import (
    PackageInfo,
    build_apk,
    build_index,
    index_record,
    write_repository,
)

from .conftest import make_root

PROJECT = Path(__file__).resolve().parents[1]
DOUBLE = (sys.executable, "-m", "demo.apk_double")
ARCH = "x86_64"
SITE = "usr/lib/python3.11/site-packages"

# Runs argv[2:] in a private mount namespace where argv[1] is read-only: the only way to get a
# real EROFS as root. Exits 77 where namespaces are not allowed.
READ_ONLY_EXEC = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
def call(result):
    if result != 0:
        sys.exit(77)
path = sys.argv[1].encode()
call(libc.unshare(0x20000))  # CLONE_NEWNS
call(libc.mount(None, b"/", None, 0x4000 | 0x40000, None))  # MS_REC | MS_PRIVATE
call(libc.mount(path, path, None, 0x1000, None))  # MS_BIND
call(libc.mount(None, path, None, 0x1000 | 0x20 | 0x1, None))  # MS_BIND | MS_REMOUNT | MS_RDONLY
os.execv(sys.argv[2], sys.argv[2:])
"""
NO_NAMESPACES = 77


def _package(name, version, depends=(), scripts=None):
    info = PackageInfo(name, version, arch=ARCH, license="MIT", depends=depends)
    files = {f"{SITE}/{name.replace('-', '_')}.py": f"VERSION = {version!r}\n".encode()}
    return (info, files, scripts) if scripts else (info, files)


DEMOLIB = _package("py3-demolib", "2.0-r0")
DEMO = _package("py3-demo", "1.0-r0", ("py3-demolib",))
DEMO_11 = _package("py3-demo", "1.1-r0", ("py3-demolib",))
OTHER = _package("py3-other", "1.0-r0")
BROKEN = _package("py3-broken", "1.0-r0", ("py3-doesnotexist",))
SCRIPT = _package("py3-script", "1.0-r0", scripts={".post-install": b"exit 127\n"})
CORRUPT = _package("py3-corrupt", "1.0-r0", ("py3-demolib",))
# Installed with py3-demo and py3-other both present, as Alpine's `-pyc` companions are.
COMPANION = _package("py3-demo-extra", "1.0-r0")
COMPANION_IF = "py3-demo py3-other"

REPOSITORIES = ("main", "newer", "unsigned", "forged", "corrupt", "companion")


def build_repositories(base: Path, key, impostor) -> dict[str, str]:
    """Every repository the table uses, by name; `unreachable` is a closed port on 127.0.0.1."""
    write_repository(base / "main", ARCH, [DEMOLIB, DEMO, OTHER, BROKEN, SCRIPT], key)
    write_repository(base / "newer", ARCH, [DEMO_11], key)
    write_repository(base / "unsigned", ARCH, [DEMOLIB, DEMO], None)
    write_repository(base / "forged", ARCH, [DEMOLIB, DEMO], impostor)
    write_repository(base / "corrupt", ARCH, [CORRUPT], key)
    damaged = base / "corrupt" / ARCH / "py3-corrupt-1.0-r0.apk"
    good = damaged.read_bytes()
    # Damaged bytes in the compressed data: it no longer inflates (a gzip CRC error).
    damaged.write_bytes(good[:-40] + bytes(20) + good[-20:])
    # install_if is an index field (`i:`), which abuild copies from the APKBUILD.
    info, files = COMPANION
    apk = build_apk(info, files, key)
    (base / "companion" / ARCH).mkdir(parents=True)
    (base / "companion" / ARCH / f"{info.name}-{info.version}.apk").write_bytes(apk)
    record = index_record(info, apk) + f"i:{COMPANION_IF}\n"
    (base / "companion" / ARCH / "APKINDEX.tar.gz").write_bytes(build_index([record], key))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        unreachable = f"http://127.0.0.1:{sock.getsockname()[1]}/alpine"
    return {**{name: str(base / name) for name in REPOSITORIES}, "unreachable": unreachable}


@dataclasses.dataclass(frozen=True)
class Run:
    action: str  # as the installer names it: install, upgrade, remove, repair
    packages: tuple[str, ...] = ()
    repos: tuple[str, ...] = ("main",)


@dataclasses.dataclass(frozen=True)
class Known:
    """A difference between a real apk series and the double, and why."""

    why: str
    fields: Mapping[str, object]  # Outcome field -> the value this series gives


@dataclasses.dataclass(frozen=True)
class Scenario:
    name: str
    run: Run
    before: tuple[Run, ...] = ()  # runs that lay out the state (each binary with itself)
    simulate: bool = False
    progress: bool = False
    lock: str | None = None  # "held": another process holds the database lock
    wait: int = 10
    read_only: bool = False
    # What the double must give (rc, problem kinds): the table's own check without real apk.
    expect: tuple[int, tuple[str, ...]] = (0, ())
    known: Mapping[str, Known] = dataclasses.field(default_factory=dict)  # "2.12" -> Known


SCENARIOS = (
    Scenario("install", Run("install", ("py3-demo",))),
    Scenario(
        "upgrade",
        Run("upgrade", ("py3-demo",), ("main", "newer")),
        before=(Run("install", ("py3-demo",)),),
    ),
    Scenario(
        "downgrade",
        Run("install", ("py3-demo=1.0-r0",), ("main", "newer")),
        before=(Run("install", ("py3-demo",), ("main", "newer")),),
    ),
    Scenario("remove", Run("remove", ("py3-demo",)), before=(Run("install", ("py3-demo",)),)),
    Scenario(
        "still required",
        Run("remove", ("py3-demolib",)),
        before=(Run("install", ("py3-demo", "py3-demolib")),),
        expect=(0, ("still-required",)),
    ),
    Scenario("remove not installed", Run("remove", ("py3-demo",)), expect=(1, ("not-installed",))),
    Scenario("unknown package", Run("install", ("nosuchpkg",)), expect=(1, ("no-such-package",))),
    Scenario(
        "missing dependency",
        Run("install", ("py3-broken",)),
        expect=(2, ("missing-dependency",)),
    ),
    Scenario(
        "unsigned index",
        Run("install", ("py3-demo",), ("unsigned",)),
        expect=(1, ("untrusted", "no-such-package")),
    ),
    Scenario(
        "BAD signature",
        Run("install", ("py3-demo",), ("forged",)),
        expect=(2, ("bad-signature",)),
    ),
    Scenario(
        "unreachable repository",
        Run("install", ("py3-demo",), ("unreachable", "main")),
        expect=(0, ("unreachable",)),
    ),
    Scenario(
        "corrupt package",
        Run("install", ("py3-corrupt",), ("main", "corrupt")),
        expect=(1, ("broken-package",)),
    ),
    Scenario(
        "lock held", Run("install", ("py3-demo",)), lock="held", wait=0, expect=(99, ("locked",))
    ),
    Scenario(
        "lock held --wait",
        Run("install", ("py3-demo",)),
        lock="held",
        wait=1,
        expect=(99, ("locked",)),
    ),
    Scenario(
        "read-only root",
        Run("install", ("py3-demo",)),
        before=(Run("install", ("py3-other",)),),  # a root in use: lock file and log exist
        read_only=True,
        expect=(99, ("read-only",)),
    ),
    Scenario("failing script", Run("install", ("py3-script",)), expect=(1, ("script-failed",))),
    Scenario(
        "error state",
        Run("install", ("py3-other",)),
        before=(Run("install", ("py3-script",)),),
        expect=(1, ("failed",)),
    ),
    Scenario(
        "apk fix", Run("repair", ()), before=(Run("install", ("py3-script",)),)
    ),
    Scenario(
        "install_if",
        Run("install", ("py3-other",), ("main", "companion")),
        before=(Run("install", ("py3-demo",), ("main", "companion")),),
    ),
    Scenario(
        "simulate",
        Run("install", ("py3-demo",)),
        simulate=True,
        known={
            series: Known(
                "2.14 and later count, in the closing line of a simulation, the packages the run "
                "would leave installed; 2.12 (and the double) those installed now",
                {"summary": (0, 2)},
            )
            for series in ("2.14", "3.0")
        },
    ),
    Scenario("progress-fd", Run("install", ("py3-demo",)), progress=True),
)


@dataclasses.dataclass(frozen=True)
class Transcript:
    """One apk run as it happened; paths of the sandbox replaced by placeholders."""

    argv: tuple[str, ...]
    stdout: str
    stderr: str
    returncode: int
    progress: str = ""

    def to_json(self) -> dict:
        return dataclasses.asdict(self) | {"argv": list(self.argv)}


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What the server sees of one run."""

    returncode: int
    problems: tuple[str, ...]  # explain()'s kinds
    steps: tuple[tuple[str, str, str | None], ...]  # (action, name, version)
    kept: tuple[tuple[str, tuple[str, ...]], ...]  # what a removal kept, and what needs it
    summary: tuple[int, int] | None  # parse_summary: (errors, packages)
    progress: str | None  # "complete" if --progress-fd rose to 1.0 without going back
    installed: tuple[tuple[str, str, str], ...]  # (name, version, flags "f"/"s")
    world: tuple[str, ...]


TRANSCRIPTS = Path(__file__).resolve().parent / "data" / "transcripts"


def transcript_path(series: str, scenario: str) -> Path:
    """Where the recorded run of *scenario* by apk *series* ("2.12", "double") is kept."""
    return TRANSCRIPTS / series / (re.sub(r"[^A-Za-z0-9_]+", "-", scenario) + ".json")


def reading(transcript: Transcript) -> dict:
    """What the server's parsers make of a run: the Outcome fields that need no root."""
    fractions = [f for f in map(parse_progress, transcript.progress.splitlines()) if f is not None]
    progress = None
    if fractions:
        rising = all(a <= b for a, b in pairwise(fractions))
        progress = "complete" if rising and fractions[-1] == 1.0 else f"{fractions}"
    summary = parse_summary(transcript.stdout)
    problems = explain(transcript.stdout, transcript.stderr, transcript.returncode)
    plan = parse_plan(transcript.stdout)
    return {
        "returncode": transcript.returncode,
        "problems": tuple(p.kind for p in problems),
        "steps": tuple((s.action, s.name, s.version) for s in plan.steps),
        "kept": tuple((k.package, k.required_by) for k in plan.kept),
        "summary": summary and (summary.errors, summary.packages),
        "progress": progress,
    }


def outcome(transcript: Transcript, root: Path) -> Outcome:
    installed = ()
    database = root / "lib/apk/db/installed"
    if database.exists():
        installed = tuple(
            (item.record.name, item.record.version,
             "f" * item.broken_files + "s" * item.failed_script)
            for item in sorted(parse_installed(database.read_text()), key=lambda i: i.record.name)
        )  # fmt: skip
    world = tuple(sorted((root / "etc/apk/world").read_text().split()))
    return Outcome(**reading(transcript), installed=installed, world=world)


def load_transcript(series: str, scenario: str) -> Transcript:
    data = json.loads(transcript_path(series, scenario).read_text(encoding="utf-8"))
    return Transcript(tuple(data["argv"]), data["stdout"], data["stderr"], data["returncode"],
                      data["progress"])  # fmt: skip


class Sandbox:
    """One fresh root for one scenario and one apk (the double or a real binary)."""

    def __init__(self, command: tuple[str, ...], base: Path, repos: dict[str, str], keys_dir):
        self.command = command
        self.base = base
        self.root = make_root(base / "root", ARCH)
        self.repos = repos
        self.keys_dir = str(keys_dir)

    def argv(self, run: Run, *, wait=10, simulate=False, progress_fd=None) -> list[str]:
        options = ApkOptions(
            command=self.command,
            root=str(self.root),
            repositories=tuple(self.repos[name] for name in run.repos),
            keys_dir=self.keys_dir,
            wait=wait,
        )
        return build_argv(options, run.action, list(run.packages), simulate=simulate,
                          progress_fd=progress_fd)  # fmt: skip

    def execute(self, argv: list[str], *, read_only=False, progress=False) -> Transcript:
        prefix = [sys.executable, "-c", READ_ONLY_EXEC, str(self.root)] if read_only else []
        if progress:
            read_end, write_end = os.pipe()
            argv = [str(write_end) if a == "PROGRESS_FD" else a for a in argv]
        env = {**os.environ, "LC_ALL": "C"}
        try:
            result = subprocess.run(
                [*prefix, *argv], cwd=PROJECT, capture_output=True, text=True, timeout=60,
                env=env, pass_fds=(write_end,) if progress else (),
            )  # fmt: skip
        finally:
            if progress:
                os.close(write_end)
        reported = ""
        if progress:
            with os.fdopen(read_end) as stream:
                reported = stream.read()
        return Transcript(
            tuple(self.placeholders(a) for a in argv[len(self.command):]),
            self.placeholders(result.stdout),
            self.placeholders(result.stderr),
            result.returncode,
            reported,
        )

    def placeholders(self, text: str) -> str:
        """Sandbox paths as names, so transcripts of different runs compare and replay."""
        for name, url in sorted(self.repos.items(), key=lambda item: -len(item[1])):
            text = text.replace(url, f"<{name}>")
        text = text.replace(str(self.root), "<root>").replace(self.keys_dir, "<keys>")
        return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<port>", text)

    def play(self, scenario: Scenario) -> tuple[Transcript, Outcome]:
        for run in scenario.before:
            self.execute(self.argv(run))
        argv = self.argv(
            scenario.run,
            wait=scenario.wait,
            simulate=scenario.simulate,
            progress_fd="PROGRESS_FD" if scenario.progress else None,
        )
        if scenario.lock == "held":
            fd = os.open(self.root / "lib/apk/db/lock", os.O_CREAT | os.O_RDWR, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            transcript = self.execute(
                argv, read_only=scenario.read_only, progress=scenario.progress
            )
        finally:
            if scenario.lock == "held":
                os.close(fd)
        return transcript, outcome(transcript, self.root)
