"""Offline-first loaders for MNIST, Fashion-MNIST and CIFAR-10.

Each loader returns exactly what ``keras.datasets.<name>.load_data()`` returns
(same shapes, dtypes and order), but reads the files from a local data directory
first, in their standard published layouts:

    mnist.npz                              (Keras's own layout)
    fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
    cifar-10-batches-py/{data_batch_1..5,test_batch}

Keras itself re-checks a hash of its downloads before trusting a cached copy, so a
machine without internet could not use it; reading the files here keeps the course
working offline. Only when a dataset's files are missing do we fall back to
``keras.datasets`` (which downloads). Damaged files raise :class:`DatasetError`
instead of returning a silently wrong array.
"""
from __future__ import annotations

import gzip
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np

DATA_DIR_ENV = "DLCOURSE_DATA_DIR"
OFFLINE_ENV = "DLCOURSE_OFFLINE"
PREPARE_HINT = ("fill it with `python ../shared/data/prepare.py DIR` (offline copy), "
                "copy the files there by hand, or set {env} to a directory that has them")

CLASS_NAMES = {
    "mnist": [str(i) for i in range(10)],
    "fashion_mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                      "Sneaker", "Bag", "Ankle boot"],
    "cifar10": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                "truck"],
}

_FASHION_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
                  "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")
_CIFAR_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)


class DatasetError(RuntimeError):
    """A dataset could not be loaded from disk or downloaded, or its files are damaged."""


def data_dir() -> Path:
    """The local data directory: ``$DLCOURSE_DATA_DIR``, else Keras's cache directory."""
    explicit = os.environ.get(DATA_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    keras_home = os.environ.get("KERAS_HOME", os.path.join("~", ".keras"))
    return Path(keras_home).expanduser() / "datasets"


# ---------------------------------------------------------------- file readers

def _read_mnist_npz(path: Path):
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError) as exc:
        raise DatasetError(f"mnist: {path} is damaged or not an MNIST archive ({exc})") from exc
    _expect("mnist", path, arrays["x_train"], (60000, 28, 28))
    _expect("mnist", path, arrays["y_train"], (60000,))
    _expect("mnist", path, arrays["x_test"], (10000, 28, 28))
    _expect("mnist", path, arrays["y_test"], (10000,))
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _read_idx_gz(path: Path, ndim: int) -> np.ndarray:
    """Read one gzipped IDX file (the format of the MNIST family), checking its header."""
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DatasetError(f"fashion_mnist: {path} is damaged ({exc})") from exc
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(f"fashion_mnist: {path} is too short to be an IDX file")
    magic = int.from_bytes(raw[:4], "big")
    if magic != 0x0800 + ndim:  # 0x08 = unsigned byte, then the number of dimensions
        raise DatasetError(f"fashion_mnist: {path} has IDX magic {magic:#x}, "
                           f"expected {0x0800 + ndim:#x}")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(raw, np.uint8, offset=header)
    if body.size != int(np.prod(shape)):
        raise DatasetError(f"fashion_mnist: {path} holds {body.size} bytes of data, "
                           f"its header promises {int(np.prod(shape))} (truncated?)")
    return body.reshape(shape)


def _read_fashion(folder: Path):
    y_train, x_train, y_test, x_test = (
        _read_idx_gz(folder / name, 1 if "labels" in name else 3) for name in _FASHION_FILES)
    for x, y, n in ((x_train, y_train, 60000), (x_test, y_test, 10000)):
        _expect("fashion_mnist", folder, x, (n, 28, 28))
        _expect("fashion_mnist", folder, y, (n,))
    return (x_train, y_train), (x_test, y_test)


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles the CIFAR batches but refuses any global other than NumPy's array
    builders, so a planted pickle cannot run code on the machine that loads it."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
                ("numpy._core.multiarray", "scalar"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a CIFAR batch")


def _read_cifar_batch(path: Path):
    try:
        with open(path, "rb") as f:
            batch = _ArrayUnpickler(f, encoding="bytes").load()
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        labels = np.asarray(batch[b"labels"], dtype=np.uint8)
    except (OSError, EOFError, pickle.UnpicklingError, KeyError, TypeError, ValueError,
            AttributeError, IndexError) as exc:
        raise DatasetError(f"cifar10: {path} is damaged or not a CIFAR-10 batch ({exc})") from exc
    if data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
        raise DatasetError(f"cifar10: {path} holds data of shape {data.shape} and "
                           f"{len(labels)} labels; expected (N, 3072) and N labels")
    # Rows are the red, green and blue 32x32 planes; Keras returns channels last.
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels


def _read_cifar10(folder: Path):
    parts = [_read_cifar_batch(folder / name) for name in _CIFAR_FILES]
    x_train = np.concatenate([x for x, _ in parts[:5]])
    y_train = np.concatenate([y for _, y in parts[:5]]).reshape(-1, 1)
    x_test, y_test = parts[5][0], parts[5][1].reshape(-1, 1)
    _expect("cifar10", folder, x_train, (50000, 32, 32, 3))
    _expect("cifar10", folder, x_test, (10000, 32, 32, 3))
    return (np.ascontiguousarray(x_train), y_train), (np.ascontiguousarray(x_test), y_test)


def _expect(name: str, where: Path, array: np.ndarray, shape: tuple) -> None:
    if array.shape != shape or array.dtype != np.uint8:
        raise DatasetError(f"{name}: {where} holds an array of shape {array.shape} and dtype "
                           f"{array.dtype}; expected {shape} uint8 (damaged or wrong file?)")


# ----------------------------------------------------------------- public API

_LOCAL = {
    # name: (files relative to the data directory, reader of the first path's folder/file)
    "mnist": (("mnist.npz",), lambda d: _read_mnist_npz(d / "mnist.npz")),
    "fashion_mnist": (tuple(f"fashion-mnist/{n}" for n in _FASHION_FILES),
                      lambda d: _read_fashion(d / "fashion-mnist")),
    "cifar10": (tuple(f"cifar-10-batches-py/{n}" for n in _CIFAR_FILES),
                lambda d: _read_cifar10(d / "cifar-10-batches-py")),
}
DATASETS = tuple(_LOCAL)


def load_data(name: str, *, directory: str | os.PathLike | None = None,
              allow_download: bool | None = None):
    """Return ``(x_train, y_train), (x_test, y_test)`` of dataset ``name``.

    ``directory`` overrides :func:`data_dir`. ``allow_download`` defaults to true unless
    ``$DLCOURSE_OFFLINE`` is set; when false, missing files raise at once instead of
    asking ``keras.datasets`` to download them.
    """
    if name not in _LOCAL:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    folder = Path(directory).expanduser() if directory is not None else data_dir()
    files, reader = _LOCAL[name]
    missing = [f for f in files if not (folder / f).is_file()]
    if not missing:
        return reader(folder)
    if allow_download is None:
        allow_download = not os.environ.get(OFFLINE_ENV)
    hint = PREPARE_HINT.format(env=DATA_DIR_ENV)
    if not allow_download:
        raise DatasetError(f"{name}: files missing in {folder}: {', '.join(missing)}; "
                           f"downloads are off ({OFFLINE_ENV} is set); {hint}")
    try:
        import keras
        return getattr(keras.datasets, name).load_data()
    except Exception as exc:  # any download failure: no network, HTTP error, bad archive
        raise DatasetError(
            f"{name}: files missing in {folder} ({', '.join(missing)}) and "
            f"keras.datasets.{name}.load_data() failed to download them ({exc}); {hint}"
        ) from exc
