"""A TEST DOUBLE of Alpine's `apk` (apk-tools 2.x), for the tests and the demo only.

Never use it in production: it is not apk, installs nothing from Alpine, does no chroot, and
exists so that the demo and the fast tests run where no real apk is at hand. It behaves as
apk-tools 2.12.7 does: the same arguments, the same lines on stdout and on stderr (2.12 wording),
the same exit codes, files, database format and lock. The conformance table
(tests/conformance.py) holds it to the real binaries, scenario by scenario, and the recorded
transcripts in tests/data/transcripts/ show what each real version prints.

    python -m demo.apk_double [OPTIONS] APPLET [ARGS]      (or demo/bin/apk-test-double)

Applets: `add NAME[=VER|>=VER|…]…`, `del NAME…`, `fix [NAME…]`, `info [-e NAME…]`,
`list [-I|--installed] [-u|--upgradable] [PATTERN…]`, `policy NAME…`, `--version`.
Options: `--root R` (`-p`), `--initdb`, `--no-cache`, `--allow-untrusted`,
`--keys-dir D` (default R/etc/apk/keys), `-X`/`--repository REPO` (repeatable),
`--repositories-file F` (default R/etc/apk/repositories),
`--arch A` (default R/etc/apk/arch, else x86_64), `--wait S`, `--progress-fd N`,
`-s`/`--simulate`, `--no-scripts`, `-u`/`--upgrade` (add: prefer the newest versions of the named
packages), `-q`/`--quiet`; `--no-progress`, `--progress`, `-v`, `-U`, `--update-cache` and
`--cache-dir D` are accepted and ignored.

What it does as apk does: repositories from absolute paths, `file://` and `http(s)://` (index
signatures checked with `jupyterlab_apk.signing` against the keys dir; UNTRUSTED repositories
ignored unless `--allow-untrusted`, BAD-signature ones masked); a small solver (highest version,
earlier repository wins ties, installed versions kept unless `-u`, dependencies by name and by
`p:` provides, purging what the world no longer needs); `flock` on R/lib/apk/db/lock for `add`
and `del`; per-package checks (control sha1 against the index `C:`, `datahash`, per-file SHA1);
extraction through `.apk.<hash>` temporary names then renames; `.pre-install`/`.post-install`
(`-upgrade` on upgrades) scripts run with `sh` in the root; R/lib/apk/db/installed and
R/etc/apk/world written atomically; progress `done/total` lines on `--progress-fd`.

Simplifications and guesses, each one deliberate:
- `python3` (and `python3~X.Y`) dependencies count as satisfied by the host's Python when no
  repository and no installed package provides `python3` (the demo packages target the host).
- The solver is greedy (first fitting choice, no backtracking); its exit status counts one error
  per failing name or package, plus one per package left in error (`f:` flags, until
  `apk fix`), which reproduces every recorded case.
- Scripts run with `sh` with the root as working directory, not chrooted into it; deinstall
  scripts are not kept, so `del` runs none. Conflicts (`!name`), file ownership
  clashes, symlinks and tagged repositories (`@tag url`) are not handled; a local `.apk`
  argument is refused with exit 99 (apk would install a good one).
- Not recorded in apk-cli.md, so taken from apk-tools 2.x's sources: the wording for a relative
  repository path ("invalid URL (check your repositories file)"), a missing root, a malformed
  installed database; and data not matching `datahash` being a BAD signature (EKEYREJECTED)
  while data that does not inflate is a BAD archive.
- Nothing is cached: every run reads the indexes again (`--no-cache` or not).
"""

from __future__ import annotations

import base64
import errno
import fcntl
import fnmatch
import functools
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from jupyterlab_apk.apkindex import IndexParseError, PackageRecord, parse_index, parse_installed
from jupyterlab_apk.apkwriter import read_apk
from jupyterlab_apk.signing import IndexFormatError, load_keys, open_index, split_gzip_members
from jupyterlab_apk.versions import compare, satisfies

VERSION_LINE = "apk-tools 2.12.7, compiled for x86_64."
DB_OPEN_FAILED = 99
INSTALLED_DB = "lib/apk/db/installed"
LOCK_FILE = "lib/apk/db/lock"
WORLD_FILE = "etc/apk/world"
SCREEN_WIDTH = 50  # apk's width when stderr is not a terminal; it wraps lists at this column
SCRIPT_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}  # the only environment apk gives scripts
# apk's own error codes, beyond errno's.
EAPKBADURL = 1024  # a repository it cannot make a URL of
EAPKFORMAT = 1026  # a malformed package or database file

