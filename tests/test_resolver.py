"""Resolution rules: which requirement an apk serves, which goes to pip, and the reason given."""

import pytest
from packaging.utils import canonicalize_name

from jupyterlab_apk.apkindex import parse_index, parse_installed
from jupyterlab_apk.catalog import Catalog, merge_repositories
from jupyterlab_apk.resolver import KNOWN_RENAMES, MAX_LENGTH, Decision, KernelInfo, resolve

from .conftest import ALPINE_DATA

# Packages of Alpine main (and py3-opencv, py3-docker-py of community) that the excerpts lack,
# written as v3.22 x86_64 records: the fields, dependencies and provides follow the real ones;
# sizes, checksums and commits are made up.
MAIN = """\
C:Q1yamlyamlyamlyamlyamlyamlyamlya=
P:py3-yaml
V:6.0.2-r1
A:x86_64
S:189044
I:790132
T:Python3 bindings for YAML
U:https://pyyaml.org/
L:MIT
o:py3-yaml
m:Celeste <cielesti@protonmail.com>
t:1747051462
c:1111111111111111111111111111111111111111
D:python3~3.12 so:libc.musl-x86_64.so.1 so:libyaml-0.so.2
p:py-yaml=6.0.2-r1 py3.12:_yaml=6.0.2-r1 py3.12:yaml=6.0.2-r1

C:Q1requestsrequestsrequestsreque=
P:py3-requests
V:2.32.4-r0
A:x86_64
S:55021
I:256213
T:HTTP request library for Python3
U:https://requests.readthedocs.io/
L:Apache-2.0
o:py3-requests
m:Natanael Copa <ncopa@alpinelinux.org>
t:1749541020
c:2222222222222222222222222222222222222222
D:py3-certifi py3-charset-normalizer py3-idna py3-urllib3 python3~3.12
p:py-requests=2.32.4-r0 py3.12:requests=2.32.4-r0

C:Q1lxmllxmllxmllxmllxmllxmllxmll=
P:py3-lxml
V:5.4.0-r0
A:x86_64
S:1421342
I:4870314
T:Python3 LXML Library
U:https://lxml.de/
L:BSD-3-Clause
o:py3-lxml
m:Natanael Copa <ncopa@alpinelinux.org>
t:1745311872
c:3333333333333333333333333333333333333333
D:python3~3.12 so:libc.musl-x86_64.so.1 so:libexslt.so.0 so:libxml2.so.2 so:libxslt.so.1
p:py3.12:lxml=5.4.0-r0

C:Q1dateutildateutildateutildate=
P:py3-dateutil
V:2.9.0-r1
A:x86_64
S:200171
I:774405
T:Python3 extensions for datetime module
U:https://dateutil.readthedocs.io
L:Apache-2.0 AND BSD-3-Clause
o:py3-dateutil
m:Will Sinatra <wpsinatra@gmail.com>
t:1747051462
c:4444444444444444444444444444444444444444
D:py3-six python3~3.12
p:py-dateutil=2.9.0-r1 py3.12:dateutil=2.9.0-r1

C:Q1tztztztztztztztztztztztztztzt=
P:py3-tz
V:2025.2-r0
A:x86_64
S:32512
I:181722
T:Python3 definitions of world timezone
U:https://pythonhosted.org/pytz/
L:MIT
o:py3-tz
m:Fabian Affolter <fabian@affolter-engineering.ch>
t:1744033431
c:5555555555555555555555555555555555555555
D:python3~3.12
p:py-tz=2025.2-r0 py3.12:pytz=2025.2-r0

C:Q1jwtjwtjwtjwtjwtjwtjwtjwtjwtjw=
P:py3-jwt
V:2.10.1-r0
A:x86_64
S:42011
I:180226
T:Python3 JSON Web Token implementation
U:https://github.com/jpadilla/pyjwt
L:MIT
o:py3-jwt
m:Michał Polański <michal@polanski.me>
t:1743412211
c:6666666666666666666666666666666666666666
D:python3~3.12
p:py-jwt=2.10.1-r0 py3.12:jwt=2.10.1-r0

C:Q1opencvopencvopencvopencvopen=
P:py3-opencv
V:4.11.0-r3
A:x86_64
S:1200345
I:3912832
T:Open source computer vision and machine learning library (python modules)
U:https://opencv.org/
L:BSD-3-Clause
o:opencv
m:Bart Ribbers <bribbers@disroot.org>
t:1747829014
c:7777777777777777777777777777777777777777
D:py3-numpy python3~3.12 so:libc.musl-x86_64.so.1 so:libopencv_core.so.411
p:py3.12:cv2=4.11.0-r3

C:Q1dockerpydockerpydockerpydock=
P:py3-docker-py
V:7.1.0-r1
A:x86_64
S:96702
I:505716
T:Python library for the Docker Engine API
U:https://github.com/docker/docker-py
L:Apache-2.0
o:py3-docker-py
m:Francesco Colista <fcolista@alpinelinux.org>
t:1747051462
c:8888888888888888888888888888888888888888
D:py3-packaging py3-requests py3-urllib3 python3~3.12
p:docker-py=7.1.0-r1 py3.12:docker=7.1.0-r1
"""

