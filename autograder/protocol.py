"""The messages between the grading process and a student worker, defined once for both sides.

A worker imports the submission and answers requests; the grading process sends them and
decides. Everything that crosses is MessagePack, never pickle, with a few extension types:

- `ndarray`: a whitelisted numeric or bool dtype, a shape and C-order bytes; always rebuilt as
  a base `np.ndarray` (never a subclass) that owns its data;
- a NumPy scalar (dtype and bytes), a torch tensor (dtype, shape, bytes; rebuilt with the same
  dtype), a tuple (lists stay lists);
- a handle: an object that stays in the worker, named by a number, with its type's name and
  whether it can be called.

Sizes and nesting are capped on decoding, and anything malformed raises `MessageError`, so a
hostile worker can fail the call it answers but never crash or hang its reader.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable

import msgpack
import numpy as np

MAX_MESSAGE_BYTES = 256 << 20
MAX_DEPTH = 32
MAX_CONTAINER_LENGTH = 1 << 20
MAX_TEXT_CHARS = 20_000

EXT_ARRAY, EXT_SCALAR, EXT_TENSOR, EXT_TUPLE, EXT_HANDLE = 1, 2, 3, 4, 5
ALLOWED_DTYPES = frozenset(
    ["|b1", "|i1", "|u1"]
    + [f"{order}{kind}{size}" for order in "<>" for kind in "iu" for size in (2, 4, 8)]
    + [f"{order}f{size}" for order in "<>" for size in (2, 4, 8)]
    + [f"{order}c{size}" for order in "<>" for size in (8, 16)])
TENSOR_DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32",
                 "float64", "complex64", "complex128")

# -- requests (grading process -> worker) ------------------------------------------------------
OP_IMPORT = "import"      # {module}: import <module>.py from the submission -> module handle
OP_LIBRARY = "library"    # {name}: a library callable by dotted name ("numpy.random.seed") -> handle
OP_GETATTR = "getattr"    # {target, name} -> value or handle
OP_SETATTR = "setattr"    # {target, name, value}: target.name = value
OP_FILL = "fill"          # {target, path, value}: target.<path[0]>[path[1]]...[...] = value, in place
OP_CALL = "call"          # {target, name?, args, kwargs, options}: target(...), or
                          # target.<name>(...) when a name is given -> value or handle
OP_RESET = "reset"        # {seed}: seed the global RNGs of numpy, random (and torch, if imported)
OP_RELEASE = "release"    # {handles}: forget these handles

# call options
OPTION_ERRSTATE = "errstate"        # dict for np.errstate during the call
OPTION_WARNINGS = "warnings"        # "error": warnings raise during the call
OPTION_COUNT_LINES = "count_lines"  # True: also count the lines executed in submission files

# reply keys: {"ok": value, "lines": n?} or {"error": ErrorInfo fields}
REPLY_OK, REPLY_ERROR, REPLY_LINES = "ok", "error", "lines"

# -- fork-server control messages --------------------------------------------------------------
CONTROL_FORK = "fork"      # {submission_dir, cwd, preload} with fds [socket, output, dump] -> {pid}
CONTROL_STATUS = "status"  # {pid, wait} -> {status: wait status or None while running}

# Libraries whose callables the grading process may name in OP_LIBRARY (a name is one of these
# or lies inside one).
LIBRARY_ROOTS = ("numpy", "torch", "data", "autograder.worker.torch_tools")
# Modules the fork server may import before forking, so that workers share them.
PRELOADABLE = ("torch",)


def is_library_name(name: str) -> bool:
    return any(name == root or name.startswith(root + ".") for root in LIBRARY_ROOTS)


class MessageError(ValueError):
    """A message that is malformed, too large, too deep or of a kind that may not cross."""


@dataclass(frozen=True)
class Handle:
    """An object that stays in the worker: `id` names it there; `type_name` and `callable`
    are the worker's word (for messages only)."""

    id: int
    type_name: str
    callable: bool


