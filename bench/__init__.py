"""Benchmarks of jupyterlab-apk; numbers go to the README (see bench/README.md)."""