# Made-up packages for the cases no real one shows: built for another Python, a version with
# no PEP 440 equivalent (an apk letter), and a pre-release.
SYNTHETIC = """\
P:py3-legacy
V:1.0-r0
A:x86_64
T:Built for an older Python
D:python3~3.11
p:py3.11:legacy=1.0-r0

P:py3-oldcalc
V:1.1.1w-r0
A:x86_64
T:A version with an apk letter
D:python3~3.12
p:py3.12:oldcalc=1.1.1w-r0

P:py3-nightly
V:2.0_rc1-r0
A:x86_64
T:Only a release candidate
D:python3~3.12
p:py3.12:nightly=2.0_rc1-r0
"""

# py3-scipy is installed at the repository's version; py3-seaborn at an older one.
INSTALLED = """\
P:py3-scipy
V:1.13.1-r1
A:x86_64
S:1
I:1
T:Scientific tools for Python
D:python3~3.12
p:py-scipy=1.13.1-r1 py3.12:scipy=1.13.1-r1

P:py3-seaborn
V:0.12.2-r0
A:x86_64
S:1
I:1
T:statistical data visualization
D:python3~3.12
p:py3.12:seaborn=0.12.2-r0
"""

ENVIRONMENT = {
    "implementation_name": "cpython",
    "implementation_version": "3.12.11",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_release": "6.12.33-0-lts",
    "platform_system": "Linux",
    "platform_version": "#1-Alpine SMP PREEMPT_DYNAMIC",
    "python_full_version": "3.12.11",
    "platform_python_implementation": "CPython",
    "python_version": "3.12",
    "sys_platform": "linux",
}
KERNEL = KernelInfo(python="3.12", site_packages_visible=True, environment=ENVIRONMENT)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    community = (ALPINE_DATA / "v3.22-community-x86_64-py3-sample.APKINDEX").read_text()
    main = (ALPINE_DATA / "v3.22-main-x86_64-head.APKINDEX").read_text()
    available = merge_repositories(
        [
            ("community", parse_index(community)),
            ("main", parse_index(main.rstrip("\n") + "\n\n" + MAIN)),
            ("synthetic", parse_index(SYNTHETIC)),
        ]
    )
    return Catalog(available, parse_installed(INSTALLED))


def decide(catalog, requirement, kernel=KERNEL, overrides=None) -> Decision:
    (decision,) = resolve([requirement], catalog, kernel, overrides or {})
    return decision


