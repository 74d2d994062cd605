"""Write and read apk v2 packages and repositories in the real on-disk format.

The one writer of apk files: `jupyter apk-repo` (`repobuild`), `demo.build`, the tests and the
apk test double use it, so what it writes must be what abuild and `apk index` write:

- `.apk` = [gzip(signature tar segment)] + gzip(control tar segment: `.PKGINFO`, then install
  scripts, no end blocks) + gzip(data tar with end blocks). The package signature
  (`.SIGN.RSA.<keyname>` SHA-1 or `.SIGN.RSA256.<keyname>` SHA-256, as abuild-sign writes it)
  covers the raw control member; `.PKGINFO`'s `datahash` (sha256 of the raw data member) covers
  the rest.
- `APKINDEX.tar.gz` = [gzip(signature segment)] + gzip(tar: DESCRIPTION?, APKINDEX, end blocks);
  the signature covers the raw second member.

Output is deterministic (no wall-clock times, fixed gzip headers), so equal inputs give equal
bytes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import secrets
import tarfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from jupyterlab_apk.signing import SIGNATURE_DIGESTS, IndexFormatError, split_gzip_members

_BLOCK = 512
_END_OF_ARCHIVE = b"\0" * (2 * _BLOCK)
_CHECKSUM_PAX = "APK-TOOLS.checksum.SHA1"
# .PKGINFO keys abuild writes once per value; read_apk returns them as lists (maybe empty).
_LIST_KEYS = ("depend", "provides", "replaces")
# Install scripts abuild may put in the control segment after `.PKGINFO`.
SCRIPT_NAMES = (
    ".pre-install",
    ".post-install",
    ".pre-upgrade",
    ".post-upgrade",
    ".pre-deinstall",
    ".post-deinstall",
)
# APKINDEX letter -> .PKGINFO key, in the order `apk index` writes them. `S` is the .apk size.
_INDEX_FIELDS = (
    ("P", "pkgname"),
    ("V", "pkgver"),
    ("A", "arch"),
    ("S", None),
    ("I", "size"),
    ("T", "pkgdesc"),
    ("U", "url"),
    ("L", "license"),
    ("o", "origin"),
    ("m", "maintainer"),
    ("t", "builddate"),
    ("c", "commit"),
    ("D", "depend"),
    ("p", "provides"),
)


@dataclass(frozen=True)
class SigningKey:
    """An abuild-style key pair: `<stem>.rsa` (private) and `<stem>.rsa.pub` (public)."""

    key_name: str  # public key file name: what `.SIGN.*.<keyname>` and /etc/apk/keys use
    private_key: rsa.RSAPrivateKey
    public_pem_path: Path


@dataclass(frozen=True)
class File:
    """A package file with a mode other than 0644 (plain `bytes` values mean 0644)."""

    content: bytes
    mode: int = 0o644


@dataclass(frozen=True)
class PackageInfo:
    """What goes into `.PKGINFO`; `origin` "" means the package name, `size` 0 means computed."""

    name: str
    version: str
    description: str = ""
    url: str = ""
    license: str = ""
    origin: str = ""
    arch: str = "noarch"
    depends: Sequence[str] = ()
    provides: Sequence[str] = ()
    builddate: int = 0
    size: int = 0
    maintainer: str = ""


@dataclass(frozen=True)
class ApkEntry:
    """One member of a package's data tar."""

    name: str
    kind: str  # "file", "dir", "symlink" or "other"
    mode: int
    content: bytes | None  # None unless a regular file
    checksum: str | None  # the APK-TOOLS.checksum.SHA1 pax header, if any


@dataclass(frozen=True)
class ApkContents:
    """A parsed `.apk`."""

    pkginfo: dict[str, str | list[str]]
    entries: list[ApkEntry]
    control: bytes  # raw control gzip member: what `C:` and the package signature cover
    signed: bool
    scripts: dict[str, bytes] = field(default_factory=dict)  # ".post-install" -> content


def generate_key(
    keys_dir: str | os.PathLike[str],
    private_dir: str | os.PathLike[str],
    name_prefix: str = "demo",
) -> SigningKey:
    """Create a 2048-bit key pair; the public PEM goes to *keys_dir*, the private one (0600)
    to *private_dir*."""
    private_path = Path(private_dir) / f"{name_prefix}-{secrets.token_hex(4)}.rsa"
    return _with_public_file(_new_private_key(private_path), private_path, keys_dir)


