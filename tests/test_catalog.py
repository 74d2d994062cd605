"""Catalog rules: apk's merge order, the installed join, search, filters, sorting and paging."""

import pytest

from jupyterlab_apk.apkindex import parse_index, parse_installed
from jupyterlab_apk.catalog import Catalog, merge_repositories

from .conftest import ALPINE_DATA


def records(*specs: str):
    """Index records from "name version [description] [|depends]" specs."""
    text = []
    for spec in specs:
        head, _, depends = spec.partition("|")
        name, version, *description = head.split()
        lines = [f"C:Q1{name}=", f"P:{name}", f"V:{version}", "A:x86_64", "S:100", "I:300"]
        lines.append(f"T:{' '.join(description) or name}")
        if depends:
            lines.append(f"D:{depends.strip()}")
        text.append("\n".join(lines))
    return parse_index("\n\n".join(text) + "\n")


def installed(*specs: str):
    """An installed database with packages from "name version" specs."""
    text = "\n".join(
        f"P:{name}\nV:{version}\nA:x86_64\nS:1\nI:1\nT:x\n"
        for name, version in (spec.split() for spec in specs)
    )
    return parse_installed(text)


@pytest.mark.parametrize(
    ("first", "second", "expected_version", "expected_repo"),
    [
        ("1.0-r0", "1.1-r0", "1.1-r0", "b"),  # higher version wins wherever it is
        ("1.1-r0", "1.0-r0", "1.1-r0", "a"),
        ("1.0-r0", "1.0-r0", "1.0-r0", "a"),  # tie: the earlier repository
        ("1.0-r1", "1.0-r0", "1.0-r1", "a"),  # revisions count
        ("2.0_rc1-r0", "2.0-r0", "2.0-r0", "b"),  # a release candidate is older than the release
        ("1.10-r0", "1.9-r0", "1.10-r0", "a"),  # numeric, not string, comparison
    ],
)
def test_merge_picks_what_apk_picks(first, second, expected_version, expected_repo):
    merged = merge_repositories([("a", records(f"pkg {first}")), ("b", records(f"pkg {second}"))])
    record, repo = merged["pkg"]
    assert (record.version, repo) == (expected_version, expected_repo)


@pytest.mark.parametrize(
    ("specs", "expected_version"),
    [
        (["pkg 1.0-r0", "other 1.0-r0", "pkg 2.0-r0"], "2.0-r0"),
        (["pkg 2.0-r0", "pkg 1.0-r0"], "2.0-r0"),
        (["pkg 1.0-r0", "pkg 1.0-r0"], "1.0-r0"),
    ],
)
@pytest.mark.parametrize("position", ["first", "second"])
def test_merge_picks_the_highest_version_within_one_repository(specs, expected_version, position):
    repository = ("r", records(*specs))
    merged = merge_repositories([repository] if position == "first" else [("e", []), repository])
    record, repo = merged["pkg"]
    assert (record.version, repo) == (expected_version, "r")
    assert sorted(merged) == sorted({spec.split()[0] for spec in specs})


def test_installed_state_and_upgradable():
    available = merge_repositories(
        [("repo", records("py3-a 2.0-r0", "py3-b 1.0-r0", "py3-c 1.0-r0"))]
    )
    catalog = Catalog(available, installed("py3-a 1.0-r0", "py3-b 1.0-r0", "local-only 3.0-r0"))
    a, b, c, local = (catalog.get(n) for n in ("py3-a", "py3-b", "py3-c", "local-only"))
    assert (a.installed_version, a.upgradable) == ("1.0-r0", True)
    assert (b.installed_version, b.upgradable) == ("1.0-r0", False)
    assert (c.installed_version, c.upgradable) == (None, False)
    # Installed from nowhere we know of: still listed, with no repository and nothing to upgrade.
    assert (local.repository, local.installed_version, local.upgradable) == (None, "3.0-r0", False)
    assert len(catalog) == 4


def test_newer_installed_version_is_not_upgradable():
    catalog = Catalog(merge_repositories([("r", records("x 1.0-r0"))]), installed("x 1.1-r0"))
    assert catalog.get("x").upgradable is False


@pytest.fixture(scope="module")
def real_catalog():
    text = (ALPINE_DATA / "v3.22-community-x86_64-py3-sample.APKINDEX").read_text()
    main = (ALPINE_DATA / "v3.22-main-x86_64-head.APKINDEX").read_text()
    available = merge_repositories([("community", parse_index(text)), ("main", parse_index(main))])
    return Catalog(available, installed("py3-numpy 2.2.0-r0", "7zip 24.09-r0"))


