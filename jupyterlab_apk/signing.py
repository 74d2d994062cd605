"""Open an `APKINDEX.tar.gz` and check its signature the way apk-tools v2 does.

The archive is two concatenated gzip members: a tar segment holding one `.SIGN.RSA.<keyname>`
or `.SIGN.RSA256.<keyname>` file, then the tar with `DESCRIPTION` and `APKINDEX`. The signature
is RSA PKCS#1 v1.5 (SHA-1 or SHA-256) over the raw compressed bytes of the second member, and
`<keyname>` must be the file name of a public key in the keys directory. An index that is a
single member carries no signature.

Everything here is pure except `load_keys`, which reads the keys directory.
"""

from __future__ import annotations

import io
import itertools
import os
import tarfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

# A real main+community APKINDEX inflates to ~12 MB; far beyond that is a decompression bomb.
MAX_DECOMPRESSED = 256 * 1024 * 1024
# Real archives have at most 3 gzip members and 3 tar entries. The caps keep hostile input
# linear: each member costs a copy of the rest of the data, each tar entry a header parse.
MAX_MEMBERS = 8
MAX_TAR_ENTRIES = 64
# Larger than a real APKINDEX (~12 MB), so that one normally inflates in a single call.
_INFLATE_PIECE = 16 * 1024 * 1024
# Public keys are a few hundred bytes; refuse to slurp anything big dropped in the keys dir.
_MAX_KEY_FILE = 64 * 1024

_SIGN_PREFIX = ".SIGN."
# Signature type in `.SIGN.<type>.<keyname>` -> digest signed with PKCS#1 v1.5.
SIGNATURE_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "RSA": hashes.SHA1,
    "RSA256": hashes.SHA256,
}
_GZIP_WBITS = 16 + zlib.MAX_WBITS  # gzip header and trailer, CRC32 and size checked by zlib


class IndexFormatError(ValueError):
    """The bytes are not an APKINDEX archive; the message says why, for people."""


@dataclass(frozen=True)
class IndexArchive:
    """The content of an APKINDEX archive and what its signature is worth."""

    text: str
    description: str
    key_name: str | None
    trusted: bool
    problem: str | None


@dataclass(frozen=True)
class _Member:
    raw: bytes  # compressed bytes as found in the archive: what a signature covers
    data: bytes  # decompressed tar bytes


@dataclass(frozen=True)
class _Signature:
    algorithm: str
    key_name: str
    value: bytes


def load_keys(keys_dir: str | os.PathLike[str] | None) -> dict[str, RSAPublicKey]:
    """Map file name -> RSA public key for every usable PEM key in *keys_dir*.

    apk matches a signature to a key by file name only, so the name is the dictionary key.
    Unreadable, non-PEM and non-RSA files are skipped: one stray file must not make every
    repository untrusted. A missing directory (or None) means no keys.
    """
    if keys_dir is None:
        return {}
    try:
        entries = sorted(Path(keys_dir).iterdir())
    except OSError:
        return {}
    keys: dict[str, RSAPublicKey] = {}
    for path in entries:
        try:
            if not path.is_file() or path.stat().st_size > _MAX_KEY_FILE:
                continue
            key = serialization.load_pem_public_key(path.read_bytes())
        except (OSError, ValueError, UnsupportedAlgorithm):
            continue
        if isinstance(key, RSAPublicKey):
            keys[path.name] = key
    return keys


def split_gzip_members(data: bytes) -> list[bytes]:
    """The raw compressed bytes of each gzip member of *data*, in order."""
    return [member.raw for member in _inflate_members(data)]


def open_index(data: bytes, keys: Mapping[str, RSAPublicKey]) -> IndexArchive:
    """Read an APKINDEX.tar.gz and verify its signature against *keys* (see `load_keys`).

    Raises IndexFormatError when *data* is not an index at all; a missing, unknown or bad
    signature is not an error but an untrusted archive with a `problem`.
    """
    members = _inflate_members(data)
    signatures = _signatures(members[0].data) if len(members) > 1 else []
    if len(members) > 2 or (len(members) == 2 and not signatures):
        raise IndexFormatError(
            f"expected a signature and an index gzip member, found {len(members)} members"
        )
    content = members[-1]
    text, description = _read_content(content.data)
    if not signatures:
        return IndexArchive(text, description, None, False, "unsigned index")
    # Like apk, use the first signature made by a key we have; else report the first one.
    signature = next((s for s in signatures if s.key_name in keys), signatures[0])
    problem = _check(signature, content.raw, keys)
    return IndexArchive(text, description, signature.key_name, problem is None, problem)