# apk_error_str() wording where it differs from strerror().
_APK_ERRORS = {
    errno.EAGAIN: "temporary error (try again later)",
    errno.ECONNREFUSED: "could not connect to server (check repositories file)",
    errno.ETIMEDOUT: "operation timed out",
    errno.EREMOTEIO: "remote server returned error (try 'apk update')",
    errno.ENXIO: "DNS lookup error",
    errno.ENETUNREACH: "network error (check Internet connection and firewall)",
    errno.EBADMSG: "BAD archive",
    EAPKBADURL: "invalid URL (check your repositories file)",
    EAPKFORMAT: "package file format error",
}
_VALUE_OPTIONS = {
    "--root": "root", "-p": "root", "--keys-dir": "keys_dir", "-X": "repositories",
    "--repository": "repositories", "--repositories-file": "repositories_file",
    "--arch": "arch", "--wait": "wait", "--progress-fd": "progress_fd", "--cache-dir": None,
}  # fmt: skip
_FLAG_OPTIONS = {
    "--initdb": "initdb", "--no-cache": None, "--allow-untrusted": "allow_untrusted",
    "-s": "simulate", "--simulate": "simulate", "--no-scripts": "no_scripts",
    "-q": "quiet", "--quiet": "quiet", "-u": "upgrade", "--upgrade": "upgrade",
    "--upgradable": "upgrade", "-e": "exists", "--exists": "exists", "-I": "installed",
    "--installed": "installed", "--no-progress": None, "--progress": None, "-v": None,
    "--verbose": None, "-U": None, "--update-cache": None, "-V": "version", "--version": "version",
}  # fmt: skip
_DEPENDENCY = re.compile(r"^(!?)([^!<>=~\s]+)(?:(<=|>=|<~|>~|[<>=~])(\S+))?$")


class DatabaseError(Exception):
    """apk_db_open failed: `ERROR: <what>: <reason>`, then exit 99."""

    def __init__(self, what: str, code: int) -> None:
        super().__init__(what)
        self.what, self.reason = what, _apk_strerror(code)


@dataclass
class Options:
    applet: str = ""
    args: list[str] = field(default_factory=list)
    root: str = "/"
    keys_dir: str | None = None
    repositories: list[str] = field(default_factory=list)
    repositories_file: str | None = None
    arch: str | None = None
    wait: str = "0"
    progress_fd: str | None = None
    initdb: bool = False
    allow_untrusted: bool = False
    simulate: bool = False
    no_scripts: bool = False
    quiet: bool = False
    upgrade: bool = False
    exists: bool = False
    installed: bool = False
    version: bool = False


@dataclass(frozen=True)
class Dep:
    """A dependency or world entry: `name`, `name=1.0-r0`, `python3~3.11`, `!conflict`."""

    name: str
    op: str | None = None
    version: str | None = None
    conflict: bool = False

    @classmethod
    def parse(cls, text: str) -> Dep | None:
        match = _DEPENDENCY.match(text)
        return match and cls(match[2], match[3], match[4], bool(match[1]))

    def __str__(self) -> str:
        return f"{'!' * self.conflict}{self.name}{self.op or ''}{self.version or ''}"

    def accepts(self, version: str | None) -> bool:
        if self.op is None:
            return True
        return version is not None and satisfies(version, self.op, self.version or "")


@dataclass
class Repo:
    url: str  # as given: what warnings and `policy` print
    available: bool  # False when masked (BAD signature)
    records: list[PackageRecord]


@dataclass
class Installed:
    """One record of the installed database, kept as lines to write it back unchanged."""

    record: PackageRecord
    header: list[str]  # the index fields
    flags: str  # "f" broken files, "s" failed script
    body: list[str]  # F:/M:/R:/a:/Z: lines

    def paths(self) -> tuple[list[str], list[str]]:
        """(directories, files), relative to the root, in database order."""
        return _body_paths(self.body)

    def text(self) -> str:
        flags = [f"f:{self.flags}"] if self.flags else []
        return "\n".join([*self.header, *flags, *self.body]) + "\n"


@dataclass(eq=False)
class Pkg:
    """A package name-version, from repositories (in order) and/or the installed database."""

    record: PackageRecord
    repos: list[Repo] = field(default_factory=list)
    installed: Installed | None = None

    @property
    def nv(self) -> str:
        return f"{self.record.name}-{self.record.version}"

    @property
    def available(self) -> bool:
        return self.installed is not None or any(repo.available for repo in self.repos)


class Output:
    """apk's streams: messages (quiet-able) and solver details on stdout, errors on stderr."""

    def __init__(self, quiet: bool, progress_fd: str | None) -> None:
        self.quiet = quiet
        self.progress_fd = int(progress_fd) if progress_fd and progress_fd.isdigit() else None

    def message(self, line: str) -> None:
        if not self.quiet:
            self.out(line)

    def out(self, line: str) -> None:
        print(line, flush=True)

    def error(self, line: str) -> None:
        sys.stdout.flush()
        print(line, file=sys.stderr, flush=True)

    def progress(self, done: int, total: int) -> None:
        if self.progress_fd is not None:
            try:
                os.write(self.progress_fd, f"{done}/{total}\n".encode())
            except OSError:
                pass

    def indented(self, prefix: str, items: list[str]) -> None:
        """apk_print_indented: `prefix a b c`, wrapped at SCREEN_WIDTH under the first item."""
        text, x = prefix, len(prefix)
        indent = x + 1
        for item in items:
            if x <= indent:
                text, x = text + " " * (indent - x) + item, indent + len(item)
            elif x + len(item) + 1 >= SCREEN_WIDTH:
                text, x = text + "\n" + " " * indent + item, indent + len(item)
            else:
                text, x = text + " " + item, x + 1 + len(item)
        self.out(text)