@dataclass
class ErrorInfo:
    """An exception raised in the worker, as plain data.

    type_name: its class's name; bases: the names of the builtin exception classes in its MRO
    (most specific first); message: `str()` of it (or a placeholder when that failed); errno:
    an `OSError`'s number; frames: `(filename, line, function, source line)` of the frames in
    submission files, innermost last.
    """

    type_name: str
    bases: list[str]
    message: str
    errno: int | None
    frames: list[tuple[str, int, str, str]]

    def as_dict(self) -> dict:
        return {"type_name": self.type_name, "bases": self.bases, "message": self.message,
                "errno": self.errno, "frames": [list(frame) for frame in self.frames]}

    @classmethod
    def from_dict(cls, data) -> "ErrorInfo":
        """Validate an error reply from the worker (every field is untrusted)."""
        if not isinstance(data, dict):
            raise MessageError("an error reply that is not a mapping")
        bases = data.get("bases")
        frames = data.get("frames")
        errno = data.get("errno")
        if not (isinstance(bases, list) and all(isinstance(b, str) for b in bases)
                and isinstance(frames, list) and (errno is None or type(errno) is int)):
            raise MessageError("a malformed error reply")
        checked = []
        for frame in frames[:50]:
            if not (isinstance(frame, list) and len(frame) == 4
                    and isinstance(frame[0], str) and type(frame[1]) is int
                    and isinstance(frame[2], str) and isinstance(frame[3], str)):
                raise MessageError("a malformed stack frame in an error reply")
            checked.append((clip(frame[0], 500), frame[1], clip(frame[2], 200), clip(frame[3], 300)))
        return cls(clip(_text(data.get("type_name")), 200), [clip(b, 100) for b in bases[:30]],
                   clip(_text(data.get("message")), MAX_TEXT_CHARS), errno, checked)


def _text(value) -> str:
    if not isinstance(value, str):
        raise MessageError("a text field that is not a string")
    return value


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- encoding ----------------------------------------------------------------------------------
def encode(value, to_handle: Callable[[object], Handle] | None = None) -> bytes:
    """`value` as MessagePack bytes. Anything that is not a plain value becomes
    `to_handle(value)` (the worker keeps such objects); without `to_handle` it is an error."""

    def default(item, depth=0):
        return _extension(item, to_handle, default)

    try:
        return msgpack.packb(_prepare(value, to_handle, 0), default=default, strict_types=True,
                             use_bin_type=True)
    except (OverflowError, RecursionError) as error:
        raise MessageError(f"cannot encode this value: {error}") from None


def _prepare(value, to_handle, depth):
    """Plain containers rebuilt as exactly list/dict/tuple-marker, so that `strict_types`
    packs them natively; everything else is left for `default`."""
    if depth > MAX_DEPTH:
        raise MessageError(f"a value nested more than {MAX_DEPTH} levels deep")
    kind = type(value)
    if kind in (bool, int, float, str, bytes, type(None)):
        if kind is int and not -(1 << 63) <= value < (1 << 64):
            return _as_handle(value, to_handle)
        return value
    if isinstance(value, (list, tuple, dict)) and kind not in (list, tuple, dict) and to_handle is None:
        raise MessageError(f"a `{kind.__name__}` cannot be sent")
    if isinstance(value, dict):
        return {_prepare(k, to_handle, depth + 1): _prepare(v, to_handle, depth + 1)
                for k, v in list(value.items())}
    if isinstance(value, list):
        return [_prepare(v, to_handle, depth + 1) for v in list(value)]
    if isinstance(value, tuple):
        return _Tuple([_prepare(v, to_handle, depth + 1) for v in tuple(value)])
    return value


class _Tuple(list):
    """Marks a tuple on its way to `_extension` (msgpack would pack a tuple as a list)."""


def _as_handle(value, to_handle):
    if to_handle is None:
        raise MessageError(f"a `{type(value).__name__}` cannot be sent")
    return to_handle(value)


def _extension(item, to_handle, default):
    pack = lambda payload: msgpack.packb(payload, default=default, strict_types=True,  # noqa: E731
                                         use_bin_type=True)
    if type(item) is _Tuple:
        return msgpack.ExtType(EXT_TUPLE, pack(list(item)))
    if type(item) is Handle:
        return msgpack.ExtType(EXT_HANDLE, pack([item.id, item.type_name, item.callable]))
    if isinstance(item, np.ndarray):
        array = np.asarray(item)
        if array.dtype.str in ALLOWED_DTYPES:
            array = np.ascontiguousarray(array)
            return msgpack.ExtType(EXT_ARRAY, pack([array.dtype.str, list(array.shape),
                                                    array.tobytes()]))
    elif isinstance(item, np.generic) and np.dtype(type(item)).str in ALLOWED_DTYPES:
        return msgpack.ExtType(EXT_SCALAR, pack([np.dtype(type(item)).str, item.tobytes()]))
    elif _is_tensor(item):
        dtype = str(item.dtype).removeprefix("torch.")
        if dtype in TENSOR_DTYPES:
            array = item.detach().cpu().contiguous().numpy()
            return msgpack.ExtType(EXT_TENSOR, pack([dtype, list(array.shape), array.tobytes()]))
    handle = _as_handle(item, to_handle)
    return default(handle) if type(handle) is Handle else handle


