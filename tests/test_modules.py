"""Module -> package decisions on Alpine's real, signed v3.19 indexes (Python 3.11) and the v3.22
excerpts (Python 3.12)."""

import pytest

from jupyterlab_apk.apkindex import parse_index, parse_installed
from jupyterlab_apk.catalog import Catalog, merge_repositories
from jupyterlab_apk.modules import MODULE_PACKAGES, ModuleAnswer, locate, top_level
from jupyterlab_apk.resolver import KernelInfo
from jupyterlab_apk.signing import load_keys, open_index

from .conftest import ALPINE_DATA

V319 = ALPINE_DATA / "v3.19"
KERNEL_311 = KernelInfo(python="3.11", site_packages_visible=True)
KERNEL_312 = KernelInfo(python="3.12", site_packages_visible=True)
VENV = KernelInfo(
    python="3.11",
    site_packages_visible=False,
    reason="kernel in a venv without system site-packages",
)


def _records(name):
    data = (V319 / f"{name}-x86_64-APKINDEX.tar.gz").read_bytes()
    archive = open_index(data, load_keys(V319 / "keys"))
    assert archive.trusted, archive.problem
    return parse_index(archive.text)


@pytest.fixture(scope="module")
def v319_records():
    return [(repo, _records(repo)) for repo in ("main", "community")]


@pytest.fixture(scope="module")
def v319(v319_records):
    return Catalog(merge_repositories(v319_records))


def _installed(catalog_records, names):
    """An installed database holding the real records of *names*."""
    text = "\n\n".join(
        record.text for _, records in catalog_records for record in records if record.name in names
    )
    return parse_installed(text + "\n\n")


# (module, package); every package provides `py3.11:<module>` in v3.19, except where noted.
APK_CASES = [
    ("yaml", "py3-yaml"),
    ("PIL", "py3-pillow"),
    ("sklearn", "py3-scikit-learn"),
    ("sklearn.ensemble", "py3-scikit-learn"),
    ("bs4", "py3-beautifulsoup4"),
    ("dateutil", "py3-dateutil"),
    ("serial", "py3-pyserial"),
    ("packaging", "py3-packaging"),
    ("pyparsing", "py3-parsing"),
    ("numpy", "py3-numpy"),
    ("cv2", "py3-opencv"),
    ("attr", "py3-attrs"),
    ("jwt", "py3-jwt"),
    ("tabulate", "py3-tabulate"),
    # py3-aiohttp1 provides aiohttp too: the module's own package wins.
    ("aiohttp", "py3-aiohttp"),
    # Provided under another package name: the provides say so.
    ("Crypto", "py3-pycryptodome"),
    ("zmq", "py3-pyzmq"),
]


@pytest.mark.parametrize(("module", "package"), APK_CASES)
def test_modules_shipped_by_an_apk(v319, module, package):
    answer = locate(module, v319, KERNEL_311)
    entry = v319.get(package)
    assert answer == ModuleAnswer(
        module=module.partition(".")[0],
        route="apk",
        package=package,
        version=entry.record.version,
        size=entry.record.size,
        installed=False,
        reason=f"{module.partition('.')[0]} → {package} {entry.record.version}",
        pip=answer.pip,
        action="install",
    )


@pytest.mark.parametrize(
    ("module", "pip"),
    [("yaml", "pyyaml"), ("PIL", "pillow"), ("sklearn", "scikit-learn"),
     ("dateutil", "python-dateutil"), ("pyparsing", "pyparsing"), ("serial", "pyserial"),
     ("bs4", "beautifulsoup4")],
)  # fmt: skip
def test_the_pip_name_is_the_resolvers(v319, module, pip):
    assert locate(module, v319, KERNEL_311).pip == pip


PIP_CASES = [
    # (module, why): shipped by no apk, or not surely.
    ("torch", "no prebuilt package"),
    ("tabulate2", "no prebuilt package"),
    ("nosuchmodule_x", "no prebuilt package"),
    # py3-tz exists, but lists its module, `pytz`: a package that lists others is no name match.
    ("tz", "no prebuilt package"),
    # A namespace package many distributions share: no package provides it as its own.
    ("google", "no prebuilt package"),
]


