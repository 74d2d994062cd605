"""Write small wheels for tests: the layout, METADATA, WHEEL and RECORD that real wheels have."""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

EPOCH = (2024, 1, 2, 3, 4, 6)


def record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_wheel(
    directory: Path,
    name: str,
    version: str,
    files: Mapping[str, bytes],
    *,
    requires: Sequence[str] = (),
    entry_points: str = "",
    tag: str = "py3-none-any",
    modes: Mapping[str, int] | None = None,
) -> Path:
    """`<directory>/<name>-<version>-<tag>.whl` holding *files* plus its dist-info."""
    stem = f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}"
    dist_info = f"{stem}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: test wheel\n"
    metadata += "License-Expression: MIT\n" + "".join(f"Requires-Dist: {r}\n" for r in requires)
    pure = "true" if tag.endswith("-any") else "false"
    wheel = f"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: {pure}\nTag: {tag}\n"
    content = {
        **files,
        f"{dist_info}/METADATA": metadata.encode(),
        f"{dist_info}/WHEEL": wheel.encode(),
    }
    if entry_points:
        content[f"{dist_info}/entry_points.txt"] = entry_points.encode()
    record = "".join(f"{path},{record_hash(data)},{len(data)}\n" for path, data in content.items())
    content[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()
    path = directory / f"{stem}-{tag}.whl"
    directory.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in content.items():
            info = zipfile.ZipInfo(member, date_time=EPOCH)
            info.external_attr = (modes or {}).get(member, 0o644) << 16
            archive.writestr(info, data)
    return path