def generate_key_pair(directory: str | os.PathLike[str], name: str) -> SigningKey:
    """`<directory>/<name>.rsa` (0600) and `<name>.rsa.pub`, named as abuild-keygen names them.

    Raises FileExistsError rather than replace a key that signed packages already.
    """
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"a key name must be a plain file name, not {name!r}")
    private_path = Path(directory) / f"{name}.rsa"
    public_path = private_path.with_name(f"{private_path.name}.pub")
    if public_path.exists():
        raise FileExistsError(f"{public_path} exists already")
    return _with_public_file(_new_private_key(private_path), private_path, directory)


def load_key(keys_dir: str | os.PathLike[str], private_path: str | os.PathLike[str]) -> SigningKey:
    """Reuse a key written by `generate_key`, (re)writing its public PEM into *keys_dir*."""
    private_key = serialization.load_pem_private_key(Path(private_path).read_bytes(), None)
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise ValueError(f"{private_path} is not an RSA private key")
    return _with_public_file(private_key, Path(private_path), keys_dir)


def build_apk(
    info: PackageInfo,
    files: Mapping[str, bytes | File],
    key: SigningKey | None,
    scripts: Mapping[str, bytes] | None = None,
    *,
    algorithm: str = "RSA",
) -> bytes:
    """A `.apk` holding *files* (relative paths -> content), signed by *key* when given.

    *scripts* maps install script names (`.post-install`, … see SCRIPT_NAMES) to their content;
    they follow `.PKGINFO` in the control segment, executable, as abuild writes them.
    *algorithm* is the signature's: `RSA` (SHA-1) or `RSA256` (SHA-256).
    """
    data = _gzip(_data_tar(files, info.builddate))
    size = info.size or sum(len(_content(value)) for value in files.values())
    pkginfo = _pkginfo_text(info, size, hashlib.sha256(data).hexdigest())
    control_tar = _tar_entry(_tar_info(".PKGINFO", info.builddate), pkginfo.encode())
    for name, content in (scripts or {}).items():
        if name not in SCRIPT_NAMES:
            raise ValueError(f"unknown install script {name!r}; expected one of {SCRIPT_NAMES}")
        script_info = _tar_info(name, info.builddate)
        script_info.mode = 0o755
        control_tar += _tar_entry(script_info, content)
    control = _gzip(control_tar)
    signature = _signature_member(key, algorithm, control) if key else b""
    return signature + control + data


def index_record(info: PackageInfo, apk_bytes: bytes) -> str:
    """The APKINDEX record of a package, ending with one newline.

    Like `apk index`, the fields come from the package's own `.PKGINFO`; *info* must name the
    same package (a mismatch means the caller paired the wrong file).
    """
    apk = read_apk(apk_bytes)
    built_as = (apk.pkginfo["pkgname"], apk.pkginfo["pkgver"])
    if built_as != (info.name, info.version):
        raise ValueError(f"package is {built_as[0]}-{built_as[1]}, not {info.name}-{info.version}")
    return apk_index_record(apk, len(apk_bytes))


def apk_index_record(apk: ApkContents, apk_size: int, rewrite_arch: str = "") -> str:
    """The APKINDEX record of the parsed package *apk* whose file has *apk_size* bytes.

    *rewrite_arch*, as `apk index --rewrite-arch` (which abuild passes), replaces `noarch`:
    apk fetches a package from `<repo>/<A:>/`, so the repository's arch must be there.
    """
    checksum = base64.b64encode(hashlib.sha1(apk.control).digest()).decode()
    lines = [f"C:Q1{checksum}"]
    for letter, key in _INDEX_FIELDS:
        value = str(apk_size) if key is None else apk.pkginfo.get(key, "")
        if key == "arch" and value == "noarch" and rewrite_arch:
            value = rewrite_arch
        text = " ".join(value) if isinstance(value, list) else value
        if text:
            lines.append(f"{letter}:{text}")
    return "\n".join(lines) + "\n"


