"""Turn a wheel into the apk package abuild would build from it (pure, apart from reading it).

A wheel already holds what an apk installs; this adds apk's metadata, as Alpine's py3-* packages
carry it:

- name `py3-<PEP 503 name>`, version `from_pep440(Version)-r0`, arch `noarch` for a pure wheel;
- `depend`: `python3~X.Y` (the files live in that series' site-packages), one `py3-<name>` per
  `Requires-Dist` whose marker holds for the target, with its bounds (`apk_constraints`), and
  `so:<name>` for each shared object an ELF file needs and the package does not carry;
- `provides`: `cmd:<name>` per command in `usr/bin`, `py3.X:<module>` per top-level module;
- files under `usr/lib/pythonX.Y/site-packages` (the wheel's `.data/` directories where they
  belong), `INSTALLER` saying `apk` and a `RECORD` of what is installed; console scripts as
  executables in `usr/bin`; no `__pycache__`.
"""

from __future__ import annotations

import base64
import calendar
import configparser
import email
import hashlib
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import Message
from pathlib import Path, PurePosixPath

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import Specifier, SpecifierSet
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from .apkwriter import File, PackageInfo
from .elf import ElfError, dynamic_info, is_elf
from .versions import from_pep440

# What pip's installer writes for a console script, with the interpreter apk's python3 provides.
_SCRIPT = """#!/usr/bin/python3
# -*- coding: utf-8 -*-
import re
import sys
from {module} import {first}
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit({call}())
"""
_ENTRY_POINT = re.compile(r"^(?P<module>[\w.]+)\s*:\s*(?P<attr>[\w.]+)\s*(?:\[.*\])?$")
# Extension modules are `<module>.<tag>.so` (or `<module>.so`); their module is the first part.
_EXTENSION = re.compile(r"^([A-Za-z_]\w*)(?:\.[\w-]+)?\.(?:so|pyd)$")
_MUSLLINUX = re.compile(r"musllinux_\d+_\d+_(\w+)")


class WheelError(ValueError):
    """The wheel cannot become an apk; the message says why, for people."""


@dataclass(frozen=True)
class Target:
    """What the packages are built for."""

    python: str  # "3.12"
    arch: str  # "x86_64"

    @property
    def site_packages(self) -> str:
        return f"usr/lib/python{self.python}/site-packages"

    def marker_environment(self, extra: str = "") -> dict[str, str]:
        """PEP 508 marker values of CPython *python* on Alpine Linux *arch* (patch release 0:
        an apk's `python3~X.Y` does not name one)."""
        return {
            "python_version": self.python,
            "python_full_version": f"{self.python}.0",
            "implementation_name": "cpython",
            "implementation_version": f"{self.python}.0",
            "platform_python_implementation": "CPython",
            "os_name": "posix",
            "sys_platform": "linux",
            "platform_system": "Linux",
            "platform_machine": self.arch,
            "platform_release": "",
            "platform_version": "",
            "extra": extra,
        }


@dataclass(frozen=True)
class Wheel:
    """The parts of a wheel that decide its package."""

    path: Path
    project: str  # PEP 503 name
    version: Version
    metadata: Message
    requirements: tuple[Requirement, ...]  # every Requires-Dist

    def dependencies(self, target: Target, extras: Iterable[str] = ()) -> list[Requirement]:
        """The Requires-Dist entries that hold on *target* with *extras* requested."""
        wanted = ["", *extras]
        return [
            requirement
            for requirement in self.requirements
            if requirement.marker is None
            or any(requirement.marker.evaluate(target.marker_environment(e)) for e in wanted)
        ]


def apk_name(project: str) -> str:
    """The apk of a PyPI project: `py3-` and its PEP 503 name."""
    return f"py3-{canonicalize_name(project)}"


