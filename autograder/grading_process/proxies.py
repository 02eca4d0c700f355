"""How grading tests reach submitted code that runs in a student worker.

A `RemoteModule` stands for a submitted module (`layers.affine_forward(x, w, b)` runs in the
worker); every other object the submission returns or keeps is a `RemoteObject`, whose
attributes and methods are reached the same way, through the `worker_slot.WorkerSlot` of the
test module. Plain values (arrays, numbers, strings, containers of them) come back as fresh
copies: reading `net.params` twice gives two copies, and changing a copy changes nothing in the
worker. Changes are explicit: `obj.W = value` rebinds an attribute, `fill(net, ("params",
"b1"), value)` (`remote_operations`) writes into an array in place.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from autograder.wire import protocol
from autograder.wire import worker_messages as messages

if TYPE_CHECKING:
    from autograder.grading_process.worker_slot import WorkerSlot


class RemoteObject:
    """An object that lives in the student worker. Attribute reads, calls and assignments
    are requests to the worker; dunder attributes are never looked up remotely."""

    __slots__ = ("_slot", "_worker", "_handle", "_label", "__weakref__")

    def __init__(self, slot: "WorkerSlot", worker, handle: protocol.Handle, label: str):
        object.__setattr__(self, "_slot", slot)
        object.__setattr__(self, "_worker", worker)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_label", label)

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        slot = object.__getattribute__(self, "_slot")
        return slot.get(self, name, f"{owner_label(self)}.{name}")

    def __setattr__(self, name: str, value) -> None:
        slot = object.__getattribute__(self, "_slot")
        slot.set(self, messages.SetAttrRequest(self, name, value), f"{owner_label(self)}.{name}")

    def __call__(self, *args, **kwargs):
        return object.__getattribute__(self, "_slot").call(self, args, kwargs)

    def __repr__(self) -> str:
        return f"<your {remote_type_name(self)}>"

    def __del__(self):
        try:
            slot = object.__getattribute__(self, "_slot")
            slot.release(object.__getattribute__(self, "_worker"),
                         object.__getattribute__(self, "_handle").id)
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


class RemoteMethod:
    """`owner.name` where `name` is known to be callable: calling it asks the worker to look
    the attribute up and call it, in one request."""

    __slots__ = ("owner", "name", "label")

    def __init__(self, owner: RemoteObject, name: str, label: str):
        self.owner, self.name, self.label = owner, name, label

    def __call__(self, *args, **kwargs):
        return object.__getattribute__(self.owner, "_slot").call(self, args, kwargs)

    def __repr__(self) -> str:
        return f"<your {self.label}>"


def owner_label(obj: RemoteObject) -> str:
    """`layers` for a module, `TwoLayerNet` for an instance: what a method's name starts with."""
    handle = object.__getattribute__(obj, "_handle")
    label = object.__getattribute__(obj, "_label")
    return label if handle.type_name == "module" else handle.type_name


def remote_type_name(value) -> str:
    """The type's name of a value as the student knows it (the worker's word for remote ones)."""
    if isinstance(value, RemoteObject):
        return object.__getattribute__(value, "_handle").type_name
    return getattr(value, "remote_type", None) or type(value).__name__


class RemoteModule:
    """A submitted module, imported in the test module's worker (`layers.relu_forward(x)`);
    with `library=True` a library module there (`autograder.worker.torch_tools`)."""

    def __init__(self, slot: "WorkerSlot", name: str, library: bool = False):
        self._slot = slot
        self._name = name
        self._library = library

    def __getattr__(self, attribute: str):
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)
        module = self._slot.library(self._name) if self._library else self._slot.module(self._name)
        return self._slot.get(module, attribute, f"{self._name}.{attribute}")

    def __repr__(self) -> str:
        return f"<the worker's {self._name}>" if self._library else f"<your {self._name}.py>"
