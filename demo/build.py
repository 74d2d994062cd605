"""Build the demo apk repository from the real pure-Python wheels pinned in demo/wheels.txt.

    python -m demo.build --output DIR [--python 3.11] [--arch x86_64]

Each wheel becomes `py3-<name>` `<version>-r0` with its files under
usr/lib/python<X.Y>/site-packages, like Alpine's own py3-* packages, and the repository is signed
with a demo key:

    DIR/repo/<arch>/APKINDEX.tar.gz, *.apk   give apk `-X DIR/repo`
    DIR/keys/<keyname>.rsa.pub              give apk `--keys-dir DIR/keys`
    DIR/private/<keyname>.rsa               mode 0600, reused by later builds
    DIR/wheels/*.whl                        download cache, matched by sha256

A stamp records the inputs and the sha256 of every output, so running again with the same inputs
re-hashes a few small files and returns.
"""

from __future__ import annotations

import argparse
import calendar
import email
import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

from demo.apkrepo import PackageInfo, SigningKey, generate_key, load_key, write_repository

WHEELS_TXT = Path(__file__).with_name("wheels.txt")
STAMP = "build-stamp.json"
PACKAGER = "jupyterlab-apk demo <demo@example.invalid>"
# Inputs beyond the command line: changing the pins or the builder makes a new repository.
_BUILDER_FILES = (WHEELS_TXT, Path(__file__), Path(__file__).with_name("apkrepo.py"))


class DownloadError(RuntimeError):
    """pip could not fetch the pinned wheels (offline, index unreachable, hash mismatch)."""


@dataclass(frozen=True)
class DemoRepository:
    """Where a build put things, and whether this run (re)built them."""

    repo: Path  # give apk this directory; the index is in repo/<arch>/
    arch: str
    keys_dir: Path
    key_name: str
    packages: tuple[str, ...]
    rebuilt: bool


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo.build", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--output", required=True, type=Path, help="directory to build into")
    parser.add_argument(
        "--python",
        type=_python_version,
        default=f"{sys.version_info.major}.{sys.version_info.minor}",
        help="target X.Y, decides site-packages and python3~X.Y (default: this interpreter)",
    )
    parser.add_argument("--arch", default="x86_64", help="repository arch (default: x86_64)")
    args = parser.parse_args(argv)
    try:
        result = build(args.output, python=args.python, arch=args.arch)
    except DownloadError as exc:
        print(f"demo.build: {exc}", file=sys.stderr)
        return 1
    state = "built" if result.rebuilt else "up to date"
    print(
        f"demo repository {state}: {result.repo} ({result.arch}, {len(result.packages)} packages,"
        f" keys dir {result.keys_dir})"
    )
    return 0


def build(output: Path, *, python: str, arch: str) -> DemoRepository:
    """Build (or find up to date) the demo repository in *output*."""
    output = output.resolve()
    inputs = {
        "python": python,
        "arch": arch,
        "sources": {path.name: _sha256(path.read_bytes()) for path in _BUILDER_FILES},
    }
    current = _up_to_date(output, inputs)
    if current is not None:
        return current
    wheels = _wheels(output / "wheels", python)
    available = {canonicalize_name(parse_wheel_filename(wheel.name)[0]) for wheel in wheels}
    packages = [_package(wheel, python, arch, available) for wheel in wheels]
    key = _signing_key(output)
    # Start from an empty arch directory so no package of an older pin set lingers beside the index.
    shutil.rmtree(output / "repo" / arch, ignore_errors=True)
    write_repository(output / "repo", arch, packages, key)
    produced = [*sorted((output / "repo" / arch).iterdir()), key.public_pem_path]
    produced.append(output / "private" / key.key_name.removesuffix(".pub"))
    names = [info.name for info, _ in packages]
    stamp = {
        "inputs": inputs,
        "outputs": {str(path.relative_to(output)): _sha256(path.read_bytes()) for path in produced},
        "key_name": key.key_name,
        "packages": names,
    }
    (output / STAMP).write_text(json.dumps(stamp, indent=1) + "\n")
    return _result(output, arch, key.key_name, names, rebuilt=True)


def _result(
    output: Path, arch: str, key_name: str, packages: Sequence[str], *, rebuilt: bool
) -> DemoRepository:
    return DemoRepository(
        output / "repo", arch, output / "keys", key_name, tuple(packages), rebuilt
    )


def _python_version(text: str) -> str:
    if not re.fullmatch(r"\d+\.\d+", text):
        raise argparse.ArgumentTypeError(f"expected X.Y, got {text!r}")
    return text


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _up_to_date(output: Path, inputs: dict) -> DemoRepository | None:
    """The recorded result if *output* was built from *inputs* and every output is intact."""
    try:
        stamp = json.loads((output / STAMP).read_text())
        if stamp["inputs"] != inputs:
            return None
        for name, digest in stamp["outputs"].items():
            if _sha256((output / name).read_bytes()) != digest:
                return None
        return _result(output, inputs["arch"], stamp["key_name"], stamp["packages"], rebuilt=False)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _pinned_hashes() -> list[set[str]]:
    """The allowed sha256 values of each requirement line of wheels.txt."""
    lines = WHEELS_TXT.read_text().replace("\\\n", " ").splitlines()
    requirements = [line.split("#", 1)[0].strip() for line in lines]
    return [set(re.findall(r"--hash=sha256:([0-9a-f]{64})", line)) for line in requirements if line]