def apk_constraints(specifier: SpecifierSet) -> list[str]:
    """apk version constraints (`>=1.2`, `<2`) that together accept what *specifier* accepts.

    apk versions carry a `-rN` release, which sorts after the bare version, so `==V` becomes
    `~V` (V in any release; also V.x, apk's fuzzy match being a prefix match), `<=V` becomes
    `<~V` and `>V` stays `>V` (which also accepts V's own releases). `~=` and `==V.*` become a
    range. `!=` and `===` have no apk form and are left out: the dependency is looser, never
    unsatisfiable.
    """
    constraints: list[str] = []
    for clause in sorted(specifier, key=str):
        constraints.extend(_clause_constraints(clause))
    return constraints


def _clause_constraints(clause: Specifier) -> list[str]:
    operator, version = clause.operator, clause.version
    if operator in ("!=", "==="):
        return []
    if version.endswith(".*"):  # == V.*: V and what follows it, up to the next V
        release = version[:-2]
        return [f">={from_pep440(release)}", f"<{_next_release(release, len(release.split('.')))}"]
    if operator == "~=":
        parts = len(Version(version).release)
        return [f">={from_pep440(version)}", f"<{_next_release(version, parts - 1)}"]
    apk_operator = {"==": "~", "<=": "<~", ">=": ">=", "<": "<", ">": ">"}[operator]
    return [f"{apk_operator}{from_pep440(version)}"]


def _next_release(version: str, parts: int) -> str:
    """The first release after every `version[:parts].*`: 1.4.2, 2 parts -> 1.5."""
    release = list(Version(version).release[:parts])
    release[-1] += 1
    return ".".join(map(str, release))


