"""apk's command line, as data: argv building, input validation and output parsing (pure).

Follows apk-tools 2.12/2.14 as recorded in apk-cli.md, and accepts 3.x's wording where it
differs. Nothing here runs a process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .policy import PACKAGE_NAME_RE, check_repository_url
from .versions import is_valid

# "(1/2) Installing py3-demo (1.0-r0)", "(1/1) Upgrading py3-demo (1.0-r0 -> 1.1-r0)"
_STEP_RE = re.compile(
    r"^\((\d+)/(\d+)\) (Installing|Upgrading|Downgrading|Reinstalling|Replacing|Purging) "
    r"(\S+) \((\S+)(?: -> (\S+))?\)$"
)
# --progress-fd: "done/total" (2.x) or "done/total stage" (3.x).
_PROGRESS_RE = re.compile(r"^(\d+)/(\d+)(?: \S.*)?$")
# The blocks under "unable to select packages": "  name (no such package):" and
# "    required by: py3-broken-1.0-r0[py3-doesnotexist]".
_UNSELECTABLE_RE = re.compile(r"^\s+(\S+) \(([^)]*)\):?$")
_UNSELECTABLE_HEADER = "unable to select packages"
_REQUIRED_BY_RE = re.compile(r"^\s+required by: (\S+)\[([^\]]+)\]")


class RequestError(ValueError):
    """A package name, version or repository that must never reach apk."""


def check_package(spec: str) -> str:
    """Validate `NAME` or `NAME=VERSION` against apk's grammar; return it unchanged."""
    if not isinstance(spec, str):
        raise RequestError("a package must be given as a string")
    name, sep, version = spec.partition("=")
    # apk reads any argument containing ".apk" as a local package file, not a name.
    if not PACKAGE_NAME_RE.fullmatch(name) or ".apk" in name:
        raise RequestError(f"{spec[:80]!r} is not a valid apk package name")
    if sep and not is_valid(version):
        raise RequestError(f"{version[:80]!r} is not a valid apk version")
    return spec


def check_repository(url: str) -> str:
    try:
        return check_repository_url(url)
    except ValueError as e:
        raise RequestError(str(e)) from e


@dataclass(frozen=True)
class ApkOptions:
    """What every apk run of one server shares (from the admin's `ApkManager`)."""

    command: tuple[str, ...]
    root: str
    repositories: tuple[str, ...]
    keys_dir: str
    allow_untrusted: bool = False
    wait: int = 10  # seconds to wait for a lock held by another apk
    cache_dir: str | None = None  # a package cache shared by servers; None: --no-cache


def build_argv(
    options: ApkOptions,
    action: str,
    packages: list[str],
    *,
    simulate: bool = False,
    progress_fd: int | None = None,
) -> list[str]:
    """The argv of one apk run; every package and repository is validated first."""
    packages = [check_package(p) for p in packages]
    verb = {"install": "add", "upgrade": "add", "remove": "del", "repair": "fix"}.get(action)
    if verb is None:
        raise RequestError(f"unknown action {action!r}")
    # `apk fix` without names repairs every package in error; the others need names.
    if not packages and verb != "fix":
        raise RequestError("no packages given")
    repositories = [check_repository(url) for url in options.repositories]
    # apk --simulate fills no cache, so with an empty one it would find no index at all.
    cached = options.cache_dir is not None and not simulate
    cache = ["--cache-dir", options.cache_dir] if cached else ["--no-cache"]
    # Only the policy's repositories: never the root's own repositories file, which apk reads,
    # and without a cache fetches from, even for `del`.
    argv = [*options.command, verb, "--root", options.root, *cache]
    argv += ["--repositories-file", "/dev/null"]
    if verb in ("add", "fix"):  # fix reinstalls, from the same repositories as add
        argv += ["--keys-dir", options.keys_dir]
        for url in repositories:
            argv += ["-X", url]
        if options.allow_untrusted:
            argv.append("--allow-untrusted")
        if action == "upgrade":
            argv.append("--upgrade")
        if cached:
            # A cached index counts as fresh for hours; the packages are what is shared.
            argv.append("--update-cache")
    argv += ["--wait", str(options.wait)]
    if simulate:
        argv.append("--simulate")
    if progress_fd is not None:
        argv += ["--progress-fd", str(progress_fd)]
    # "--" ends the options: a package can never be read as one, whatever slips through.
    return [*argv, "--", *packages]


@dataclass(frozen=True)
class Step:
    """One plan line of apk's output."""

    action: str  # "install", "upgrade", "downgrade", "reinstall", "replace", "remove"
    name: str
    version: str  # the version after the step (before it, for a removal)
    old_version: str | None = None

    def to_json(self) -> dict:
        return {
            "action": self.action,
            "name": self.name,
            "version": self.version,
            "old_version": self.old_version,
        }


