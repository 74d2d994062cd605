"""jupyterlab-apk: install prebuilt Alpine packages from JupyterLab."""

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - only when run from a tree never built by hatch
    import warnings

    warnings.warn("Importing 'jupyterlab_apk' outside a proper installation.", stacklevel=2)
    __version__ = "dev"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-apk"}]


def _jupyter_server_extension_points():
    return [{"module": "jupyterlab_apk"}]


def _load_jupyter_server_extension(server_app):
    """Build the package manager once and register the REST routes."""
    from .extension import load

    load(server_app)
