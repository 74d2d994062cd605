"""apk-tools version semantics: validity, ordering, dependency operators, and a PEP 440 view.

A port of apk-tools 3.x `src/version.c`. An apk version reads
`digit{.digit}…{letter}{_suffix{#}}…{~hash}{-r#}`; it is split into typed tokens, and two
versions are compared token by token exactly as apk does. Comparing never rejects an invalid
version: apk orders those too (up to the first bad token), and so does `compare`.
"""

from __future__ import annotations

from typing import Any

from packaging.version import Version

# Token kinds, in the order the grammar allows them: a token may only be followed by one of an
# equal or later kind (with the exceptions apk makes below), and a longer version whose extra
# tokens are of an *earlier* kind is the greater one — which is why the order matters.
_INITIAL, _DIGIT, _LETTER, _SUFFIX, _SUFFIX_NO, _HASH, _REVISION, _END, _INVALID = range(9)

# Suffix ranks: below _RELEASE a suffix marks a pre-release, above it a post-release.
_RELEASE = 5
_SUFFIX_RANK = {
    "alpha": 1, "beta": 2, "pre": 3, "rc": 4,
    "cvs": 6, "svn": 7, "git": 8, "hg": 9, "p": 10,
}  # fmt: skip

_DIGITS = frozenset("0123456789")
_HEX = frozenset("0123456789abcdef")  # apk's hex class is lowercase only
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")

# Comparison results as bits, so an operator is the set of results it accepts (apk's mask).
_LESS, _EQUAL, _GREATER, _FUZZY = 1, 2, 4, 8
_RESULT_BIT = {-1: _LESS, 0: _EQUAL, 1: _GREATER}
_OPERATORS = {
    "<": _LESS,
    "<=": _LESS | _EQUAL,
    "=": _EQUAL,
    ">=": _GREATER | _EQUAL,
    ">": _GREATER,
    "~": _EQUAL | _FUZZY,
    "<~": _LESS | _EQUAL | _FUZZY,
    ">~": _GREATER | _EQUAL | _FUZZY,
}

# How an apk suffix reads in PEP 440. The VCS snapshot suffixes (_cvs, _svn, _git, _hg) become
# `.postN`, not `.devN`: apk sorts `1.0_git20240101` *after* `1.0`, and `.post` is the only
# PEP 440 segment that keeps that order (`.dev` would sort it before the release).
_PEP440_SUFFIX = {
    "alpha": "a", "beta": "b", "pre": "rc", "rc": "rc",
    "cvs": ".post", "svn": ".post", "git": ".post", "hg": ".post", "p": ".post",
}  # fmt: skip


def _span(text: str, start: int, chars: frozenset[str]) -> int:
    """Index of the first character at or after *start* that is not in *chars*."""
    end = start
    while end < len(text) and text[end] in chars:
        end += 1
    return end


def _tokenize(version: str) -> list[tuple[int, str]]:
    """*version* as (kind, text) tokens; the last one is always _END or _INVALID."""
    invalid = (_INVALID, "")
    end = _span(version, 0, _DIGITS)
    if end == 0:
        return [invalid]
    tokens = [(_INITIAL, version[:end])]
    kind, pos = _INITIAL, end
    while pos < len(version):
        char = version[pos]
        if char in _LOWER and kind <= _DIGIT:
            kind, start, end = _LETTER, pos, pos + 1
        elif char == "." and kind <= _DIGIT:
            kind, start = _DIGIT, pos + 1
            end = _span(version, start, _DIGITS)
        elif char in _DIGITS and kind == _SUFFIX:
            kind, start = _SUFFIX_NO, pos
            end = _span(version, start, _DIGITS)
        elif char == "_" and kind <= _SUFFIX_NO:
            kind, start = _SUFFIX, pos + 1
            end = _span(version, start, _LOWER)
            if version[start:end] not in _SUFFIX_RANK:
                return [*tokens, invalid]
        elif char == "~" and kind < _HASH:
            kind, start = _HASH, pos + 1
            end = _span(version, start, _HEX)
        elif version.startswith("-r", pos) and kind < _REVISION:
            kind, start = _REVISION, pos + 2
            end = _span(version, start, _DIGITS)
        else:
            return [*tokens, invalid]
        if end == start:  # a separator with nothing after it: "1.", "1_p1~", "1-r"
            return [*tokens, invalid]
        tokens.append((kind, version[start:end]))
        pos = end
    tokens.append((_END, ""))
    return tokens


def _token_cmp(kind: int, a: str, b: str) -> int:
    """Compare two tokens of the same *kind* as apk does."""
    x: Any  # both ints or both strs: what the branch compares
    y: Any
    if kind == _SUFFIX:
        x, y = _SUFFIX_RANK[a], _SUFFIX_RANK[b]
    elif kind in (_INITIAL, _SUFFIX_NO, _REVISION) or (
        kind == _DIGIT and a[0] != "0" and b[0] != "0"
    ):
        x, y = int(a), int(b)
    else:
        # Letters and commit hashes sort as strings, and so do later digit runs with a leading
        # zero (Gentoo's rule: 1.2.001 < 1.2.01, i.e. ".001" is a fraction, not the number 1).
        x, y = a, b
    return (x > y) - (x < y)