_STEP_ACTIONS = {
    "Installing": "install",
    "Upgrading": "upgrade",
    "Downgrading": "downgrade",
    "Reinstalling": "reinstall",
    "Replacing": "replace",
    "Purging": "remove",
}


def parse_step(line: str) -> Step | None:
    match = _STEP_RE.match(line.strip())
    if not match:
        return None
    _, _, verb, name, first, second = match.groups()
    if second is not None:
        return Step(_STEP_ACTIONS[verb], name, second, first)
    return Step(_STEP_ACTIONS[verb], name, first)


def parse_progress(line: str) -> float | None:
    """The fraction done from one --progress-fd line, or None if it is not one."""
    match = _PROGRESS_RE.match(line.strip())
    if not match:
        return None
    done, total = int(match.group(1)), int(match.group(2))
    return min(1.0, done / total) if total else None


@dataclass(frozen=True)
class Problem:
    """An apk failure explained for people."""

    kind: str
    message: str


# (pattern in apk's output, kind, message): first match wins; {0}, {1} are the pattern's groups.
_PROBLEMS: list[tuple[re.Pattern, str, str]] = [
    (re.compile(r"apk-helper: refused: (.*)"),
     "refused", "The administrator's policy refused this request: {0}."),
    (re.compile(r"Unable to lock database: (?:temporary error|Resource temporarily)"),
     "locked", "Another apk process holds the package database lock; try again in a moment."),
    (re.compile(r"Unable to lock database: Interrupted system call"),
     "locked", "Another apk process kept the package database locked for the whole wait."),
    (re.compile(r"Unable to lock database: Read-only file system|Read-only file system"),
     "read-only", "The system root is read-only: packages cannot be installed here."),
    # apk 2.x with --wait, when it cannot even open the lock file: it waits on no descriptor.
    (re.compile(r"Unable to lock database: Bad file descriptor"),
     "read-only", "apk could not open its database lock file: the system root is read-only or "
                  "not writable here."),
    (re.compile(r"No space left on device"),
     "no-space", "The disk is full: apk could not write the packages."),
    (re.compile(r"Unable to lock database: (.*)|Failed to open apk database: (.*)"),
     "database", "apk could not open its package database ({0})."),
    (re.compile(r"ERROR: (\S+): (?:BAD archive|IO ERROR|file format is invalid or inconsistent)"),
     "broken-package", "The package {0} is damaged and was not installed."),
    (re.compile(r"ERROR: (\S+): BAD signature"),
     "bad-package-signature",
     "The package {0} does not match its repository index (BAD signature): it was changed "
     "after the index was signed."),
    # 2.x: "ERROR: p-1.0-r0.post-install: script exited with error 127";
    # 3.0: "ERROR: lib/apk/exec/p-1.0-r0.post-install: exited with error 127".
    (re.compile(r"ERROR: (?:lib/apk/exec/)?(\S+)\.(?:pre|post)-(?:install|upgrade|deinstall): "
                r"(?:script )?exited with error"),
     "script-failed", "The install script of {0} failed."),
    (re.compile(r"ERROR: Failed to create (\S+): (.*)"),
     "write-failed", "apk could not write {0} ({1})."),
    (re.compile(r"(?:Ignoring|opening) (\S+): UNTRUSTED signature"),
     "untrusted", "The index of {0} is not signed by a trusted key; its packages were ignored."),
    (re.compile(r"(?:Ignoring|opening) (\S+): BAD signature"),
     "bad-signature",
     "The index of {0} has a BAD signature (forged or damaged); its packages were ignored."),
    # 2.12 "Ignoring", 2.14 "fetching": "could not connect to server"; 3.0: "Connection refused".
    (re.compile(r"(?:Ignoring|opening|fetching|fetch) (\S+?):? "
                r"(?:could not connect to server|Connection refused)"),
     "unreachable", "The repository {0} could not be reached."),
    (re.compile(r"(?:Ignoring|opening|fetching) (\S+): No such file or directory"),
     "repository-missing", "The repository {0} has no index for this architecture."),
    (re.compile(r"ERROR: No such package: (\S+)"),
     "not-installed", "{0} is not installed."),
    (re.compile(r"not removed due to"),
     "still-required", "Some packages were kept because other installed packages need them."),
]  # fmt: skip


# apk 3.0 names the index where 2.x names the repository: "<repo>/x86_64/APKINDEX.tar.gz".
_INDEX_PATH_RE = re.compile(r"/[^/\s]+/APKINDEX\.tar\.gz$")
_DATABASE_KINDS = frozenset({"locked", "read-only", "no-space", "database"})