def _check(signature: _Signature, signed: bytes, keys: Mapping[str, RSAPublicKey]) -> str | None:
    """None when *signature* verifies, else the sentence explaining why not."""
    name = signature.key_name
    digest = SIGNATURE_DIGESTS.get(signature.algorithm)
    if digest is None:
        return f"unsupported signature type '{signature.algorithm}' (key '{name}')"
    key = keys.get(name)
    if key is None:
        return f"signed by unknown key '{name}'"
    try:
        key.verify(signature.value, signed, padding.PKCS1v15(), digest())
    except InvalidSignature:
        return f"BAD signature (key '{name}')"
    return None


def _inflate_members(data: bytes) -> list[_Member]:
    """Decompress each gzip member once, keeping its raw bytes; bounded by MAX_DECOMPRESSED."""
    if not data:
        raise IndexFormatError("empty file, not a gzip archive")
    view = memoryview(data)
    members: list[_Member] = []
    budget = MAX_DECOMPRESSED
    offset = 0
    while offset < len(data):
        number = len(members) + 1
        if number > MAX_MEMBERS:
            raise IndexFormatError(f"more than {MAX_MEMBERS} gzip members")
        inflated, used = _inflate_one(view[offset:], number, budget)
        members.append(_Member(bytes(view[offset : offset + used]), inflated))
        budget -= len(inflated)
        offset += used
    return members


def _inflate_one(view: memoryview, number: int, budget: int) -> tuple[bytes, int]:
    """(decompressed bytes, compressed length) of the gzip member that starts *view*.

    Output comes in pieces of at most _INFLATE_PIECE bytes, so a bomb is stopped holding about
    *budget* bytes, never the whole budget twice over.
    """
    inflater = zlib.decompressobj(_GZIP_WBITS)
    pieces: list[bytes] = []
    produced = 0
    pending: bytes | memoryview = view
    while not inflater.eof:
        try:
            piece = inflater.decompress(pending, _INFLATE_PIECE)
        except zlib.error as exc:
            what = "not gzip data" if number == 1 else "trailing bytes are not gzip data"
            raise IndexFormatError(f"gzip member {number}: {what} ({exc})") from None
        produced += len(piece)
        if produced > budget:
            raise IndexFormatError(f"decompressed index exceeds {MAX_DECOMPRESSED / 2**20:g} MiB")
        pieces.append(piece)
        pending = inflater.unconsumed_tail
        # A full piece may leave output buffered inside zlib: only a short one proves the end.
        if not pending and not inflater.eof and len(piece) < _INFLATE_PIECE:
            raise IndexFormatError(f"gzip member {number} is truncated")
    return b"".join(pieces), len(view) - len(inflater.unused_data)


def _tar_entries(tar_bytes: bytes) -> list[tuple[str, memoryview]]:
    """(name, content) of the regular files in a tar segment, with or without end blocks.

    The contents are views into *tar_bytes*: the index text is decoded straight from them,
    without another copy of its 10 MB. Iterating the archive to its end has checked that each
    member's data is all there.
    """
    view = memoryview(tar_bytes)
    try:
        with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:") as archive:
            infos = list(itertools.islice(archive, MAX_TAR_ENTRIES + 1))
    except (tarfile.TarError, EOFError, ValueError) as exc:  # ValueError: hostile pax values
        raise IndexFormatError(f"not a tar archive inside the gzip data ({exc})") from None
    if len(infos) > MAX_TAR_ENTRIES:
        raise IndexFormatError(f"more than {MAX_TAR_ENTRIES} tar entries")
    return [
        (info.name, view[info.offset_data : info.offset_data + info.size])
        for info in infos
        if info.isfile()
    ]


def _signatures(tar_bytes: bytes) -> list[_Signature]:
    """The `.SIGN.<ALGO>.<keyname>` files of a signature segment ([] if it is not one)."""
    found = []
    for name, content in _tar_entries(tar_bytes):
        algorithm, dot, key_name = name[len(_SIGN_PREFIX) :].partition(".")
        if name.startswith(_SIGN_PREFIX) and dot and key_name:
            found.append(_Signature(algorithm, key_name, bytes(content)))
    return found


def _read_content(tar_bytes: bytes) -> tuple[str, str]:
    """(APKINDEX text, DESCRIPTION text) of the index tar."""
    files = dict(_tar_entries(tar_bytes))
    if "APKINDEX" not in files:
        raise IndexFormatError("no APKINDEX file in the archive")
    try:
        return str(files["APKINDEX"], "utf-8"), str(files.get("DESCRIPTION", b""), "utf-8")
    except UnicodeDecodeError as exc:
        raise IndexFormatError(f"index text is not UTF-8 ({exc})") from None