APK_CASES = [
    # (requirement, package, version, reason)
    ("numpy", "py3-numpy", "2.2.4-r1", "numpy → py3-numpy 2.2.4-r1"),
    ("numpy>=2", "py3-numpy", "2.2.4-r1", "numpy>=2 → py3-numpy 2.2.4-r1"),
    ("numpy==2.2.4", "py3-numpy", "2.2.4-r1", "numpy==2.2.4 → py3-numpy 2.2.4-r1"),
    ("numpy~=2.2", "py3-numpy", "2.2.4-r1", "numpy~=2.2 → py3-numpy 2.2.4-r1"),
    # PEP 503: case, `_` and `.` are all the same name.
    ("NumPy", "py3-numpy", "2.2.4-r1", "NumPy → py3-numpy 2.2.4-r1"),
    ("  numpy >= 2.0 , < 3 ", "py3-numpy", "2.2.4-r1", "numpy >= 2.0 , < 3 → py3-numpy 2.2.4-r1"),
    ("pandas<3", "py3-pandas", "2.2.3-r0", "pandas<3 → py3-pandas 2.2.3-r0"),
    ("Pillow", "py3-pillow", "11.2.1-r0", "Pillow → py3-pillow 11.2.1-r0"),
    ("scikit-learn>=1.5", "py3-scikit-learn", "1.5.2-r0",
     "scikit-learn>=1.5 → py3-scikit-learn 1.5.2-r0"),
    ("scikit_learn", "py3-scikit-learn", "1.5.2-r0", "scikit_learn → py3-scikit-learn 1.5.2-r0"),
    ("requests", "py3-requests", "2.32.4-r0", "requests → py3-requests 2.32.4-r0"),
    ("lxml>=5", "py3-lxml", "5.4.0-r0", "lxml>=5 → py3-lxml 5.4.0-r0"),
    ("markdown-it-py", "py3-markdown-it-py", "3.0.0-r1",
     "markdown-it-py → py3-markdown-it-py 3.0.0-r1"),
    # `.` spelling of the apk name.
    ("Mastodon.py", "py3-mastodon.py", "2.0.1-r0", "Mastodon.py → py3-mastodon.py 2.0.1-r0"),
    # The rename table.
    ("PyYAML", "py3-yaml", "6.0.2-r1", "PyYAML → py3-yaml 6.0.2-r1"),
    ("pyyaml>=6", "py3-yaml", "6.0.2-r1", "pyyaml>=6 → py3-yaml 6.0.2-r1"),
    ("pytz", "py3-tz", "2025.2-r0", "pytz → py3-tz 2025.2-r0"),
    ("python-dateutil", "py3-dateutil", "2.9.0-r1", "python-dateutil → py3-dateutil 2.9.0-r1"),
    ("python_dateutil>=2.8", "py3-dateutil", "2.9.0-r1",
     "python_dateutil>=2.8 → py3-dateutil 2.9.0-r1"),
    ("PyJWT", "py3-jwt", "2.10.1-r0", "PyJWT → py3-jwt 2.10.1-r0"),
    ("docker", "py3-docker-py", "7.1.0-r1", "docker → py3-docker-py 7.1.0-r1"),
    ("opencv-python>=4.8", "py3-opencv", "4.11.0-r3", "opencv-python>=4.8 → py3-opencv 4.11.0-r3"),
    # py3-<name without its py prefix> that provides the module <name>.
    ("pyotp", "py3-otp", "2.9.0-r2", "pyotp → py3-otp 2.9.0-r2"),
    # A _git snapshot is a post-release: 1.19.0.post20240211.
    ("pynmea2>=1.19", "py3-nmea2", "1.19.0_git20240211-r1",
     "pynmea2>=1.19 → py3-nmea2 1.19.0_git20240211-r1"),
    # Markers are evaluated for the kernel's Python (3.12), not the server's.
    ('numpy; python_version >= "3.12"', "py3-numpy", "2.2.4-r1",
     'numpy; python_version >= "3.12" → py3-numpy 2.2.4-r1'),
    # Installed at a satisfying version: apk add is a no-op.
    ("scipy", "py3-scipy", "1.13.1-r1", "scipy → py3-scipy 1.13.1-r1 (already installed)"),
    ("seaborn<0.13", "py3-seaborn", "0.12.2-r0",
     "seaborn<0.13 → py3-seaborn 0.12.2-r0 (already installed)"),
    # No specifier, so a version PEP 440 cannot read is fine; a pre-release is fine if asked for.
    ("oldcalc", "py3-oldcalc", "1.1.1w-r0", "oldcalc → py3-oldcalc 1.1.1w-r0"),
    ("nightly>=2.0rc1", "py3-nightly", "2.0_rc1-r0", "nightly>=2.0rc1 → py3-nightly 2.0_rc1-r0"),
]  # fmt: skip


@pytest.mark.parametrize(("requirement", "package", "version", "reason"), APK_CASES)
def test_routed_to_apk(catalog, requirement, package, version, reason):
    assert decide(catalog, requirement) == Decision(requirement, "apk", package, version, reason)