@pytest.mark.parametrize(("module", "why"), PIP_CASES)
def test_modules_that_go_to_pip(v319, module, why):
    answer = locate(module, v319, KERNEL_311)
    assert (answer.route, answer.package, answer.action) == ("pip", None, "none")
    assert answer.reason == f"{module} → pip: {why}"
    assert answer.pip == module


def test_several_providers_and_none_of_them_its_own_go_to_pip(v319):
    # Each LLVM's test utilities ship `lit`; none is the module's own package.
    providers = [
        entry.name
        for entry in v319.query(q="test-utils", limit=50)[1]
        if "lit" in entry.record.details.modules and entry.record.python == "3.11"
    ]
    assert len(providers) > 1
    answer = locate("lit", v319, KERNEL_311)
    assert answer.route == "pip"
    assert answer.reason == f"lit → pip: several packages provide it ({', '.join(providers)})"


def test_another_python_series(v319):
    answer = locate("yaml", v319, KERNEL_312)
    assert answer.route == "pip"
    assert answer.reason == "yaml → pip: py3-yaml is built for Python 3.11, the kernel runs 3.12"


def test_installed_and_visible_offers_a_restart(v319_records):
    catalog = Catalog(merge_repositories(v319_records), _installed(v319_records, {"py3-yaml"}))
    answer = locate("yaml", catalog, KERNEL_311)
    assert (answer.route, answer.package, answer.installed, answer.action) == (
        "apk", "py3-yaml", True, "restart"
    )
    assert "restart the kernel" in answer.reason


def test_installed_but_invisible_says_why_and_how_to_fix(v319_records):
    catalog = Catalog(merge_repositories(v319_records), _installed(v319_records, {"py3-yaml"}))
    answer = locate("yaml", catalog, VENV)
    assert (answer.route, answer.package, answer.installed, answer.action) == (
        "pip", "py3-yaml", True, "none"
    )
    assert answer.reason == (
        f"yaml is in py3-yaml {answer.version}, installed, but kernel in a venv without system "
        "site-packages: use a kernel whose venv was created with --system-site-packages, "
        "or %pip install pyyaml"
    )


def test_not_installed_and_invisible(v319):
    answer = locate("sklearn", v319, VENV)
    assert (answer.route, answer.installed, answer.action) == ("pip", False, "none")
    assert "venv without system site-packages" in answer.reason


def test_an_unknown_kernel_goes_to_pip(v319):
    failed = KernelInfo(python="", site_packages_visible=False, reason="kernel is not Python")
    assert locate("yaml", v319, failed).reason == "yaml → pip: kernel is not Python"
    assert locate("yaml", v319, None).reason == "yaml → pip: nothing is known about the kernel"


def test_no_install_button_for_a_user_who_may_not_install(v319):
    answer = locate("yaml", v319, KERNEL_311, may_install=False)
    assert (answer.route, answer.package, answer.action) == ("apk", "py3-yaml", "none")
    assert answer.reason.endswith("you may not install packages here")


def test_v322_excerpts_python_312(v319):
    community = (ALPINE_DATA / "v3.22-community-x86_64-py3-sample.APKINDEX").read_text()
    catalog = Catalog(merge_repositories([("community", parse_index(community))]))
    assert locate("PIL", catalog, KERNEL_312).package == "py3-pillow"
    assert locate("numpy.linalg", catalog, KERNEL_312).package == "py3-numpy"
    assert locate("yaml", catalog, KERNEL_312).route == "pip"  # py3-yaml is in main


@pytest.mark.parametrize(("module", "packages"), sorted(MODULE_PACKAGES.items()))
def test_the_table_agrees_with_the_records(v319, module, packages):
    """Each package of the table that v3.19 has provides the module, or lists no modules."""
    present = [v319.get(p) for p in packages if v319.get(p) is not None]
    for entry in present:
        modules = entry.record.details.modules
        assert not modules or module in modules, (entry.name, modules)


@pytest.mark.parametrize("name", ["", "a-b", "1abc", "a..b", "os.path/x", "x y", "import"])
def test_bad_module_names(name):
    with pytest.raises(ValueError, match="is not a module name"):
        top_level(name)
