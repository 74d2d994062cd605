"""Build a signed apk repository from wheels: what `jupyter apk-repo build` does.

1. The requirements and, unless `no_deps`, their dependency closure are walked level by level.
   Markers are evaluated here, for the target Python and arch (pip would evaluate them for the
   machine it runs on), and each level's wheels are fetched by one `pip download --no-deps`
   with the target's tags (`musllinux_1_2/1_1_<arch>`, and pure wheels): never an sdist.
2. A requirement that a base repository (`--base`) satisfies, found by the resolver's own
   naming rules (`resolver.resolve`), becomes a dependency on that apk and is not built.
3. Each wheel becomes a package (`wheelapk`), signed; the index is rewritten from every package
   in `<repo>/<arch>/` (older versions stay unless `prune`) and signed, last and atomically.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cmp_to_key
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from .apkindex import IndexParseError, parse_index
from .apkwriter import (
    ApkContents,
    SigningKey,
    apk_index_record,
    build_apk,
    build_index,
    read_apk,
    write_atomically,
)
from .catalog import Catalog, merge_repositories
from .resolver import KernelInfo, resolve
from .signing import IndexFormatError, open_index
from .versions import compare
from .wheelapk import (
    Target,
    Wheel,
    WheelError,
    apk_constraints,
    apk_name,
    build_package,
    read_wheel,
)

SIGNATURE = "RSA256"  # abuild-sign's `.SIGN.RSA256.<key>`, for packages and the index
_FETCH_TIMEOUT = 60  # seconds per base index


class BuildError(RuntimeError):
    """The repository cannot be built as asked; the message says why, for people."""


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    index: Path
    built: list[tuple[str, str]] = field(default_factory=list)  # (apk, version)
    # (requirement, apk, version) of what a base repository has
    from_base: list[tuple[str, str, str]] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)  # file names removed by `prune`


@dataclass
class _Walk:
    """The closure as it is discovered."""

    wheels: dict[str, Wheel] = field(default_factory=dict)  # PEP 503 name -> chosen wheel
    from_base: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # name -> report


def build_repository(
    out: Path,
    requirements: Sequence[str],
    key: SigningKey,
    target: Target,
    *,
    find_links: Sequence[Path] = (),
    no_index: bool = False,
    no_deps: bool = False,
    base: Sequence[str] = (),
    prune: bool = False,
    maintainer: str = "",
    pip: Sequence[str] = (sys.executable, "-m", "pip"),
) -> BuildReport:
    """Build *requirements* for *target* into `<out>/<arch>/` and sign the index with *key*."""
    parsed = [_requirement(text) for text in requirements]
    catalog = _base_catalog(base, target.arch)
    arch_dir = out / target.arch
    arch_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="apk-repo-wheels-") as scratch:
        fetch = _Fetcher(Path(scratch), target, find_links, no_index, pip)
        walk = _walk(parsed, target, catalog, fetch, follow=not no_deps)
        built = []
        for wheel in walk.wheels.values():
            depends = _depends(wheel, target, catalog, walk)
            try:
                info, files = build_package(wheel, target, depends, maintainer=maintainer)
            except (WheelError, ValueError) as exc:
                raise BuildError(str(exc)) from None
            apk = build_apk(info, files, key, algorithm=SIGNATURE)
            write_atomically(arch_dir / f"{info.name}-{info.version}.apk", apk)
            built.append((info.name, info.version))
    pruned = _prune(arch_dir) if prune else []
    index = _write_index(arch_dir, target.arch, key)
    return BuildReport(index, built, sorted(walk.from_base.values()), pruned)


def _requirement(text: str) -> Requirement:
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        raise BuildError(f"{text!r} is not a requirement: {exc}") from None
    if requirement.url:
        raise BuildError(f"{text}: direct references are not supported; use --find-links")
    return requirement


class _Fetcher:
    """Wheels for the target from pip, one `pip download --no-deps` per batch."""

    def __init__(
        self,
        scratch: Path,
        target: Target,
        find_links: Sequence[Path],
        no_index: bool,
        pip: Sequence[str],
    ) -> None:
        self._scratch, self._batches = scratch, 0
        platforms = [f"musllinux_1_{minor}_{target.arch}" for minor in (2, 1)]
        self._argv = [
            *pip, "download", "--no-deps", "--only-binary=:all:", "--quiet",
            "--disable-pip-version-check", "--progress-bar", "off",
            "--python-version", target.python, "--implementation", "cp",
            *(option for platform in platforms for option in ("--platform", platform)),
            *(option for link in find_links for option in ("--find-links", str(link))),
            *(["--no-index"] if no_index else []),
        ]  # fmt: skip
        self._target = target

    def __call__(self, requirements: Sequence[Requirement]) -> dict[str, Wheel]:
        self._batches += 1
        dest = self._scratch / str(self._batches)
        texts = [f"{r.name}{r.specifier}" for r in requirements]
        done = subprocess.run(
            [*self._argv, "--dest", str(dest), "--", *texts],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            said = "\n".join((done.stderr or done.stdout).strip().splitlines()[-4:])
            raise BuildError(
                f"no wheel for {', '.join(texts)} on CPython {self._target.python},"
                f" musllinux {self._target.arch} or any platform: apk-repo never compiles a"
                f" source distribution.\npip said:\n{said}"
            )
        try:
            wheels = [read_wheel(path) for path in sorted(dest.glob("*.whl"))]
        except WheelError as exc:
            raise BuildError(str(exc)) from None
        return {wheel.project: wheel for wheel in wheels}


def _walk(
    requirements: Iterable[Requirement],
    target: Target,
    catalog: Catalog | None,
    fetch: Callable[[Sequence[Requirement]], dict[str, Wheel]],
    *,
    follow: bool,
) -> _Walk:
    """Choose a wheel (or a base apk) for every requirement of the closure."""
    walk = _Walk()
    specifiers: dict[str, SpecifierSet] = {}
    followed: dict[str, set[str]] = {}  # name -> extras whose dependencies are in the walk
    level = [r for r in requirements if _holds(r, target)]
    while level:
        wanted: dict[str, Requirement] = {}
        extras: dict[str, set[str]] = {}
        for requirement in level:
            name: str = canonicalize_name(requirement.name)
            extras.setdefault(name, set()).update(requirement.extras)
            specifiers[name] = specifiers.get(name, SpecifierSet()) & requirement.specifier
            combined = Requirement(f"{name}{specifiers[name]}")
            if name in walk.from_base:
                continue
            base = _from_base(combined, target, catalog)
            if base is not None:
                walk.from_base[name] = (str(combined), *base)
                continue
            chosen = walk.wheels.get(name)
            if chosen is None:
                wanted[name] = combined
            elif not combined.specifier.contains(chosen.version, prereleases=True):
                raise BuildError(f"{name} {chosen.version} was chosen, but {combined} is needed")
        fetched = fetch(list(wanted.values())) if wanted else {}
        missing = wanted.keys() - fetched.keys()
        if missing:
            raise BuildError(f"pip gave no wheel for {', '.join(sorted(missing))}")
        walk.wheels.update(fetched)
        level = []
        for name, asked in extras.items():
            done = followed.get(name)
            if not follow or name not in walk.wheels or (done is not None and asked <= done):
                continue
            followed[name] = (done or set()) | asked
            level.extend(walk.wheels[name].dependencies(target, followed[name]))
    return walk


def _holds(requirement: Requirement, target: Target) -> bool:
    marker = requirement.marker
    return marker is None or marker.evaluate(target.marker_environment())


def _from_base(
    requirement: Requirement, target: Target, catalog: Catalog | None
) -> tuple[str, str] | None:
    """(apk, version) of the base package that satisfies *requirement*, if one does."""
    if catalog is None:
        return None
    kernel = KernelInfo(target.python, True, target.marker_environment())
    text = f"{requirement.name}{requirement.specifier}"  # extras: the apk serves the plain name
    [decision] = resolve([text], catalog, kernel)
    if decision.route != "apk" or decision.package is None or decision.version is None:
        return None
    return decision.package, decision.version


def _depends(wheel: Wheel, target: Target, catalog: Catalog | None, walk: _Walk) -> list[str]:
    """The apk dependencies of *wheel*'s requirements: base packages by their names, the rest
    as `py3-<name>`, each with its version bounds."""
    depends: list[str] = []
    for requirement in wheel.dependencies(target):
        name = canonicalize_name(requirement.name)
        base = walk.from_base.get(name)
        if base is None and name not in walk.wheels:  # --no-deps: still named, maybe in base
            found = _from_base(requirement, target, catalog)
            base = None if found is None else (str(requirement), *found)
        package = base[1] if base else apk_name(name)
        try:
            constraints = apk_constraints(requirement.specifier)
        except ValueError as exc:
            raise BuildError(f"{wheel.path.name}: requirement {requirement}: {exc}") from None
        depends.extend(f"{package}{c}" for c in constraints or [""])
    return depends


def _base_catalog(bases: Sequence[str], arch: str) -> Catalog | None:
    """The packages of the base repositories, merged as apk merges them."""
    if not bases:
        return None
    repositories = []
    for base in bases:
        location = base
        if not base.endswith(".tar.gz"):  # a repository, not one of its indexes
            location = f"{base.rstrip('/')}/{arch}/APKINDEX.tar.gz"
        try:
            data = _read(location)
            # The base's signature is for apk to check on the machine that installs; here the
            # index only says which packages exist.
            records = parse_index(open_index(data, {}).text)
        except (OSError, IndexFormatError, IndexParseError, UnicodeDecodeError) as exc:
            raise BuildError(f"cannot read the base repository index {location}: {exc}") from None
        repositories.append((base, records))
    return Catalog(merge_repositories(repositories))


def _read(location: str) -> bytes:
    scheme = urllib.parse.urlsplit(location).scheme
    if scheme in ("http", "https"):
        with urllib.request.urlopen(location, timeout=_FETCH_TIMEOUT) as response:
            return response.read()
    if scheme == "file":
        return Path(urllib.parse.unquote(urllib.parse.urlsplit(location).path)).read_bytes()
    return Path(location).read_bytes()


def _packages(arch_dir: Path) -> list[tuple[Path, ApkContents]]:
    """Every package in *arch_dir*, by name then apk version order."""
    found = []
    for path in arch_dir.glob("*.apk"):
        try:
            found.append((path, read_apk(path.read_bytes())))
        except ValueError as exc:
            raise BuildError(f"{path}: {exc}") from None

    def order(a: tuple[Path, ApkContents], b: tuple[Path, ApkContents]) -> int:
        (name_a, version_a), (name_b, version_b) = (_name_version(a[1]), _name_version(b[1]))
        return (name_a > name_b) - (name_a < name_b) or compare(version_a, version_b)

    return sorted(found, key=cmp_to_key(order))


def _name_version(apk: ApkContents) -> tuple[str, str]:
    return str(apk.pkginfo["pkgname"]), str(apk.pkginfo["pkgver"])


def _prune(arch_dir: Path) -> list[str]:
    """Remove every package file but the highest version of each name."""
    latest: dict[str, Path] = {}
    for path, apk in _packages(arch_dir):
        latest[_name_version(apk)[0]] = path  # ascending order: the last one wins
    removed = sorted(p.name for p in arch_dir.glob("*.apk") if p not in latest.values())
    for name in removed:
        (arch_dir / name).unlink()
    return removed


def _write_index(arch_dir: Path, arch: str, key: SigningKey) -> Path:
    records = [
        apk_index_record(apk, path.stat().st_size, rewrite_arch=arch)
        for path, apk in _packages(arch_dir)
    ]
    index = arch_dir / "APKINDEX.tar.gz"
    write_atomically(index, build_index(records, key, algorithm=SIGNATURE))
    return index