def _compare(a: str, b: str, fuzzy: bool) -> int:
    """apk's comparison; with *fuzzy*, *a* equals any *b* it starts with, token by token."""
    ta, tb = _tokenize(a), _tokenize(b)
    i = 0
    # Both token lists end in _END or _INVALID, so the loop stops before running off either.
    while ta[i][0] == tb[i][0] and ta[i][0] < _END:
        result = _token_cmp(ta[i][0], ta[i][1], tb[i][1])
        if result:
            return result
        i += 1
    (ka, va), (kb, vb) = ta[i], tb[i]
    if ka == kb or (fuzzy and kb == _END):  # fuzzy: *b* is a token-wise prefix of *a*
        return 0
    # One side goes on where the other differs: the one going on with a pre-release suffix is
    # the smaller; otherwise the one going on with the earlier token kind is the greater.
    if ka == _SUFFIX and _SUFFIX_RANK[va] < _RELEASE:
        return -1
    if kb == _SUFFIX and _SUFFIX_RANK[vb] < _RELEASE:
        return 1
    return -1 if ka > kb else 1


def is_valid(version: str) -> bool:
    """Whether apk accepts *version* as a package version."""
    return _tokenize(version)[-1][0] == _END


def compare(a: str, b: str) -> int:
    """-1, 0 or 1 as apk orders *a* against *b* (invalid versions are ordered as apk does)."""
    return _compare(a, b, fuzzy=False)


def satisfies(version: str, op: str, other: str) -> bool:
    """Whether `version op other` holds for an apk dependency operator.

    *op* is one of `=` `<` `<=` `>` `>=`, `~` (fuzzy: *version* starts with *other* token by
    token, as in `python3~3.12`), `<~` / `>~` (less / greater than, or fuzzy equal), and any of
    them prefixed with `!` to negate it (so `!=` is "not equal"). Raises ValueError for others.
    """
    mask = _OPERATORS.get(op.removeprefix("!"))
    if mask is None:
        raise ValueError(f"unknown apk version operator {op!r}")
    holds = bool(_RESULT_BIT[_compare(version, other, fuzzy=bool(mask & _FUZZY))] & mask)
    return holds != op.startswith("!")


def upstream_pep440(version: str) -> Version | None:
    """The upstream part of an apk *version* (no `-rN`) as a PEP 440 Version, or None.

    `_alpha`/`_beta`/`_pre`/`_rc` become `aN`/`bN`/`rcN`/`rcN`, `_p` and the VCS snapshot
    suffixes become `.postN`, and a `~hash` becomes the local label `+hash`. None when *version*
    is invalid, has an apk letter (`1.1.1w`: PEP 440 would read `1.0b` as a beta, which sorts the
    wrong way), or has suffixes PEP 440 cannot order the same way (two pre-release suffixes, two
    post-release ones, or a pre-release after a post-release).
    """
    tokens = _tokenize(version)
    if tokens[-1][0] != _END:
        return None
    text = ""
    stage = 0  # 1 once a pre-release segment is written, 2 once a post-release one is
    for kind, value in tokens:
        if kind in (_INITIAL, _DIGIT):
            text += f".{value}" if text else value
        elif kind == _LETTER:
            return None
        elif kind == _SUFFIX:
            segment = _PEP440_SUFFIX[value]
            segment_stage = 2 if segment == ".post" else 1
            if segment_stage <= stage:
                return None
            stage = segment_stage
            text += segment
        elif kind == _SUFFIX_NO:
            text += value
        elif kind == _HASH:
            text += f"+{value}"
    return Version(text)


# PEP 440 pre-release letters -> apk suffixes.
_APK_PRE_SUFFIX = {"a": "_alpha", "b": "_beta", "rc": "_rc"}


def from_pep440(version: str) -> str:
    """The apk version (without `-rN`) that apk orders as PEP 440 orders *version*.

    `1.2.3rc1` -> `1.2.3_rc1`, `1.0.post2` -> `1.0_p2`, `2.0b1.post1` -> `2.0_beta1_p1`. A dev
    release sorts just below what it leads to: `_preN` after that version's last suffix, and
    `1.0.dev3`, which comes before every pre-release of 1.0, -> `1.0_alpha0_pre3`. PEP 440
    spellings of one version (`1.0` and `1.0.0`) stay distinct in apk, as they do in file names.

    Raises ValueError for what apk cannot express or order: a local label (`+ubuntu1`, apk
    would take it for a hash), an epoch other than 0, or text that is not PEP 440.
    """
    parsed = Version(version)  # raises packaging's InvalidVersion, a ValueError
    if parsed.local is not None:
        raise ValueError(f"{version}: local versions (+{parsed.local}) have no apk equivalent")
    if parsed.epoch:
        raise ValueError(f"{version}: apk versions have no epoch ({parsed.epoch}!)")
    text = ".".join(map(str, parsed.release))
    if parsed.pre is not None:
        letter, number = parsed.pre
        text += f"{_APK_PRE_SUFFIX[letter]}{number}"
    if parsed.post is not None:
        text += f"_p{parsed.post}"
    if parsed.dev is not None:
        if parsed.pre is None and parsed.post is None:
            text += "_alpha0"  # below every pre-release, a0 included: 1.0.dev1 < 1.0a0
        text += f"_pre{parsed.dev}"
    return text
