"""Decide, for each requirement of a `%pip install`, whether an apk serves it or pip does (pure).

Precision beats recall: a wrong package installed as root is worse than a slow pip, so a
requirement goes to apk only when every one of these holds, and to pip, with the reason, at the
first that does not:

1. The kernel can use apks: its interpreter was probed (`kernels.py`) and sees the apk
   site-packages directory of its own Python version. Otherwise every requirement goes to pip.
2. The text is a plain PEP 508 requirement (`name[extras] specifier ; marker`) of at most
   `MAX_LENGTH` characters. `-r`, `-e`, paths, `git+…` and shell text are not, and go to pip
   as written. A direct reference (`name @ url`) goes to pip: an apk is not that URL.
3. Its marker holds for the kernel's interpreter. A marker that does not hold goes to pip, which
   skips the requirement in the same way (nothing is installed by apk for it).
4. It names no extras: apk packages carry no extras metadata, so nothing says which apks would
   provide an extra's dependencies; pip installs them (and reuses what apk already installed).
5. A candidate package exists. Candidates, by PEP 503 name, in this order; the first that exists
   is the package, and the later steps judge it (no fall-back to a second guess):
   - an admin override (`overrides`): exactly that package, or pip if no repository has it;
   - `KNOWN_RENAMES`, Alpine names that no rule derives (PyYAML -> py3-yaml);
   - `py3-<stem>` that provides the module `<name>` (`py3.X:<name>`), where `<stem>` is the name
     without a `python-`, `python`, `py-` or `py` prefix, as Alpine names them (pyotp ->
     py3-otp, which provides `pyotp`);
   - `py3-<name>`, also with `_` or `.` for `-` (setuptools-scm -> py3-setuptools_scm,
     Mastodon.py -> py3-mastodon.py).
   Curated entries come before the guesses because they are known, the guesses inferred; the
   issue's order (provides, `py3-<name>`, renames) differs only when both hit, which is exactly
   when the table knows better. Guesses skip `-pyc`, `-doc`, `-dev` and `-tests` subpackages,
   packages built for no Python, and packages `KNOWN_RENAMES` assigns to another name (pip's
   `jwt` is not PyJWT, so it must not become py3-jwt). A module name alone never identifies a
   distribution (`py3.12:PIL` is Pillow; pip's `PIL` is a different, dead project; `nio` is in
   py3-matrix-nio), hence the prefix rule for provides.
6. The package is built for the kernel's Python (`python3~3.12`, `py3.12:` provides).
7. Its version satisfies the specifier. The version judged is the installed one if the package
   is installed (the installer runs `apk add` without `--upgrade`, which keeps it), else the
   repository's. The upstream part (no `-rN`, suffixes as PEP 440) is checked with `packaging`;
   a pre-release matches only if the specifier names one, whatever packaging's own default is.
   A version with no PEP 440 equivalent (`1.1.1w`) goes to pip when there is a specifier to
   check and to apk when there is none.

An apk decision for an installed package says "already installed": its `apk add` is a no-op
that only records the package as wanted. A pip decision carries no package or version; the
reason says which apk was considered and why it was not used.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .apkindex import PackageRecord
from .catalog import Catalog, CatalogEntry
from .versions import upstream_pep440

# Longer text is not a requirement anyone types; the cap bounds the work and the echoed reason.
MAX_LENGTH = 500
_SHOWN_LENGTH = 80  # characters of the requirement quoted in a reason

# Normalised pip name -> apk name, where no rule above derives the apk name. Each entry is
# checked against the package's APKBUILD in aports (its _pkgname / source / builddir).
KNOWN_RENAMES: Mapping[str, str] = MappingProxyType(
    {
        "docker": "py3-docker-py",  # the project's repository is docker/docker-py
        "opencv-python": "py3-opencv",  # the APKBUILD installs an opencv-python dist-info
        "pycparser": "py3-cparser",
        "pyjwt": "py3-jwt",
        "pyopenssl": "py3-openssl",
        "pyparsing": "py3-parsing",
        "pyserial": "py3-serial",
        "python-dateutil": "py3-dateutil",  # module dateutil
        "python-dotenv": "py3-dotenv",  # module dotenv
        "pytz": "py3-tz",
        "pyyaml": "py3-yaml",  # module yaml
    }
)
# Packages the table assigns to a pip name: never a guess for another one (pip's `jwt`,
# `serial` and `dotenv` are different projects from PyJWT, pyserial and python-dotenv).
_CLAIMED = frozenset(KNOWN_RENAMES.values())
SUBPACKAGE_SUFFIXES = ("-pyc", "-doc", "-dev", "-tests")
_NAME_PREFIXES = ("python-", "python", "py-", "py")  # longest first: one is removed
_NO_OVERRIDES: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class KernelInfo:
    """What the kernel's interpreter said about itself (see `kernels.probe_kernel`)."""

    python: str  # "3.12"; "" when the interpreter could not be asked
    site_packages_visible: bool  # <apk root>/usr/lib/python<python>/site-packages on sys.path
    environment: dict[str, str] = field(default_factory=dict)  # PEP 508 marker environment
    reason: str | None = None  # why apks cannot serve this kernel; None if they can


