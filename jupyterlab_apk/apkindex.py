"""Parse APKINDEX text and apk's installed database (`<root>/lib/apk/db/installed`); no I/O.

Both are records of `X:value` lines separated by blank lines. A full repository index is about
25,000 records and 400,000 lines, and is parsed on every cold start of the server, so the index
path works a whole record at a time with C-level string methods, and only loops over the lines of
a record in Python when the record is unusual (blank lines, unknown fields) or malformed, to say
which line is wrong.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from operator import itemgetter


class IndexParseError(ValueError):
    """A malformed index or installed database; *line* is the 1-based line that is wrong."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line


@dataclass(frozen=True, slots=True)
class PackageRecord:
    """One package of an index, by its single-letter fields."""

    name: str  # P
    version: str  # V
    arch: str  # A
    size: int  # S: download size in bytes (0 if absent)
    installed_size: int  # I (0 if absent)
    description: str  # T
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
    python: str | None  # "3.12" for a package built for that Python, else None
    modules: tuple[str, ...]  # importable top-level names, from `py3.X:<name>=…` provides
    extra: tuple[tuple[str, str], ...]  # unknown single-letter fields, in file order


@dataclass(frozen=True, slots=True)
class InstalledRecord:
    """One package of the installed database."""

    record: PackageRecord
    files: int  # number of R: lines
    broken_files: bool  # f: flag "f" (apk could not write some of its files)
    failed_script: bool  # f: flag "s" (an install script exited with an error)


# Setting the fields of a frozen dataclass costs an object.__setattr__ call each: some 15% of the
# time a full index takes. So records are built as this mutable twin (same fields, hence the same
# slot layout) and then switched to PackageRecord, which makes them ordinary, frozen records.
_MutableRecord = dataclasses.make_dataclass(
    "_MutableRecord",
    [(field.name, field.type) for field in dataclasses.fields(PackageRecord)],
    slots=True,
)


# Per-directory, per-file and bookkeeping lines of the installed database only; of these "R" is
# counted and "f" read by parse_installed, the others do not describe the package.
_INSTALLED_ONLY = frozenset("FRZaMqrsf")
_INTEGER_NAMES = {
    "S": "download size",
    "I": "installed size",
    "t": "build time",
    "k": "provider priority",
}
_DEPENDENCY_OPERATORS = "<>=~"

# Every known field with its value when absent: a record starts as a copy of this, so one C-level
# _FIELD_VALUES call reads them all, and a record with unknown fields is the one that grew.
_DEFAULTS: dict[str, str | None] = {
    **dict.fromkeys("PVATULomcCDpi", ""),
    "S": "0",
    "I": "0",
    "t": None,
    "k": None,
}
_FIELD_VALUES = itemgetter(*"PVASITULomtcCDpik")  # PackageRecord's order

_KEY = itemgetter(0)
_VALUE = itemgetter(slice(2, None))
# A line after the first that is neither blank nor "X:…"; one C-level scan of the whole text is
# far cheaper than looking at 400,000 lines one by one in Python.
_BAD_LINE = re.compile(r"\n(?!.:|\n|\Z)")


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


def _python(
    depends: str, provides: str, provides_list: tuple[str, ...]
) -> tuple[str | None, tuple[str, ...]]:
    """The Python series a package is built for and the top-level modules it provides."""
    python = None
    modules: list[str] = []
    if "py3." in provides:
        for item in provides_list:
            series, colon, rest = item.partition(":")  # "py3.12:numpy=2.2.4-r1"
            if colon and series.startswith("py3."):
                python = python or series[len("py") :]
                module = rest.partition("=")[0]
                if module and module not in modules:
                    modules.append(module)
    if python is None:
        start = depends.find("python3~")
        if start == 0 or (start > 0 and depends[start - 1] == " "):
            end = depends.find(" ", start)
            # apk writes the series (python3~3.12); keep major.minor should a patch level appear.
            series = depends[start + len("python3~") : None if end < 0 else end]
            python = ".".join(series.split(".", 2)[:2])
    return python, tuple(modules)