def build_index(
    records: Sequence[str],
    key: SigningKey | None,
    *,
    algorithm: str = "RSA256",
    description: str = "",
) -> bytes:
    """An `APKINDEX.tar.gz` of *records* (from `index_record`); unsigned when *key* is None."""
    entries = [("DESCRIPTION", description)] if description else []
    entries.append(("APKINDEX", "".join(record + "\n" for record in records)))
    tar = b"".join(_tar_entry(_tar_info(name, 0), text.encode()) for name, text in entries)
    content = _gzip(tar + _END_OF_ARCHIVE)
    return (_signature_member(key, algorithm, content) if key else b"") + content


def write_repository(
    repo_dir: str | os.PathLike[str],
    arch: str,
    packages: Sequence[
        tuple[PackageInfo, Mapping[str, bytes]]
        | tuple[PackageInfo, Mapping[str, bytes], Mapping[str, bytes]]
    ],
    key: SigningKey | None,
    algorithm: str = "RSA256",
) -> Path:
    """Write `<repo_dir>/<arch>/<name>-<version>.apk` and the index; return the index path.

    Each package is `(info, files)` or `(info, files, scripts)`, as `build_apk` takes them.
    """
    target = Path(repo_dir) / arch
    target.mkdir(parents=True, exist_ok=True)
    records = []
    for info, files, *scripts in packages:
        apk = build_apk(info, files, key, *scripts)
        write_atomically(target / f"{info.name}-{info.version}.apk", apk)
        records.append(index_record(info, apk))
    index_path = target / "APKINDEX.tar.gz"
    # Last, and atomically: a reader sees either the old index or one whose packages exist.
    write_atomically(index_path, build_index(records, key, algorithm=algorithm))
    return index_path


def read_apk(data: bytes) -> ApkContents:
    """Parse a `.apk`, checking its structure, `datahash` and per-file SHA1 checksums.

    Raises ValueError, with a message for people, for anything apk would call a BAD archive.
    """
    try:
        members = split_gzip_members(data)
    except IndexFormatError as exc:
        raise ValueError(f"broken apk: {exc}") from None
    if len(members) not in (2, 3):
        raise ValueError(f"broken apk: expected 2 or 3 gzip members, found {len(members)}")
    *signature, control, payload = members
    if signature and not all(
        info.name.startswith(".SIGN.") for info, _ in _read_tar(signature[0], "signature")
    ):
        raise ValueError("broken apk: the first of 3 gzip members is not a signature")
    control_files = {info.name: content for info, content in _read_tar(control, "control")}
    pkginfo = _parse_pkginfo(control_files)
    if pkginfo.get("datahash") != hashlib.sha256(payload).hexdigest():
        raise ValueError("broken apk: datahash does not match the data member")
    entries = [_entry(info, content) for info, content in _read_tar(payload, "data")]
    scripts = {
        name: content
        for name, content in control_files.items()
        if name in SCRIPT_NAMES and content is not None
    }
    return ApkContents(pkginfo, entries, control, bool(signature), scripts)


def _new_private_key(private_path: Path) -> rsa.RSAPrivateKey:
    """A 2048-bit RSA key, written to *private_path* (PEM, 0600; never over an existing file)."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    # Created with 0600 from the start: a chmod afterwards would leave a readable window.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return private_key


def _content(value: bytes | File) -> bytes:
    return value.content if isinstance(value, File) else value


def _with_public_file(
    private_key: rsa.RSAPrivateKey, private_path: Path, keys_dir: str | os.PathLike[str]
) -> SigningKey:
    key_name = f"{private_path.name}.pub"
    public_path = Path(keys_dir) / key_name
    public_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.write_bytes(
        private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return SigningKey(key_name, private_key, public_path)


def _gzip(data: bytes) -> bytes:
    """One gzip member; zlib writes mtime 0 and no file name, so the bytes are reproducible."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def _tar_info(name: str, mtime: int, *, kind: bytes = tarfile.REGTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    info.mtime = mtime
    info.uname = info.gname = "root"
    return info


def _tar_entry(info: tarfile.TarInfo, content: bytes = b"") -> bytes:
    """Header(s) and padded content of one tar member, without end-of-archive blocks."""
    info.size = len(content)
    header = info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
    return header + content + b"\0" * (-len(content) % _BLOCK)


