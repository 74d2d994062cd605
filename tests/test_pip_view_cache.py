"""PipViewCache: the kernel's pip packages, asked again only after a sys.path directory changed."""

import asyncio
import os

from jupyter_client.kernelspec import KernelSpec

from jupyterlab_apk import snapshots
from jupyterlab_apk.snapshots import PipView, PipViewCache

SPEC = KernelSpec(argv=["python3"], language="python", display_name="Python 3")


def site_packages(tmp_path):
    """A sys.path directory, last changed an hour ago."""
    site = tmp_path / "site"
    site.mkdir()
    age(site)
    return site


def age(path):
    an_hour_ago = os.stat(path).st_mtime - 3600
    os.utime(path, (an_hour_ago, an_hour_ago))


def fake_kernel(monkeypatch, site, while_listing=lambda: None):
    """The kernel's answer: the `.dist-info` directories in *site*; returns the list of what
    each question saw. *while_listing* runs after the listing of the first question."""
    asked = []

    async def kernel_pip(spec, apk_root):
        listed = sorted(path.name.split("-")[0] for path in site.iterdir())
        asked.append(listed)
        if len(asked) == 1:
            while_listing()
        await asyncio.sleep(0)
        return PipView("python3", dict.fromkeys(listed, "1"), paths=(str(site),))

    monkeypatch.setattr(snapshots, "kernel_pip", kernel_pip)
    return asked


async def test_a_change_while_the_kernel_lists_its_packages_is_seen_next_time(
    tmp_path, monkeypatch
):
    site = site_packages(tmp_path)
    asked = fake_kernel(
        monkeypatch, site, lambda: (site / "termcolor-2.4.0.dist-info").mkdir()
    )  # pip, while the kernel lists
    cache = PipViewCache(str(tmp_path / "root"))
    assert (await cache.get("python3", SPEC)).packages == {}
    assert (await cache.get("python3", SPEC)).packages == {"termcolor": "1"}
    age(site)  # no change since
    assert (await cache.get("python3", SPEC)).packages == {"termcolor": "1"}
    assert (await cache.get("python3", SPEC)).packages == {"termcolor": "1"}
    assert len(asked) == 3  # once more after the change's stamp aged, then the answer holds


async def test_an_unchanged_environment_is_asked_once(tmp_path, monkeypatch):
    site = site_packages(tmp_path)
    asked = fake_kernel(monkeypatch, site)
    cache = PipViewCache(str(tmp_path / "root"))
    for _ in range(3):
        assert (await cache.get("python3", SPEC)).packages == {}
    assert len(asked) == 1


async def test_a_change_after_the_answer_is_asked_again(tmp_path, monkeypatch):
    site = site_packages(tmp_path)
    asked = fake_kernel(monkeypatch, site)
    cache = PipViewCache(str(tmp_path / "root"))
    assert (await cache.get("python3", SPEC)).packages == {}
    (site / "tabulate-0.9.0.dist-info").mkdir()
    assert (await cache.get("python3", SPEC)).packages == {"tabulate": "1"}
    assert len(asked) == 2
