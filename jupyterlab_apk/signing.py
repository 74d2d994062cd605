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
from typing import cast

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
# Inflated output is counted (bytes and records) piece by piece: a piece costs a few ms of
# counting that holds the GIL, and is what a bomb gets to inflate past a limit.
_INFLATE_PIECE = 4 * 1024 * 1024
_CHECK_PIECE = 256 * 1024
# A signature member is a tar of one or a few signatures: about 2 KiB. A first member larger than
# this is the index itself.
_MAX_SIGNATURE_SEGMENT = 64 * 1024
_UNSIGNED = "unsigned index"
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


class IndexTooLarge(IndexFormatError):
    """The archive inflates to more bytes or records than allowed."""


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
    return [member.raw for member in _inflate_members(data, MAX_DECOMPRESSED)]


@dataclass(frozen=True)
class IndexSignature:
    """What the signature of an index is worth, found without decompressing the index."""

    key_name: str | None
    trusted: bool
    problem: str | None


def check_signature(data: bytes, keys: Mapping[str, RSAPublicKey]) -> IndexSignature:
    """Verify the signature of an APKINDEX.tar.gz against *keys*, decompressing only the small
    signature member: an index that is not trusted costs next to nothing.

    The signature covers the rest of the file, which is the index member in a well-formed
    archive (`open_index` checks the form). IndexFormatError when the first member is not gzip.
    """
    if not data:
        raise IndexFormatError("empty file, not a gzip archive")
    view = memoryview(data)
    try:
        segment, used = _inflate_one(view, 1, _MAX_SIGNATURE_SEGMENT)
    except IndexTooLarge:  # far larger than a signature: the index itself, unsigned
        return IndexSignature(None, False, _UNSIGNED)
    signatures = _signatures(segment) if used < len(data) else []
    if not signatures:
        return IndexSignature(None, False, _UNSIGNED)
    # Like apk, use the first signature made by a key we have; else report the first one.
    signature = next((s for s in signatures if s.key_name in keys), signatures[0])
    problem = _check(signature, view[used:], keys)
    return IndexSignature(signature.key_name, problem is None, problem)


def open_index(
    data: bytes,
    keys: Mapping[str, RSAPublicKey],
    *,
    max_bytes: int | None = None,
    max_records: int | None = None,
) -> IndexArchive:
    """Read an APKINDEX.tar.gz and verify its signature against *keys* (see `load_keys`).

    Raises IndexFormatError when *data* is not an index at all, and IndexTooLarge when it
    inflates to more than *max_bytes* (default MAX_DECOMPRESSED) or holds more than
    *max_records* records (blank-line separated blocks, counted while inflating, so a bomb
    stops early); a missing, unknown or bad signature is not an error but an untrusted archive
    with a `problem`.
    """
    signature = check_signature(data, keys)
    members = _inflate_members(data, max_bytes or MAX_DECOMPRESSED, max_records)
    if len(members) > 2 or (len(members) == 2 and signature.key_name is None):
        raise IndexFormatError(
            f"expected a signature and an index gzip member, found {len(members)} members"
        )
    text, description = _read_content(members[-1].data)
    return IndexArchive(
        text, description, signature.key_name, signature.trusted, signature.problem
    )


def _check(signature: _Signature, signed: bytes | memoryview,
           keys: Mapping[str, RSAPublicKey]) -> str | None:  # fmt: skip
    """None when *signature* verifies, else the sentence explaining why not."""
    name = signature.key_name
    digest = SIGNATURE_DIGESTS.get(signature.algorithm)
    if digest is None:
        return f"unsupported signature type '{signature.algorithm}' (key '{name}')"
    key = keys.get(name)
    if key is None:
        return f"signed by unknown key '{name}'"
    try:
        # cryptography reads any buffer; its stubs only name bytes.
        key.verify(signature.value, cast(bytes, signed), padding.PKCS1v15(), digest())
    except InvalidSignature:
        return f"BAD signature (key '{name}')"
    return None


def check_gzip_form(data: bytes, max_bytes: int) -> None:
    """IndexFormatError unless *data* is one or two whole gzip members inflating to at most
    *max_bytes*, the last one starting with a tar header: what a truncated or garbled download
    fails. Only the first piece of each member's output is kept."""
    members = _inflate_members(data, max_bytes, keep=False)
    if len(members) > 2:
        raise IndexFormatError(f"expected at most 2 gzip members, found {len(members)}")
    try:
        tarfile.TarInfo.frombuf(members[-1].data[: tarfile.BLOCKSIZE], "utf-8", "strict")
    except (tarfile.HeaderError, UnicodeDecodeError) as exc:
        raise IndexFormatError(f"not a tar archive inside the gzip data ({exc})") from None


def _inflate_members(
    data: bytes, max_bytes: int, max_records: int | None = None, *, keep: bool = True
) -> list[_Member]:
    """Decompress each gzip member once, keeping its raw bytes (and, if *keep*, its output);
    bounded by *max_bytes* in all and by *max_records* blank lines."""
    if not data:
        raise IndexFormatError("empty file, not a gzip archive")
    view = memoryview(data)
    members: list[_Member] = []
    budget = _Budget(max_bytes, max_records)
    offset = 0
    while offset < len(data):
        number = len(members) + 1
        if number > MAX_MEMBERS:
            raise IndexFormatError(f"more than {MAX_MEMBERS} gzip members")
        inflated, used = _inflate_one(view[offset:], number, budget, keep)
        members.append(_Member(bytes(view[offset : offset + used]), inflated))
        offset += used
    return members


class _Budget:
    """What the members of one archive may still inflate to: bytes, and blank lines (records)."""

    def __init__(self, max_bytes: int, max_records: int | None = None):
        self.max_bytes = max_bytes
        self.max_records = max_records
        self.bytes = max_bytes
        self.records = max_records

    def spend(self, piece: bytes) -> None:
        self.bytes -= len(piece)
        if self.bytes < 0:
            raise IndexTooLarge(f"the index inflates to more than {_size(self.max_bytes)}")
        if self.records is not None:
            self.records -= piece.count(b"\n\n")
            if self.records < 0:
                raise IndexTooLarge(f"the index has more than {self.max_records} records")


def _size(count: int) -> str:
    return f"{count / 2**20:g} MiB" if count >= 2**20 else f"{count} bytes"


def _inflate_one(
    view: memoryview, number: int, budget: _Budget | int, keep: bool = True
) -> tuple[bytes, int]:
    """(decompressed bytes, compressed length) of the gzip member that starts *view*; without
    *keep*, only the first small piece of the output: the member is only checked.

    Output comes in pieces of at most _INFLATE_PIECE bytes, so a bomb is stopped holding about
    the budget's bytes, never the whole budget twice over, and soon after its record count
    passes the budget's (a blank line split between two pieces is not counted).
    """
    if isinstance(budget, int):
        budget = _Budget(budget)
    inflater = zlib.decompressobj(_GZIP_WBITS)
    pieces: list[bytes] = []
    pending: bytes | memoryview = view
    size = _INFLATE_PIECE if keep else _CHECK_PIECE
    while not inflater.eof:
        try:
            piece = inflater.decompress(pending, min(size, budget.bytes + 1))
        except zlib.error as exc:
            what = "not gzip data" if number == 1 else "trailing bytes are not gzip data"
            raise IndexFormatError(f"gzip member {number}: {what} ({exc})") from None
        budget.spend(piece)
        if keep or not pieces:
            pieces.append(piece)
        pending = inflater.unconsumed_tail
        # A full piece may leave output buffered inside zlib: only a short one proves the end.
        if not pending and not inflater.eof and not piece:
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