def explain(stdout: str, stderr: str, returncode: int) -> list[Problem]:
    """Every problem apk reported, most specific first, for a run with *returncode*.

    Each stream is read on its own: stdout and stderr are two pipes with no order between
    them, so no explanation may depend on how they interleave. The "unable to select
    packages" block is read whole: each entry is a missing package or a missing dependency of
    one (apk 2.12 writes the block's first line on stderr and its entries on stdout).
    """
    problems: list[Problem] = []
    seen: set[str] = set()

    def add(kind: str, message: str) -> None:
        # "Failed to open apk database" follows the line that says why; report that one only.
        if kind == "database" and any(p.kind in _DATABASE_KINDS for p in problems):
            return
        if message not in seen:
            seen.add(message)
            problems.append(Problem(kind, message))

    streams = [stderr.splitlines(), stdout.splitlines()]
    unselectable = any(_UNSELECTABLE_HEADER in line for lines in streams for line in lines)
    for lines in streams:
        for line in lines:
            for pattern, kind, template in _PROBLEMS:
                match = pattern.search(line)
                if match:
                    values = (_INDEX_PATH_RE.sub("", g) for g in match.groups() if g is not None)
                    add(kind, template.format(*values))
                    break
        if unselectable:
            for problem in _unselectable(lines):
                add(problem.kind, problem.message)
    if returncode != 0 and not problems:
        add("failed", f"apk failed with exit status {returncode}; see the log.")
    return problems


def _unselectable(lines: list[str]) -> list[Problem]:
    """The entries of an "unable to select packages" block in one stream's *lines*: after
    the block's first line, or from the first entry where the other stream has that line."""
    start = next((i + 1 for i, line in enumerate(lines) if _UNSELECTABLE_HEADER in line), None)
    if start is None:
        start = next((i for i, line in enumerate(lines) if _UNSELECTABLE_RE.match(line)), None)
    if start is None:
        return []
    problems = []
    name = None
    for line in lines[start:]:
        entry = _UNSELECTABLE_RE.match(line)
        if entry:
            name = entry.group(1)
            continue
        required = _REQUIRED_BY_RE.match(line)
        if required and name:
            owner, wanted = required.groups()
            if owner == "world":
                problems.append(
                    Problem("no-such-package", f"No repository has a package named {name}.")
                )
            else:
                problems.append(
                    Problem(
                        "missing-dependency",
                        f"{owner} needs {wanted}, which no repository provides.",
                    )
                )
            continue
        if not line.startswith(" "):
            break
    return problems


@dataclass(frozen=True)
class Kept:
    """A package `apk del` was asked to remove but kept, and the installed ones needing it."""

    package: str
    required_by: tuple[str, ...]

    def to_json(self) -> dict:
        return {"package": self.package, "required_by": list(self.required_by)}


@dataclass
class Plan:
    """What a run will do (from --simulate) or did."""

    steps: list[Step] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "steps": [step.to_json() for step in self.steps],
            "kept": [kept.to_json() for kept in self.kept],
        }


_KEPT_HEADER = "World updated, but the following packages are not removed due to:"
# "  py3-wcwidth: py3-prettytable py3-other"; apk wraps long lists onto deeper-indented lines.
_KEPT_RE = re.compile(r"^  (\S+): ?(.*)$")


def parse_kept(stdout: str) -> list[Kept]:
    """The packages `apk del` kept because installed packages need them (its stdout block)."""
    lines = stdout.splitlines()
    if _KEPT_HEADER not in lines:
        return []
    found: list[tuple[str, list[str]]] = []
    for line in lines[lines.index(_KEPT_HEADER) + 1 :]:
        entry = _KEPT_RE.match(line)
        if entry:
            found.append((entry.group(1), entry.group(2).split()))
        elif line.startswith("   ") and found:
            found[-1][1].extend(line.split())
        else:
            break
    return [Kept(name, tuple(needed)) for name, needed in found]


def parse_plan(output: str) -> Plan:
    """The plan in apk's stdout: its steps, and what a removal keeps."""
    steps = [step for step in map(parse_step, output.splitlines()) if step is not None]
    return Plan(steps, parse_kept(output))


# The closing line of add/del/fix: "OK: 0 MiB in 2 packages", "1 error; 231 B in 3 packages",
# "2 errors; 1920 KiB in 5 packages" (apk 3.0 gives sizes in B, KiB, MiB, …).
_SUMMARY_RE = re.compile(
    r"^(?:OK:|(\d+) errors?;) (\d+(?:\.\d+)?) ([KMGT]?i?B) in (\d+) packages$"
)


@dataclass(frozen=True)
class Summary:
    errors: int
    packages: int


def parse_summary(output: str) -> Summary | None:
    """apk's closing line in *output* (stdout), or None if it wrote none."""
    for line in reversed(output.splitlines()):
        match = _SUMMARY_RE.match(line.strip())
        if match:
            return Summary(int(match.group(1) or 0), int(match.group(4)))
    return None
