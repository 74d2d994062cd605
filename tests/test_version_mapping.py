"""PEP 440 -> apk versions (`versions.from_pep440`): apk orders the mapped versions as PEP 440
orders the originals, by our port of apk's comparison and by each real `apk version -t`."""

from __future__ import annotations

import itertools

import pytest
from packaging.version import Version

from jupyterlab_apk.versions import compare, from_pep440, is_valid, upstream_pep440

# Every kind of segment PEP 440 has, mixed, around a few releases.
VERSIONS = [
    "0.9", "0.10", "1.0.dev0", "1.0.dev3", "1.0a0", "1.0a1.dev1", "1.0a1", "1.0a2.post1",
    "1.0a10", "1.0b1.dev2", "1.0b1", "1.0b2", "1.0rc1.dev1", "1.0rc1", "1.0rc1.post1.dev1",
    "1.0rc1.post1", "1.0rc2", "1.0", "1.0.post0.dev1", "1.0.post0", "1.0.post1.dev1",
    "1.0.post1", "1.0.post10", "1.0.1.dev1", "1.0.1", "1.0.1.1", "1.0.2", "1.0.10", "1.1a1",
    "1.1", "1.2.3rc1", "1.2.3", "2", "2.0.0.0.1", "10.0", "2024.1", "2024.10.post3",
]  # fmt: skip
# PEP 440 spells one version several ways (1.0 == 1.0.0); apk keeps them apart, as file names
# do, so only pairs that differ in PEP 440 are compared.
PAIRS = [
    (a, b) for a, b in itertools.combinations(VERSIONS, 2) if Version(a) != Version(b)
]


def _pep440(a: str, b: str) -> int:
    return (Version(a) > Version(b)) - (Version(a) < Version(b))


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.2.3", "1.2.3"),
        ("1.2.3rc1", "1.2.3_rc1"),
        ("1.2.3c1", "1.2.3_rc1"),  # PEP 440's other spelling of rc
        ("1.0a1", "1.0_alpha1"),
        ("1.0b2", "1.0_beta2"),
        ("1.0.post1", "1.0_p1"),
        ("1.0-1", "1.0_p1"),  # implicit post release
        ("1.0.dev2", "1.0_alpha0_pre2"),
        ("1.0rc1.dev2", "1.0_rc1_pre2"),
        ("1.0.post1.dev2", "1.0_p1_pre2"),
        ("1.0a1.post2", "1.0_alpha1_p2"),
        ("v01.02", "1.2"),  # normalised as PEP 440 does
        ("0!1.0", "1.0"),
    ],
)
def test_from_pep440(version: str, expected: str) -> None:
    assert from_pep440(version) == expected
    assert is_valid(f"{expected}-r0")


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("1.0+local", "local versions"),
        ("1.0+ubuntu.1", "local versions"),
        ("1!1.0", "no epoch"),
        ("not a version", "Invalid version"),
    ],
)
def test_from_pep440_refuses(version: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_pep440(version)


def test_the_table_covers_every_kind_of_pair() -> None:
    orders = {_pep440(a, b) for a, b in PAIRS}
    assert orders == {-1}  # VERSIONS is sorted: each pair is a < b ...
    assert len(PAIRS) > 600  # ... and there are many of them


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_apk_order_is_pep440_order(a: str, b: str) -> None:
    assert compare(f"{from_pep440(a)}-r0", f"{from_pep440(b)}-r0") == _pep440(a, b)


# One process per comparison: the real binaries check each version against its next three
# (in both orientations); the port above checks every pair, and passes apk's own vectors.
NEAR_PAIRS = [
    (a, b) if i % 2 else (b, a)
    for i, (a, b) in enumerate(PAIRS)
    if VERSIONS.index(b) - VERSIONS.index(a) <= 3
]


def test_real_apk_orders_as_pep440(real_apk) -> None:
    wrong = []
    for a, b in NEAR_PAIRS:
        apk_a, apk_b = f"{from_pep440(a)}-r0", f"{from_pep440(b)}-r0"
        result = real_apk.run("version", "-t", apk_a, apk_b, timeout=10)
        expected = {-1: "<", 0: "=", 1: ">"}[_pep440(a, b)]
        if result.stdout.strip() != expected:
            wrong.append(f"{a} {expected} {b}, but apk: {apk_a} {result.stdout.strip()} {apk_b}")
    assert wrong == []


def test_real_apk_finds_every_mapped_version_valid(real_apk) -> None:
    mapped = [f"{from_pep440(v)}-r0" for v in VERSIONS]

    result = real_apk.run("version", "-c", *mapped)

    # `apk version -c` prints the invalid ones (and exits with their count).
    assert (result.returncode, result.stdout) == (0, "")


@pytest.mark.parametrize(
    "version", [v for v in VERSIONS if Version(v).dev is None]
)
def test_round_trip_through_upstream_pep440(version: str) -> None:
    # What the resolver reads back from the apk is the version the wheel had; dev releases,
    # mapped to two apk suffixes, read back as no PEP 440 version (the resolver then sends a
    # specifier to pip) rather than as a wrong one.
    assert upstream_pep440(f"{from_pep440(version)}-r0") == Version(version)


@pytest.mark.parametrize("version", [v for v in VERSIONS if Version(v).dev is not None])
def test_dev_releases_read_back_as_unknown(version: str) -> None:
    assert upstream_pep440(f"{from_pep440(version)}-r0") is None