def _record(fields: dict[str, str | None], extra: tuple[tuple[str, str], ...]) -> PackageRecord:
    """The record of *fields*, which has every key of _DEFAULTS; ValueError for a bad integer."""
    (
        name, version, arch, size, installed_size, description, url, license_, origin,
        maintainer, build_time, commit, checksum, depends, provides, install_if, priority,
    ) = _FIELD_VALUES(fields)  # fmt: skip
    # split() with no argument also drops the trailing spaces real indexes leave on these lines.
    provides_list = tuple(provides.split())
    # Cheap substring tests first: most packages have nothing to do with Python.
    if "python3~" in depends or "py3." in provides:
        python, modules = _python(depends, provides, provides_list)
    else:
        python, modules = None, ()
    # Positional arguments: this runs 25,000 times per index and keywords cost measurably more.
    record = _MutableRecord(
        name,
        version,
        arch,
        int(size),
        int(installed_size),
        description,
        url,
        license_,
        origin,
        maintainer,
        None if build_time is None else int(build_time),
        commit,
        checksum,
        tuple(depends.split()),
        provides_list,
        tuple(install_if.split()) if install_if else (),  # rarely present
        None if priority is None else int(priority),
        python,
        modules,
        extra,
    )
    record.__class__ = PackageRecord
    return record


def _careful_record(
    lines: list[str], first_line: int, skip: frozenset[str] = frozenset()
) -> PackageRecord | None:
    """The record of *lines* (None if all blank), or IndexParseError saying what is wrong where.

    Fields named in *skip* are checked for form and otherwise left to the caller.
    """
    fields = _DEFAULTS.copy()
    numbers: dict[str, int] = {}
    extra: list[tuple[str, str]] = []
    start = 0  # the first non-blank line: blank lines may come before a record
    for number, line in enumerate(lines, first_line):
        if not line:
            continue
        start = start or number
        if line[1:2] != ":":
            raise IndexParseError(number, f"expected a field line 'X:value', got {line!r}")
        key, value = line[0], line[2:]
        if key in skip:
            continue
        if key in _DEFAULTS:
            fields[key] = value
            numbers[key] = number
        else:
            extra.append((key, value))
    if not start:
        return None
    for key, what in (("P", "package name"), ("V", "version")):
        if not fields[key]:
            raise IndexParseError(numbers.get(key, start), f"record has no {key}: ({what}) value")
    for key, what in _INTEGER_NAMES.items():
        if key in numbers:
            try:
                int(fields[key])
            except ValueError:
                raise IndexParseError(
                    numbers[key], f"{key}: ({what}) is not an integer: {fields[key]!r}"
                ) from None
    return _record(fields, tuple(extra))


def _unix_newlines(text: str) -> str:
    # A file that went through a Windows editor; "\r" in a real index is cheap to rule out.
    return text.replace("\r\n", "\n") if "\r" in text else text


def _first_bad_line(text: str) -> int:
    """The number of the first line that is neither blank nor "X:…", or 0 if there is none."""
    if _BAD_LINE.match("\n" + text[:2]):  # the first line has no newline before it
        return 1
    bad = _BAD_LINE.search(text)
    return text.count("\n", 0, bad.start()) + 2 if bad else 0


def parse_index(text: str) -> list[PackageRecord]:
    """The package records of an APKINDEX, in file order; IndexParseError if malformed."""
    text = _unix_newlines(text)
    bad_line = _first_bad_line(text)
    if bad_line:
        line = text.split("\n")[bad_line - 1]
        raise IndexParseError(bad_line, f"expected a field line 'X:value', got {line!r}")
    records = []
    first_line = 1
    for block in text.split("\n\n"):
        lines = block.split("\n")
        try:
            # The fast path, all in C but for _record: every line is "X:value" (checked above).
            fields = _DEFAULTS.copy()
            fields.update(zip(map(_KEY, lines), map(_VALUE, lines)))  # IndexError: blank line
            plain = len(fields) == len(_DEFAULTS) and fields["P"] and fields["V"]
            record = _record(fields, ()) if plain else None  # ValueError: not an integer
        except (IndexError, ValueError):
            record = None
        if record is None:  # blank lines, unknown fields, no name or version, a bad integer
            record = _careful_record(lines, first_line)
        if record:
            records.append(record)
        first_line += len(lines) + 1  # and the blank line that ended the block
    return records


def parse_installed(text: str) -> list[InstalledRecord]:
    """The packages of an installed database, in file order; IndexParseError if malformed."""
    records = []
    first_line = 1
    for block in _unix_newlines(text).split("\n\n"):
        lines = block.split("\n")
        record = _careful_record(lines, first_line, skip=_INSTALLED_ONLY)
        if record:
            # apk writes all flags on one line ("f:fs"), but reading every f: line costs nothing.
            flags = "".join(line[2:] for line in lines if line.startswith("f:"))
            records.append(
                InstalledRecord(
                    record=record,
                    files=sum(line.startswith("R:") for line in lines),
                    broken_files="f" in flags,
                    failed_script="s" in flags,
                )
            )
        first_line += len(lines) + 1  # and the blank line that ended the block
    return records
