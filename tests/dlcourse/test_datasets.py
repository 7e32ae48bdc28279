"""The offline-first loaders, on the real files and on damaged copies of them."""
from __future__ import annotations

import gzip
import pickle
import shutil

import numpy as np
import pytest

from dlcourse.datasets import DatasetError, data_dir, load_data

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def mnist():
    return load_data("mnist")


@pytest.fixture(scope="module")
def fashion():
    return load_data("fashion_mnist")


@pytest.fixture(scope="module")
def cifar():
    return load_data("cifar10")


def _check_layout(data, train_shape, test_shape, label_shape_tail):
    (x_train, y_train), (x_test, y_test) = data
    assert x_train.shape == train_shape and x_test.shape == test_shape
    assert y_train.shape == (train_shape[0], *label_shape_tail)
    assert y_test.shape == (test_shape[0], *label_shape_tail)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8


def test_mnist_matches_keras_layout_and_published_counts(mnist):
    _check_layout(mnist, (60000, 28, 28), (10000, 28, 28), ())
    (x_train, y_train), (_, y_test) = mnist
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == MNIST_TEST_COUNTS
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert x_train.max() == 255 and x_train.min() == 0


def test_fashion_mnist_matches_keras_layout_and_counts(fashion):
    _check_layout(fashion, (60000, 28, 28), (10000, 28, 28), ())
    (_, y_train), (_, y_test) = fashion
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]


def test_cifar10_matches_keras_layout_and_counts(cifar):
    _check_layout(cifar, (50000, 32, 32, 3), (10000, 32, 32, 3), (1,))
    (x_train, y_train), (_, y_test) = cifar
    assert np.bincount(y_train.ravel()).tolist() == [5000] * 10
    assert np.bincount(y_test.ravel()).tolist() == [1000] * 10
    # Channels last and in R, G, B order: the sky of airplanes (class 0) is bluer than red.
    planes = x_train[y_train.ravel() == 0, :4].reshape(-1, 3).mean(axis=0)
    assert planes[2] > planes[0]


def test_unknown_dataset_is_named():
    with pytest.raises(ValueError, match="unknown dataset 'svhn'"):
        load_data("svhn")


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist", "cifar10"])
def test_missing_files_raise_one_clear_error(tmp_path, name):
    with pytest.raises(DatasetError) as info:
        load_data(name, directory=tmp_path, allow_download=False)
    message = str(info.value)
    assert name in message and str(tmp_path) in message
    assert "prepare.py" in message and "DLCOURSE_DATA_DIR" in message