def _cached_wheels(wheel_dir: Path, pins: list[set[str]]) -> list[Path] | None:
    """One wheel per pin, found in *wheel_dir* by content hash; None if any is missing."""
    by_hash = {_sha256(path.read_bytes()): path for path in sorted(wheel_dir.glob("*.whl"))}
    found = [next((by_hash[h] for h in allowed if h in by_hash), None) for allowed in pins]
    return None if None in found else found  # type: ignore[return-value]


def _wheels(wheel_dir: Path, python: str) -> list[Path]:
    """The pinned wheels, downloaded by pip only when the cache lacks one."""
    pins = _pinned_hashes()
    wheel_dir.mkdir(parents=True, exist_ok=True)
    cached = _cached_wheels(wheel_dir, pins)
    if cached is not None:
        return cached
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
        "--only-binary=:all:", "--require-hashes", "--python-version", python,
        "-r", str(WHEELS_TXT), "-d", str(wheel_dir),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    cached = _cached_wheels(wheel_dir, pins)
    if done.returncode != 0 or cached is None:
        detail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        raise DownloadError(f"could not download the wheels pinned in {WHEELS_TXT}:\n{detail}")
    return cached


def _package(
    wheel: Path, python: str, arch: str, available: set[str]
) -> tuple[PackageInfo, dict[str, bytes]]:
    """The apk package (info and files) that holds *wheel* installed for Python *python*."""
    site_packages = f"usr/lib/python{python}/site-packages"
    with zipfile.ZipFile(wheel) as archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        names = [info.filename for info in members]
        if any(name.split("/", 1)[0].endswith(".data") for name in names):
            raise ValueError(f"{wheel.name}: wheels with a .data directory are not supported")
        metadata_name = next(name for name in names if name.endswith(".dist-info/METADATA"))
        metadata = email.message_from_bytes(archive.read(metadata_name))
        files = {f"{site_packages}/{name}": archive.read(name) for name in names}
        # The wheel's own timestamps, not the clock: equal wheels give equal packages.
        builddate = max(calendar.timegm((*info.date_time, 0, 0, 0)) for info in members)
    name = canonicalize_name(metadata["Name"])
    version = f"{metadata['Version']}-r0"
    depends = [
        f"python3~{python}",
        *sorted(f"py3-{dependency}" for dependency in _requirements(metadata, python) & available),
    ]
    info = PackageInfo(
        name=f"py3-{name}",
        version=version,
        description=metadata.get("Summary", ""),
        url=_homepage(metadata),
        license=_license(metadata),
        origin=f"py3-{name}",
        arch=arch,
        depends=depends,
        provides=[f"py{python}:{module}={version}" for module in _top_level_modules(names)],
        builddate=builddate,
        maintainer=PACKAGER,
    )
    return info, files


def _requirements(metadata: Message, python: str) -> set[str]:
    """Normalised names of the distributions *metadata* requires on Python *python*, no extras."""
    environment = {"python_version": python, "extra": ""}
    requirements = [Requirement(line) for line in metadata.get_all("Requires-Dist", [])]
    return {
        canonicalize_name(requirement.name)
        for requirement in requirements
        if requirement.marker is None or requirement.marker.evaluate(environment)
    }


def _top_level_modules(names: list[str]) -> list[str]:
    """Importable top-level names: package directories and single-file modules."""
    modules = set()
    for name in names:
        first, slash, _ = name.partition("/")
        if first.endswith(".dist-info"):
            continue
        if slash:
            modules.add(first)
        elif first.endswith(".py"):
            modules.add(first.removesuffix(".py"))
    return sorted(modules)


def _homepage(metadata: Message) -> str:
    if metadata.get("Home-page"):
        return metadata["Home-page"]
    labelled = {}
    for entry in metadata.get_all("Project-URL", []):
        label, _, url = entry.partition(",")
        labelled.setdefault(label.strip().lower(), url.strip())
    return labelled.get("homepage") or labelled.get("source") or next(iter(labelled.values()), "")


def _license(metadata: Message) -> str:
    """SPDX expression when declared, else a one-line License field, else the classifier."""
    if metadata.get("License-Expression"):
        return metadata["License-Expression"]
    declared = (metadata.get("License") or "").strip()
    if declared and "\n" not in declared:
        return declared
    classifiers = metadata.get_all("Classifier", [])
    return next((c.rsplit(" :: ", 1)[-1] for c in classifiers if c.startswith("License ::")), "")


def _signing_key(output: Path) -> SigningKey:
    """Reuse the demo key of an earlier build, so configured keys dirs stay valid."""
    existing = sorted((output / "private").glob("*.rsa"))
    if existing:
        return load_key(output / "keys", existing[0])
    return generate_key(output / "keys", output / "private")


if __name__ == "__main__":
    sys.exit(main())
