"""The codec between the grading process and a student worker: MessagePack, never pickle.

Plain values cross as themselves, with a few extension types (`autograder.wire.protocol`):

- `ndarray`: a whitelisted numeric or bool dtype, a shape and C-order bytes; always rebuilt as
  a base `np.ndarray` (never a subclass) that owns its data;
- a NumPy scalar (dtype and bytes), a tuple (lists stay lists);
- a tensor (dtype, shape, bytes): a torch tensor or a `TensorArray` sent, rebuilt by the
  reader's `tensor_from` with the same dtype (a torch tensor in a worker, a `TensorArray` in
  the grading process, which never imports torch);
- a handle: an object that stays in the worker, named by a number, with its type's name and
  whether it can be called.

Sizes and nesting are capped on decoding, and anything malformed raises `MessageError`, so a
hostile worker can fail the call it answers but never crash or hang its reader.
"""
from __future__ import annotations

import sys
from typing import Callable

import msgpack
import numpy as np

from autograder.wire.protocol import (ALLOWED_DTYPES, EXT_ARRAY, EXT_HANDLE, EXT_SCALAR, EXT_TENSOR,
                                      EXT_TUPLE, MAX_CONTAINER_LENGTH, MAX_DEPTH, MAX_MESSAGE_BYTES,
                                      TENSOR_DTYPES, Handle, MessageError, clip)
from autograder.wire.tensor_array import TensorArray


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
    if type(item) is TensorArray and str(item.dtype) in TENSOR_DTYPES:
        return _tensor_extension(str(item.dtype), np.ascontiguousarray(item.view(np.ndarray)), pack)
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
            return _tensor_extension(dtype, item.detach().cpu().contiguous().numpy(), pack)
    handle = _as_handle(item, to_handle)
    return default(handle) if type(handle) is Handle else handle


def _tensor_extension(dtype: str, array: np.ndarray, pack) -> msgpack.ExtType:
    """A tensor of torch dtype name `dtype` whose values are the C-order `array`."""
    return msgpack.ExtType(EXT_TENSOR, pack([dtype, list(array.shape), array.tobytes()]))


def _is_tensor(item) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(item, torch.Tensor)


# -- decoding ----------------------------------------------------------------------------------
def unpacker(from_handle: Callable[[Handle], object] | None = None,
             tensor_from: Callable[[np.ndarray], object] = lambda array: array.view(TensorArray)
             ) -> msgpack.Unpacker:
    """A streaming decoder (feed it bytes, iterate for messages) with every cap applied; a
    tensor becomes `tensor_from(its values as a base array)` (by default a `TensorArray`)."""
    depth = [0]

    def ext_hook(code, data):
        depth[0] += 1
        try:
            if depth[0] > MAX_DEPTH:
                raise MessageError(f"a value nested more than {MAX_DEPTH} levels deep")
            return _decode_extension(code, msgpack.unpackb(data, **_limits(ext_hook)), from_handle,
                                     tensor_from)
        finally:
            depth[0] -= 1

    return msgpack.Unpacker(max_buffer_size=MAX_MESSAGE_BYTES, **_limits(ext_hook))


def _limits(ext_hook) -> dict:
    return dict(ext_hook=ext_hook, raw=False, strict_map_key=False, use_list=True,
                max_str_len=MAX_MESSAGE_BYTES, max_bin_len=MAX_MESSAGE_BYTES,
                max_array_len=MAX_CONTAINER_LENGTH, max_map_len=MAX_CONTAINER_LENGTH,
                max_ext_len=MAX_MESSAGE_BYTES)


def decode(data: bytes, from_handle: Callable[[Handle], object] | None = None):
    """One whole message (a tensor in it a `TensorArray`); raises `MessageError` for anything
    malformed."""
    reader = unpacker(from_handle)
    try:
        reader.feed(data)
        value = reader.unpack()
    except MessageError:
        raise
    except Exception as error:  # noqa: BLE001 - msgpack raises many types for bad input
        raise MessageError(f"a malformed message ({type(error).__name__})") from None
    return value


def _decode_extension(code, payload, from_handle, tensor_from):
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
        return tensor_from(_tensor_values(payload))
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


def _tensor_values(payload) -> np.ndarray:
    if not (isinstance(payload, list) and len(payload) == 3 and isinstance(payload[2], bytes)
            and payload[0] in TENSOR_DTYPES):
        raise MessageError("a malformed tensor")
    return _array([np.dtype(payload[0]).str, payload[1], payload[2]])