def read_wheel(path: Path) -> Wheel:
    """Name, version, metadata and requirements of the wheel at *path*."""
    try:
        project, _, _, _ = parse_wheel_filename(path.name)
        with zipfile.ZipFile(path) as archive:
            metadata = email.message_from_bytes(archive.read(_dist_info(archive) + "/METADATA"))
        requirements = tuple(Requirement(r) for r in metadata.get_all("Requires-Dist", []))
        version = Version(metadata["Version"])
    except (InvalidWheelFilename, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise WheelError(f"{path.name}: not a readable wheel ({exc})") from None
    except (InvalidRequirement, InvalidVersion, TypeError) as exc:
        raise WheelError(f"{path.name}: bad metadata ({exc})") from None
    if canonicalize_name(metadata["Name"] or "") != project:
        raise WheelError(f"{path.name}: METADATA names {metadata['Name']!r}")
    return Wheel(path, str(project), version, metadata, requirements)


def build_package(
    wheel: Wheel,
    target: Target,
    depends: Iterable[str],
    *,
    maintainer: str = "",
) -> tuple[PackageInfo, dict[str, bytes | File]]:
    """The apk (its `.PKGINFO` values and files) of *wheel* installed for *target*.

    *depends* are the apk dependencies of its Python requirements, chosen by the caller (it
    knows which are built and which a base repository has); this adds `python3~X.Y` and the
    `so:` dependencies. Raises WheelError for a wheel that does not fit *target*.
    """
    version = f"{from_pep440(str(wheel.version))}-r0"
    try:
        with zipfile.ZipFile(wheel.path) as archive:
            arch = _arch(archive, wheel, target)
            members = [m for m in archive.infolist() if not (m.is_dir() or _is_cache(m.filename))]
            contents = {member.filename: archive.read(member) for member in members}
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        raise WheelError(f"{wheel.path.name}: not a readable wheel ({exc})") from None
    _check_record(wheel, contents)
    # The wheel's own timestamps, not the clock: equal wheels give equal packages.
    builddate = max(calendar.timegm((*m.date_time, 0, 0, 0)) for m in members)
    modes = {m.filename: 0o755 if m.external_attr >> 16 & 0o111 else 0o644 for m in members}
    files = _installed_files(wheel, target, contents, modes)
    all_depends = [f"python3~{target.python}", *depends, *_so_depends(files)]
    info = PackageInfo(
        name=apk_name(wheel.project),
        version=version,
        description=wheel.metadata.get("Summary", "") or "",
        url=_homepage(wheel.metadata),
        license=_license(wheel.metadata),
        origin=apk_name(wheel.project),
        arch=arch,
        depends=list(dict.fromkeys(all_depends)),
        provides=[
            *(f"cmd:{path[8:]}={version}" for path in sorted(files) if path.startswith("usr/bin/")),
            *(f"py{target.python}:{m}={version}" for m in _top_level_modules(contents)),
        ],
        builddate=builddate,
        maintainer=maintainer,
    )
    return info, files


def _dist_info(archive: zipfile.ZipFile) -> str:
    tops = {name.split("/", 1)[0] for name in archive.namelist()}
    found = {top for top in tops if top.endswith(".dist-info")}
    if len(found) != 1:
        raise KeyError(f"expected one .dist-info directory, found {sorted(found) or 'none'}")
    return found.pop()


def _arch(archive: zipfile.ZipFile, wheel: Wheel, target: Target) -> str:
    """`noarch` for a pure wheel; the target arch for one built for musl on that arch."""
    wheel_file = email.message_from_bytes(archive.read(_dist_info(archive) + "/WHEEL"))
    platforms = {tag.split("-")[-1] for tag in wheel_file.get_all("Tag", [])}
    if platforms == {"any"}:
        return "noarch"
    arches = {m.group(1) for p in platforms if (m := _MUSLLINUX.fullmatch(p))}
    if arches != {target.arch}:
        raise WheelError(
            f"{wheel.path.name} is built for {', '.join(sorted(platforms))}, not for musl on"
            f" {target.arch} (musllinux_*_{target.arch})"
        )
    return target.arch


def _is_cache(name: str) -> bool:
    return "__pycache__" in name.split("/") or name.endswith((".pyc", ".pyo"))


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _check_record(wheel: Wheel, contents: Mapping[str, bytes]) -> None:
    """Every file the wheel's RECORD lists with a hash must have that hash (a damaged wheel
    must not become a signed package)."""
    record_name = next(name for name in contents if name.endswith(".dist-info/RECORD"))
    for line in contents[record_name].decode().splitlines():
        name, _, rest = line.partition(",")
        expected = rest.partition(",")[0]
        if expected and name in contents and _record_hash(contents[name]) != expected:
            raise WheelError(f"{wheel.path.name}: {name} does not match its RECORD hash")


def _installed_files(
    wheel: Wheel, target: Target, contents: Mapping[str, bytes], modes: Mapping[str, int]
) -> dict[str, bytes | File]:
    """Installed path -> content, as an installer lays a wheel out in the root."""
    site = target.site_packages
    dist_info = next(n for n in contents if n.endswith(".dist-info/METADATA")).rsplit("/", 1)[0]
    data_dir = dist_info.removesuffix(".dist-info") + ".data/"
    scheme = {
        "purelib": site,
        "platlib": site,
        "scripts": "usr/bin",
        "data": "usr",
        "headers": f"usr/include/python{target.python}/{wheel.project}",
    }
    files: dict[str, bytes | File] = {}
    for name, content in contents.items():
        if name.startswith(data_dir):
            kind, _, rest = name[len(data_dir) :].partition("/")
            if kind not in scheme:
                raise WheelError(f"{wheel.path.name}: unknown .data directory {kind!r}")
            path = f"{scheme[kind]}/{rest}"
            if kind == "scripts":
                content = re.sub(rb"^#!python[\w.]*", b"#!/usr/bin/python3", content)
                files[path] = File(content, 0o755)
                continue
        else:
            path = f"{site}/{name}"
        files[path] = File(content, modes[name]) if modes[name] != 0o644 else content
    for script, content in _console_scripts(contents.get(f"{dist_info}/entry_points.txt")):
        files[f"usr/bin/{script}"] = File(content, 0o755)
    files[f"{site}/{dist_info}/INSTALLER"] = b"apk\n"
    files.pop(f"{site}/{dist_info}/direct_url.json", None)
    files.pop(f"{site}/{dist_info}/RECORD")  # the wheel's; the installed files get their own
    files[f"{site}/{dist_info}/RECORD"] = _record(files, site, f"{dist_info}/RECORD")
    return files


def _console_scripts(entry_points: bytes | None) -> list[tuple[str, bytes]]:
    """(name, script) of each console and GUI entry point."""
    if entry_points is None:
        return []
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # names are case-sensitive
    parser.read_string(entry_points.decode())
    scripts = []
    for section in ("console_scripts", "gui_scripts"):
        for name, value in parser.items(section) if parser.has_section(section) else []:
            match = _ENTRY_POINT.match(value.strip())
            if match is None or "/" in name:
                raise WheelError(f"bad entry point {name} = {value}")
            first = match["attr"].split(".")[0]
            text = _SCRIPT.format(module=match["module"], first=first, call=match["attr"])
            scripts.append((name, text.encode()))
    return scripts


def _record(files: Mapping[str, bytes | File], site: str, record_path: str) -> bytes:
    """RECORD of the installed files, paths relative to site-packages as installers write it."""
    lines = []
    up_to_usr = "../" * (len(PurePosixPath(site).parts) - 1)
    for path, value in sorted(files.items()):
        content = value.content if isinstance(value, File) else value
        shown = path[len(site) + 1 :] if path.startswith(site + "/") else up_to_usr + path[4:]
        lines.append(f"{shown},{_record_hash(content)},{len(content)}")
    lines.append(f"{record_path},,")
    return ("\n".join(lines) + "\n").encode()


def _so_depends(files: Mapping[str, bytes | File]) -> list[str]:
    """`so:<name>` for each shared object an ELF file needs that the package does not carry
    (by file name or SONAME: musllinux wheels vendor theirs in `<name>.libs/`)."""
    needed: set[str] = set()
    carried = {PurePosixPath(path).name for path in files}
    for path, value in files.items():
        content = value.content if isinstance(value, File) else value
        if not is_elf(content):
            continue
        try:
            info = dynamic_info(content)
        except ElfError as exc:
            raise WheelError(f"{path}: {exc}") from None
        needed.update(info.needed)
        if info.soname:
            carried.add(info.soname)
    return [f"so:{name}" for name in sorted(needed - carried)]


def _top_level_modules(contents: Iterable[str]) -> list[str]:
    """Importable top-level names: packages, single-file modules and extension modules."""
    modules = set()
    for name in contents:
        first, slash, _ = name.partition("/")
        if first.endswith((".dist-info", ".data", ".libs")):
            continue
        if slash:
            modules.add(first)
        elif first.endswith(".py"):
            modules.add(first.removesuffix(".py"))
        elif match := _EXTENSION.match(first):
            modules.add(match.group(1))
    return sorted(modules)


def _homepage(metadata: Message) -> str:
    if metadata.get("Home-page"):
        return metadata["Home-page"]
    labelled: dict[str, str] = {}
    for entry in metadata.get_all("Project-URL", []):
        label, _, url = entry.partition(",")
        labelled.setdefault(label.strip().lower(), url.strip())
    return labelled.get("homepage") or labelled.get("source") or next(iter(labelled.values()), "")


def _license(metadata: Message) -> str:
    """SPDX expression when declared, else a one-line License field, else the classifier."""
    if metadata.get("License-Expression"):
        return metadata["License-Expression"]
    declared = (metadata.get("License") or "").strip()
    if declared and "\n" not in declared:
        return declared
    classifiers = metadata.get_all("Classifier", [])
    return next((c.rsplit(" :: ", 1)[-1] for c in classifiers if c.startswith("License ::")), "")