@dataclass(frozen=True)
class Decision:
    """Where one requirement goes, and why, in words a person understands."""

    requirement: str  # as given
    route: Literal["apk", "pip"]
    package: str | None  # the apk to add; None for pip
    version: str | None  # its apk version (installed or to be installed); None for pip
    reason: str

    def to_json(self) -> dict:
        return {
            "requirement": self.requirement,
            "route": self.route,
            "package": self.package,
            "version": self.version,
            "reason": self.reason,
        }


class _ToPip(Exception):
    """Raised with the reason a requirement goes to pip."""


def resolve(
    requirements: list[str],
    catalog: Catalog,
    kernel: KernelInfo | None,
    overrides: Mapping[str, str] = _NO_OVERRIDES,
) -> list[Decision]:
    """One decision per requirement, in order; never raises for a requirement's text.

    *overrides* maps pip names (normalised here) to the apk an administrator chose for them.
    """
    problem = kernel_problem(kernel)
    by_name: dict[str, str] = {canonicalize_name(n): package for n, package in overrides.items()}
    decisions = []
    for text in requirements:
        try:
            if problem is not None or kernel is None:
                raise _ToPip(problem or "nothing is known about the kernel")
            decisions.append(_decide(text, catalog, kernel, by_name))
        except _ToPip as why:
            decisions.append(Decision(text, "pip", None, None, f"{_shown(text)} → pip: {why}"))
    return decisions


def kernel_problem(kernel: KernelInfo | None) -> str | None:
    """Why apks cannot serve *kernel* (nothing known, not probed, apk site-packages unseen)."""
    if kernel is None:
        return "nothing is known about the kernel"
    if kernel.reason:
        return kernel.reason
    if not kernel.site_packages_visible:
        return f"the kernel does not see the apk site-packages of Python {kernel.python}"
    return None


def _shown(text: str) -> str:
    """*text* as quoted in a reason: one line, and short."""
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 1] + "…"


def _decide(
    text: str, catalog: Catalog, kernel: KernelInfo, overrides: Mapping[str, str]
) -> Decision:
    if len(text) > MAX_LENGTH:
        raise _ToPip(f"not a plain requirement (longer than {MAX_LENGTH} characters)")
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        raise _ToPip("not a plain requirement") from None
    if requirement.url:
        raise _ToPip("a direct URL reference")
    if requirement.marker is not None:
        try:
            applies = requirement.marker.evaluate(kernel.environment)
        except ValueError:  # an undefined comparison, such as `~=` on a platform string
            raise _ToPip("its marker cannot be evaluated for this kernel") from None
        if not applies:
            raise _ToPip("its marker does not apply to this kernel (pip skips it too)")
    if requirement.extras:
        extras = ",".join(sorted(requirement.extras))
        raise _ToPip(f"extras [{extras}] need pip: apk packages carry no extras metadata")

    entry = _candidate(canonicalize_name(requirement.name), catalog, overrides)
    record = entry.record
    if record.python is None:
        raise _ToPip(f"{record.name} is not built for a Python version")
    if record.python != kernel.python:
        raise _ToPip(
            f"{record.name} is built for Python {record.python}, the kernel runs {kernel.python}"
        )

    version = entry.installed_version or record.version
    specifier = requirement.specifier
    upstream = upstream_pep440(version)
    if upstream is None:
        if specifier:
            raise _ToPip(f"{record.name} {version} has no PEP 440 equivalent to check {specifier}")
    elif not specifier.contains(upstream, prereleases=bool(specifier.prereleases)):
        if entry.installed_version:
            raise _ToPip(f"{record.name} {version} is installed, and apk add keeps it")
        pre = ", a pre-release" if upstream.is_prerelease else ""
        raise _ToPip(f"apk has {record.name} {version}{pre}")

    installed = " (already installed)" if entry.installed_version else ""
    reason = f"{_shown(text)} → {record.name} {version}{installed}"
    return Decision(text, "apk", record.name, version, reason)


def _candidate(name: str, catalog: Catalog, overrides: Mapping[str, str]) -> CatalogEntry:
    """The package that stands for the pip *name* (rule 5 of the module docstring)."""
    if name in overrides:
        entry = catalog.get(overrides[name])
        if entry is None:
            raise _ToPip(f"the override names {overrides[name]}, which no repository has")
        return entry
    entry = catalog.get(KNOWN_RENAMES.get(name, ""))
    if entry is not None:
        return entry
    for package, module in _guesses(name):
        entry = catalog.get(package)
        if entry is not None and _guessable(entry.record, module):
            return entry
    raise _ToPip("no prebuilt package")


def _guesses(name: str) -> Iterator[tuple[str, str | None]]:
    """(apk name, the module it must provide or None) to try for the pip *name*, in order."""
    prefix = next((p for p in _NAME_PREFIXES if name.startswith(p) and name != p), None)
    if prefix is not None:
        for package in _spellings(name[len(prefix) :]):
            yield package, name
    for package in _spellings(name):
        yield package, None


def _spellings(stem: str) -> dict[str, None]:
    """`py3-<stem>` with `-`, `_` or `.` between words, without repeats, in that order."""
    return dict.fromkeys(f"py3-{stem.replace('-', separator)}" for separator in "-_.")


def _guessable(record: PackageRecord, module: str | None) -> bool:
    if (
        record.name.endswith(SUBPACKAGE_SUFFIXES)
        or record.python is None
        or record.name in _CLAIMED
    ):
        return False
    return module is None or any(canonicalize_name(m) == module for m in record.details.modules)
