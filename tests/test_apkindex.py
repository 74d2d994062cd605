"""APKINDEX and installed-database parsing, on real Alpine excerpts and small crafted inputs."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest

from jupyterlab_apk import apkindex
from jupyterlab_apk.apkindex import (
    IndexParseError,
    PackageRecord,
    dependency_name,
    parse_index,
    parse_installed,
)

from .conftest import ALPINE_DATA

COMMUNITY = ALPINE_DATA / "v3.22-community-x86_64-py3-sample.APKINDEX"
MAIN = ALPINE_DATA / "v3.22-main-x86_64-head.APKINDEX"


@pytest.fixture(scope="module")
def community() -> dict[str, PackageRecord]:
    return {record.name: record for record in parse_index(COMMUNITY.read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def main() -> dict[str, PackageRecord]:
    return {record.name: record for record in parse_index(MAIN.read_text(encoding="utf-8"))}


def _fields(record: PackageRecord) -> dict[str, object]:
    """Every field of *record*, whether kept as a value or read from its lines on demand."""
    values = record._asdict()
    del values["text"]
    return {**values, **record.details._asdict()}


def _expected(**fields: object) -> dict[str, object]:
    """The fields of a record with every field not given left empty."""
    empty = {
        "arch": "", "size": 0, "installed_size": 0, "description": "", "url": "", "license": "",
        "origin": "", "maintainer": "", "build_time": None, "commit": "", "checksum": "",
        "depends": (), "provides": (), "install_if": (), "provider_priority": None,
        "python": None, "modules": (), "extra": (),
    }  # fmt: skip
    return {**empty, **fields}


@pytest.mark.parametrize(("path", "count"), [(COMMUNITY, 210), (MAIN, 42)])
def test_every_record_in_file_order(path, count) -> None:
    text = path.read_text(encoding="utf-8")
    records = parse_index(text)
    assert len(records) == count
    # Independent reading of the same file: the P:/V: lines, in order.
    lines = text.splitlines()
    assert [(r.name, r.version) for r in records] == [
        (line[2:], following[2:])
        for line, following in pairwise(lines)
        if line.startswith("P:")
    ]


def test_numpy_field_by_field(community) -> None:
    assert _fields(community["py3-numpy"]) == _expected(
        name="py3-numpy",
        version="2.2.4-r1",
        arch="x86_64",
        size=6466030,
        installed_size=21821715,
        description="Scientific tools for Python",
        url="https://www.numpy.org/",
        license="BSD-3-Clause",
        origin="py3-numpy",
        maintainer="Francesco Colista <fcolista@alpinelinux.org>",
        build_time=1748600526,
        commit="c4ba19b7cadeef3921393680770df9cd4e038a93",
        checksum="Q1kfe/xHN3MzJb1ROUvwWj8r/tVHI=",
        depends=(
            "openblas",
            "python3~3.12",
            "so:libc.musl-x86_64.so.1",
            "so:libgcc_s.so.1",
            "so:libstdc++.so.6",
        ),
        provides=("py3.12:numpy=2.2.4-r1",),
        install_if=(),
        provider_priority=None,
        python="3.12",
        modules=("numpy",),
        extra=(),
    )


def test_pillow_module_differs_from_package_name(community) -> None:
    pillow = _fields(community["py3-pillow"])
    assert (pillow["version"], pillow["python"], pillow["modules"]) == (
        "11.2.1-r0",
        "3.12",
        ("PIL",),
    )
    assert pillow["provides"] == ("py-pillow=11.2.1-r0", "py3.12:PIL=11.2.1-r0")
    assert pillow["license"] == "custom:PIL"
    assert len(pillow["depends"]) == 13


@pytest.mark.parametrize(
    ("name", "python", "modules", "install_if"),
    [
        ("py3-overpy", "3.12", ("overpy",), ()),
        # The bytecode subpackage depends on python3~3.12 but provides no module.
        ("py3-overpy-pyc", "3.12", (), ("py3-overpy=0.7-r1", "pyc")),
        ("py3-scipy", "3.12", ("scipy",), ()),
        ("py3-pandas", "3.12", ("pandas",), ()),
    ],
)
def test_python_packages(community, name, python, modules, install_if) -> None:
    record = community[name]
    details = record.details
    assert (record.python, details.modules, details.install_if) == (python, modules, install_if)


def test_main_records_with_priority_and_install_if(main) -> None:
    assert _fields(main["7zip"]) == _expected(
        name="7zip",
        version="24.09-r0",
        arch="x86_64",
        size=915773,
        installed_size=1780088,
        description="File archiver with a high compression ratio",
        url="https://7-zip.org/",
        license="LGPL-2.0-only",
        origin="7zip",
        maintainer="Alex Xu (Hello71) <alex_y_xu@yahoo.ca>",
        build_time=1735153354,
        commit="1fa85c6c2201f2e66a8b3582c02f5e036acef5e6",
        checksum="Q1/dy61M3wkuQsY22lN0Ou8WqzFTQ=",
        depends=("so:libc.musl-x86_64.so.1", "so:libgcc_s.so.1", "so:libstdc++.so.6"),
        provides=("7zip-virtual", "p7zip=24.09-r0", "cmd:7z=24.09-r0", "cmd:7zz=24.09-r0"),
        provider_priority=100,
    )
    doc = main["7zip-doc"].details
    assert (doc.install_if, doc.provider_priority, doc.depends) == (
        ("docs", "7zip=24.09-r0"),
        100,
        (),
    )
    assert main["aaudit"].details.provider_priority is None
    assert main["aaudit"].details.maintainer == "Timo Teräs <timo.teras@iki.fi>"


def test_trailing_space_kept_in_text_fields(main, community) -> None:
    assert main["abseil-cpp"].description == "Abseil Common Libraries (C++) "
    assert community["py3-overpy"].description == "Python Wrapper to access the Overpass API "
    assert main["abseil-cpp"].details.depends[-1] == "so:libstdc++.so.6"


def test_records_are_immutable_values(main) -> None:
    record = main["7zip"]
    assert type(record) is PackageRecord
    with pytest.raises(AttributeError):
        record.name = "other"  # type: ignore[misc]
    again = {r.name: r for r in parse_index(MAIN.read_text(encoding="utf-8"))}["7zip"]
    assert again == record and hash(again) == hash(record) and again is not record
    assert record.text.split("\n")[1:3] == ["P:7zip", "V:24.09-r0"]


@pytest.mark.parametrize("path", [COMMUNITY, MAIN])
def test_line_by_line_reading_agrees_with_the_pattern(path) -> None:
    # Records as apk writes them are read by one pattern; a blank line before each record
    # sends them all down the line-by-line path instead. Both must read every field alike.
    blocks = path.read_text(encoding="utf-8").rstrip("\n").split("\n\n")
    assert all(apkindex._CANONICAL.fullmatch(block) for block in blocks)  # the fast path
    fast = parse_index("\n\n".join(blocks))
    careful = parse_index("\n\n\n".join(blocks))
    assert fast == careful
    assert [_fields(r) for r in fast] == [_fields(r) for r in careful]


def _mutations(block: str, rng: random.Random) -> str:
    """*block* with one random change of the kinds that push a record off the fast path."""
    lines = block.split("\n")
    at = rng.randrange(len(lines))
    kind = rng.choice(["drop", "repeat", "swap", "unknown", "not a number", "empty", "garbage"])
    if kind == "drop":
        del lines[at]
    elif kind == "repeat":
        lines.insert(at, lines[at])
    elif kind == "swap":
        other = rng.randrange(len(lines))
        lines[at], lines[other] = lines[other], lines[at]
    elif kind == "unknown":
        lines.insert(at, "z:future")
    elif kind == "not a number":
        lines = [
            f"{line[:2]}1x" if line[:2] in ("S:", "I:", "t:", "k:") else line for line in lines
        ]
    elif kind == "empty":
        lines[at] = lines[at][:2]
    else:
        lines[at] = lines[at].replace(":", "", 1)
    return "\n".join(lines)


@pytest.mark.parametrize("seed", range(40))
def test_both_paths_agree_on_damaged_records(seed) -> None:
    # Damaged copies of real records, some mixed with intact ones: the pattern path (as used)
    # and the line-by-line path (forced by a blank line before every record) must agree on
    # every record, or both refuse the index.
    rng = random.Random(seed)
    real = MAIN.read_text(encoding="utf-8").rstrip("\n").split("\n\n")
    blocks = [_mutations(b, rng) if rng.random() < 0.3 else b for b in rng.sample(real, 8)]
    try:
        expected = parse_index("\n" + "\n\n\n".join(blocks))
    except IndexParseError:
        with pytest.raises(IndexParseError):
            parse_index("\n\n".join(blocks))
    else:
        got = parse_index("\n\n".join(blocks))
        assert got == expected
        assert [_fields(r) for r in got] == [_fields(r) for r in expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P:a\nV:1\nD:b  c  \np:d \ni:e\t\n", {"depends": ("b", "c"), "provides": ("d",)}),
        ("P:a\nV:1\ni:e \t\n", {"install_if": ("e",)}),
        ("P:a\nV:1\nT: spaced  \n", {"description": " spaced  "}),
        ("P:a\nV:1\nU:\n", {"url": ""}),
        ("P:a\nV:1\n", {"size": 0, "installed_size": 0, "build_time": None}),
        ("P:a\nV:1\nT:a:b:c\n", {"description": "a:b:c"}),
    ],
)
def test_field_values(text, expected) -> None:
    [record] = parse_index(text)
    assert {key: _fields(record)[key] for key in expected} == expected


@pytest.mark.parametrize(
    ("depends", "provides", "python", "modules"),
    [
        ("python3~3.11", "", "3.11", ()),
        ("so:libc.musl-x86_64.so.1 python3~3.12.4", "", "3.12", ()),
        ("python3", "", None, ()),  # no series: could be any Python
        ("python3>=3.9", "", None, ()),
        ("", "py3.13:foo=1.0-r0", "3.13", ("foo",)),
        ("", "py3.12:b=1 py3.12:a=1 py3.12:b=1", "3.12", ("b", "a")),
        ("", "py3.12:foo", "3.12", ("foo",)),
        ("", "py3.12:a=1 py3.13:b=1", "3.12", ("a", "b")),  # the first series wins
        ("python3~3.11", "py3.11:a=1", "3.11", ("a",)),
        ("", "py3-foo=1.0-r0 cmd:foo=1.0-r0", None, ()),
        ("libpython3~3.12", "", None, ()),
        ("libpython3~3.12 python3~3.11", "", "3.11", ()),  # the whole name, wherever it is
    ],
)
def test_python_series_and_modules(depends, provides, python, modules) -> None:
    [record] = parse_index(f"P:a\nV:1\nD:{depends}\np:{provides}\n")
    assert (record.python, record.details.modules) == (python, modules)


def test_unknown_fields_kept_in_order() -> None:
    # No final newline: the plain record takes the fast path, the other one the careful path.
    plain = "C:Q1abc=\nP:foo\nV:1.0-r0\nA:x86_64\nS:10\nI:20\nD:bar"
    with_unknown = (
        "C:Q1abc=\nz:last?\nP:foo\nV:1.0-r0\ng:tag one\nA:x86_64\nS:10\nI:20\nD:bar\ng:two"
    )
    [expected] = parse_index(plain)
    [record] = parse_index(with_unknown)
    assert record.details.extra == (("z", "last?"), ("g", "tag one"), ("g", "two"))
    # Everything else reads the same as without the unknown fields.
    assert _fields(record) == {**_fields(expected), "extra": record.details.extra}


@pytest.mark.parametrize(
    "text",
    [
        "P:a\nV:1\n\nP:b\nV:2\n",
        "P:a\nV:1\n\nP:b\nV:2",  # no final newline
        "P:a\nV:1\n\nP:b\nV:2\n\n",  # apk ends an index with a blank line
        "\n\nP:a\nV:1\n\n\n\nP:b\nV:2\n\n\n",
        "P:a\r\nV:1\r\n\r\nP:b\r\nV:2\r\n",
    ],
    ids=["plain", "no-final-newline", "final-blank-line", "extra-blank-lines", "crlf"],
)
def test_record_separation(text) -> None:
    assert [(r.name, r.version) for r in parse_index(text)] == [("a", "1"), ("b", "2")]


@pytest.mark.parametrize("text", ["", "\n", "\n\n\n"])
def test_empty_index(text) -> None:
    assert parse_index(text) == []


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("garbage\nP:a\nV:1\n", 1, "expected a field line 'X:value', got 'garbage'"),
        ("Pfoo\nV:1\n", 1, "got 'Pfoo'"),
        ("P:a\nV:1\ngarbage\n", 3, "got 'garbage'"),
        ("P:a\nV:1\nPV:x\n", 3, "got 'PV:x'"),
        ("P:a\nV:1\n:x\n", 3, "got ':x'"),
        ("P:a\nV:1\nT\n", 3, "got 'T'"),
        ("P:a\nV:1\n \n", 3, "got ' '"),  # a "blank" line that is not empty
        ("P:a\nV:1\n\n\n\nP:b\nV:2\nnope\n", 8, "got 'nope'"),
        ("P:a\r\nV:1\r\nnope\r\n", 3, "got 'nope'"),
        ("V:1\nA:x86_64\n", 1, "record has no P: (package name) value"),
        ("P:a\nV:1\n\nA:x86_64\nV:2\n", 4, "record has no P: (package name) value"),
        ("P:a\nV:1\n\n\n\nV:2\n", 6, "record has no P:"),
        ("P:a\nA:x86_64\n", 1, "record has no V: (version) value"),
        ("P:a\nV:\n", 2, "record has no V: (version) value"),
        ("P:a\nV:1\nS:big\n", 3, "S: (download size) is not an integer: 'big'"),
        ("P:a\nV:1\nS:1\nI:1.5\n", 4, "I: (installed size) is not an integer: '1.5'"),
        ("P:a\nV:1\nt:\n", 3, "t: (build time) is not an integer: ''"),
        ("P:a\nV:1\nk:high\n", 3, "k: (provider priority) is not an integer: 'high'"),
        ("P:a\nV:1\n\nP:b\nV:2\nz:unknown\nS:x\n", 7, "S: (download size) is not an integer"),
    ],
)
@pytest.mark.parametrize("followed", [False, True], ids=["last", "followed"])
def test_malformed_index(text, line, message, followed) -> None:
    # A record ending the text takes another path than one followed by a record; test both.
    with pytest.raises(IndexParseError, match=f"^line {line}: ") as caught:
        parse_index(text + "\nP:z\nV:9" if followed else text)
    assert message in str(caught.value)
    assert caught.value.line == line
    assert isinstance(caught.value, ValueError)


INSTALLED = """\
C:Q1eVpkDAEjY6s9ESnXY1rdTLvARO0=
P:musl
V:1.2.5-r10
A:x86_64
S:408891
I:662088
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Natanael Copa <ncopa@alpinelinux.org>
t:1745236006
c:5ad2b7bd1a5d1c2ff7b5b3e4c4e8c0cf17d0e4e2
p:so:libc.musl-x86_64.so.1=1
r:libc6
q:1
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1oHTnhJFjx6Gw3Lo2EGmfxWUiQ1I=
R:libc.musl-x86_64.so.1
a:0:0:777
Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=
F:usr
F:usr/lib

