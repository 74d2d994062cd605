"""jupyterlab_apk.apkwriter writes real-format apk v2 packages and indexes."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import re
import tarfile
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from jupyterlab_apk.apkwriter import (
    File,
    PackageInfo,
    SigningKey,
    apk_index_record,
    build_apk,
    build_index,
    generate_key,
    generate_key_pair,
    index_record,
    load_key,
    read_apk,
    write_repository,
)
from jupyterlab_apk.signing import load_keys, open_index, split_gzip_members

pytest_plugins = ["tests.fixtures_repo"]  # signing_key, alpine_records

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
        "# Generated by jupyterlab_apk\n"
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


def test_file_modes_and_install_scripts(signing_key: SigningKey) -> None:
    files = {"usr/bin/tool": File(b"#!/bin/sh\n", 0o755), "usr/share/x": b"x"}
    scripts = {".post-install": b"#!/bin/sh\necho installed\n"}

    contents = read_apk(build_apk(INFO, files, signing_key, scripts))

    modes = {e.name: e.mode for e in contents.entries if e.kind == "file"}
    assert modes == {"usr/bin/tool": 0o755, "usr/share/x": 0o644}
    assert contents.scripts == scripts
    control = [info for info, _ in _tar_members(contents.control)]
    assert [(i.name, i.mode) for i in control] == [(".PKGINFO", 0o644), (".post-install", 0o755)]


def test_unknown_install_script_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown install script '.install'"):
        build_apk(INFO, FILES, None, {".install": b""})


def test_package_signed_with_sha256(signing_key: SigningKey) -> None:
    apk = build_apk(INFO, FILES, signing_key, algorithm="RSA256")

    signature, control, _ = split_gzip_members(apk)
    [(info, value)] = _tar_members(signature)
    assert info.name == f".SIGN.RSA256.{signing_key.key_name}"
    public = signing_key.private_key.public_key()
    public.verify(value, control, padding.PKCS1v15(), hashes.SHA256())


@pytest.mark.parametrize(
    ("arch", "rewrite", "shown"),
    [("noarch", "x86_64", "x86_64"), ("noarch", "", "noarch"), ("aarch64", "x86_64", "aarch64")],
)
def test_index_record_rewrites_only_noarch(arch: str, rewrite: str, shown: str) -> None:
    apk = build_apk(dataclasses.replace(INFO, arch=arch), FILES, None)

    record = apk_index_record(read_apk(apk), len(apk), rewrite_arch=rewrite)

    assert f"\nA:{shown}\n" in record


def test_generate_key_pair_names_files_as_abuild(tmp_path: Path) -> None:
    key = generate_key_pair(tmp_path, "me@example.org-5f0a")

    assert key.key_name == "me@example.org-5f0a.rsa.pub"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "me@example.org-5f0a.rsa",
        "me@example.org-5f0a.rsa.pub",
    ]
    assert (tmp_path / "me@example.org-5f0a.rsa").stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError):
        generate_key_pair(tmp_path, "me@example.org-5f0a")