def _is_tensor(item) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(item, torch.Tensor)


# -- decoding ----------------------------------------------------------------------------------
def unpacker(from_handle: Callable[[Handle], object] | None = None) -> msgpack.Unpacker:
    """A streaming decoder (feed it bytes, iterate for messages) with every cap applied."""
    depth = [0]

    def ext_hook(code, data):
        depth[0] += 1
        try:
            if depth[0] > MAX_DEPTH:
                raise MessageError(f"a value nested more than {MAX_DEPTH} levels deep")
            return _decode_extension(code, msgpack.unpackb(data, **_limits(ext_hook)), from_handle)
        finally:
            depth[0] -= 1

    return msgpack.Unpacker(max_buffer_size=MAX_MESSAGE_BYTES, **_limits(ext_hook))


def _limits(ext_hook) -> dict:
    return dict(ext_hook=ext_hook, raw=False, strict_map_key=False, use_list=True,
                max_str_len=MAX_MESSAGE_BYTES, max_bin_len=MAX_MESSAGE_BYTES,
                max_array_len=MAX_CONTAINER_LENGTH, max_map_len=MAX_CONTAINER_LENGTH,
                max_ext_len=MAX_MESSAGE_BYTES)


def decode(data: bytes, from_handle: Callable[[Handle], object] | None = None):
    """One whole message; raises `MessageError` for anything malformed."""
    reader = unpacker(from_handle)
    try:
        reader.feed(data)
        value = reader.unpack()
    except MessageError:
        raise
    except Exception as error:  # noqa: BLE001 - msgpack raises many types for bad input
        raise MessageError(f"a malformed message ({type(error).__name__})") from None
    return value


def _decode_extension(code, payload, from_handle):
    if code == EXT_TUPLE:
        if not isinstance(payload, list):
            raise MessageError("a malformed tuple")
        return tuple(payload)
    if code == EXT_ARRAY:
        return _array(payload)
    if code == EXT_SCALAR:
        if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[1], bytes)):
            raise MessageError("a malformed NumPy scalar")
        dtype = _dtype(payload[0])
        if len(payload[1]) != dtype.itemsize:
            raise MessageError("a NumPy scalar of the wrong size")
        return np.frombuffer(payload[1], dtype=dtype)[0].copy()
    if code == EXT_TENSOR:
        return _tensor(payload)
    if code == EXT_HANDLE:
        if not (isinstance(payload, list) and len(payload) == 3 and type(payload[0]) is int
                and isinstance(payload[1], str) and type(payload[2]) is bool):
            raise MessageError("a malformed handle")
        handle = Handle(payload[0], clip(payload[1], 200), payload[2])
        if from_handle is None:
            raise MessageError("a handle where none may be sent")
        return from_handle(handle)
    raise MessageError(f"an unknown extension type {code}")


def _dtype(name) -> np.dtype:
    if not (isinstance(name, str) and name in ALLOWED_DTYPES):
        raise MessageError(f"an array of a dtype that may not be sent ({str(name)[:40]!r})")
    return np.dtype(name)


def _shape(shape) -> tuple[int, ...]:
    if not (isinstance(shape, list) and len(shape) <= 32
            and all(type(side) is int and 0 <= side <= MAX_MESSAGE_BYTES for side in shape)):
        raise MessageError("an array with a malformed shape")
    return tuple(shape)


def _array(payload) -> np.ndarray:
    if not (isinstance(payload, list) and len(payload) == 3 and isinstance(payload[2], bytes)):
        raise MessageError("a malformed array")
    dtype, shape = _dtype(payload[0]), _shape(payload[1])
    if int(np.prod(shape, dtype=np.float64)) * dtype.itemsize != len(payload[2]):
        raise MessageError("an array whose data does not match its shape")
    array = np.frombuffer(payload[2], dtype=dtype).reshape(shape).copy()
    return array.astype(array.dtype.newbyteorder("=")) if not array.dtype.isnative else array


def _tensor(payload):
    if not (isinstance(payload, list) and len(payload) == 3 and isinstance(payload[2], bytes)
            and payload[0] in TENSOR_DTYPES):
        raise MessageError("a malformed tensor")
    import torch

    array = _array([np.dtype(payload[0]).str, payload[1], payload[2]])
    return torch.from_numpy(array)
