"""Build a full-size (~25,000 packages) signed repository from the real Alpine records.

The 252 real records in tests/data/alpine are copied under new names until the count is
reached; each copy gets its own `C:` checksum, as distinct packages have. Writes
`DIR/repo/<arch>/APKINDEX.tar.gz`, `DIR/keys/` and a sandbox root `DIR/root` whose installed
database lists every 50th package (so the installed join has work to do), each with the
directory, file and checksum lines apk writes for its files (FILES_PER_PACKAGE of them).

    python -m bench.make_catalog --output DIR [--count 25000] [--arch x86_64]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import re
from pathlib import Path

from jupyterlab_apk.apkwriter import build_index, generate_key

ALPINE_DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "alpine"
SOURCES = ("v3.22-community-x86_64-py3-sample.APKINDEX", "v3.22-main-x86_64-head.APKINDEX")
FILES_PER_PACKAGE = 30


def real_records() -> list[str]:
    records = []
    for name in SOURCES:
        text = (ALPINE_DATA / name).read_text(encoding="utf-8")
        records += [block.strip("\n") for block in text.split("\n\n") if block.strip()]
    return records


def renamed(record: str, copy: int) -> str:
    """The record as package `<name>-c<copy>` with a checksum of its own."""
    if copy == 0:
        return record
    name = re.search(r"^P:(.*)$", record, re.M).group(1)
    digest = base64.b64encode(hashlib.sha1(f"{name}/{copy}".encode()).digest()).decode()
    record = re.sub(r"^P:.*$", f"P:{name}-c{copy}", record, count=1, flags=re.M)
    return re.sub(r"^C:.*$", f"C:Q1{digest}", record, count=1, flags=re.M)


def catalog_records(count: int) -> list[str]:
    base = real_records()
    return [renamed(base[i % len(base)], i // len(base)) for i in range(count)]


def installed_entry(record: str) -> str:
    """*record* as the installed database holds it: with its files (see apk-cli.md)."""
    name = re.search(r"^P:(.*)$", record, re.M).group(1)
    lines = [record, f"F:usr/lib/{name}"]
    for number in range(FILES_PER_PACKAGE):
        digest = base64.b64encode(hashlib.sha1(f"{name}/{number}".encode()).digest()).decode()
        lines += [f"R:file{number}.py", f"Z:Q1{digest}"]
    return "\n".join(lines) + "\n\n"


def write_catalog(output: Path, count: int, arch: str) -> Path:
    records = catalog_records(count)
    key = generate_key(output / "keys", output / "private", "bench")
    repo = output / "repo" / arch
    repo.mkdir(parents=True, exist_ok=True)
    (repo / "APKINDEX.tar.gz").write_bytes(build_index([r + "\n" for r in records], key))
    db = output / "root" / "lib/apk/db"
    db.mkdir(parents=True, exist_ok=True)
    (output / "root/etc/apk").mkdir(parents=True, exist_ok=True)
    (output / "root/etc/apk/arch").write_text(f"{arch}\n")
    (db / "installed").write_text("".join(installed_entry(r) for r in records[::50]))
    return repo / "APKINDEX.tar.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--count", type=int, default=25000)
    parser.add_argument("--arch", default="x86_64")
    args = parser.parse_args()
    index = write_catalog(args.output, args.count, args.arch)
    print(f"{args.count} packages: {index} ({index.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
