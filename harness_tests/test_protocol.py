"""The codec between the grading process and a student worker: plain values only, rebuilt as
base types, with every malformed or oversized message refused as a `MessageError`."""
import msgpack
import numpy as np
import pytest
import torch

from autograder.wire import codec, protocol
from autograder.wire.protocol import Handle, MessageError
from autograder.wire.tensor_array import TensorArray, tensor


def round_trip(value, to_handle=None, from_handle=None):
    return codec.decode(codec.encode(value, to_handle), from_handle)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.uint8, np.bool_,
                                   np.complex128, np.int8])
def test_arrays_keep_dtype_shape_and_values(dtype):
    array = (np.arange(24).reshape(2, 3, 4) % 3).astype(dtype)
    got = round_trip(array)
    assert type(got) is np.ndarray and got.dtype == array.dtype and got.shape == (2, 3, 4)
    assert np.array_equal(got, array) and got.flags.writeable and got.flags.owndata


def test_views_subclasses_and_big_endian_arrays_come_back_as_base_arrays():
    base = np.arange(12.0).reshape(3, 4)
    assert np.array_equal(round_trip(base.T), base.T)                  # not C-contiguous
    assert type(round_trip(np.ma.masked_array(base))) is np.ndarray   # a subclass
    big = base.astype(">f8")
    got = round_trip(big)
    assert got.dtype == np.float64 and got.dtype.isnative and np.array_equal(got, base)


def test_scalars_tuples_lists_and_dicts_keep_their_kinds():
    value = {"loss": np.float64(1.5), "n": np.int32(3), 7: (1, [2.0, None], b"x"), "s": "é"}
    got = round_trip(value)
    assert got == value
    assert type(got["loss"]) is np.float64 and type(got["n"]) is np.int32
    assert type(got[7]) is tuple and type(got[7][1]) is list


def test_a_worker_tensor_reaches_the_grading_process_as_a_tensor_array_of_its_dtype():
    tensor = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    got = round_trip(tensor.t())
    assert type(got) is TensorArray and got.dtype == np.float32 and got.flags.writeable
    assert np.array_equal(got, tensor.t().numpy())
    assert round_trip(torch.tensor([1, 2])).dtype == np.int64
    assert type(round_trip(torch.tensor([True]))) is TensorArray


def test_a_tensor_array_reaches_a_worker_as_a_torch_tensor_of_its_dtype():
    sent = codec.encode({"x": tensor(np.arange(6).reshape(2, 3).T, "float32"), "plain": np.ones(2)})
    reader = codec.unpacker(None, torch.from_numpy)
    reader.feed(sent)
    got = reader.unpack()
    assert isinstance(got["x"], torch.Tensor) and got["x"].dtype == torch.float32
    assert torch.equal(got["x"], torch.arange(6.0).reshape(2, 3).T)
    assert type(got["plain"]) is np.ndarray  # arrays stay arrays
    assert type(round_trip(tensor([1, 2], "int64") + 1)) is TensorArray  # arithmetic keeps the mark


def test_other_objects_become_handles_and_only_where_allowed():
    class Net:
        pass

    net = Net()
    handles = {}

    def to_handle(value):
        handles[7] = value
        return Handle(7, type(value).__qualname__, callable(value))

    got = round_trip([net, np.zeros(2, dtype=object)], to_handle, lambda handle: handle)
    assert got[0] == Handle(7, "test_other_objects_become_handles_and_only_where_allowed.<locals>.Net", False)
    assert got[1].type_name == "ndarray"  # an object array never crosses as data
    with pytest.raises(MessageError):
        codec.encode(net)  # the grading process sends no objects of its own
    with pytest.raises(MessageError):
        codec.decode(codec.encode(net, to_handle))  # and accepts handles only with a resolver


def _ext(code, payload) -> bytes:
    return msgpack.packb(msgpack.ExtType(code, msgpack.packb(payload, use_bin_type=True)),
                         use_bin_type=True)