def test_offline_switch_turns_downloads_off(tmp_path, monkeypatch):
    monkeypatch.setenv("DLCOURSE_OFFLINE", "1")
    monkeypatch.setenv("DLCOURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(DatasetError, match="downloads are off"):
        load_data("mnist")


def test_data_dir_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DLCOURSE_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path
    monkeypatch.delenv("DLCOURSE_DATA_DIR")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert data_dir() == tmp_path / "kh" / "datasets"


def test_missing_files_fall_back_to_keras_datasets(tmp_path, run_python, fashion):
    """With our directory empty, the loader asks keras.datasets, which finds the files in
    its own cache (Fashion-MNIST is cached without a hash check) and must agree with us."""
    keras_home = tmp_path / "keras_home"
    shutil.copytree(data_dir() / "fashion-mnist", keras_home / "datasets" / "fashion-mnist")
    out = tmp_path / "via_keras.npz"
    run_python(
        "import numpy as np\n"
        "from dlcourse.datasets import load_data\n"
        "(a, b), (c, d) = load_data('fashion_mnist')\n"
        f"np.savez({str(out)!r}, a=a, b=b, c=c, d=d)\n",
        env={"DLCOURSE_DATA_DIR": str(tmp_path / "empty"), "KERAS_HOME": str(keras_home),
             "DLCOURSE_OFFLINE": ""})
    via_keras = np.load(out)
    (x_train, y_train), (x_test, y_test) = fashion
    for ours, theirs in ((x_train, "a"), (y_train, "b"), (x_test, "c"), (y_test, "d")):
        np.testing.assert_array_equal(ours, via_keras[theirs])


# ------------------------------------------------------------ damaged files

def _copy_truncated(src, dst, keep=0.5):
    dst.parent.mkdir(parents=True, exist_ok=True)
    raw = src.read_bytes()
    dst.write_bytes(raw[: int(len(raw) * keep)])


def test_truncated_mnist_archive_is_reported(tmp_path):
    _copy_truncated(data_dir() / "mnist.npz", tmp_path / "mnist.npz")
    with pytest.raises(DatasetError, match=r"mnist: .*mnist.npz is damaged"):
        load_data("mnist", directory=tmp_path, allow_download=False)


def test_mnist_archive_with_wrong_arrays_is_reported(tmp_path):
    np.savez(tmp_path / "mnist.npz", x_train=np.zeros((10, 28, 28), np.uint8),
             y_train=np.zeros(10, np.uint8), x_test=np.zeros((10, 28, 28), np.uint8),
             y_test=np.zeros(10, np.uint8))
    with pytest.raises(DatasetError, match=r"shape \(10, 28, 28\).*expected \(60000, 28, 28\)"):
        load_data("mnist", directory=tmp_path, allow_download=False)


def _fashion_copy(tmp_path):
    target = tmp_path / "fashion-mnist"
    shutil.copytree(data_dir() / "fashion-mnist", target)
    return target


def test_truncated_fashion_gzip_is_reported(tmp_path):
    target = _fashion_copy(tmp_path)
    _copy_truncated(data_dir() / "fashion-mnist" / "train-images-idx3-ubyte.gz",
                    target / "train-images-idx3-ubyte.gz")
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.gz is damaged"):
        load_data("fashion_mnist", directory=tmp_path, allow_download=False)


def test_fashion_file_shorter_than_its_header_says_is_reported(tmp_path):
    """A gzip stream that is whole but whose IDX body is cut short: no silent reshape."""
    target = _fashion_copy(tmp_path)
    name = "t10k-labels-idx1-ubyte.gz"
    raw = gzip.decompress((target / name).read_bytes())
    (target / name).write_bytes(gzip.compress(raw[:-10]))
    with pytest.raises(DatasetError, match="truncated"):
        load_data("fashion_mnist", directory=tmp_path, allow_download=False)


def test_fashion_file_with_wrong_magic_is_reported(tmp_path):
    target = _fashion_copy(tmp_path)
    # Labels where images belong: a 1-d IDX file in place of a 3-d one.
    shutil.copyfile(target / "train-labels-idx1-ubyte.gz", target / "train-images-idx3-ubyte.gz")
    with pytest.raises(DatasetError, match="IDX magic 0x801, expected 0x803"):
        load_data("fashion_mnist", directory=tmp_path, allow_download=False)


def _cifar_copy(tmp_path):
    target = tmp_path / "cifar-10-batches-py"
    shutil.copytree(data_dir() / "cifar-10-batches-py", target)
    return target


def test_truncated_cifar_batch_is_reported(tmp_path):
    target = _cifar_copy(tmp_path)
    _copy_truncated(data_dir() / "cifar-10-batches-py" / "data_batch_3", target / "data_batch_3")
    with pytest.raises(DatasetError, match="data_batch_3 is damaged"):
        load_data("cifar10", directory=tmp_path, allow_download=False)


def test_cifar_batch_that_would_run_code_is_refused(tmp_path):
    target = _cifar_copy(tmp_path)

    class Exploit:
        def __reduce__(self):
            return (print, ("pwned",))

    (target / "test_batch").write_bytes(pickle.dumps({b"data": Exploit(), b"labels": [0]}))
    with pytest.raises(DatasetError, match="builtins.print is not allowed"):
        load_data("cifar10", directory=tmp_path, allow_download=False)
