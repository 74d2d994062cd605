"""demo.apkrepo writes real-format apk v2 packages and indexes; demo.build makes the demo repo."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import re
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.request
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from demo import build as demo_build
from demo.apkrepo import (
    PackageInfo,
    SigningKey,
    build_apk,
    build_index,
    generate_key,
    index_record,
    load_key,
    read_apk,
    write_repository,
)
from jupyterlab_apk.signing import load_keys, open_index, split_gzip_members

pytest_plugins = ["tests.fixtures_repo"]  # signing_key, alpine_records

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
SITE = "usr/lib/python3.12/site-packages"
INFO = PackageInfo(
    name="py3-sample",
    version="1.2.3-r0",
    description="Sample package",
    url="https://example.org/sample",
    license="MIT",
    arch="x86_64",
    depends=["python3~3.12", "py3-dep"],
    provides=["py3.12:sample=1.2.3-r0"],
    builddate=1700000000,
    maintainer="Tester <tester@example.org>",
)
FILES = {
    f"{SITE}/sample/__init__.py": b"VALUE = 1\n",
    f"{SITE}/sample/data/empty.txt": b"",
    "usr/bin/sample": b"#!/bin/sh\necho sample\n",
}


def _gunzip(member: bytes) -> bytes:
    return zlib.decompress(member, 16 + zlib.MAX_WBITS)


def _tar_members(member: bytes) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    with tarfile.open(fileobj=io.BytesIO(_gunzip(member))) as tar:
        return [
            (info, tar.extractfile(info).read() if info.isfile() else None)  # type: ignore[union-attr]
            for info in tar
        ]


def _q1(data: bytes) -> str:
    return "Q1" + base64.b64encode(hashlib.sha1(data).digest()).decode()


@pytest.mark.parametrize(("signed", "count"), [(True, 3), (False, 2)], ids=["signed", "unsigned"])
def test_apk_members_in_order(signing_key: SigningKey, signed: bool, count: int) -> None:
    apk = build_apk(INFO, FILES, signing_key if signed else None)

    members = split_gzip_members(apk)
    *signature, control, data = members

    assert len(members) == count
    assert [i.name for i, _ in _tar_members(control)] == [".PKGINFO"]
    assert _tar_members(data)[0][0].name == "usr"
    if signed:
        [(info, value)] = _tar_members(signature[0])
        assert info.name == f".SIGN.RSA.{signing_key.key_name}"
        # abuild signs the control member with SHA-1; verify() raises if it does not hold.
        public = signing_key.private_key.public_key()
        public.verify(value, control, padding.PKCS1v15(), hashes.SHA1())


def test_only_the_data_tar_has_end_of_archive_blocks() -> None:
    control, data = split_gzip_members(build_apk(INFO, FILES, None))
    control_tar, data_tar = _gunzip(control), _gunzip(data)

    # Header + content padded to a block: nothing after, so apk reads on into the data tar.
    assert len(control_tar) == 512 + -(-len(_pkginfo_bytes(control_tar)) // 512) * 512
    assert control_tar[-512:] != b"\0" * 512
    assert data_tar.endswith(b"\0" * 1024)


def _pkginfo_bytes(control_tar: bytes) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(control_tar)) as tar:
        return tar.extractfile(".PKGINFO").read()  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"a.txt": b"a"}, [("a.txt", "file")]),
        (
            {"usr/share/x/y.txt": b"y"},
            [
                ("usr", "dir"),
                ("usr/share", "dir"),
                ("usr/share/x", "dir"),
                ("usr/share/x/y.txt", "file"),
            ],
        ),
        (
            {"b/two": b"2", "a/one": b"1", "a/z/three": b""},
            [
                ("a", "dir"),
                ("a/one", "file"),
                ("a/z", "dir"),
                ("a/z/three", "file"),
                ("b", "dir"),
                ("b/two", "file"),
            ],
        ),
        ({}, []),
    ],
    ids=["top-level-file", "nested", "shared-parents-sorted", "no-files"],
)
def test_data_tar_entries(files: dict[str, bytes], expected: list[tuple[str, str]]) -> None:
    data = split_gzip_members(build_apk(INFO, files, None))[-1]

    entries = _tar_members(data)

    assert [(i.name, "dir" if i.isdir() else "file") for i, _ in entries] == expected
    for info, content in entries:
        checksum = info.pax_headers.get("APK-TOOLS.checksum.SHA1")
        if info.isdir():
            assert checksum is None
        else:
            assert checksum == hashlib.sha1(files[info.name]).hexdigest()
            assert content == files[info.name]


@pytest.mark.parametrize("path", ["/etc/passwd", "../escape", "usr/../../escape", ""])
def test_rejects_paths_outside_the_root(path: str) -> None:
    with pytest.raises(ValueError, match="relative and inside the root"):
        build_apk(INFO, {path: b"x"}, None)


def test_pkginfo_fields_and_datahash() -> None:
    apk = build_apk(INFO, FILES, None)
    control, data = split_gzip_members(apk)

    assert _pkginfo_bytes(_gunzip(control)).decode() == (
        "# Generated by demo.apkrepo\n"
        "pkgname = py3-sample\n"
        "pkgver = 1.2.3-r0\n"
        "pkgdesc = Sample package\n"
        "url = https://example.org/sample\n"
        "builddate = 1700000000\n"
        f"size = {sum(map(len, FILES.values()))}\n"
        "arch = x86_64\n"
        "origin = py3-sample\n"
        "maintainer = Tester <tester@example.org>\n"
        "license = MIT\n"
        "depend = python3~3.12\n"
        "depend = py3-dep\n"
        "provides = py3.12:sample=1.2.3-r0\n"
        f"datahash = {hashlib.sha256(data).hexdigest()}\n"
    )


def test_index_record(signing_key: SigningKey) -> None:
    apk = build_apk(INFO, FILES, signing_key)
    control = split_gzip_members(apk)[1]

    assert index_record(INFO, apk) == (
        f"C:{_q1(control)}\n"
        "P:py3-sample\n"
        "V:1.2.3-r0\n"
        "A:x86_64\n"
        f"S:{len(apk)}\n"
        f"I:{sum(map(len, FILES.values()))}\n"
        "T:Sample package\n"
        "U:https://example.org/sample\n"
        "L:MIT\n"
        "o:py3-sample\n"
        "m:Tester <tester@example.org>\n"
        "t:1700000000\n"
        "D:python3~3.12 py3-dep\n"
        "p:py3.12:sample=1.2.3-r0\n"
    )


def test_index_record_field_order_is_alpines(alpine_records) -> None:
    records = alpine_records("v3.22-community-x86_64-py3-sample.APKINDEX")
    real = next(r for r in records if "\nm:" in r and "\nc:" in r and "\np:" in r)
    real_order = [line[0] for line in real.splitlines()]

    ours = [line[0] for line in index_record(INFO, build_apk(INFO, FILES, None)).splitlines()]

    assert ours == [letter for letter in real_order if letter in ours]


def test_index_record_refuses_a_mismatched_package() -> None:
    apk = build_apk(INFO, FILES, None)

    with pytest.raises(ValueError, match=r"is py3-sample-1\.2\.3-r0, not py3-other-1\.2\.3-r0"):
        index_record(PackageInfo("py3-other", "1.2.3-r0"), apk)


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_read_apk_round_trip(signing_key: SigningKey, signed: bool) -> None:
    apk = build_apk(INFO, FILES, signing_key if signed else None)

    contents = read_apk(apk)

    assert contents.signed is signed
    assert contents.control == split_gzip_members(apk)[-2]
    keys = ("pkgname", "pkgver", "arch", "depend", "provides")
    assert {key: contents.pkginfo[key] for key in keys} == {
        "pkgname": INFO.name,
        "pkgver": INFO.version,
        "arch": INFO.arch,
        "depend": list(INFO.depends),
        "provides": list(INFO.provides),
    }
    files = [e for e in contents.entries if e.kind == "file"]
    assert {e.name: e.content for e in files} == FILES
    assert [e.checksum for e in files] == [hashlib.sha1(FILES[e.name]).hexdigest() for e in files]
    assert {e.name for e in contents.entries if e.kind == "dir"} >= {"usr", "usr/bin", SITE}


def _swap_data(apk: bytes) -> bytes:
    other = split_gzip_members(build_apk(INFO, {"other": b"other"}, None))[-1]
    return b"".join(split_gzip_members(apk)[:-1]) + other


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda apk: b"", "broken apk: empty file"),
        (lambda apk: b"PK\x03\x04 a zip", "broken apk: gzip member 1: not gzip data"),
        (lambda apk: apk[:-10], "broken apk: gzip member 3 is truncated"),
        (lambda apk: split_gzip_members(apk)[1], "expected 2 or 3 gzip members, found 1"),
        (lambda apk: apk + split_gzip_members(apk)[2], "expected 2 or 3 gzip members, found 4"),
        (_swap_data, "datahash does not match"),
        (lambda apk: b"".join(split_gzip_members(apk)[i] for i in (1, 1, 2)), "is not a signature"),
        (lambda apk: b"".join(split_gzip_members(apk)[i] for i in (0, 2, 2)), "no .PKGINFO"),
    ],
    ids=[
        "empty",
        "garbage",
        "truncated",
        "control-only",
        "four-members",
        "datahash",
        "no-signature",
        "no-pkginfo",
    ],
)
def test_read_apk_rejects_broken_archives(signing_key: SigningKey, make, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_apk(make(build_apk(INFO, FILES, signing_key)))


@pytest.mark.parametrize(
    ("key", "algorithm", "signature"),
    [(True, "RSA", ".SIGN.RSA."), (True, "RSA256", ".SIGN.RSA256."), (False, "RSA256", None)],
    ids=["rsa", "rsa256", "unsigned"],
)
def test_build_index_round_trips_real_records(
    signing_key: SigningKey, alpine_records, key: bool, algorithm: str, signature: str | None
) -> None:
    records = alpine_records("v3.22-community-x86_64-py3-sample.APKINDEX")

    signer = signing_key if key else None
    index = build_index(records, signer, algorithm=algorithm, description="demo")

    members = split_gzip_members(index)
    assert len(members) == (2 if signature else 1)
    if signature:
        names = [info.name for info, _ in _tar_members(members[0])]
        assert names == [f"{signature}{signing_key.key_name}"]
    assert [i.name for i, _ in _tar_members(members[-1])] == ["DESCRIPTION", "APKINDEX"]
    assert _gunzip(members[-1]).endswith(b"\0" * 1024)
    archive = open_index(index, load_keys(signing_key.public_pem_path.parent))
    assert (archive.text, archive.description, archive.trusted) == (
        "".join(r + "\n" for r in records),
        "demo",
        bool(signature),
    )


def test_build_index_rejects_unknown_algorithm(signing_key: SigningKey) -> None:
    with pytest.raises(ValueError, match="unknown signature algorithm 'DSA'"):
        build_index([], signing_key, algorithm="DSA")


def test_write_repository(tmp_path: Path, signing_key: SigningKey) -> None:
    other = PackageInfo("py3-dep", "0.1-r0", arch="x86_64")

    packages = [(INFO, FILES), (other, {"a": b"a"})]

    index_path = write_repository(tmp_path, "x86_64", packages, signing_key)

    assert index_path == tmp_path / "x86_64" / "APKINDEX.tar.gz"
    assert sorted(p.name for p in index_path.parent.iterdir()) == [
        "APKINDEX.tar.gz",
        "py3-dep-0.1-r0.apk",
        "py3-sample-1.2.3-r0.apk",
    ]
    archive = open_index(index_path.read_bytes(), load_keys(signing_key.public_pem_path.parent))
    assert archive.trusted
    for info in (INFO, other):
        apk = (index_path.parent / f"{info.name}-{info.version}.apk").read_bytes()
        assert index_record(info, apk) + "\n" in archive.text


def test_generate_and_reload_key(tmp_path: Path) -> None:
    key = generate_key(tmp_path / "keys", tmp_path / "private", name_prefix="test")

    private = tmp_path / "private" / key.key_name.removesuffix(".pub")
    assert re.fullmatch(r"test-[0-9a-f]{8}\.rsa\.pub", key.key_name)
    assert private.stat().st_mode & 0o777 == 0o600
    assert key.public_pem_path == tmp_path / "keys" / key.key_name
    (tmp_path / "keys" / key.key_name).unlink()

    again = load_key(tmp_path / "keys", private)

    assert again.key_name == key.key_name
    assert load_keys(tmp_path / "keys")[key.key_name].public_numbers() == (
        key.private_key.public_key().public_numbers()
    )


# --- demo/build.py: real wheels from PyPI, cached across runs in pytest's cache dir ---

# wheel pin -> (apk name, apk dependencies, importable top-level module)
DEMO_PACKAGES = {
    "prettytable==3.18.0": ("py3-prettytable", ["py3-wcwidth"], "prettytable"),
    "python-slugify==9.2.0": ("py3-python-slugify", ["py3-text-unidecode"], "slugify"),
    "tabulate==0.10.0": ("py3-tabulate", [], "tabulate"),
    "termcolor==3.3.0": ("py3-termcolor", [], "termcolor"),
    "text-unidecode==1.3": ("py3-text-unidecode", [], "text_unidecode"),
    "wcwidth==0.9.4": ("py3-wcwidth", [], "wcwidth"),
}


def _pypi_problem() -> str | None:
    try:
        urllib.request.urlopen("https://pypi.org/simple/tabulate/", timeout=15).close()
    except OSError as exc:
        return str(exc)
    return None


@pytest.fixture(scope="module")
def demo_repo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> demo_build.DemoRepository:
    output = tmp_path_factory.mktemp("demo")
    # pytest's cache dir keeps the wheels between runs; without it (-p no:cacheprovider) a
    # throwaway directory does, and the wheels are downloaded again.
    store = getattr(request.config, "cache", None)
    cache = store.mkdir("demo-wheels") if store else tmp_path_factory.mktemp("wheels")
    shutil.copytree(cache, output / "wheels")
    try:
        result = demo_build.build(output, python=PYTHON, arch="x86_64")
    except demo_build.DownloadError:
        problem = _pypi_problem()
        if problem:
            pytest.skip(f"PyPI unreachable ({problem}): demo.build must download the pinned wheels")
        raise
    for wheel in (output / "wheels").glob("*.whl"):
        shutil.copy2(wheel, cache)
    return result


def test_wheels_txt_pins_the_demo_packages() -> None:
    text = demo_build.WHEELS_TXT.read_text()
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]

    assert [line.split()[0] for line in lines] == list(DEMO_PACKAGES)
    assert all(" --hash=sha256:" in line for line in lines)


def test_demo_repository_is_trusted_with_its_key(demo_repo: demo_build.DemoRepository) -> None:
    index = demo_repo.repo / "x86_64" / "APKINDEX.tar.gz"

    archive = open_index(index.read_bytes(), load_keys(demo_repo.keys_dir))

    assert (archive.trusted, archive.key_name, archive.problem) == (True, demo_repo.key_name, None)
    assert [line[2:] for line in archive.text.splitlines() if line.startswith("P:")] == [
        name for name, _, _ in DEMO_PACKAGES.values()
    ]
    private = demo_repo.repo.parent / "private" / demo_repo.key_name.removesuffix(".pub")
    assert private.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(("pin", "expected"), list(DEMO_PACKAGES.items()), ids=list(DEMO_PACKAGES))
def test_demo_package_metadata(
    demo_repo: demo_build.DemoRepository, pin: str, expected: tuple
) -> None:
    name, dependencies, module = expected
    version = pin.split("==")[1] + "-r0"
    apk = (demo_repo.repo / "x86_64" / f"{name}-{version}.apk").read_bytes()

    contents = read_apk(apk)
    record = open_index((demo_repo.repo / "x86_64" / "APKINDEX.tar.gz").read_bytes(), {}).text

    assert contents.signed
    assert contents.pkginfo["depend"] == [f"python3~{PYTHON}", *dependencies]
    assert contents.pkginfo["provides"] == [f"py{PYTHON}:{module}={version}"]
    assert contents.pkginfo["pkgdesc"]
    assert contents.pkginfo["license"]
    assert str(contents.pkginfo["url"]).startswith("https://")
    assert f"C:{_q1(contents.control)}\nP:{name}\nV:{version}\nA:x86_64\nS:{len(apk)}\n" in record
    site = f"usr/lib/python{PYTHON}/site-packages"
    assert f"{site}/{module}" in {e.name for e in contents.entries}


def test_demo_packages_import_from_their_files(
    demo_repo: demo_build.DemoRepository, tmp_path: Path
) -> None:
    for apk in (demo_repo.repo / "x86_64").glob("*.apk"):
        for entry in read_apk(apk.read_bytes()).entries:
            if entry.content is not None:
                target = tmp_path / entry.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(entry.content)
    site = tmp_path / f"usr/lib/python{PYTHON}/site-packages"
    modules = [module for _, _, module in DEMO_PACKAGES.values()]
    script = (
        f"import sys; sys.path.insert(0, {str(site)!r}); "
        f"mods = [__import__(m) for m in {modules!r}]; "
        f"assert all(m.__file__.startswith({str(site)!r}) for m in mods), mods; "
        "import prettytable, slugify; t = prettytable.PrettyTable(['a']); "
        "t.add_row([slugify.slugify('Ä b')]); print(t)"
    )

    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stderr
    assert "| a-b |" in done.stdout


def test_demo_build_is_idempotent(demo_repo: demo_build.DemoRepository) -> None:
    output = demo_repo.repo.parent
    index_bytes = (demo_repo.repo / "x86_64" / "APKINDEX.tar.gz").read_bytes()

    started = time.perf_counter()
    again = demo_build.build(output, python=PYTHON, arch="x86_64")
    elapsed = time.perf_counter() - started

    assert elapsed < 0.5
    assert again == dataclasses.replace(demo_repo, rebuilt=False)
    assert (demo_repo.repo / "x86_64" / "APKINDEX.tar.gz").read_bytes() == index_bytes


def test_demo_build_repairs_missing_output_with_the_same_key(
    demo_repo: demo_build.DemoRepository, tmp_path: Path
) -> None:
    output = tmp_path / "copy"
    shutil.copytree(demo_repo.repo.parent, output)  # wheels included: no download needed
    apk = output / "repo" / "x86_64" / "py3-tabulate-0.10.0-r0.apk"
    apk.unlink()

    repaired = demo_build.build(output, python=PYTHON, arch="x86_64")

    assert (repaired.rebuilt, repaired.key_name) == (True, demo_repo.key_name)
    assert apk.is_file()
    assert demo_build.build(output, python=PYTHON, arch="x86_64").rebuilt is False


def test_demo_build_command_line(demo_repo: demo_build.DemoRepository) -> None:
    output = demo_repo.repo.parent

    done = subprocess.run(
        [sys.executable, "-m", "demo.build", "--output", str(output), "--python", PYTHON],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(demo_build.__file__).parents[1],
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"demo repository up to date: {demo_repo.repo} (x86_64, 6 packages,"
        f" keys dir {demo_repo.keys_dir})\n"
    )


@pytest.mark.parametrize("python", ["3", "three.eleven", "3.11.2"])
def test_demo_build_rejects_bad_python_version(tmp_path: Path, python: str) -> None:
    with pytest.raises(SystemExit) as raised:
        demo_build.main(["--output", str(tmp_path), "--python", python])

    assert raised.value.code == 2