PIP_CASES = [
    # (requirement, reason)
    ("numpy<2", "numpy<2 → pip: apk has py3-numpy 2.2.4-r1"),
    # PEP 440 reads -r1 as .post1, which the apk's upstream 2.2.4 is not.
    ("numpy==2.2.4-r1", "numpy==2.2.4-r1 → pip: apk has py3-numpy 2.2.4-r1"),
    ("pandas>=3", "pandas>=3 → pip: apk has py3-pandas 2.2.3-r0"),
    ("pynmea2==1.19.0", "pynmea2==1.19.0 → pip: apk has py3-nmea2 1.19.0_git20240211-r1"),
    # opencv-python numbers its wheels 4.11.0.86; the apk is 4.11.0.
    ("opencv-python==4.11.0.86", "opencv-python==4.11.0.86 → pip: apk has py3-opencv 4.11.0-r3"),
    ("torch", "torch → pip: no prebuilt package"),
    # Module names are not pip names: PIL (a dead project) is not Pillow, sklearn not
    # scikit-learn, nio not matrix-nio, paho not paho-mqtt.
    ("PIL", "PIL → pip: no prebuilt package"),
    ("sklearn", "sklearn → pip: no prebuilt package"),
    ("nio", "nio → pip: no prebuilt package"),
    ("paho", "paho → pip: no prebuilt package"),
    # py3-nose and py3-schedule provide `nose` and `schedule`, so they are not PyPI's pynose
    # (a fork) or pyschedule (another project).
    ("pynose", "pynose → pip: no prebuilt package"),
    ("pyschedule", "pyschedule → pip: no prebuilt package"),
    # py3-jwt is PyJWT; pip's `jwt` is another project.
    ("jwt", "jwt → pip: no prebuilt package"),
    # Subpackages and packages built for no Python are never guessed.
    ("numpy-dev", "numpy-dev → pip: no prebuilt package"),
    ("numpy-tests", "numpy-tests → pip: no prebuilt package"),
    ("pip-doc", "pip-doc → pip: no prebuilt package"),
    ("numpy-f2py", "numpy-f2py → pip: no prebuilt package"),
    ("abseil-cpp", "abseil-cpp → pip: no prebuilt package"),
    ("py3-numpy", "py3-numpy → pip: no prebuilt package"),
    ("requests[socks]",
     "requests[socks] → pip: extras [socks] need pip: apk packages carry no extras metadata"),
    ("numpy[dev,test]>=2",
     "numpy[dev,test]>=2 → pip: extras [dev,test] need pip: apk packages carry no extras metadata"),
    ('numpy; python_version < "3"',
     'numpy; python_version < "3" → pip: '
     "its marker does not apply to this kernel (pip skips it too)"),
    ('numpy; sys_platform == "win32"',
     'numpy; sys_platform == "win32" → pip: '
     "its marker does not apply to this kernel (pip skips it too)"),
    ('numpy; platform_release ~= "6"',
     'numpy; platform_release ~= "6" → pip: its marker cannot be evaluated for this kernel'),
    ("numpy @ https://example.org/numpy-2.2.4.whl",
     "numpy @ https://example.org/numpy-2.2.4.whl → pip: a direct URL reference"),
    ("legacy", "legacy → pip: py3-legacy is built for Python 3.11, the kernel runs 3.12"),
    ("oldcalc>=1",
     "oldcalc>=1 → pip: py3-oldcalc 1.1.1w-r0 has no PEP 440 equivalent to check >=1"),
    ("nightly", "nightly → pip: apk has py3-nightly 2.0_rc1-r0, a pre-release"),
    ("nightly>=1", "nightly>=1 → pip: apk has py3-nightly 2.0_rc1-r0, a pre-release"),
    # Installed below the specifier: apk add would keep it, so pip it is.
    ("seaborn>=0.13",
     "seaborn>=0.13 → pip: py3-seaborn 0.12.2-r0 is installed, and apk add keeps it"),
]  # fmt: skip


@pytest.mark.parametrize(("requirement", "reason"), PIP_CASES)
def test_routed_to_pip(catalog, requirement, reason):
    assert decide(catalog, requirement) == Decision(requirement, "pip", None, None, reason)


@pytest.mark.parametrize(
    "requirement",
    [
        "",
        "   ",
        "git+https://github.com/numpy/numpy",
        "-e .",
        "-r requirements.txt",
        "--index-url https://example.org/simple numpy",
        "./dist/numpy-2.2.4-py3-none-any.whl",
        "numpy; rm -rf /",
        "$(reboot)",
        "`reboot`",
        "numpy && reboot",
        "numpy\nscipy",
        "numpy==",
        "numpy>=>2",
        "\x00numpy",
        "nümpy",
        "[socks]",
    ],
)
def test_not_plain_requirements_go_to_pip_as_written(catalog, requirement):
    decision = decide(catalog, requirement)
    assert (decision.requirement, decision.route, decision.package) == (requirement, "pip", None)
    assert decision.reason.endswith("→ pip: not a plain requirement")


def test_a_very_long_requirement_is_refused_and_its_echo_shortened(catalog):
    requirement = "a" * (MAX_LENGTH + 1)
    decision = decide(catalog, requirement)
    assert decision.route == "pip"
    assert decision.reason == (
        f"{'a' * 79}… → pip: not a plain requirement (longer than {MAX_LENGTH} characters)"
    )
    # At the limit it is an ordinary (unknown) name.
    assert decide(catalog, "a" * MAX_LENGTH).reason.endswith("→ pip: no prebuilt package")


