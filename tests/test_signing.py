"""jupyterlab_apk.signing: opening APKINDEX.tar.gz archives and judging their signatures."""

from __future__ import annotations

import gzip
import io
import tarfile
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from jupyterlab_apk import signing
from jupyterlab_apk.apkwriter import PackageInfo, SigningKey, build_apk, build_index
from jupyterlab_apk.signing import IndexFormatError, load_keys, open_index, split_gzip_members

pytest_plugins = ["tests.fixtures_repo"]  # signing_key, impostor_keys_dir, alpine_records

DESCRIPTION = "v3.22-0-gdemo"


@pytest.fixture(scope="module")
def records(alpine_records) -> list[str]:
    """Real records with long lines and trailing spaces, which must survive byte for byte."""
    return alpine_records("v3.22-main-x86_64-head.APKINDEX")


def _signed(key: SigningKey, records: list[str], algorithm: str = "RSA256") -> bytes:
    return build_index(records, key, algorithm=algorithm, description=DESCRIPTION)


def _gzip_tar(files: dict[str, bytes]) -> bytes:
    """A gzip member holding a plain tar of *files*, for archives that
    jupyterlab_apk.apkwriter won't write."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return gzip.compress(buffer.getvalue())


def _names(tar: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        return archive.getnames()


def _own_keys(key: SigningKey) -> dict:
    return load_keys(key.public_pem_path.parent)


@pytest.mark.parametrize("algorithm", ["RSA", "RSA256"])
def test_accepts_index_signed_by_a_known_key(
    signing_key: SigningKey, records: list[str], algorithm: str
) -> None:
    archive = open_index(_signed(signing_key, records, algorithm), _own_keys(signing_key))

    assert archive == signing.IndexArchive(
        text="".join(record + "\n" for record in records),
        description=DESCRIPTION,
        key_name=signing_key.key_name,
        trusted=True,
        problem=None,
    )


def _unsigned(key: SigningKey, impostor: Path, records: list[str]) -> tuple[bytes, dict]:
    return build_index(records, None, description=DESCRIPTION), _own_keys(key)


def _unknown_key(key: SigningKey, impostor: Path, records: list[str]) -> tuple[bytes, dict]:
    return _signed(key, records), {}


def _same_name_other_key(key: SigningKey, impostor: Path, records: list[str]) -> tuple[bytes, dict]:
    return _signed(key, records), load_keys(impostor)


def _tampered(key: SigningKey, impostor: Path, records: list[str]) -> tuple[bytes, dict]:
    """The original signature in front of an index whose text was changed afterwards."""
    signature, _ = split_gzip_members(_signed(key, records))
    forged = build_index([records[0].replace("V:24.09-r0", "V:99-r0"), *records[1:]], None)
    return signature + forged, _own_keys(key)


@pytest.mark.parametrize(
    ("make", "signed", "problem"),
    [
        (_unsigned, False, "unsigned index"),
        (_unknown_key, True, "signed by unknown key '{key}'"),
        (_same_name_other_key, True, "BAD signature (key '{key}')"),
        (_tampered, True, "BAD signature (key '{key}')"),
    ],
    ids=["unsigned", "unknown-key", "same-name-other-key", "tampered-text"],
)
def test_reports_untrusted_index(
    signing_key: SigningKey,
    impostor_keys_dir: Path,
    records: list[str],
    make,
    signed: bool,
    problem: str,
) -> None:
    archive = open_index(*make(signing_key, impostor_keys_dir, records))

    assert not archive.trusted
    assert archive.problem == problem.format(key=signing_key.key_name)
    assert archive.key_name == (signing_key.key_name if signed else None)
    assert archive.text.startswith("C:Q1/dy61M3wkuQsY22lN0Ou8WqzFTQ=\nP:7zip\n")


@pytest.mark.parametrize(
    ("entries", "trusted", "key_name", "problem"),
    [
        (["unknown.rsa.pub", "{key}"], True, "{key}", None),
        (["{key}", "unknown.rsa.pub"], True, "{key}", None),
        (
            ["unknown.rsa.pub", "other.rsa.pub"],
            False,
            "unknown.rsa.pub",
            "signed by unknown key 'unknown.rsa.pub'",
        ),
    ],
    ids=["known-second", "known-first", "none-known"],
)
def test_uses_the_first_signature_made_by_a_known_key(
    signing_key: SigningKey,
    records: list[str],
    entries: list[str],
    trusted: bool,
    key_name: str,
    problem: str | None,
) -> None:
    content = build_index(records, None)
    value = signing_key.private_key.sign(content, padding.PKCS1v15(), hashes.SHA256())
    names = [f".SIGN.RSA256.{entry.format(key=signing_key.key_name)}" for entry in entries]
    segment = _gzip_tar({name: value for name in names})

    archive = open_index(segment + content, _own_keys(signing_key))

    assert (archive.trusted, archive.key_name, archive.problem) == (
        trusted,
        key_name.format(key=signing_key.key_name),
        problem,
    )


def test_reports_unsupported_signature_type(signing_key: SigningKey, records: list[str]) -> None:
    content = build_index(records, None)
    segment = _gzip_tar({f".SIGN.DSA.{signing_key.key_name}": b"sig"})

    archive = open_index(segment + content, _own_keys(signing_key))

    assert not archive.trusted
    assert archive.problem == f"unsupported signature type 'DSA' (key '{signing_key.key_name}')"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda signed: b"", "empty file"),
        (lambda signed: b"<html>Not Found</html>" * 20, "gzip member 1: not gzip data"),
        (lambda signed: signed[:-7], "gzip member 2 is truncated"),
        (lambda signed: signed[:40], "gzip member 1 is truncated"),
        (lambda signed: split_gzip_members(signed)[0], "no APKINDEX file"),
        (lambda signed: signed + gzip.compress(b"more"), "found 3 members"),
        (lambda signed: signed + b"junk", "gzip member 3: trailing bytes are not gzip data"),
        (lambda signed: gzip.compress(b"plain text, no tar"), "not a tar archive"),
        (lambda signed: _gzip_tar({"DESCRIPTION": b"x"}), "no APKINDEX file"),
        (lambda signed: _gzip_tar({"APKINDEX": b"P:\xff\xfe\n"}), "not UTF-8"),
        (lambda signed: signed + gzip.compress(b"") * 7, "more than 8 gzip members"),
        (lambda signed: _gzip_tar({f"f{i}": b"" for i in range(65)}), "more than 64 tar entries"),
        (
            lambda signed: gzip.compress(
                gzip.decompress(_gzip_tar({"APKINDEX": b"P:a\n" * 500}))[:900]
            ),
            r"not a tar archive inside the gzip data \(unexpected end of data\)",
        ),
    ],
    ids=[
        "empty",
        "garbage",
        "truncated-end",
        "truncated-signature",
        "signature-only",
        "extra-member",
        "trailing-garbage",
        "not-tar",
        "no-apkindex",
        "not-utf8",
        "too-many-members",
        "too-many-tar-entries",
        "truncated-tar-entry",
    ],
)
def test_rejects_what_is_not_an_index(
    signing_key: SigningKey, records: list[str], make, message: str
) -> None:
    with pytest.raises(IndexFormatError, match=message):
        open_index(make(_signed(signing_key, records)), _own_keys(signing_key))


def test_caps_the_decompressed_size(
    monkeypatch: pytest.MonkeyPatch, signing_key: SigningKey, records: list[str]
) -> None:
    monkeypatch.setattr(signing, "MAX_DECOMPRESSED", 16 * 1024)
    bomb = gzip.compress(b"\0" * (1024 * 1024))

    with pytest.raises(IndexFormatError, match="inflates to more than 16384 bytes"):
        open_index(bomb, {})
    # The budget covers all members together, not each one.
    with pytest.raises(IndexFormatError, match="inflates to more than"):
        open_index(_signed(signing_key, records), _own_keys(signing_key))


@pytest.mark.parametrize(("signed", "count"), [(True, 3), (False, 2)], ids=["signed", "unsigned"])
def test_split_gzip_members_of_an_apk(signing_key: SigningKey, signed: bool, count: int) -> None:
    key = signing_key if signed else None
    apk = build_apk(PackageInfo("py3-x", "1.0-r0"), {"usr/x.py": b"x = 1\n"}, key)

    members = split_gzip_members(apk)

    assert len(members) == count
    assert b"".join(members) == apk
    # Each member is a complete gzip stream on its own, ending exactly where the next begins.
    tars = [zlib.decompress(member, 16 + zlib.MAX_WBITS) for member in members]
    names = [_names(tar) for tar in tars]
    expected = [[".PKGINFO"], ["usr", "usr/x.py"]]
    if signed:
        expected.insert(0, [f".SIGN.RSA.{signing_key.key_name}"])
    assert names == expected


def _ec_public_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"good.rsa.pub": "rsa"}, ["good.rsa.pub"]),
        ({"good.rsa.pub": "rsa", "ec.pub": "ec", "junk.pub": b"not a key"}, ["good.rsa.pub"]),
        ({"empty.rsa.pub": b"", "subdir": None}, []),
        ({"a.rsa.pub": "rsa", "b.rsa.pub": "rsa"}, ["a.rsa.pub", "b.rsa.pub"]),
    ],
    ids=["one", "skips-ec-and-junk", "skips-empty-and-dirs", "several"],
)
def test_load_keys(
    tmp_path: Path, signing_key: SigningKey, files: dict, expected: list[str]
) -> None:
    contents = {"rsa": signing_key.public_pem_path.read_bytes(), "ec": _ec_public_pem()}
    for name, content in files.items():
        if content is None:
            (tmp_path / name).mkdir()
        else:
            (tmp_path / name).write_bytes(contents.get(content, content))

    keys = load_keys(tmp_path)

    assert sorted(keys) == expected
    assert all(
        key.public_numbers() == signing_key.private_key.public_key().public_numbers()
        for key in keys.values()
    )


@pytest.mark.parametrize("where", [None, "missing"], ids=["none", "missing-dir"])
def test_load_keys_without_a_directory(tmp_path: Path, where: str | None) -> None:
    assert load_keys(None if where is None else tmp_path / where) == {}
