"""`jupyter apk-repo`: build a signed apk repository from Python wheels.

    jupyter apk-repo keygen --out DIR --name NAME
    jupyter apk-repo build --out REPO --key KEY.rsa [--python 3.12] [--arch x86_64]
        [--find-links DIR]... [--no-index] [--no-deps] [--base REPOSITORY]... [--prune]
        REQUIREMENT...

The library is `repobuild.build_repository`; this module only reads the command line.
"""

from __future__ import annotations

import argparse
import platform
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from .apkwriter import generate_key_pair, load_key
from .repobuild import BuildError, build_repository
from .wheelapk import Target


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (BuildError, OSError, ValueError) as exc:
        print(f"jupyter apk-repo: {exc}", file=sys.stderr)
        return 1


def _keygen(args: argparse.Namespace) -> int:
    key = generate_key_pair(args.out, args.name)
    private = key.public_pem_path.with_suffix("")
    print(f"private key: {private} (keep it secret; `build --key` takes it)")
    print(f"public key:  {key.public_pem_path} (install it in /etc/apk/keys as {key.key_name})")
    return 0


def _build(args: argparse.Namespace) -> int:
    key_path = Path(args.key)
    if not key_path.name.endswith(".rsa"):
        raise ValueError(f"--key must name the private key NAME.rsa, not {key_path.name}")
    key = load_key(key_path.parent, key_path)
    report = build_repository(
        Path(args.out),
        args.requirements,
        key,
        Target(args.python, args.arch),
        find_links=[Path(link) for link in args.find_links],
        no_index=args.no_index,
        no_deps=args.no_deps,
        base=args.base,
        prune=args.prune,
        maintainer=args.maintainer,
    )
    for name, version in report.built:
        print(f"built      {name} {version}")
    for requirement, name, version in report.from_base:
        print(f"from base  {name} {version} (for {requirement})")
    for name in report.pruned:
        print(f"pruned     {name}")
    print(f"index      {report.index} (signed with {key.key_name})")
    return 0


def _python(text: str) -> str:
    if not re.fullmatch(r"3\.\d+", text):
        raise argparse.ArgumentTypeError(f"expected 3.X, got {text!r}")
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jupyter apk-repo", description="Build a signed apk repository from Python wheels."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    keygen = commands.add_parser("keygen", help="write an RSA key pair NAME.rsa, NAME.rsa.pub")
    keygen.add_argument("--out", required=True, type=Path, help="directory for the key pair")
    keygen.add_argument("--name", required=True, help="key name, e.g. you@example.org-1")
    keygen.set_defaults(run=_keygen)

    build = commands.add_parser("build", help="build requirements into REPO/<arch>/")
    build.add_argument("--out", required=True, help="repository directory (give apk this)")
    build.add_argument("--key", required=True, help="private key NAME.rsa (NAME.rsa.pub beside)")
    build.add_argument(
        "--python",
        type=_python,
        default=f"{sys.version_info.major}.{sys.version_info.minor}",
        help="target Python 3.X (default: this interpreter's)",
    )
    build.add_argument(
        "--arch", default=platform.machine() or "x86_64", help="target arch (default: this one)"
    )
    build.add_argument(
        "--find-links", action="append", default=[], help="also look for wheels in this directory"
    )
    build.add_argument("--no-index", action="store_true", help="only use --find-links")
    build.add_argument(
        "--no-deps", action="store_true", help="build only the requirements, not what they need"
    )
    build.add_argument(
        "--base",
        action="append",
        default=[],
        help="repository (URL, path, or an APKINDEX.tar.gz) whose packages are used, not built",
    )
    build.add_argument("--prune", action="store_true", help="keep only the newest version of each")
    build.add_argument("--maintainer", default="", help="the packages' maintainer field")
    build.add_argument("requirements", nargs="+", metavar="REQUIREMENT")
    build.set_defaults(run=_build)
    return parser


if __name__ == "__main__":
    sys.exit(main())