C:Q1d9kzmTT0V7pVbpRrFTyuFHoEtXs=
P:py3-demo
V:1.0-r0
A:x86_64
S:2048
I:4096
T:A demo package
U:https://example.org/
L:MIT
o:py3-demo
t:1745236006
D:python3~3.12
p:py3.12:demo=1.0-r0
s:testing
F:usr/lib/python3.12/site-packages/demo
M:0:0:755
R:__init__.py
Z:Q1hjY5Hm3sRX5Zb8tFuBsuOd2ZKAE=
R:core.py
Z:Q1MzRp6Q3Sc7DD6mnuY2CB0yPjbjE=
R:util.py
Z:Q1pKcXrU8k4Nkm8y2CwXyR8t0qXRo=
f:f

C:Q1Fj3Bd6gN1Z6cKyjwN5oHAWOdCGY=
P:py3-script
V:1.0-r0
A:x86_64
S:1024
I:1024
T:Has a failing post-install script
o:py3-script
g:future-field
f:s
"""


def test_installed_database() -> None:
    musl, demo, script = parse_installed(INSTALLED)
    assert (musl.files, musl.broken_files, musl.failed_script) == (2, False, False)
    assert _fields(musl.record) == _expected(
        name="musl",
        version="1.2.5-r10",
        arch="x86_64",
        size=408891,
        installed_size=662088,
        description="the musl c library (libc) implementation",
        url="https://musl.libc.org/",
        license="MIT",
        origin="musl",
        maintainer="Natanael Copa <ncopa@alpinelinux.org>",
        build_time=1745236006,
        commit="5ad2b7bd1a5d1c2ff7b5b3e4c4e8c0cf17d0e4e2",
        checksum="Q1eVpkDAEjY6s9ESnXY1rdTLvARO0=",
        provides=("so:libc.musl-x86_64.so.1=1",),
    )
    assert (demo.record.name, demo.record.python, demo.record.details.modules) == (
        "py3-demo",
        "3.12",
        ("demo",),
    )
    assert (demo.files, demo.broken_files, demo.failed_script) == (3, True, False)
    assert (script.files, script.broken_files, script.failed_script) == (0, False, True)
    # Installed-only lines are not unknown fields; a truly unknown one still is.
    assert (musl.record.details.extra, demo.record.details.extra) == ((), ())
    assert script.record.details.extra == (("g", "future-field"),)
    # The record keeps the package's lines only, not the installed database's own.
    assert "R:" not in musl.record.text and "F:" not in demo.record.text


def test_installed_read_line_by_line_alike() -> None:
    # An unknown field sends a record down the line-by-line path; all else must read the same.
    fast = parse_installed(INSTALLED)
    careful = parse_installed(
        INSTALLED.replace("\nF:", "\ng:x\nF:", 1).replace("\nF:usr/lib/", "\ng:x\nF:usr/lib/")
    )
    assert [i.record.details.extra for i in careful] == [
        (("g", "x"),),
        (("g", "x"),),
        (("g", "future-field"),),
    ]
    assert [(i.files, i.broken_files, i.failed_script) for i in careful] == [
        (i.files, i.broken_files, i.failed_script) for i in fast
    ]
    assert [{**_fields(i.record), "extra": ()} for i in careful] == [
        {**_fields(i.record), "extra": ()} for i in fast
    ]


@pytest.mark.parametrize(
    ("flags", "broken_files", "failed_script"),
    [("", False, False), ("f:f\n", True, False), ("f:s\n", False, True), ("f:fs\n", True, True)],
)
def test_installed_flags(flags, broken_files, failed_script) -> None:
    [installed] = parse_installed(f"P:a\nV:1\n{flags}")
    assert (installed.broken_files, installed.failed_script) == (broken_files, failed_script)


def test_installed_same_fields_as_index() -> None:
    # The installed database repeats the index fields; both parsers must read them alike.
    text = MAIN.read_text(encoding="utf-8")
    assert [installed.record for installed in parse_installed(text)] == parse_index(text)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("P:a\nV:1\nF:usr\nR:x\nZ:Q1=\nbroken\n", 6, "got 'broken'"),
        ("P:a\nV:1\nF:usr\nRx\n", 4, "got 'Rx'"),
        ("P:a\nV:1\n\nF:usr\nR:x\n", 4, "record has no P:"),
        ("P:a\nV:1\n\nP:b\nV:2\nF:usr\nR:x\nS:nope\n", 8, "S: (download size) is not an integer"),
    ],
)
def test_malformed_installed(text, line, message) -> None:
    with pytest.raises(IndexParseError, match=f"^line {line}: ") as caught:
        parse_installed(text)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("dep", "name"),
    [
        ("python3~3.12", "python3"),
        ("so:libc.musl-x86_64.so.1", "so:libc.musl-x86_64.so.1"),
        ("py3-foo>=1.0", "py3-foo"),
        ("py3-foo<2", "py3-foo"),
        ("py3-foo=1.0-r0", "py3-foo"),
        ("py3-foo><Q1abc=", "py3-foo"),
        ("!py3-bar", "py3-bar"),
        ("!py3-bar<1.0", "py3-bar"),
        ("cmd:7z=24.09-r0", "cmd:7z"),
        ("pc:libfoo>=2", "pc:libfoo"),
        ("openblas", "openblas"),
    ],
)
def test_dependency_name(dep, name) -> None:
    assert dependency_name(dep) == name