def _signature_member(key: SigningKey, algorithm: str, signed: bytes) -> bytes:
    """gzip(tar segment with `.SIGN.<algorithm>.<keyname>`), as abuild-sign prepends it."""
    if algorithm not in SIGNATURE_DIGESTS:
        raise ValueError(f"unknown signature algorithm {algorithm!r}")
    value = key.private_key.sign(signed, padding.PKCS1v15(), SIGNATURE_DIGESTS[algorithm]())
    return _gzip(_tar_entry(_tar_info(f".SIGN.{algorithm}.{key.key_name}", 0), value))


def _data_tar(files: Mapping[str, bytes | File], mtime: int) -> bytes:
    """The data tar: every parent directory as an entry before its children, every regular
    file with its SHA1 pax header, then the end-of-archive blocks."""
    paths = {
        PurePosixPath(name): value if isinstance(value, File) else File(value)
        for name, value in files.items()
    }
    for path in paths:
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise ValueError(f"package file paths must be relative and inside the root: {path}")
    directories = {parent for path in paths for parent in path.parents if parent.parts}
    chunks = []
    for path in sorted(directories | paths.keys(), key=lambda p: p.parts):
        if path in directories:
            chunks.append(_tar_entry(_tar_info(str(path), mtime, kind=tarfile.DIRTYPE)))
            continue
        file = paths[path]
        info = _tar_info(str(path), mtime)
        info.mode = file.mode
        info.pax_headers = {_CHECKSUM_PAX: hashlib.sha1(file.content).hexdigest()}
        chunks.append(_tar_entry(info, file.content))
    return b"".join(chunks) + _END_OF_ARCHIVE


def _pkginfo_text(info: PackageInfo, size: int, datahash: str) -> str:
    fields = [
        ("pkgname", info.name),
        ("pkgver", info.version),
        ("pkgdesc", info.description),
        ("url", info.url),
        ("builddate", str(info.builddate)),
        ("size", str(size)),
        ("arch", info.arch),
        ("origin", info.origin or info.name),
        ("maintainer", info.maintainer),
        ("license", info.license),
        *(("depend", depend) for depend in info.depends),
        *(("provides", provided) for provided in info.provides),
        ("datahash", datahash),
    ]
    lines = [f"{key} = {value}" for key, value in fields if value]
    return "# Generated by jupyterlab_apk\n" + "\n".join(lines) + "\n"


def _read_tar(member: bytes, what: str) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    """(info, content or None) of each entry of one gzip member holding a tar segment."""
    try:
        tar_bytes = zlib.decompress(member, 16 + zlib.MAX_WBITS)
        with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
            return [
                (info, tar.extractfile(info).read() if info.isfile() else None)  # type: ignore
                for info in tar
            ]
    except (tarfile.TarError, zlib.error, EOFError) as exc:
        raise ValueError(f"broken apk: unreadable {what} tar ({exc})") from None


def _parse_pkginfo(files: Mapping[str, bytes | None]) -> dict[str, str | list[str]]:
    text = files.get(".PKGINFO")
    if text is None:
        raise ValueError("broken apk: no .PKGINFO in the control member")
    pkginfo: dict[str, str | list[str]] = {key: [] for key in _LIST_KEYS}
    for line in text.decode().splitlines():
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(" = ")
        if not sep:
            raise ValueError(f"broken apk: bad .PKGINFO line {line!r}")
        existing = pkginfo.get(key)
        if isinstance(existing, list):
            existing.append(value)
        elif existing is not None:
            raise ValueError(f"broken apk: .PKGINFO repeats {key!r}")
        else:
            pkginfo[key] = value
    return pkginfo


def _entry(info: tarfile.TarInfo, content: bytes | None) -> ApkEntry:
    checksum = info.pax_headers.get(_CHECKSUM_PAX)
    if content is not None and checksum != hashlib.sha1(content).hexdigest():
        raise ValueError(f"broken apk: {info.name} does not match its SHA1 checksum")
    kinds = {"file": info.isfile(), "dir": info.isdir(), "symlink": info.issym()}
    kind = next((name for name, matches in kinds.items() if matches), "other")
    return ApkEntry(info.name, kind, info.mode, content, checksum)


def write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
