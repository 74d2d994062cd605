"""Reading repositories over real HTTP on 127.0.0.1 and from files: trust, caching, failures."""

import gzip
import os
import socket
import tracemalloc

import pytest

from jupyterlab_apk import repositories
from jupyterlab_apk.apkwriter import build_index
from jupyterlab_apk.repositories import RepositoryReader, index_url

from .conftest import ALPINE_DATA
from .http_repo import RepoServer

ARCH = "x86_64"
INDEX_PATH = f"/alpine/{ARCH}/APKINDEX.tar.gz"


@pytest.fixture
def server():
    with RepoServer() as server:
        yield server


@pytest.fixture
def reader_factory(tmp_path, keys):
    def make(**overrides):
        options = {
            "arch": ARCH,
            "keys_dir": str(keys.dir),
            "cache_dir": str(tmp_path / "cache"),
            "allow_untrusted": False,
            "fetch_timeout": 5,
        }
        options.update(overrides)
        return RepositoryReader(**options)

    return make


@pytest.fixture
def community_index(signed_index):
    return signed_index(ALPINE_DATA / "v3.22-community-x86_64-py3-sample.APKINDEX")


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/alpine"


async def test_http_repository_is_read_and_revalidated_with_etag(
    server, reader_factory, community_index
):
    server.files[INDEX_PATH] = community_index
    reader = reader_factory()
    url = f"{server.url}/alpine"

    first = await reader.read(url)
    assert (first.status, first.message, len(first.packages)) == ("ok", None, 210)
    assert first.refreshed is not None

    second = await reader.read(url, first)
    assert server.statuses() == [200, 304]
    assert second.status == "ok"
    assert second.packages is first.packages  # not parsed again

    # A new server process (empty memory) revalidates its disk copy instead of downloading.
    cold = await reader_factory().read(url)
    assert server.statuses() == [200, 304, 304]
    assert len(cold.packages) == 210


async def test_last_modified_is_used_without_etag(server, reader_factory, community_index):
    server.files[INDEX_PATH] = community_index
    server.etags = False
    reader = reader_factory()
    first = await reader.read(f"{server.url}/alpine")
    await reader.read(f"{server.url}/alpine", first)
    assert server.statuses() == [200, 304]


