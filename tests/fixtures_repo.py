"""Fixtures shared by test_signing.py and test_apkwriter.py, which load this module with
`pytest_plugins`.

Key generation is the slow step, so one key pair serves the whole session.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from jupyterlab_apk.apkwriter import SigningKey, generate_key

from .conftest import ALPINE_DATA


@pytest.fixture(scope="session")
def alpine_records() -> Callable[[str], list[str]]:
    """Factory: the records of a real APKINDEX excerpt, each ending with one newline, bytes
    untouched (trailing spaces included)."""

    def read(name: str) -> list[str]:
        text = (ALPINE_DATA / name).read_text()
        return [record + "\n" for record in text.rstrip("\n").split("\n\n")]

    return read


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> SigningKey:
    root = tmp_path_factory.mktemp("signing-key")
    return generate_key(root / "keys", root / "private")


@pytest.fixture(scope="session")
def impostor_keys_dir(tmp_path_factory: pytest.TempPathFactory, signing_key: SigningKey) -> Path:
    """A keys dir holding a different key under the file name of `signing_key`."""
    root = tmp_path_factory.mktemp("impostor")
    other = generate_key(root / "generated", root / "private")
    keys_dir = root / "keys"
    keys_dir.mkdir()
    (keys_dir / signing_key.key_name).write_bytes(other.public_pem_path.read_bytes())
    return keys_dir
