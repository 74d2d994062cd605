"""apk version semantics against apk-tools' own vectors, plus the PEP 440 mapping."""

from __future__ import annotations

import pytest
from packaging.version import Version

from jupyterlab_apk.versions import compare, is_valid, satisfies, upstream_pep440

from .conftest import ALPINE_DATA


def _vector_cases() -> list:
    """One case per non-blank line of apk-version.data, read as apk-tools' test harness does."""
    cases = []
    lines = (ALPINE_DATA / "apk-version.data").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue  # blank separator lines hold no vector
        cases.append(pytest.param(text.split(" "), id=f"{number}: {text}"))
    return cases


_ORDER = {"<": -1, "=": 0, ">": 1}  # what compare() says for a vector's plain operator


@pytest.mark.parametrize("fields", _vector_cases())
def test_apk_version_vector(fields: list[str]) -> None:
    if len(fields) == 1:  # "version" must be valid, "!version" must not
        version = fields[0]
        if version.startswith("!"):
            assert not is_valid(version[1:])
        else:
            assert is_valid(version)
        return
    a, op, b = fields
    holds = not op.startswith("!")
    assert satisfies(a, op.removeprefix("!"), b) is holds
    # The negated operator must say the opposite, whichever way the vector is written.
    assert satisfies(a, f"!{op.removeprefix('!')}", b) is not holds
    if op in _ORDER:
        assert compare(a, b) == _ORDER[op]
        assert compare(b, a) == -_ORDER[op]


def test_vector_reader_sees_every_form() -> None:
    # Guards the reader above: a change to the file or to the split must not silently drop a form.
    forms = set()
    for case in _vector_cases():
        fields = case.values[0]
        if len(fields) == 3:
            forms.add(fields[1])
        else:
            forms.add("!version" if fields[0].startswith("!") else "version")
    assert forms == {"<", ">", "=", "~", "<~", ">~", "!~", "version", "!version"}


@pytest.mark.parametrize(
    ("version", "op", "other", "expected"),
    [
        ("3.12.9-r0", "~", "3.12", True),
        ("3.13.1-r0", "~", "3.12", False),
        ("3.12", "~", "3.12.1", False),
        ("3.12.9-r0", "!~", "3.12", False),
        ("2.2.4-r1", ">=", "2.2.4", True),
        ("2.2.4-r1", ">", "2.2.4-r1", False),
        ("2.2.4-r1", "<=", "2.2.4-r1", True),
        ("2.2.4-r1", "<", "2.2.4-r2", True),
        ("2.2.4-r1", "=", "2.2.4-r1", True),
        ("2.2.4-r1", "=", "2.2.4", False),
        ("2.2.4-r1", "!=", "2.2.4", True),
        ("2.2.4-r1", "!=", "2.2.4-r1", False),
        ("1.0_rc1", "<", "1.0", True),
        ("1.0_p1", ">", "1.0", True),
        ("1.0_git20240101", ">", "1.0", True),
        ("3.11.2", "<~", "3.12", True),
        ("3.12.2", "<~", "3.12", True),
        ("3.13.0", "<~", "3.12", False),
        ("3.13.0", ">~", "3.12", True),
        ("3.12.2", ">~", "3.12", True),
        ("3.11.9", ">~", "3.12", False),
    ],
)
def test_satisfies(version: str, op: str, other: str, expected: bool) -> None:
    assert satisfies(version, op, other) is expected


@pytest.mark.parametrize("op", ["", "==", "><", "~=", "!", "=>", "!!="])
def test_satisfies_rejects_unknown_operator(op: str) -> None:
    with pytest.raises(ValueError, match="unknown apk version operator"):
        satisfies("1.0", op, "1.0")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0", "1.0-r0", -1),  # apk: an explicit revision sorts after none
        ("1.0-r0", "1.0-r0", 0),
        ("1.10", "1.9", 1),
        ("1.0_alpha", "1.0_beta", -1),
        ("1.0_pre1", "1.0_rc1", -1),
        ("1.0_cvs1", "1.0_p1", -1),
        ("1.2.01", "1.2.1", -1),  # leading zero: string order, ".01" < ".1"
        ("1.0_foo", "1.0_bar", 0),  # both invalid at the same token: apk calls them equal
        ("", "", 0),
        ("a", "1", -1),  # apk: a version invalid from its first token sorts first
    ],
)
def test_compare(a: str, b: str, expected: int) -> None:
    assert compare(a, b) == expected
    assert compare(b, a) == -expected


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("2.2.4-r1", "2.2.4"),
        ("11.2.1-r0", "11.2.1"),
        ("1.0_alpha2", "1.0a2"),
        ("1.0_alpha", "1.0a0"),
        ("1.0_beta3-r1", "1.0b3"),
        ("1.0_pre1", "1.0rc1"),
        ("1.0_rc2", "1.0rc2"),
        ("3.1_p16", "3.1.post16"),
        ("0.1_git20240101", "0.1.post20240101"),
        ("0.1_cvs2", "0.1.post2"),
        ("0.1_svn", "0.1.post0"),
        ("0.1_hg7", "0.1.post7"),
        ("1.0_rc1_p2", "1.0rc1.post2"),
        ("0.1_pre2~1234abcd", "0.1rc2+1234abcd"),
        ("1.06-r6", "1.6"),  # PEP 440 normalises leading zeros away
        ("2024.10.01", "2024.10.1"),
    ],
)
def test_upstream_pep440(version: str, expected: str) -> None:
    result = upstream_pep440(version)
    assert isinstance(result, Version)
    assert str(result) == expected


@pytest.mark.parametrize(
    "version",
    [
        "1.1.1w",  # apk letter: PEP 440 would read it as a pre-release
        "2.3.0b-r1",
        "0.1.0_alpha_pre2",  # two pre-release suffixes
        "1.0_p1_git2",  # two post-release suffixes
        "0.1_p1_pre2",  # pre-release of a post-release
        "0.1_git20240101_pre1",
        "1.0bc",  # invalid
        "",
        "1.0-r",
    ],
)
def test_upstream_pep440_unmappable(version: str) -> None:
    assert upstream_pep440(version) is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1.0_alpha1", "1.0_beta1"),
        ("1.0_rc1", "1.0"),
        ("1.0", "1.0_p1"),
        ("1.0", "1.0_git20240101"),
        ("1.0_rc1", "1.0_rc1_p1"),
        ("1.0_rc1_p1", "1.0_rc2"),
    ],
)
def test_upstream_pep440_keeps_apk_order(a: str, b: str) -> None:
    assert compare(a, b) == -1
    assert upstream_pep440(a) < upstream_pep440(b)