# ---------------------------------------------------------------------------------- argv


def parse_argv(argv: list[str]) -> Options | str:
    """The options, or the message of an unusable command line."""
    opts = Options()
    positional: list[str] = []
    items = iter(argv)
    for arg in items:
        if arg == "--":
            positional.extend(items)
            break
        if not arg.startswith("-") or arg == "-":
            positional.append(arg)
            continue
        name, has_value, value = arg.partition("=")
        if name in _VALUE_OPTIONS:
            if not has_value:
                value = next(items, None)
                if value is None:
                    return f"apk: option requires an argument -- '{name.lstrip('-')}'"
            attribute = _VALUE_OPTIONS[name]
            if attribute == "repositories":
                opts.repositories.append(value)
            elif attribute:
                setattr(opts, attribute, value)
        elif arg in _FLAG_OPTIONS:
            if _FLAG_OPTIONS[arg]:
                setattr(opts, _FLAG_OPTIONS[arg], True)
        else:
            return f"apk: unrecognized option '{arg}'"
    if positional:
        opts.applet, opts.args = positional[0], positional[1:]
    return opts


# ---------------------------------------------------------------------------- database


class Database:
    """The root: lock, installed database, world, repositories and the packages they offer."""

    def __init__(self, opts: Options, output: Output, write: bool) -> None:
        self.opts, self.output = opts, output
        self.root = Path(opts.root)
        self.lock_fd: int | None = None
        if write and opts.initdb:
            self._create()
        if not self.root.is_dir():
            raise DatabaseError("Unable to open root", errno.ENOENT)
        if write:
            self._lock()
        self.arch = opts.arch or _read(self.root / "etc/apk/arch").strip() or "x86_64"
        self.installed = self._read_installed()
        world_text = _read(self.root / WORLD_FILE)
        self.world = [dep for dep in map(Dep.parse, world_text.split()) if dep]
        keys_dir = opts.keys_dir or self.root / "etc/apk/keys"
        self.repos = self._load_repos(load_keys(keys_dir))
        self.packages: dict[tuple[str, str], Pkg] = {}
        for repo in self.repos:
            for record in repo.records:
                pkg = self.packages.setdefault((record.name, record.version), Pkg(record))
                pkg.repos.append(repo)
        for installed in self.installed.values():
            key = (installed.record.name, installed.record.version)
            self.packages.setdefault(key, Pkg(installed.record)).installed = installed

    def _create(self) -> None:
        """--initdb: apk_db_create's directories, empty world and database, the arch."""
        for name in ("", "etc/apk", "lib/apk/db", "tmp", "var/cache/apk", "var/cache/misc"):
            try:
                (self.root / name).mkdir(0o755, parents=True, exist_ok=True)
            except OSError:
                pass  # the lock or the root check below reports it, as apk does
        for name, text in (
            (WORLD_FILE, ""),
            (INSTALLED_DB, ""),
            ("etc/apk/arch", f"{self.opts.arch or 'x86_64'}\n"),
        ):
            if (self.root / "lib/apk/db").is_dir() and not (self.root / name).exists():
                try:
                    _write_atomically(self.root / name, text)
                except OSError:
                    pass

    def _lock(self) -> None:
        digits = re.match(r"\s*(\d+)", self.opts.wait)  # apk reads it with atoi()
        wait = int(digits[1]) if digits else 0
        try:
            flags = os.O_CREAT | os.O_RDWR | os.O_CLOEXEC
            self.lock_fd = os.open(self.root / LOCK_FILE, flags, 0o600)
        except OSError as exc:
            if wait <= 0:
                raise DatabaseError("Unable to lock database", exc.errno) from None
            # apk then waits on flock() of the descriptor it could not open.
            self.output.message("Waiting for repository lock")
            raise DatabaseError("Unable to lock database", errno.EBADF) from None
        try:
            fcntl.flock(self.lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if wait <= 0:
                raise DatabaseError("Unable to lock database", errno.EAGAIN) from None
        self.output.message("Waiting for repository lock")
        deadline = time.monotonic() + wait  # apk: alarm(wait), then a blocking flock
        while time.monotonic() < deadline:
            time.sleep(0.05)
            try:
                fcntl.flock(self.lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
        raise DatabaseError("Unable to lock database", errno.EINTR)

    def _read_installed(self) -> dict[str, Installed]:
        installed = {}
        for block in _read(self.root / INSTALLED_DB).split("\n\n"):
            lines = [line for line in block.split("\n") if line]
            if not lines:
                continue
            header = [line for line in lines if line[0] not in "fFMRaZ"]
            body = [line for line in lines if line[0] in "FMRaZ"]
            flags = "".join(line[2:] for line in lines if line.startswith("f:"))
            try:
                record = parse_installed("\n".join(lines))[0].record
            except IndexParseError:
                raise DatabaseError("Unable to read database state", EAPKFORMAT) from None
            installed[record.name] = Installed(record, header, flags, body)
        return installed

    def _load_repos(self, keys: dict) -> list[Repo]:
        file = self.opts.repositories_file or self.root / "etc/apk/repositories"
        listed = [line.strip() for line in _read(Path(file)).splitlines()]
        urls = [url for url in listed if url and not url.startswith(("#", "@"))]
        repos = []
        for url in [*urls, *self.opts.repositories]:
            try:
                data = self.fetch(url, "APKINDEX.tar.gz")
                archive = open_index(data, keys)
                records = parse_index(archive.text)
            except OSError as exc:
                self.output.error(f"WARNING: Ignoring {url}: {_apk_strerror(exc.errno)}")
                continue
            except (IndexFormatError, IndexParseError):
                self.output.error(f"WARNING: Ignoring {url}: BAD archive")
                continue
            bad = not archive.trusted and (archive.problem or "").startswith("BAD signature")
            if bad:
                self.output.error(f"WARNING: Ignoring {url}: BAD signature")
            elif not archive.trusted and not self.opts.allow_untrusted:
                self.output.error(f"WARNING: Ignoring {url}: UNTRUSTED signature")
                continue
            repos.append(Repo(url, not bad, records))
        return repos

    def fetch(self, repo_url: str, name: str) -> bytes:
        """`<repo>/<arch>/<name>` from a directory, a file:// or a remote URL; OSError if not."""
        if "://" in repo_url and not repo_url.startswith("file://"):
            url = f"{repo_url.rstrip('/')}/{self.arch}/{name}"
            if name == "APKINDEX.tar.gz":
                self.output.message(f"fetch {url}")
            return _http_get(url)
        path = repo_url.removeprefix("file://")
        if not path.startswith("/"):
            raise OSError(EAPKBADURL, "relative repository path")
        return Path(path, self.arch, name).read_bytes()

    def write(self, world: list[Dep]) -> None:
        db = "\n".join(installed.text() for installed in self.installed.values())
        _write_atomically(self.root / INSTALLED_DB, db)
        entries = sorted(world, key=lambda dep: dep.name)
        _write_atomically(self.root / WORLD_FILE, "".join(f"{dep}\n" for dep in entries))

    def errors_left(self) -> int:
        """Packages in error (`f:` flags) after a run: apk counts each one as an error in
        every run, until `apk fix` clears them."""
        return sum(1 for installed in self.installed.values() if installed.flags)

    def usage_line(self, errors: int) -> str:
        mib = sum(i.record.installed_size for i in self.installed.values()) // (1024 * 1024)
        status = f"{errors} error{'s' * (errors > 1)};" if errors else "OK:"
        return f"{status} {mib} MiB in {len(self.installed)} packages"


# ------------------------------------------------------------------------------ solver


class Solver:
    """World -> the set of packages to have, dependencies first, or apk's problem report."""

    def __init__(self, db: Database, upgrade: set[str]) -> None:
        self.db, self.upgrade = db, upgrade
        self.selected: dict[str, Pkg] = {}
        self.order: list[Pkg] = []
        self.visited: set[str] = set()
        self.failed: set[str] = set()  # names and name-versions: apk's error count
        self.problems: dict[str, tuple[str, str, list[str]]] = {}  # label -> (kind, what, by)
        python3 = Dep("python3")
        self.python_on_host = not any(_offers(p.record, python3) for p in db.packages.values())

    def solve(self, world: list[Dep]) -> bool:
        for dep in world:
            self.require(dep, f"world[{dep}]")
        if not self.failed:
            self.add_install_if()
        return not self.failed

    def add_install_if(self) -> None:
        """Select, after the world, each package whose install_if (`i:`) conditions the
        selection meets (Alpine's `-pyc` companions), until no more come in."""
        packages = self.db.packages.values()
        names = {pkg.record.name for pkg in packages if pkg.record.details.install_if}
        while True:
            added = False
            for name in sorted(names - set(self.selected)):
                usable = [pkg for pkg in self.candidates(Dep(name)) if pkg.available]
                if not usable:
                    continue
                conditions = filter(None, map(Dep.parse, usable[0].record.details.install_if))
                if all(any(_offers(p.record, dep) for p in self.selected.values())
                       for dep in conditions):  # fmt: skip
                    self.walk(usable[0], select=True)
                    added = True
            if not added:
                return

    def candidates(self, dep: Dep) -> list[Pkg]:
        """Packages named or providing `dep.name` whose version fits, best first."""
        offers = [pkg for pkg in self.db.packages.values() if _offers(pkg.record, dep)]
        named = [pkg for pkg in offers if pkg.record.name == dep.name]
        provided = [pkg for pkg in offers if pkg.record.name != dep.name]
        by_version = functools.cmp_to_key(lambda a, b: compare(b.record.version, a.record.version))
        return sorted(named, key=by_version) + sorted(provided, key=by_version)

    def require(self, dep: Dep, by: str) -> bool:
        if dep.conflict:
            return True
        if any(_offers(pkg.record, dep) for pkg in self.selected.values()):
            return True
        candidates = self.candidates(dep)
        usable = [pkg for pkg in candidates if pkg.available]
        if dep.name == "python3" and not candidates and self.python_on_host:
            return True
        if dep.name in self.selected:  # another version is already chosen
            return self.fail(self.selected[dep.name].nv, "breaks", by)
        if not usable:
            if candidates:  # only in BAD-signature repositories: report them, and their deps
                pkg = candidates[0]
                self.fail(pkg.nv, "masked", by)
                self.walk(pkg, select=False)
                return False
            existing = [p for p in self.db.packages.values() if p.record.name == dep.name]
            if existing:  # the name exists but no version fits
                for pkg in existing:
                    self.fail(pkg.nv, "breaks", by)
                return False
            return self.fail(f"{dep.name} (no such package)", "required", by, key=dep.name)
        # Like apk without -u: what is installed stays, if it fits.
        kept = [pkg for pkg in usable if pkg.installed and dep.name not in self.upgrade]
        return self.walk((kept or usable)[0], select=True)

    def walk(self, pkg: Pkg, select: bool) -> bool:
        if pkg.nv in self.visited:
            return pkg.nv not in self.failed
        self.visited.add(pkg.nv)
        if select:
            self.selected[pkg.record.name] = pkg
        deps = filter(None, map(Dep.parse, pkg.record.details.depends))
        results = [self.require(dep, f"{pkg.nv}[{dep}]") for dep in deps]
        if select:
            self.order.append(pkg)
        if not all(results):
            self.failed.add(pkg.nv)
        return all(results) and select

    def fail(self, label: str, kind: str, by: str, key: str | None = None) -> bool:
        self.failed.add(key or label)
        self.problems.setdefault(label, (kind, label, []))[2].append(by)
        return False

    def report(self, output: Output) -> None:
        output.error("ERROR: unable to select packages:")
        for kind, label, by in self.problems.values():
            output.out(f"  {label}:")
            if kind == "masked":
                output.indented("    masked in:", ["--no-network"])
            label = {"required": "required by:", "masked": "satisfies:", "breaks": "breaks:"}
            output.indented(f"    {label[kind]}", by)


# ------------------------------------------------------------------------------ commit


class Committer:
    """Carries out a plan on the root, printing and counting errors as apk does."""

    def __init__(self, db: Database, output: Output) -> None:
        self.db, self.output, self.opts = db, output, db.opts
        self.root = db.root

    def run(self, removals: list[Installed], changes: list[tuple[Pkg, Installed | None]]) -> int:
        total = sum(i.record.installed_size + 1 for i in removals)
        total += sum(pkg.record.installed_size + 1 for pkg, _ in changes)
        count, done, errors = len(removals) + len(changes), 0, 0
        if not self.opts.simulate and count:
            self.output.progress(0, total)
        steps = [(i, None) for i in removals] + [(None, change) for change in changes]
        for number, (removal, change) in enumerate(steps, 1):
            if removal:
                r = removal.record
                self.output.message(f"({number}/{count}) Purging {r.name} ({r.version})")
                size = r.installed_size
                if not self.opts.simulate:
                    self.purge(removal)
            else:
                pkg, old = change
                self.output.message(f"({number}/{count}) {self.describe(pkg, old)}")
                size = pkg.record.installed_size
                if not self.opts.simulate:
                    errors += self.install(pkg, old)
            if not self.opts.simulate:
                done += size + 1
                self.output.progress(done, total)
        return errors

    @staticmethod
    def describe(pkg: Pkg, old: Installed | None) -> str:
        r = pkg.record
        if old is None:
            return f"Installing {r.name} ({r.version})"
        if old.record.version == r.version:
            return f"Reinstalling {r.name} ({r.version})"
        verb = "Upgrading" if compare(r.version, old.record.version) > 0 else "Downgrading"
        return f"{verb} {r.name} ({old.record.version} -> {r.version})"

    def install(self, pkg: Pkg, old: Installed | None) -> int:
        """Fetch, verify, extract and record *pkg*; 1 if it could not be installed at all."""
        try:
            repo = next(repo for repo in pkg.repos if repo.available)
            data = self.db.fetch(repo.url, f"{pkg.nv}.apk")
        except OSError as exc:
            self.output.error(f"ERROR: {pkg.nv}: {_apk_strerror(exc.errno)}")
            return 1
        # As apk 2.12: what does not decompress or untar is a BAD archive; a control member
        # that does not match the index's C:, or data that does not match `datahash`, fails
        # the signature check.
        try:
            members = split_gzip_members(data)
            if len(members) < 2 or _q1(members[-2]) != pkg.record.details.checksum:
                self.output.error(f"ERROR: {pkg.nv}: BAD signature")
                return 1
            contents = read_apk(data)
        except ValueError as exc:  # IndexFormatError too
            problem = "BAD signature" if "datahash does not match" in str(exc) else "BAD archive"
            self.output.error(f"ERROR: {pkg.nv}: {problem}")
            return 1
        stage = "upgrade" if old else "install"
        script_failed = not self.script(pkg, old, contents.scripts, f".pre-{stage}")
        broken, body = self.extract(pkg, contents.entries)
        installed = Installed(pkg.record, _record_lines(pkg.record), "", body)
        self.db.installed[pkg.record.name] = installed
        pkg.installed = installed
        if old:
            self.remove_paths(old, keep=set(_body_paths(body)[1]))
        script_failed |= not self.script(pkg, old, contents.scripts, f".post-{stage}")
        installed.flags = "f" * broken + "s" * script_failed
        return 0  # a package installed in error counts among Database.errors_left

    def extract(self, pkg: Pkg, entries: list) -> tuple[bool, list[str]]:
        """Write the files under temporary names, then rename them all; (broken, db body)."""
        dirs: dict[str, list[str]] = {"": []}
        staged = []
        for entry in entries:
            path = self.root / entry.name
            if entry.kind == "dir":
                dirs.setdefault(entry.name, [])
                if entry.mode & 0o7777 != 0o755:
                    dirs[entry.name].append(f"M:0:0:{entry.mode & 0o7777:o}")
                try:
                    path.mkdir(entry.mode & 0o7777)
                except OSError:
                    pass  # apk carries on; creating the files below reports the failure
                continue
            if entry.kind != "file":
                continue
            directory, _, name = entry.name.rpartition("/")
            digest = hashlib.sha256(f"{pkg.record.name}\0{directory}/{name}".encode()).digest()
            temporary = f"{directory}/.apk." if directory else ".apk."
            temporary += digest[:24].hex()
            lines = dirs.setdefault(directory, [])
            lines.append(f"R:{name}")
            if entry.mode & 0o7777 != 0o644:
                lines.append(f"a:0:0:{entry.mode & 0o7777:o}")
            lines.append(f"Z:{_q1(entry.content)}")
            try:
                fd = os.open(self.root / temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as out:
                    out.write(entry.content)
                os.chmod(self.root / temporary, entry.mode & 0o7777)
            except OSError as exc:
                self.output.error(f"ERROR: Failed to create {entry.name}: {os.strerror(exc.errno)}")
            staged.append((temporary, entry.name))
        broken = False
        for temporary, name in staged:
            try:
                os.replace(self.root / temporary, self.root / name)
            except OSError:
                self.output.error(f"ERROR: {pkg.nv}: failed to rename {temporary} to {name}.")
                broken = True
        body = []
        for directory, lines in dirs.items():
            if directory or lines:
                body += [f"F:{directory}", *lines]
        return broken, body

    def script(self, pkg: Pkg, old: Installed | None, scripts: dict, name: str) -> bool:
        """Run one install script if the package has it; False if it failed."""
        if name not in scripts or self.opts.no_scripts:
            return True
        self.output.message(f"Executing {pkg.nv}{name}")
        with tempfile.NamedTemporaryFile("wb", suffix=name) as script:
            script.write(scripts[name])
            script.flush()
            argv = ["sh", script.name, pkg.record.version]
            argv += [old.record.version] if old else []
            run = subprocess.run(argv, cwd=self.root, env=SCRIPT_ENV, stdin=subprocess.DEVNULL)
            status = run.returncode
        if status:
            code = status if status > 0 else 128 - status
            self.output.error(f"ERROR: {pkg.nv}{name}: script exited with error {code}")
        return status == 0

    def purge(self, installed: Installed) -> None:
        self.remove_paths(installed, keep=set())
        del self.db.installed[installed.record.name]

    def remove_paths(self, installed: Installed, keep: set[str]) -> None:
        """Delete *installed*'s files not in *keep*, then its directories left empty."""
        dirs, files = installed.paths()
        for name in files:
            if name not in keep:
                try:
                    (self.root / name).unlink()
                except OSError:
                    pass
        others = {d for i in self.db.installed.values() if i is not installed for d in i.paths()[0]}
        # Deepest first, so that a parent is empty by the time it comes up.
        for name in sorted(dirs, key=lambda d: d.count("/"), reverse=True):
            if name not in others:
                try:
                    (self.root / name).rmdir()
                except OSError:
                    pass


# ----------------------------------------------------------------------------- applets


def add(db: Database, output: Output) -> int:
    wanted = []
    for arg in db.opts.args:
        if ".apk" in arg:  # apk 2.12 reads such an argument as a local package file
            return _local_package(arg, output)
        dep = Dep.parse(arg)
        if dep is None or dep.conflict:
            output.error(
                f"ERROR: '{arg}' is not a valid world dependency, "
                "format is name(@tag)([<>~=]version)"
            )
            return 1
        wanted.append(dep)
    names = {dep.name for dep in wanted}
    world = [dep for dep in db.world if dep.name not in names] + wanted
    return solve_and_commit(db, output, world, names if db.opts.upgrade else set())


def delete(db: Database, output: Output) -> int:
    known = set(db.installed) | {dep.name for dep in db.world}
    errors = 0
    for name in db.opts.args:
        if name not in known:
            output.error(f"ERROR: No such package: {name}")
            errors += 1
    if errors:
        return errors
    world = [dep for dep in db.world if dep.name not in db.opts.args]
    return solve_and_commit(db, output, world, set(), deleting=db.opts.args)


def solve_and_commit(
    db: Database, output: Output, world: list[Dep], upgrade: set[str], deleting: list[str] = ()
) -> int:
    solver = Solver(db, upgrade)
    if not solver.solve(world):
        solver.report(output)
        return len(solver.failed)
    kept = [name for name in deleting if name in solver.selected]
    if kept:
        output.message("World updated, but the following packages are not removed due to:")
        for name in kept:
            dependents: list[str] = []
            _dependents(solver.selected, name, dependents)
            output.indented(f"  {name}:", dependents)
    selected = solver.selected
    removals = [i for name, i in db.installed.items() if name not in selected]
    removals = _removal_order(removals)
    changes = []
    for pkg in solver.order:
        old = db.installed.get(pkg.record.name)
        if old is None or old.record.version != pkg.record.version:
            changes.append((pkg, old))
    errors = Committer(db, output).run(removals, changes)
    if not db.opts.simulate:
        db.write(world)
    errors += db.errors_left()
    output.message(db.usage_line(errors))
    return errors


def fix(db: Database, output: Output) -> int:
    """Reinstall the named packages, or every package in error (`f:` flags) without names."""
    names = db.opts.args or [name for name, i in db.installed.items() if i.flags]
    changes = []
    for name in names:
        installed = db.installed.get(name)
        if installed is None:
            output.error(f"ERROR: No such package: {name}")
            return 1
        pkg = db.packages[(name, installed.record.version)]
        changes.append((pkg, installed))
    errors = Committer(db, output).run([], changes)
    if not db.opts.simulate:
        db.write(db.world)
    errors += db.errors_left()
    output.message(db.usage_line(errors))
    return errors


def info(db: Database, output: Output) -> int:
    if not db.opts.args:
        for name in db.installed:
            output.out(name)
        return 0
    if not db.opts.exists:
        output.error("ERROR: apk test double: only 'info' and 'info -e NAME…' are implemented")
        return 1
    missing = 0
    for arg in db.opts.args:
        dep = Dep.parse(arg)
        if dep and any(_offers(i.record, dep) for i in db.installed.values()):
            output.out(dep.name)
        else:
            missing += 1
    return missing


def list_packages(db: Database, output: Output) -> int:
    by_version = functools.cmp_to_key(lambda a, b: compare(a.record.version, b.record.version))
    best: dict[str, Pkg] = {}
    available = sorted((p for p in db.packages.values() if p.available), key=by_version)
    for pkg in available:
        best[pkg.record.name] = pkg
    for pkg in sorted(available, key=lambda p: p.record.name):
        r = pkg.record
        if db.opts.args and not any(fnmatch.fnmatchcase(r.name, pat) for pat in db.opts.args):
            continue
        old = db.installed.get(r.name)
        status = ""
        if pkg.installed:
            status = " [installed]"
        elif old and best[r.name] is pkg and compare(r.version, old.record.version) > 0:
            status = f" [upgradable from: {r.name}-{old.record.version}]"
        if db.opts.installed and not pkg.installed or db.opts.upgrade and "[upg" not in status:
            continue
        details = r.details
        output.out(
            f"{pkg.nv} {details.arch} {{{details.origin or r.name}}} ({details.license}){status}"
        )
    return 0


def policy(db: Database, output: Output) -> int:
    by_version = functools.cmp_to_key(lambda a, b: compare(a.record.version, b.record.version))
    for name in db.opts.args:
        pkgs = sorted((p for p in db.packages.values() if p.record.name == name), key=by_version)
        if not pkgs:
            continue
        output.out(f"{name} policy:")
        for pkg in pkgs:
            output.out(f"  {pkg.record.version}:")
            if pkg.installed:
                output.out(f"    {INSTALLED_DB}")
            for repo in pkg.repos:
                output.out(f"    {repo.url}")
    return 0


APPLETS = {"add": (add, True), "del": (delete, True), "fix": (fix, True), "info": (info, False),
           "list": (list_packages, False), "policy": (policy, False)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    opts = parse_argv(sys.argv[1:] if argv is None else argv)
    if isinstance(opts, str):
        print(opts, file=sys.stderr)
        return 1
    if opts.version:
        print(VERSION_LINE)
        return 0
    if opts.applet not in APPLETS:
        known = ", ".join(APPLETS)
        print(f"apk: unknown applet {opts.applet!r} (the test double has {known})", file=sys.stderr)
        return 1
    applet, writes = APPLETS[opts.applet]
    output = Output(opts.quiet, opts.progress_fd)
    try:
        db = Database(opts, output, write=writes and not opts.simulate)
    except DatabaseError as exc:
        output.error(f"ERROR: {exc.what}: {exc.reason}")
        output.error(f"ERROR: Failed to open apk database: {exc.reason}")
        return DB_OPEN_FAILED
    try:
        return min(applet(db, output), 99)
    finally:
        if db.lock_fd is not None:
            os.close(db.lock_fd)


# ----------------------------------------------------------------------------- helpers


def _local_package(path: str, output: Output) -> int:
    """apk refuses an unreadable or broken local `.apk` with exit 99; the double refuses all."""
    try:
        read_apk(Path(path).read_bytes())
        reason = "installing a local .apk file is not implemented by the apk test double"
    except OSError as exc:
        reason = _apk_strerror(exc.errno)
    except ValueError:
        reason = "BAD archive"
    output.error(f"ERROR: {path}: {reason}")
    return DB_OPEN_FAILED


def _apk_strerror(code: int | None) -> str:
    if code is None:
        return "IO ERROR"
    return _APK_ERRORS.get(code) or os.strerror(code)


def _http_get(url: str) -> bytes:
    """GET *url*; failures as OSError with the errno apk's libfetch mapping gives."""
    import urllib.error  # here: it costs a third of the start-up, and most runs are local
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        raise OSError(errno.ENOENT if exc.code == 404 else errno.EREMOTEIO, str(exc)) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise OSError(errno.ETIMEDOUT, str(reason)) from None
        if isinstance(reason, OSError) and reason.errno == errno.ECONNREFUSED:
            raise OSError(errno.ECONNREFUSED, str(reason)) from None
        if isinstance(reason, OSError) and reason.errno in (-2, -3, -5):  # gaierror
            raise OSError(errno.ENXIO, str(reason)) from None
        raise OSError(errno.ENETUNREACH, str(reason)) from None
    except TimeoutError as exc:
        raise OSError(errno.ETIMEDOUT, str(exc)) from None


def _q1(data: bytes) -> str:
    return "Q1" + base64.b64encode(hashlib.sha1(data).digest()).decode()


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.new")
    temporary.write_text(text)
    os.replace(temporary, path)


def _record_lines(record: PackageRecord) -> list[str]:
    """The index fields of *record*, in the order apk writes them."""
    r = record.details
    fields = [
        ("C", r.checksum), ("P", record.name), ("V", record.version), ("A", r.arch),
        ("S", str(record.size)), ("I", str(record.installed_size)), ("T", record.description),
        ("U", r.url), ("L", r.license), ("o", r.origin), ("m", r.maintainer),
        ("t", "" if r.build_time is None else str(r.build_time)), ("c", r.commit),
        ("D", " ".join(r.depends)), ("p", " ".join(r.provides)), ("i", " ".join(r.install_if)),
        ("k", "" if r.provider_priority is None else str(r.provider_priority)), *r.extra,
    ]  # fmt: skip
    return [f"{key}:{value}" for key, value in fields if value]


def _body_paths(body: list[str]) -> tuple[list[str], list[str]]:
    dirs, files, current = [], [], ""
    for line in body:
        key, value = line[0], line[2:]
        if key == "F":
            current = value
            if value:
                dirs.append(value)
        elif key == "R":
            files.append(f"{current}/{value}" if current else value)
    return dirs, files


def _offers(record: PackageRecord, dep: Dep) -> bool:
    """Whether the package of *record* is, or provides, something *dep* accepts."""
    if record.name == dep.name:
        return dep.accepts(record.version)
    for item in record.details.provides:
        offer = Dep.parse(item)
        if offer and offer.name == dep.name and dep.accepts(offer.version):
            return True
    return False


def _dependents(selected: dict[str, Pkg], name: str, found: list[str]) -> None:
    """Names of the selected packages that need *name*, depth first, as `apk del` lists them."""
    target = selected[name].record
    for pkg in selected.values():
        deps = filter(None, map(Dep.parse, pkg.record.details.depends))
        if pkg.record.name not in found and pkg.record.name != name:
            if any(_offers(target, dep) for dep in deps):
                found.append(pkg.record.name)
                _dependents(selected, pkg.record.name, found)


def _removal_order(removals: list[Installed]) -> list[Installed]:
    """Dependents before what they depend on."""
    names = {i.record.name: i for i in removals}
    order: list[Installed] = []
    seen: set[str] = set()

    def visit(installed: Installed) -> None:  # post-order: dependencies first
        seen.add(installed.record.name)
        for dep in filter(None, map(Dep.parse, installed.record.details.depends)):
            if dep.name in names and dep.name not in seen:
                visit(names[dep.name])
        order.append(installed)

    for installed in removals:
        if installed.record.name not in seen:
            visit(installed)
    return order[::-1]


if __name__ == "__main__":
    sys.exit(main())
