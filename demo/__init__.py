"""Demo data for jupyterlab-apk: a real-format apk repository built from pinned PyPI wheels."""
