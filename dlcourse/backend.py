"""Which Keras backend runs the course, and what to say about it.

The course's default backend is set in one place, ``DEFAULT``; ``KERAS_BACKEND`` (Keras's
own variable) overrides it, for one command or for good. :func:`install_default` writes
it into the environment's start-up (a ``.pth`` file in site-packages, which ``make
install`` runs), so that every Python process of the environment (the book's kernels,
the tests, nbgrader, the grader and its sandboxes, a student's JupyterLab) uses it
unless ``KERAS_BACKEND`` says otherwise.
"""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

DEFAULT = "jax"
BACKENDS = ("jax", "tensorflow", "torch")
PTH_NAME = "dlcourse-keras-backend.pth"


def pth_line(backend: str = DEFAULT) -> str:
    """What the ``.pth`` file holds: one line Python's ``site`` runs at start-up."""
    return f"import os; os.environ.setdefault('KERAS_BACKEND', {backend!r})\n"


def install_default(site_packages: str | Path | None = None, backend: str = DEFAULT) -> Path:
    """Write the ``.pth`` file into ``site_packages`` (default: this interpreter's)."""
    folder = Path(site_packages or sysconfig.get_paths()["purelib"])
    path = folder / PTH_NAME
    path.write_text(pth_line(backend))
    return path


def name() -> str:
    """The backend this process runs on (importing Keras, if it is not yet)."""
    import keras

    return keras.backend.backend()


def version() -> str:
    """The version of the backend's own package."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    backend = name()
    for package in {"tensorflow": ("tensorflow-cpu", "tensorflow"), "jax": ("jaxlib", "jax"),
                    "torch": ("torch",)}.get(backend, (backend,)):
        try:
            return package_version(package)
        except PackageNotFoundError:
            continue
    return "unknown"


def accelerators() -> int:
    """How many GPUs the backend sees."""
    backend = name()
    try:
        if backend == "tensorflow":
            import tensorflow as tf
            return len(tf.config.list_physical_devices("GPU"))
        if backend == "jax":
            import jax
            return sum(d.platform == "gpu" for d in jax.devices())
        if backend == "torch":
            import torch
            return torch.cuda.device_count()
    except Exception:  # noqa: BLE001 - no device query: no accelerator to report
        return 0
    return 0


def summary() -> str:
    """One line for a page or a record: "Keras 3.15.1 on JAX 0.10.2 (CPU)"."""
    import keras

    labels = {"jax": "JAX", "tensorflow": "TensorFlow", "torch": "PyTorch"}
    device = f"{accelerators()} GPU" if accelerators() else "CPU"
    return f"Keras {keras.__version__} on {labels.get(name(), name())} {version()} ({device})"


def installed() -> list[str]:
    """The backends whose package this environment has."""
    import importlib.util

    return [b for b in BACKENDS if importlib.util.find_spec(b) is not None]


def call_on(backend: str, target: str, *args, timeout: float = 900):
    """``module:function(*args)`` run on ``backend`` and its (JSON) result: Keras picks
    its backend once, at import, so another backend needs a process of its own."""
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, "-m", "dlcourse.backend", "--call", target,
                           json.dumps(list(args))], env=env, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{target} on {backend} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _call(target: str, args: str) -> None:
    module, function = target.split(":")
    print(json.dumps(getattr(importlib.import_module(module), function)(*json.loads(args))))


if __name__ == "__main__":  # python -m dlcourse.backend [--install [SITE_PACKAGES]]
    if sys.argv[1:2] == ["--install"]:
        print(install_default(sys.argv[2] if len(sys.argv) > 2 else None))
    elif sys.argv[1:2] == ["--call"]:
        _call(*sys.argv[2:4])
    else:
        print(summary())