@pytest.mark.parametrize("data", [
    _ext(protocol.EXT_ARRAY, ["|O", [1], b"\0" * 8]),                  # object dtype
    _ext(protocol.EXT_ARRAY, ["<f8", [2, 2], b"\0" * 8]),              # data shorter than shape
    _ext(protocol.EXT_ARRAY, ["<f8", [-1], b""]),                      # negative side
    _ext(protocol.EXT_ARRAY, ["<f8", "x", b""]),                       # shape not a list
    _ext(protocol.EXT_SCALAR, ["<f8", b"\0"]),                         # wrong scalar size
    _ext(protocol.EXT_HANDLE, [1, "x"]),                               # short handle
    _ext(99, []),                                                      # unknown extension
    b"\xc1",                                                           # never-used byte
    b"\x92\x01",                                                       # truncated array
    msgpack.packb("x" * 10) [:-3],                                     # truncated string
], ids=["object-dtype", "short-data", "negative-side", "bad-shape", "scalar-size", "handle",
        "unknown-ext", "bad-byte", "truncated-array", "truncated-string"])
def test_malformed_messages_are_refused(data):
    with pytest.raises(MessageError):
        codec.decode(data, lambda handle: handle)


def test_nesting_is_capped_both_ways():
    deep = []
    for _ in range(protocol.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(MessageError):
        codec.encode(deep)
    nested = b"\x00"
    for _ in range(protocol.MAX_DEPTH + 5):
        nested = msgpack.packb(msgpack.ExtType(protocol.EXT_TUPLE, b"\x91" + nested))
    with pytest.raises(MessageError):
        codec.decode(nested)


def test_a_streamed_message_larger_than_the_cap_is_refused():
    reader = codec.unpacker()
    with pytest.raises(Exception):  # msgpack's BufferFull: the reader never holds more
        reader.feed(b"\xc6" + (protocol.MAX_MESSAGE_BYTES + 1).to_bytes(4, "big"))
        reader.feed(b"\0" * (protocol.MAX_MESSAGE_BYTES + 1))


def test_error_replies_are_validated_and_clipped():
    info = protocol.ErrorInfo.from_dict({"type_name": "KeyError", "bases": ["KeyError"],
                                         "message": "x" * 10**6, "errno": None,
                                         "frames": [["/s/layers.py", 3, "f", "y = x[0]"]]})
    assert len(info.message) == protocol.MAX_TEXT_CHARS and info.frames[0][1] == 3
    for bad in ({"type_name": 1, "bases": [], "message": "", "errno": None, "frames": []},
                {"type_name": "E", "bases": "E", "message": "", "errno": None, "frames": []},
                {"type_name": "E", "bases": [], "message": "", "errno": 1.5, "frames": []},
                {"type_name": "E", "bases": [], "message": "", "errno": None, "frames": [["f", "1", "g", ""]]},
                "not a mapping"):
        with pytest.raises(MessageError):
            protocol.ErrorInfo.from_dict(bad)


def test_not_called_again_lines_round_trip_and_a_cut_or_forged_line_is_refused():
    from autograder.wire import not_called_again as entries

    for entry in (entries.FunctionNotCalledAgain("layers.relu_forward", "timed out"),
                  entries.FrameNotCalledAgain(["/s/layers.py", "relu_forward", 12], "timed out")):
        line = entries.to_line(entry)
        assert line.endswith("\n") and line.count("\n") == 1
        assert entries.read_line(line) == entry
        with pytest.raises(MessageError):
            entries.read_line(line[: len(line) // 2])  # a grading process killed mid-write
    for forged in ('{"kind": "frame", "stuck_in": ["a", "f"], "why": "x"}',
                   '{"kind": "function", "function": 3, "why": "x"}',
                   '{"kind": "anything", "why": "x"}', '["function"]'):
        with pytest.raises(MessageError):
            entries.read_line(forged)
