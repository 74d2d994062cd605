"""How long `jupyter apk-repo build` takes, per package and for a closure (see bench/README.md).

    python -m bench.apkrepo [--runs 5] [--python 3.11] [--arch x86_64] [REQUIREMENT ...]

1. pip downloads the closure of the requirements (default: requests, rich and pyyaml, ten
   distributions, two of them musllinux wheels with compiled code) for the target, once.
2. Per package: turning each wheel into a signed apk in process (`wheelapk.build_package` +
   `apkwriter.build_apk`), the median of `--runs` runs; and the whole command for that one
   wheel (`--no-deps --no-index --find-links`), which adds pip's start-up and the index.
3. The closure: the whole build from those wheels (`--no-index`), and from PyPI (pip's HTTP
   cache warm after step 1), each into an empty repository, median of `--runs`; then a rebuild
   into the existing repository.

The reference loop (`sum(range(10**7))`, timed first and last) says how fast the shared VM was.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyterlab_apk.apkwriter import build_apk, generate_key
from jupyterlab_apk.repobuild import SIGNATURE, build_repository
from jupyterlab_apk.wheelapk import Target, build_package, read_wheel

ROOT_DIR = Path(__file__).resolve().parents[1]
RESULTS = ROOT_DIR / "bench" / "results"
DEFAULT = ["requests==2.32.3", "rich==13.9.4", "pyyaml==6.0.2"]


def _median_seconds(action, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _download(requirements: list[str], target: Target, dest: Path) -> list[Path]:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:",
         "--python-version", target.python, "--implementation", "cp",
         "--platform", f"musllinux_1_2_{target.arch}", "--platform", f"musllinux_1_1_{target.arch}",
         "-d", str(dest), *requirements],
        check=True,
    )  # fmt: skip
    return sorted(dest.glob("*.whl"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--python", default="3.11")
    parser.add_argument("--arch", default="x86_64")
    parser.add_argument("requirements", nargs="*", default=DEFAULT)
    args = parser.parse_args()
    target = Target(args.python, args.arch)
    reference = [_median_seconds(lambda: sum(range(10**7)), 3)]
    with tempfile.TemporaryDirectory(prefix="bench-apkrepo-") as scratch:
        base = Path(scratch)
        key = generate_key(base / "keys", base / "private", "bench")
        wheels = _download(args.requirements, target, base / "wheels")

        runs = itertools.count()  # a fresh output directory for every run
        per_package = {}
        for path in wheels:
            wheel = read_wheel(path)

            def convert(wheel=wheel) -> None:
                info, files = build_package(wheel, target, [])
                build_apk(info, files, key, algorithm=SIGNATURE)

            def command(wheel=wheel) -> None:
                build_repository(
                    base / f"one-{wheel.project}-{next(runs)}", [wheel.project], key, target,
                    find_links=[base / "wheels"], no_index=True, no_deps=True,
                )  # fmt: skip

            per_package[path.name] = {
                "wheel_bytes": path.stat().st_size,
                "convert_ms": round(_median_seconds(convert, args.runs) * 1000, 1),
                "command_ms": round(_median_seconds(command, args.runs) * 1000),
            }
            print(path.name, per_package[path.name], flush=True)

        def closure(**options) -> None:
            out = base / f"closure-{next(runs)}"
            built = build_repository(out, args.requirements, key, target, **options).built
            if len(built) != len(wheels):
                raise RuntimeError(f"built {len(built)} packages, expected {len(wheels)}")

        offline = _median_seconds(
            lambda: closure(find_links=[base / "wheels"], no_index=True), args.runs
        )
        online = _median_seconds(closure, args.runs)
        build_repository(base / "again", args.requirements, key, target)
        rebuild = _median_seconds(
            lambda: build_repository(base / "again", args.requirements, key, target), args.runs
        )
    reference.append(_median_seconds(lambda: sum(range(10**7)), 3))
    result = {
        "reference_loop_ms": [round(seconds * 1000) for seconds in reference],
        "requirements": args.requirements,
        "target": f"CPython {target.python} {target.arch}",
        "packages": len(wheels),
        "runs": args.runs,
        "per_package": per_package,
        "closure_from_wheels_s": round(offline, 2),
        "closure_from_pypi_s": round(online, 2),
        "rebuild_existing_repo_s": round(rebuild, 2),
    }
    print(json.dumps({k: v for k, v in result.items() if k != "per_package"}, indent=1))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "apkrepo.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
