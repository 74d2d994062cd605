"""Build the demo apk repository from the real pure-Python wheels pinned in demo/wheels.txt.

    python -m demo.build --output DIR [--python 3.11] [--arch x86_64]

`jupyter apk-repo build`'s library (`jupyterlab_apk.repobuild`) makes each wheel `py3-<name>`
`<version>-r0` with its files under usr/lib/python<X.Y>/site-packages, like Alpine's own py3-*
packages, from the downloaded wheels only (`--no-index --find-links`), and signs the repository
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
import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jupyterlab_apk
from jupyterlab_apk.apkwriter import SigningKey, generate_key, load_key
from jupyterlab_apk.repobuild import build_repository
from jupyterlab_apk.wheelapk import Target

WHEELS_TXT = Path(__file__).with_name("wheels.txt")
STAMP = "build-stamp.json"
PACKAGER = "jupyterlab-apk demo <demo@example.invalid>"
# Inputs beyond the command line: changing the pins or the builder makes a new repository.
_LIBRARY = Path(jupyterlab_apk.__file__).parent
_BUILDER_FILES = (
    WHEELS_TXT,
    Path(__file__),
    *(_LIBRARY / name for name in ("apkwriter.py", "wheelapk.py", "repobuild.py", "elf.py")),
)


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
    download_pinned(output / "wheels", python)
    key = _signing_key(output)
    # Start from an empty arch directory so no package of an older pin set lingers beside the index.
    shutil.rmtree(output / "repo" / arch, ignore_errors=True)
    report = build_repository(
        output / "repo",
        pinned_requirements(),
        key,
        Target(python, arch),
        find_links=[output / "wheels"],
        no_index=True,
        maintainer=PACKAGER,
    )
    produced = [*sorted((output / "repo" / arch).iterdir()), key.public_pem_path]
    produced.append(output / "private" / key.key_name.removesuffix(".pub"))
    names = sorted(name for name, _ in report.built)
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


def _pinned_lines(pins: Path) -> list[str]:
    lines = pins.read_text().replace("\\\n", " ").splitlines()
    return [line for line in (line.split("#", 1)[0].strip() for line in lines) if line]


def _pinned_hashes(pins: Path) -> list[set[str]]:
    """The allowed sha256 values of each requirement line of *pins*."""
    return [set(re.findall(r"--hash=sha256:([0-9a-f]{64})", line)) for line in _pinned_lines(pins)]


def pinned_requirements(pins: Path = WHEELS_TXT) -> list[str]:
    """`name==version` of each line of a pins file such as wheels.txt."""
    return [line.split()[0] for line in _pinned_lines(pins)]


def _cached_wheels(wheel_dir: Path, pins: list[set[str]]) -> list[Path] | None:
    """One wheel per pin, found in *wheel_dir* by content hash; None if any is missing."""
    by_hash = {_sha256(path.read_bytes()): path for path in sorted(wheel_dir.glob("*.whl"))}
    found = [next((by_hash[h] for h in allowed if h in by_hash), None) for allowed in pins]
    return None if None in found else found  # type: ignore[return-value]


def download_pinned(
    wheel_dir: Path, python: str, pins: Path = WHEELS_TXT, platforms: Sequence[str] = ()
) -> list[Path]:
    """The wheels pinned by hash in *pins*, downloaded by pip only when *wheel_dir* lacks one.

    *platforms* are pip's `--platform` tags, for wheels built for another machine (musllinux).
    """
    hashes = _pinned_hashes(pins)
    wheel_dir.mkdir(parents=True, exist_ok=True)
    cached = _cached_wheels(wheel_dir, hashes)
    if cached is not None:
        return cached
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
        "--only-binary=:all:", "--require-hashes", "--python-version", python,
        *(option for platform in platforms for option in ("--platform", platform)),
        "-r", str(pins), "-d", str(wheel_dir),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    cached = _cached_wheels(wheel_dir, hashes)
    if done.returncode != 0 or cached is None:
        detail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        raise DownloadError(f"could not download the wheels pinned in {pins}:\n{detail}")
    return cached


def _signing_key(output: Path) -> SigningKey:
    """Reuse the demo key of an earlier build, so configured keys dirs stay valid."""
    existing = sorted((output / "private").glob("*.rsa"))
    if existing:
        return load_key(output / "keys", existing[0])
    return generate_key(output / "keys", output / "private")


if __name__ == "__main__":
    sys.exit(main())
