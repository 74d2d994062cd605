"""wheelapk: a wheel becomes the package abuild would build (metadata, files, dependencies)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from jupyterlab_apk.apkwriter import File
from jupyterlab_apk.elf import ElfError, dynamic_info
from jupyterlab_apk.wheelapk import (
    Target,
    WheelError,
    apk_constraints,
    build_package,
    read_wheel,
)

from .wheels import make_wheel, record_hash

TARGET = Target("3.12", "x86_64")
SITE = "usr/lib/python3.12/site-packages"


@pytest.mark.parametrize(
    ("specifier", "expected"),
    [
        ("", []),
        (">=1.2", [">=1.2"]),
        (">=1.2,<2", ["<2", ">=1.2"]),
        ("<2.0rc1", ["<2.0_rc1"]),
        ("==1.4.2", ["~1.4.2"]),
        ("<=1.4", ["<~1.4"]),
        (">1.4.post1", [">1.4_p1"]),
        ("~=1.4.2", [">=1.4.2", "<1.5"]),
        ("~=2.2", [">=2.2", "<3"]),
        ("==1.2.*", [">=1.2", "<1.3"]),
        ("!=1.3", []),
        (">=1.0,!=1.3", [">=1.0"]),
        ("===1.0", []),
    ],
)
def test_apk_constraints(specifier: str, expected: list[str]) -> None:
    assert apk_constraints(SpecifierSet(specifier)) == expected


def test_apk_constraints_refuse_a_local_version() -> None:
    with pytest.raises(ValueError, match="local versions"):
        apk_constraints(SpecifierSet("==1.0+ubuntu1"))


def _package(tmp_path: Path, **kwargs):
    defaults = {
        "files": {"demo/__init__.py": b"def main():\n    print('hello')\n"},
        "entry_points": "[console_scripts]\ndemo-cli = demo:main\n",
    }
    path = make_wheel(tmp_path / "wheels", "Demo.Pkg", "1.0rc1", **{**defaults, **kwargs})
    return build_package(read_wheel(path), TARGET, ["py3-dep>=2"])


def test_pure_wheel_metadata(tmp_path: Path) -> None:
    info, _ = _package(tmp_path)

    assert (info.name, info.version, info.arch, info.license) == (
        "py3-demo-pkg", "1.0_rc1-r0", "noarch", "MIT"
    )
    assert list(info.depends) == ["python3~3.12", "py3-dep>=2"]
    assert list(info.provides) == ["cmd:demo-cli=1.0_rc1-r0", "py3.12:demo=1.0_rc1-r0"]
    assert info.builddate == 1704164646  # the wheel's own timestamp, not the clock


def test_console_script_runs_and_dist_info_says_apk(tmp_path: Path) -> None:
    _, files = _package(tmp_path)

    script = files["usr/bin/demo-cli"]
    assert isinstance(script, File) and script.mode == 0o755
    assert script.content.startswith(b"#!/usr/bin/python3\n")
    assert files[f"{SITE}/demo_pkg-1.0rc1.dist-info/INSTALLER"] == b"apk\n"
    root = tmp_path / "root"
    for path, value in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(value.content if isinstance(value, File) else value)
    done = subprocess.run(
        [sys.executable, str(root / "usr/bin/demo-cli")],
        capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(root / SITE)},
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (0, "hello\n"), done.stderr


def test_record_lists_every_installed_file_with_its_hash(tmp_path: Path) -> None:
    _, files = _package(tmp_path)

    record = files[f"{SITE}/demo_pkg-1.0rc1.dist-info/RECORD"].decode()  # type: ignore[union-attr]
    rows = dict(line.split(",", 1) for line in record.splitlines())
    assert len(rows) == len(record.splitlines()) == len(files)  # each file once
    for path, value in files.items():
        content = value.content if isinstance(value, File) else value
        shown = os.path.relpath(path, SITE)
        if shown.endswith("RECORD"):
            assert rows[shown] == ","
        else:
            assert rows[shown] == f"{record_hash(content)},{len(content)}"
    assert "../../../bin/demo-cli" in rows


def test_no_pycache_and_data_scripts_get_the_shebang(tmp_path: Path) -> None:
    _, files = _package(
        tmp_path,
        files={
            "demo/__init__.py": b"",
            "demo/__pycache__/__init__.cpython-312.pyc": b"\x00",
            "demo_pkg-1.0rc1.data/scripts/tool": b"#!python\nprint(1)\n",
            "demo_pkg-1.0rc1.data/data/share/demo/x.txt": b"x",
        },
        entry_points="",
    )

    assert not any("__pycache__" in path or path.endswith(".pyc") for path in files)
    tool = files["usr/bin/tool"]
    assert isinstance(tool, File) and tool.mode == 0o755
    assert tool.content == b"#!/usr/bin/python3\nprint(1)\n"
    assert files["usr/share/demo/x.txt"] == b"x"


def test_markers_are_evaluated_for_the_target(tmp_path: Path) -> None:
    requires = [
        "always",
        "old; python_version < '3'",
        "arm; platform_machine == 'aarch64'",
        "docs; extra == 'docs'",
        "linux; sys_platform == 'linux'",
    ]
    wheel = read_wheel(make_wheel(tmp_path, "m", "1", {"m.py": b""}, requires=requires))

    def names(target: Target, extras=()) -> list[str]:
        return [r.name for r in wheel.dependencies(target, extras)]

    assert names(TARGET) == ["always", "linux"]
    assert names(Target("3.12", "aarch64")) == ["always", "arm", "linux"]
    assert names(TARGET, ["docs"]) == ["always", "docs", "linux"]


def _rewrite(path: Path, member: str, content: bytes) -> None:
    """Replace one member of a zip, CRC and all: a change only the RECORD can tell."""
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in members:
            archive.writestr(info, content if info.filename == member else data)


def test_a_wheel_whose_files_do_not_match_its_record_is_refused(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, "bad", "1", {"bad.py": b"x = 1\n"})
    _rewrite(path, "bad.py", b"x = 2\n")

    with pytest.raises(WheelError, match="bad.py does not match its RECORD hash"):
        build_package(read_wheel(path), TARGET, [])


def test_a_corrupt_wheel_is_refused(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, "bad", "1", {"bad.py": b"x = 1\n"})
    path.write_bytes(path.read_bytes().replace(b"x = 1\n", b"x = 2\n"))  # the CRC no longer holds

    with pytest.raises(WheelError, match="bad-1-py3-none-any.whl: not a readable wheel"):
        build_package(read_wheel(path), TARGET, [])


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("cp312-cp312-manylinux_2_17_x86_64", "not for musl on x86_64"),
        ("cp312-cp312-musllinux_1_2_aarch64", "not for musl on x86_64"),
    ],
)
def test_a_wheel_for_another_platform_is_refused(tmp_path: Path, tag: str, message: str) -> None:
    path = make_wheel(tmp_path, "plat", "1", {"plat.py": b""}, tag=tag)

    with pytest.raises(WheelError, match=message):
        build_package(read_wheel(path), TARGET, [])


@pytest.mark.parametrize(
    ("version", "message"),
    [("1.0+local", "local versions"), ("1!2.0", "no epoch")],
)
def test_versions_apk_cannot_express_are_refused(
    tmp_path: Path, version: str, message: str
) -> None:
    path = make_wheel(tmp_path, "v", version, {"v.py": b""})

    with pytest.raises(ValueError, match=message):
        build_package(read_wheel(path), TARGET, [])


# --- elf ---


@pytest.mark.skipif(shutil.which("readelf") is None, reason="readelf (binutils) is not installed")
def test_dynamic_info_agrees_with_readelf() -> None:
    path = Path(sys.executable).resolve()
    libraries = [p for p in Path(sys.base_prefix, "lib").rglob("*.so*") if p.is_file()][:20]
    for candidate in [path, *libraries]:
        data = candidate.read_bytes()
        shown = subprocess.run(
            ["readelf", "-d", str(candidate)], capture_output=True, text=True, check=False
        ).stdout
        soname = next(iter(readelf_values(shown, "(SONAME)")), None)
        assert dynamic_info(data) == (tuple(readelf_values(shown, "(NEEDED)")), soname), candidate


def readelf_values(shown: str, kind: str) -> list[str]:
    """The bracketed values of `readelf -d`'s *kind* entries, in order."""
    return [line.split("[")[1].rstrip("]") for line in shown.splitlines() if kind in line]


@pytest.mark.parametrize(
    "data",
    [b"not elf at all", b"\x7fELF\x02\x01" + b"\0" * 10, b"\x7fELF\x09\x01" + b"\0" * 60],
)
def test_dynamic_info_rejects_broken_files(data: bytes) -> None:
    with pytest.raises(ElfError):
        dynamic_info(data)