async def test_changed_index_is_downloaded_again(
    server, reader_factory, community_index, signed_index
):
    server.files[INDEX_PATH] = community_index
    reader = reader_factory()
    first = await reader.read(f"{server.url}/alpine")
    server.files[INDEX_PATH] = signed_index(ALPINE_DATA / "v3.22-main-x86_64-head.APKINDEX")
    second = await reader.read(f"{server.url}/alpine", first)
    assert server.statuses() == [200, 200]
    assert len(second.packages) == 42


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "HTTP 404"),
        (b"garbage bytes, not gzip at all", "broken index"),
        ("truncated", "broken index"),
    ],
)
async def test_broken_repository_is_an_error_with_a_message(
    server, reader_factory, community_index, body, message
):
    if body == "truncated":
        body = community_index[: len(community_index) // 2]
    if body is not None:
        server.files[INDEX_PATH] = body
    state = await reader_factory().read(f"{server.url}/alpine")
    assert state.status == "error"
    assert message in state.message
    assert state.packages == ()


async def test_refused_connection_is_an_error(reader_factory):
    state = await reader_factory().read(closed_port_url())
    assert state.status == "error"
    assert "could not connect" in state.message


@pytest.mark.parametrize("failure", ["server error", "garbage", "server gone"])
async def test_unreachable_or_broken_repository_serves_last_good_copy(
    server, reader_factory, community_index, failure
):
    server.files[INDEX_PATH] = community_index
    reader = reader_factory()
    url = f"{server.url}/alpine"
    good = await reader.read(url)
    if failure == "server error":
        server.fail_with = 500
    elif failure == "garbage":
        server.files[INDEX_PATH] = gzip.compress(b"P:broken")
    else:
        server.close()

    stale = await reader.read(url, good)
    assert stale.status == "stale"
    assert "serving the last good copy" in stale.message
    assert len(stale.packages) == 210

    # After a restart, the copy on disk still serves.
    restarted = await reader_factory().read(url)
    assert restarted.status == "stale"
    assert len(restarted.packages) == 210


async def test_broken_index_never_replaces_the_cached_good_copy(
    server, reader_factory, community_index
):
    server.files[INDEX_PATH] = community_index
    await reader_factory().read(f"{server.url}/alpine")
    server.files[INDEX_PATH] = b"not an index"
    await reader_factory().read(f"{server.url}/alpine")
    server.files.clear()
    state = await reader_factory().read(f"{server.url}/alpine")
    assert (state.status, len(state.packages)) == ("stale", 210)


@pytest.mark.parametrize("allow_untrusted", [False, True])
@pytest.mark.parametrize(
    ("signing", "problem"),
    [("unsigned", "unsigned"), ("other key", "BAD signature"), ("unknown key", "unknown key")],
)
async def test_untrusted_index(
    tmp_path, reader_factory, signed_index, other_key, allow_untrusted, signing, problem
):
    source = ALPINE_DATA / "v3.22-main-x86_64-head.APKINDEX"
    if signing == "unsigned":
        data = signed_index(source, key=None)
    elif signing == "other key":  # same key file name, different key: a forged signature
        data = signed_index(source, key=other_key)
    else:
        data = signed_index(source, key=other_key, key_name="someone-else.rsa.pub")
    repo = tmp_path / "repo"
    (repo / ARCH).mkdir(parents=True)
    (repo / ARCH / "APKINDEX.tar.gz").write_bytes(data)

    state = await reader_factory(allow_untrusted=allow_untrusted).read(str(repo))
    assert state.status == "untrusted"
    assert problem in state.message
    assert len(state.packages) == (42 if allow_untrusted else 0)


@pytest.mark.parametrize("form", ["path", "file-url"])
async def test_local_repository_and_unchanged_file_is_not_parsed_again(
    tmp_path, reader_factory, community_index, form
):
    repo = tmp_path / "local repo"
    (repo / ARCH).mkdir(parents=True)
    index = repo / ARCH / "APKINDEX.tar.gz"
    index.write_bytes(community_index)
    url = str(repo) if form == "path" else f"file://{str(repo).replace(' ', '%20')}"
    reader = reader_factory()
    first = await reader.read(url)
    assert (first.status, len(first.packages)) == ("ok", 210)
    assert (await reader.read(url, first)).packages is first.packages
    os.utime(index, ns=(1, 1))
    assert (await reader.read(url, first)).packages is not first.packages


async def test_missing_local_repository(tmp_path, reader_factory):
    state = await reader_factory().read(str(tmp_path / "nowhere"))
    assert state.status == "error"
    assert "no index at" in state.message


async def test_one_broken_repository_never_breaks_the_others(
    server, tmp_path, reader_factory, community_index
):
    server.files[INDEX_PATH] = community_index
    urls = [closed_port_url(), f"{server.url}/alpine", str(tmp_path / "missing")]
    states = await reader_factory().read_all(urls, {})
    assert [s.url for s in states] == urls
    assert [s.status for s in states] == ["error", "ok", "error"]


def test_index_url_follows_apk_layout():
    assert index_url("http://mirror/alpine/v3.22/main/", "aarch64") == (
        "http://mirror/alpine/v3.22/main/aarch64/APKINDEX.tar.gz"
    )


# -- hostile indexes: what a repository (or the network path to an http one) can serve --------

TINY = "P:a\nV:1\n"  # the smallest record: 9 bytes with its blank line
BOMB_RECORDS = 64 * 1024 * 1024 // 9 - 1000  # just under 64 MiB of records


def hostile_index(records: int, key=None) -> bytes:
    """An index of *records* tiny records: 64 MiB of them compress to about 130 KB."""
    return build_index([TINY] * records, key)


def local_repository(tmp_path, data: bytes) -> str:
    repo = tmp_path / "hostile"
    (repo / ARCH).mkdir(parents=True, exist_ok=True)
    (repo / ARCH / "APKINDEX.tar.gz").write_bytes(data)
    return str(repo)


async def read_measured(reader, url):
    """(state, peak bytes allocated meanwhile) of reading *url*."""
    tracemalloc.start()
    try:
        state = await reader.read(url)
        return state, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture
def no_parsing(monkeypatch):
    def parse_index(text):
        raise AssertionError("an untrusted index was parsed")

    monkeypatch.setattr(repositories, "parse_index", parse_index)


@pytest.mark.usefixtures("no_parsing")
async def test_an_untrusted_index_is_not_parsed_unless_allowed(
    tmp_path, reader_factory, other_key
):
    for key, problem in ((None, "unsigned index"), (other_key, "signed by unknown key")):
        bomb = hostile_index(BOMB_RECORDS, key)
        assert len(bomb) < 200_000
        url = local_repository(tmp_path, bomb)
        state, peak = await read_measured(reader_factory(), url)
        assert (state.status, state.packages) == ("untrusted", ())
        assert problem in state.message and "not allowed" in state.message
        assert peak < 2 * 1024 * 1024  # inflated piece by piece to check its form, not kept


@pytest.mark.parametrize("trust", ["allowed-untrusted", "signed"])
async def test_a_record_bomb_is_an_error_stopped_early(tmp_path, reader_factory, keys, trust):
    bomb = hostile_index(BOMB_RECORDS, keys.key if trust == "signed" else None)
    reader = reader_factory(allow_untrusted=trust == "allowed-untrusted")
    state, peak = await read_measured(reader, local_repository(tmp_path, bomb))
    assert (state.status, state.packages) == ("error", ())
    assert "more than 250000 records" in state.message
    assert "max_index_records" in state.message
    assert peak < 64 * 1024 * 1024  # stopped long before the 64 MiB it inflates to


@pytest.mark.parametrize(("records", "status"), [(100, "ok"), (101, "error")])
async def test_the_record_cap_is_exact_for_indexes_as_apk_writes_them(
    tmp_path, reader_factory, keys, records, status
):
    reader = reader_factory(max_index_records=100)
    state = await reader.read(local_repository(tmp_path, hostile_index(records, keys.key)))
    assert state.status == status
    assert len(state.packages) == (records if status == "ok" else 0)


async def test_the_decompressed_size_is_capped(tmp_path, reader_factory, keys):
    """One huge record passes a record cap; the size cap stops it."""
    huge = build_index([f"P:a\nV:1\nT:{'x' * 2 * 1024 * 1024}\n"], keys.key)
    reader = reader_factory(max_index_bytes=1024 * 1024)
    state = await reader.read(local_repository(tmp_path, huge))
    assert (state.status, state.packages) == ("error", ())
    assert "inflates to more than 1 MiB" in state.message and "max_index_bytes" in state.message


async def test_a_download_larger_than_the_cap_is_an_error(server, reader_factory, keys):
    server.files[INDEX_PATH] = os.urandom(2 * 1024 * 1024)
    state = await reader_factory(max_index_bytes=1024 * 1024).read(f"{server.url}/alpine")
    assert state.status == "error"
