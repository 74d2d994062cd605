"""`pip install .` yields a wheel with the prebuilt labextension and the server extension
enabled."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parents[1]
DATA = "jupyterlab_apk-{version}.data/data/"


def test_wheel_contents(tmp_path):
    # The set-up has built the labextension already; hatch-jupyter-builder skips a rebuild
    # when it exists (skip-if-exists), so this only packages it.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path), str(ROOT_DIR)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("jupyterlab_apk-*.whl")
    version = wheel.name.split("-")[1]
    names = set(zipfile.ZipFile(wheel).namelist())
    data = DATA.format(version=version)
    labextension = f"{data}share/jupyter/labextensions/jupyterlab-apk/"
    assert f"{labextension}package.json" in names
    assert f"{labextension}static/style.js" in names
    assert f"{labextension}install.json" in names
    assert f"{labextension}schemas/jupyterlab-apk/catalog.json" in names
    assert any(n.startswith(f"{labextension}static/remoteEntry.") for n in names)
    config = f"{data}etc/jupyter/jupyter_server_config.d/jupyterlab_apk.json"
    assert config in names
    assert b'"jupyterlab_apk": true' in zipfile.ZipFile(wheel).read(config)
    assert "jupyterlab_apk/routes.py" in names
    # `jupyter apk-repo` is jupyter's name for the jupyter-apk-repo console script.
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    scripts = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "jupyter-apk-repo = jupyterlab_apk.apkrepo:main" in scripts
    # Tests, the demo and the apk test double never ship.
    assert not any(n.startswith(("tests/", "demo/", "ui-tests/")) for n in names)