@pytest.mark.parametrize(
    ("overrides", "requirement", "route", "package", "reason"),
    [
        # Keys are pip names in any spelling; the override is used as is.
        ({"Torch_Vision": "py3-numpy"}, "torch.vision>=2", "apk", "py3-numpy",
         "torch.vision>=2 → py3-numpy 2.2.4-r1"),
        # An override comes before the rename table...
        ({"PyYAML": "py3-lxml"}, "pyyaml", "apk", "py3-lxml", "pyyaml → py3-lxml 5.4.0-r0"),
        # ...and before the guesses, even when that turns a match into none.
        ({"numpy": "py3-torch"}, "numpy", "pip", None,
         "numpy → pip: the override names py3-torch, which no repository has"),
        # An override still has to suit the kernel and the specifier.
        ({"legacy-tool": "py3-legacy"}, "legacy-tool", "pip", None,
         "legacy-tool → pip: py3-legacy is built for Python 3.11, the kernel runs 3.12"),
        ({"matplotlib-fonts": "py3-matplotlib-fonts"}, "matplotlib-fonts", "pip", None,
         "matplotlib-fonts → pip: py3-matplotlib-fonts is not built for a Python version"),
        ({"cv": "py3-opencv"}, "cv<4", "pip", None, "cv<4 → pip: apk has py3-opencv 4.11.0-r3"),
        # Other names are unaffected.
        ({"torch": "py3-numpy"}, "scipy", "apk", "py3-scipy",
         "scipy → py3-scipy 1.13.1-r1 (already installed)"),
    ],
)  # fmt: skip
def test_overrides(catalog, overrides, requirement, route, package, reason):
    decision = decide(catalog, requirement, overrides=overrides)
    assert (decision.route, decision.package, decision.reason) == (route, package, reason)


def test_kernel_on_another_python(catalog):
    kernel = KernelInfo("3.11", True, {**ENVIRONMENT, "python_version": "3.11"})
    assert decide(catalog, "numpy", kernel).reason == (
        "numpy → pip: py3-numpy is built for Python 3.12, the kernel runs 3.11"
    )
    assert decide(catalog, "legacy", kernel).route == "apk"
    # Its markers are the ones evaluated.
    assert decide(catalog, 'legacy; python_version >= "3.12"', kernel).reason.endswith(
        "its marker does not apply to this kernel (pip skips it too)"
    )


@pytest.mark.parametrize(
    ("kernel", "why"),
    [
        (None, "nothing is known about the kernel"),
        (KernelInfo("", False, {}, "kernel is not Python"), "kernel is not Python"),
        (
            KernelInfo("3.12", False, ENVIRONMENT, "kernel in a venv without system site-packages"),
            "kernel in a venv without system site-packages",
        ),
        # A reason is what the probe gives; without one, invisibility alone is enough.
        (
            KernelInfo("3.12", False, ENVIRONMENT),
            "the kernel does not see the apk site-packages of Python 3.12",
        ),
    ],
)
def test_an_unusable_kernel_sends_everything_to_pip(catalog, kernel, why):
    requirements = ["numpy", "PyYAML>=6", "torch", "numpy; rm -rf /", "pkg @ https://x.org/p.whl"]
    decisions = resolve(requirements, catalog, kernel)
    assert decisions == [
        Decision(text, "pip", None, None, f"{text} → pip: {why}") for text in requirements
    ]


def test_decisions_keep_order_and_duplicates(catalog):
    decisions = resolve(["torch", "numpy", "numpy<2", "numpy"], catalog, KERNEL)
    assert [(d.requirement, d.route) for d in decisions] == [
        ("torch", "pip"),
        ("numpy", "apk"),
        ("numpy<2", "pip"),
        ("numpy", "apk"),
    ]
    assert resolve([], catalog, KERNEL) == []


def test_to_json_is_the_resolve_contract(catalog):
    assert decide(catalog, "numpy>=2").to_json() == {
        "requirement": "numpy>=2",
        "route": "apk",
        "package": "py3-numpy",
        "version": "2.2.4-r1",
        "reason": "numpy>=2 → py3-numpy 2.2.4-r1",
    }
    assert decide(catalog, "torch").to_json() == {
        "requirement": "torch",
        "route": "pip",
        "package": None,
        "version": None,
        "reason": "torch → pip: no prebuilt package",
    }


@pytest.mark.parametrize(("name", "package"), sorted(KNOWN_RENAMES.items()))
def test_rename_table_is_keyed_by_normalised_names(name, package):
    assert canonicalize_name(name) == name
    assert package.startswith("py3-") and package != f"py3-{name}"
