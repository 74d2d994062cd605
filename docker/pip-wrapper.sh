#!/bin/sh
# /opt/kernel/bin/pip and pip3: the kernel venv's pip. The venv is made --without-pip and
# --system-site-packages, so `python -m pip` runs Alpine's py3-pip from the system site-packages;
# run from the venv's interpreter it installs into the venv (user-writable), which PEP 668 allows,
# and sees apk-installed packages as already installed. /usr/bin/pip (the system's) stays
# refused by /usr/lib/python3.*/EXTERNALLY-MANAGED, on purpose.
exec /opt/kernel/bin/python -m pip "$@"
