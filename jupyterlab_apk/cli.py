"""`jupyter apk`: commands for the image that runs jupyterlab-apk.

    jupyter apk baseline [--root /] [--kernel python3] [--output FILE]

`baseline` records apk's world, the installed packages and the kernel's pip packages, as the
image's starting point for `GET environment` (what a user changed since). The Dockerfile runs it
as its last step, as root, so the file is root-owned.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

from .policy import default_baseline_file
from .snapshots import save_baseline, take_baseline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jupyter apk", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    baseline = commands.add_parser("baseline", help="record the image's packages")
    baseline.add_argument("--root", default="/", help="the apk root (default: /)")
    baseline.add_argument(
        "--kernel", default="python3", help="kernelspec whose pip packages to record ('' for none)"
    )
    baseline.add_argument("--output", type=Path, default=Path(default_baseline_file()))
    options = parser.parse_args(argv)

    spec = None
    if options.kernel:
        try:
            spec = KernelSpecManager().get_kernel_spec(options.kernel)
        except NoSuchKernel:
            parser.error(f"no kernelspec named {options.kernel!r}")
    try:
        taken = take_baseline(options.root, spec)
    except (RuntimeError, ValueError) as error:
        print(f"jupyter apk baseline: {error}", file=sys.stderr)
        return 1
    save_baseline(options.output, taken)
    print(
        f"baseline: {len(taken.snapshot.world)} world entries, "
        f"{len(taken.snapshot.installed)} apk packages, {len(taken.snapshot.pip)} pip packages "
        f"-> {options.output}"
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
