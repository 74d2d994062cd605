"""A tiny pure-Python wheel that no apk provides, for pip to install from a local directory.

    python -m demo.pip_wheels --output DIR

writes DIR/pipdemo-1.0-py3-none-any.whl: the module `pipdemo` (`VALUE = 42`) and its
dist-info (METADATA, WHEEL, RECORD with the sha256 of every file). Only the standard library
is used. The archive is byte-for-byte reproducible (fixed timestamps and order), and an
existing identical file is left alone, so running it again changes nothing.

The UI tests (ui-tests/jupyter_server_test_config.py) build it and point the kernels' pip at
it (PIP_FIND_LINKS, PIP_NO_INDEX): `%pip install pipdemo` then installs a package the
extension must leave to pip, without any network.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import sys
import tempfile
import zipfile
from pathlib import Path

NAME = "pipdemo"
VERSION = "1.0"
TAG = "py3-none-any"
WHEEL_NAME = f"{NAME}-{VERSION}-{TAG}.whl"
DIST_INFO = f"{NAME}-{VERSION}.dist-info"
# 1980-01-01, the earliest time a zip entry can hold: the archive does not depend on the clock.
EPOCH = (1980, 1, 1, 0, 0, 0)

MODULE = '"""A package that no apk provides: installed by pip in the UI tests."""\n\nVALUE = 42\n'
METADATA = (
    "Metadata-Version: 2.1\n"
    f"Name: {NAME}\n"
    f"Version: {VERSION}\n"
    "Summary: A tiny demo package that only pip installs (jupyterlab-apk UI tests)\n"
    "License: BSD-3-Clause\n"
    "Requires-Python: >=3.8\n"
)
WHEEL = (
    "Wheel-Version: 1.0\n"
    "Generator: demo.pip_wheels\n"
    "Root-Is-Purelib: true\n"
    f"Tag: {TAG}\n"
)


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def wheel_bytes() -> bytes:
    """The wheel's content: always the same bytes."""
    files = [
        (f"{NAME}.py", MODULE.encode()),
        (f"{DIST_INFO}/METADATA", METADATA.encode()),
        (f"{DIST_INFO}/WHEEL", WHEEL.encode()),
    ]
    record_path = f"{DIST_INFO}/RECORD"
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in files)
    record += f"{record_path},,\n"
    files.append((record_path, record.encode()))

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in files:
            info = zipfile.ZipInfo(path, date_time=EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # -rw-r--r--
            info.create_system = 3  # Unix, so that the mode above is read
            archive.writestr(info, data)
    return buffer.getvalue()


def build(output: str | os.PathLike[str]) -> Path:
    """Write the wheel into *output* (created if needed) unless an identical one is there.

    Returns the wheel's path. The file is replaced atomically, so a pip reading the
    directory meanwhile never sees half a wheel.
    """
    directory = Path(output)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / WHEEL_NAME
    data = wheel_bytes()
    try:
        if target.read_bytes() == data:
            return target
    except OSError:
        pass
    fd, temporary = tempfile.mkstemp(prefix=f".{WHEEL_NAME}.", dir=directory)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo.pip_wheels", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--output", required=True, help="directory to write the wheel into")
    args = parser.parse_args(argv)
    print(build(args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
