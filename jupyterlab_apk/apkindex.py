"""Parse APKINDEX text and apk's installed database (`<root>/lib/apk/db/installed`); no I/O.

Both are records of `X:value` lines separated by blank lines. A full repository index is about
25,000 records and 400,000 lines, parsed on every cold start of the server, so:
- a record holds as values only what listing, searching and merging need, and keeps its own
  lines, from which `PackageRecord.details` reads the other fields of the few packages that
  are looked at closely;
- records laid out as apk writes them are recognised whole by one compiled pattern (C code);
  only unusual records (other field orders, unknown fields, blank lines) and malformed ones are
  read line by line in Python, which also says which line is wrong.
"""

from __future__ import annotations

import re
from functools import partial
from operator import itemgetter
from typing import NamedTuple, cast


class IndexParseError(ValueError):
    """A malformed index or installed database; *line* is the 1-based line that is wrong."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line


class PackageDetails(NamedTuple):
    """The fields of a package that only its details view, the resolver and apk need."""

    arch: str  # A
    url: str  # U
    license: str  # L
    origin: str  # o
    maintainer: str  # m
    build_time: int | None  # t: Unix time
    commit: str  # c: aports commit
    checksum: str  # C: "Q1" + base64(sha1 of the control member)
    depends: tuple[str, ...]  # D
    provides: tuple[str, ...]  # p
    install_if: tuple[str, ...]  # i
    provider_priority: int | None  # k
    modules: tuple[str, ...]  # importable top-level names, from `py3.X:<name>=…` provides
    extra: tuple[tuple[str, str], ...]  # unknown single-letter fields, in file order


class PackageRecord(NamedTuple):
    """One package of an index: the values every listing needs, and the record's own lines.

    Records are equal when they hold the same values and lines.
    """

    name: str  # P
    version: str  # V
    size: int  # S: download size in bytes (0 if absent)
    installed_size: int  # I (0 if absent)
    description: str  # T
    python: str | None  # "3.12" for a package built for that Python, else None
    text: str  # the record's "X:value" lines, newline-separated, without blank lines

    @property
    def details(self) -> PackageDetails:
        """The other fields, read from `text` on each call (some microseconds)."""
        fields, extra, _ = _read_lines(self.text.split("\n"), 1)
        (
            arch, url, license_, origin, maintainer, build_time, commit, checksum, depends,
            provides, install_if, priority,
        ) = _DETAIL_VALUES(fields)  # fmt: skip
        provides_list = tuple(provides.split())
        return PackageDetails(
            arch,
            url,
            license_,
            origin,
            maintainer,
            None if build_time is None else int(build_time),
            commit,
            checksum,
            # split() with no argument also drops the trailing spaces real indexes leave.
            tuple(depends.split()),
            provides_list,
            tuple(install_if.split()),
            None if priority is None else int(priority),
            _modules(provides_list),
            tuple(extra),
        )


class InstalledRecord(NamedTuple):
    """One package of the installed database."""

    record: PackageRecord
    files: int  # number of R: lines
    broken_files: bool  # f: flag "f" (apk could not write some of its files)
    failed_script: bool  # f: flag "s" (an install script exited with an error)


# A record as apk-tools writes it: these fields in this order, each at most once, integers in
# digits. Matched whole, capturing P, V, S, I, T, D and p; anything else is read line by line.
_CANONICAL = re.compile(
    r"(?:C:.*\n)?P:(.+)\nV:(.+)(?:\nA:.*)?(?:\nS:([0-9]+))?(?:\nI:([0-9]+))?(?:\nT:(.*))?"
    r"(?:\nU:.*)?(?:\nL:.*)?(?:\no:.*)?(?:\nm:.*)?(?:\nt:[0-9]+)?(?:\nc:.*)?(?:\nk:[0-9]+)?"
    r"(?:\nD:(.*))?(?:\np:(.*))?(?:\ni:.*)?"
)
# Per-directory, per-file and bookkeeping lines of the installed database only; of these "R" is
# counted and "f" read by parse_installed, the others do not describe the package.
_INSTALLED_ONLY = frozenset("FRZaMqrsf")
# What apk writes after a package's fields in the installed database: only such lines.
_INSTALLED_TAIL = re.compile(r"(?:\n[FRZaMqrsf]:.*)*\n?")
_FLAGS_LINE = re.compile(r"^f:(.*)", re.M)
_INTEGER_NAMES = {
    "S": "download size",
    "I": "installed size",
    "t": "build time",
    "k": "provider priority",
}
_DEPENDENCY_OPERATORS = "<>=~"
# A dependency on a Python series, as a whole name: not `libpython3~3.12`.
_PYTHON_DEPENDENCY = re.compile(r"(?:^|\s)python3~(\S+)")
# Every known field with its value when absent.
_DEFAULTS: dict[str, str | None] = {
    **dict.fromkeys("PVATULomcCDpi", ""),
    "S": "0",
    "I": "0",
    "t": None,
    "k": None,
}
_DETAIL_VALUES = itemgetter(*"AULomtcCDpik")  # PackageDetails' order


def dependency_name(dep: str) -> str:
    """The package or virtual name a dependency string refers to.

    `python3~3.12` -> `python3`, `py3-foo>=1.0` -> `py3-foo`, `!py3-bar` (a conflict) ->
    `py3-bar`; names such as `so:libc.musl-x86_64.so.1` or `cmd:foo` are returned unchanged.
    """
    name = dep.removeprefix("!")
    for position, char in enumerate(name):
        if char in _DEPENDENCY_OPERATORS:
            return name[:position]
    return name


def _python_series(depends: str, provides: str) -> str | None:
    """The Python a package is built for: its first `py3.X:` provide, else `python3~3.X`."""
    if "py3." in provides:
        for item in provides.split():
            series, colon, _ = item.partition(":")  # "py3.12:numpy=2.2.4-r1"
            if colon and series.startswith("py3."):
                return series[len("py") :]
    dependency = _PYTHON_DEPENDENCY.search(depends)
    if dependency:
        # apk writes the series (python3~3.12); keep major.minor should a patch level appear.
        return ".".join(dependency[1].split(".", 2)[:2])
    return None


def modules_provided(record: PackageRecord) -> tuple[str, ...]:
    """`record.details.modules`, reading only the `p:` line: for scans over every package."""
    text = "\n" + record.text
    start = text.find("\np:") + 1
    if not start:
        return ()
    end = text.find("\n", start)
    return _modules(tuple(text[start + 2 : None if end < 0 else end].split()))


def _modules(provides: tuple[str, ...]) -> tuple[str, ...]:
    """The top-level modules named by `py3.X:<module>=<version>` provides, first seen first."""
    modules: list[str] = []
    for item in provides:
        series, colon, rest = item.partition(":")
        module = rest.partition("=")[0]
        if colon and series.startswith("py3.") and module and module not in modules:
            modules.append(module)
    return tuple(modules)


# PackageRecord's own __new__ is Python code taking arguments one by one; this is the C function
# it ends in, 25,000 times per index.
_new_record = partial(tuple.__new__, PackageRecord)


def _canonical_record(match: re.Match[str]) -> PackageRecord:
    """The record of the lines that _CANONICAL matched."""
    name, version, size, installed_size, description, depends, provides = match.groups("")
    python = (
        _python_series(depends, provides)
        if "python3~" in depends or "py3." in provides  # most packages are not for Python
        else None
    )
    return _new_record(
        (name, version, int(size or 0), int(installed_size or 0), description, python, match[0])
    )


def _read_lines(
    lines: list[str], first_line: int, skip: frozenset[str] = frozenset()
) -> tuple[dict[str, str | None], list[tuple[str, str]], dict[str, int]]:
    """(known fields, unknown fields in order, line number of each known field) of *lines*.

    Every key of _DEFAULTS is in the fields. Fields named in *skip* are checked for form and
    otherwise left to the caller; IndexParseError for a line that is not blank nor "X:value".
    """
    fields = _DEFAULTS.copy()
    extra: list[tuple[str, str]] = []
    numbers: dict[str, int] = {}
    for number, line in enumerate(lines, first_line):
        if not line:
            continue
        if line[1:2] != ":":
            raise IndexParseError(number, f"expected a field line 'X:value', got {line!r}")
        key = line[0]
        if key in skip:
            continue
        if key in _DEFAULTS:
            fields[key] = line[2:]
            numbers[key] = number
        else:
            extra.append((key, line[2:]))
    return fields, extra, numbers


def _careful_record(
    lines: list[str], first_line: int, skip: frozenset[str] = frozenset()
) -> PackageRecord | None:
    """The record of *lines* (None if all blank), or IndexParseError saying what is wrong where.

    Fields named in *skip* are checked for form and left out of the record.
    """
    fields, _, numbers = _read_lines(lines, first_line, skip)
    if not any(lines):
        return None
    start = first_line + next(index for index, line in enumerate(lines) if line)
    for key, what in (("P", "package name"), ("V", "version")):
        if not fields[key]:
            raise IndexParseError(numbers.get(key, start), f"record has no {key}: ({what}) value")
    for key, what in _INTEGER_NAMES.items():
        if key in numbers:
            try:
                int(fields[key])  # type: ignore[arg-type]
            except ValueError:
                raise IndexParseError(
                    numbers[key], f"{key}: ({what}) is not an integer: {fields[key]!r}"
                ) from None
    return PackageRecord(
        fields["P"],  # type: ignore[arg-type]
        fields["V"],  # type: ignore[arg-type]
        int(fields["S"]),  # type: ignore[arg-type]
        int(fields["I"]),  # type: ignore[arg-type]
        fields["T"],  # type: ignore[arg-type]
        _python_series(fields["D"], fields["p"]),  # type: ignore[arg-type]
        "\n".join(line for line in lines if line and line[0] not in skip),
    )


def _unix_newlines(text: str) -> str:
    # A file that went through a Windows editor; "\r" in a real index is cheap to rule out.
    return text.replace("\r\n", "\n") if "\r" in text else text


_SLICE = 4096  # records matched per C call: a few ms


def parse_index(text: str) -> list[PackageRecord]:
    """The package records of an APKINDEX, in file order; IndexParseError if malformed."""
    blocks = _unix_newlines(text).rstrip("\n").split("\n\n")
    # In slices: a C loop over a whole index would hold the GIL, and so stall the server's
    # event loop, for as long as the index is big; between slices other threads get their turn.
    matches: list[re.Match[str] | None] = []
    for start in range(0, len(blocks), _SLICE):
        matches += map(_CANONICAL.fullmatch, blocks[start : start + _SLICE])
    if None not in matches:  # every record as apk writes it: no Python loop but map's
        return list(map(_canonical_record, cast("list[re.Match[str]]", matches)))
    records = []
    first_line = 1
    for block, match in zip(blocks, matches, strict=True):
        record = (
            _canonical_record(match) if match else _careful_record(block.split("\n"), first_line)
        )
        if record:
            records.append(record)
        first_line += block.count("\n") + 2  # and the blank line that ended the block
    return records


def parse_installed(text: str) -> list[InstalledRecord]:
    """The packages of an installed database, in file order; IndexParseError if malformed."""
    records = []
    first_line = 1
    for block in _unix_newlines(text).split("\n\n"):
        match = _CANONICAL.match(block)
        if match and _INSTALLED_TAIL.fullmatch(block, match.end()):
            record: PackageRecord | None = _canonical_record(match)
        else:
            record = _careful_record(block.split("\n"), first_line, skip=_INSTALLED_ONLY)
        if record:
            # apk writes all flags on one line ("f:fs"); read every f: line all the same.
            flags = "".join(_FLAGS_LINE.findall(block)) if "f:" in block else ""
            records.append(
                InstalledRecord(
                    record=record,
                    files=block.count("\nR:") + block.startswith("R:"),
                    broken_files="f" in flags,
                    failed_script="s" in flags,
                )
            )
        first_line += block.count("\n") + 2  # and the blank line that ended the block
    return records
