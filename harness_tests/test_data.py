"""The provided data module (`student_template/data.py`): shipped digits, folders an instructor
configures (IDX and CIFAR-10 files these tests write in those exact formats), clear errors."""
import gzip
import importlib.util
import pickle
import struct

import numpy as np
import pytest
import torch

from harness_tests.conftest import PROJECT


@pytest.fixture(scope="module")
def data():
    spec = importlib.util.spec_from_file_location("provided_data", PROJECT / "student_template" / "data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_idx(path, array, compress=False):
    header = b"\x00\x00\x08" + bytes([array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    if compress:
        path = path.with_name(path.name + ".gz")
        raw = gzip.compress(raw)
    path.write_bytes(raw)


def mnist_folder(tmp_path, n=20, compress=False):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n, 28, 28))
    labels = np.arange(n) % 10
    for split, (image_file, label_file) in {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                                            "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}.items():
        write_idx(tmp_path / image_file, images, compress)
        write_idx(tmp_path / label_file, labels, compress)
    return images, labels


def test_shipped_splits_are_balanced_disjoint_and_scaled(data):
    X_train, y_train = data.load_mnist("train")
    X_test, y_test = data.load_mnist("test")
    assert X_train.shape == X_test.shape == (2500, 784) and X_train.dtype == np.float64
    assert np.bincount(y_train).tolist() == np.bincount(y_test).tolist() == [250] * 10
    assert 0.0 <= X_train.min() and X_train.max() <= 1.0
    train_rows = {row.tobytes() for row in X_train}
    assert not any(row.tobytes() in train_rows for row in X_test)


def test_subsets_and_the_14x14_digits(data):
    X, y = data.load_mnist("train", n_per_digit=3)
    assert X.shape == (30, 784) and np.bincount(y).tolist() == [3] * 10
    X196, y196 = data.load_digits196("test")
    full, _ = data.load_mnist("test")
    assert X196.shape == (2500, 196) and np.array_equal(y196, data.load_mnist("test")[1])
    image = full[7].reshape(28, 28)
    assert np.isclose(X196[7, 0], image[:2, :2].mean()) and np.isclose(X196[7, 195], image[26:, 26:].mean())


def test_handout_loader_is_balanced_and_split_by_fraction(data):
    train_X, test_X, train_y, test_y = data.load_mnist_data(3, fraction=0.8, examples_per_class=50)
    assert train_X.shape == (120, 784) and test_X.shape == (30, 784)
    assert np.bincount(train_y).tolist() == [40] * 3 and np.bincount(test_y).tolist() == [10] * 3
    with pytest.raises(ValueError, match="fraction"):
        data.load_mnist_data(3, fraction=1.5)


@pytest.mark.parametrize("n_samples, noise, seed", [(200, 0.20, 0), (101, 0.1, 5), (7, None, 3)])
def test_moons_are_scikit_learns_points(data, n_samples, noise, seed):
    """data.make_moons computes with NumPy alone (no scikit-learn import while grading) the very
    points scikit-learn's make_moons gives."""
    from sklearn.datasets import make_moons

    X, y = data.make_moons(n_samples, noise=noise, random_state=seed)
    expected_X, expected_y = make_moons(n_samples, noise=noise, random_state=seed)
    assert np.array_equal(X, expected_X) and np.array_equal(y, expected_y)
    assert X.dtype == np.float64 and y.dtype == np.int64


def test_moons_and_dataset(data):
    X, y = data.make_moons(200, noise=0.20, random_state=0)
    assert X.shape == (200, 2) and set(np.unique(y)) == {0, 1}
    dataset = data.MyDataset(X, y)
    features, target = dataset[3]
    assert len(dataset) == 200 and features.dtype == torch.float32 and target.dtype == torch.long
    assert isinstance(dataset, torch.utils.data.Dataset)


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_idx_folder_by_argument_and_environment(data, tmp_path, monkeypatch, compress):
    images, labels = mnist_folder(tmp_path, compress=compress)
    X, y = data.load_mnist("test", folder=tmp_path)
    assert X.shape == (20, 784) and np.array_equal(y, labels)
    assert np.allclose(X, images.reshape(20, 784) / 255.0)
    monkeypatch.setenv("MNIST_DIR", str(tmp_path))
    assert data.load_digits196("train", n_per_digit=2)[0].shape == (20, 196)


def test_cifar_batches(data, tmp_path):
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, size=(4, 3072), dtype=np.uint8)
    with open(tmp_path / "test_batch", "wb") as out:
        pickle.dump({b"data": pixels, b"labels": [3, 1, 4, 1]}, out)
    X, y = data.load_cifar10("test", folder=tmp_path)
    assert X.shape == (4, 32, 32, 3) and y.tolist() == [3, 1, 4, 1]
    red_first_row = pixels[0, :32] / 255.0
    assert np.allclose(X[0, 0, :, 0], red_first_row)


def test_missing_and_malformed_folders_say_what_is_expected(data, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist.*t10k-images-idx3-ubyte"):
        data.load_mnist("test", folder=tmp_path / "nowhere")
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03junk")
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        data.load_mnist("test", folder=tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(b"not idx at all")
    with pytest.raises(ValueError, match="truncated"):
        data.load_mnist("test", folder=tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(b"PK\x03\x04 a zip, not IDX")
    with pytest.raises(ValueError, match="not an unsigned-byte IDX file"):
        data.load_mnist("test", folder=tmp_path)
    with pytest.raises(FileNotFoundError, match="CIFAR10_DIR"):
        data.load_cifar10("train")
    (tmp_path / "test_batch").write_bytes(pickle.dumps({"wrong": 1}))
    with pytest.raises(ValueError, match="not a CIFAR-10 python batch"):
        data.load_cifar10("test", folder=tmp_path)