NUMPY = ["py3-numpy", "py3-numpy-dev", "py3-numpy-f2py", "py3-numpy-pyc", "py3-numpy-tests"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "py3-numpy"}, NUMPY),  # the exact name first, then by name
        ({"q": "PY3-NumPy"}, NUMPY),
        ({"q": "bytecode numpy"}, ["py3-numpy-pyc"]),  # every word, in name or description
        ({"q": "pillow", "python": True}, None),
        ({"installed": True}, ["7zip", "py3-numpy"]),
        ({"upgradable": True}, ["py3-numpy"]),
        ({"q": "7zip", "python": True}, []),
        ({"q": "7zip", "python": False}, ["7zip", "7zip-doc"]),
        ({"q": "no-such-words-anywhere"}, []),
    ],
)
def test_query_filters(real_catalog, query, expected):
    total, page = real_catalog.query(limit=500, **query)
    names = [entry.name for entry in page]
    assert total == len(names)
    if expected is None:  # only the property is checked
        assert names and all(real_catalog.get(n).record.python == "3.12" for n in names)
    else:
        assert names == expected


def test_relevance_puts_the_named_package_first(real_catalog):
    _, page = real_catalog.query(q="pandas")
    assert page[0].name == "py3-pandas"
    _, page = real_catalog.query(q="pandas", sort="-relevance")
    assert page[-1].name == "py3-pandas"


@pytest.mark.parametrize("q", ["numpy", "scipy", "pandas", "overpy"])
def test_relevance_tiers(real_catalog, q):
    # The named package, then names holding every word, then description matches; each tier
    # in name order.
    words = q.split()
    phrase = "-".join(words)

    def tier(name: str) -> int:
        if name in (phrase, f"py3-{phrase}"):
            return 0
        return 1 if all(word in name for word in words) else 2

    total, page = real_catalog.query(q=q, limit=1000)
    ranked = [(tier(entry.name), entry.name) for entry in page]
    assert total == len(page) > 1 and ranked == sorted(ranked)
    assert {rank for rank, _ in ranked} != {ranked[0][0]}  # more than one tier: not vacuous
    _, backwards = real_catalog.query(q=q, sort="-relevance", limit=1000)
    assert [tier(entry.name) for entry in backwards] == sorted((t for t, _ in ranked), reverse=True)


@pytest.mark.parametrize("sort", ["relevance", "-relevance"])
def test_relevance_without_words_keeps_name_order(real_catalog, sort):
    _, by_name = real_catalog.query(limit=1000)
    assert real_catalog.query(sort=sort, limit=1000)[1] == by_name


def test_python_filter_marks_only_python_packages(real_catalog):
    total_all, _ = real_catalog.query(limit=1)
    total_py, page = real_catalog.query(python=True, limit=500)
    total_other, others = real_catalog.query(python=False, limit=500)
    assert total_py + total_other == total_all
    assert all(entry.record.python for entry in page)
    assert not any(entry.record.python for entry in others)
    assert "py3-numpy" in {entry.name for entry in page}


@pytest.mark.parametrize("sort", ["size", "-size", "installed_size", "-installed_size"])
def test_sorts(real_catalog, sort):
    _, page = real_catalog.query(sort=sort, limit=500)
    values = [getattr(entry.record, sort.lstrip("-")) for entry in page]
    assert values == sorted(values, reverse=sort.startswith("-"))


def test_name_sort_and_paging(real_catalog):
    total, everything = real_catalog.query(limit=1000)
    names = [entry.name for entry in everything]
    assert names == sorted(names) and total == len(real_catalog)
    pages = [real_catalog.query(offset=offset, limit=50)[1] for offset in range(0, total, 50)]
    assert [entry.name for page in pages for entry in page] == names
    assert real_catalog.query(offset=total, limit=50) == (total, [])
    _, backwards = real_catalog.query(sort="-name", limit=1000)
    assert [entry.name for entry in backwards] == names[::-1]


def test_unknown_sort_is_refused(real_catalog):
    with pytest.raises(ValueError, match="unknown sort"):
        real_catalog.query(sort="color")


def test_json_shapes(real_catalog):
    entry = real_catalog.get("py3-pillow")
    assert entry.to_json() == {
        "name": "py3-pillow",
        "version": "11.2.1-r0",
        "description": "Python Imaging Library",
        "size": 568976,
        "installed_size": 1772833,
        "installed_version": None,
        "upgradable": False,
        "broken": None,
        "python": "3.12",
        "repository": "community",
        "origin": "py3-pillow",
        "license": "custom:PIL",
        "url": "https://python-pillow.org/",
    }
    details = entry.details_json()
    assert details["modules"] == ["PIL"]
    assert "python3~3.12" in details["depends"]
    assert "py3.12:PIL=11.2.1-r0" in details["provides"]
