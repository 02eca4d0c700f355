"""`import calculator` in a gradescope-utils suite, answered by a student worker.

Such suites import the submission by name. The grading process never runs submitted code, so
`SubmissionFinder`, last on `sys.meta_path`, claims the submission's module names that nothing
installed or provided answers to, and gives each a `SubmittedModule`: its attributes are read
in the suite's student worker (one for the whole run, as gradescope-utils runs every test in
one process), its functions and classes are `SubmittedFunction`s that look themselves up there
on every call (so they keep working after a timed-out worker was replaced), its values come
back as copies. `from package import module` reaches a submitted package the same way.

A file that is missing or fails to import does not stop the suite from loading: names taken
from it while the test modules load (`from calculator import add`) raise the file's problem
when a test uses them, so only that file's tests fail, each with the reason.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from pathlib import Path

from autograder.grading_process import grading_api, session, worker_client
from autograder.grading_process.cannot_pass import not_noting, note_cannot_pass
from autograder.grading_process.problems import SubmissionProblem
from autograder.grading_process.proxies import RemoteMethod, RemoteObject
from autograder.grading_process.worker_slot import WorkerSlot
from autograder.grading_process.stubs import NotImplementedYet
from autograder.wire import worker_messages as messages


class SubmittedModule(types.ModuleType):
    """A module of the submission, e.g. `calculator` or `package.module`; its attributes live
    in the worker (dunder names excepted)."""

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _finder().attribute(self.__name__, name)

    def __repr__(self) -> str:
        return f"<your {self.__name__}>"


class SubmittedFunction:
    """`module.name`, a callable of the submission (a function or a class): each call looks it
    up in the current worker and calls it there (one request)."""

    __slots__ = ("_module", "_name")

    def __init__(self, module: str, name: str):
        self._module, self._name = module, name

    def __call__(self, *args, **kwargs):
        finder = _finder()
        owner = finder.remote_module(self._module)
        label = f"{self._module}.{self._name}"
        return finder.slot.call(RemoteMethod(owner, self._name, label), args, kwargs)

    def __getattr__(self, name: str):
        """An attribute of the function or class itself (`Calculator.PI`), read in the worker."""
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        finder = _finder()
        label = f"{self._module}.{self._name}"
        request = messages.GetAttrRequest(finder.remote_module(self._module), self._name)
        remote = finder.slot.request(request, label).value
        return getattr(remote, name)

    def __repr__(self) -> str:
        return f"<your {self._module}.{self._name}>"


class Unavailable:
    """A name taken from a file that could not be imported: using it raises that problem."""

    def __init__(self, problem: SubmissionProblem):
        self.problem = problem

    def __call__(self, *args, **kwargs):
        note_cannot_pass(self.problem)
        raise self.problem

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        note_cannot_pass(self.problem)
        raise self.problem


class SubmissionFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the submission's modules (`names`: top-level names) for the grading process, and
    the provided modules (`provided`: name -> the instructor's copy, imported here)."""

    def __init__(self, names: list[str], slot: WorkerSlot, provided: dict[str, Path]):
        self.names = frozenset(names)
        self.slot = slot
        self.provided = provided

    # -- the import system ------------------------------------------------------------------
    def find_spec(self, fullname, path=None, target=None):
        if fullname in self.provided:
            return importlib.util.spec_from_file_location(fullname, self.provided[fullname])
        if fullname.partition(".")[0] not in self.names:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        return SubmittedModule(spec.name)

    def exec_module(self, module) -> None:
        """Nothing runs here: the worker imports the file when an attribute is first read."""

    # -- what a SubmittedModule asks --------------------------------------------------------
    def remote_module(self, name: str) -> RemoteObject:
        """The module's handle in the worker; raises its `SubmissionProblem`."""
        return grading_api.import_submitted(self.slot, name)

    def _is_submodule(self, name: str) -> bool:
        """Whether `name` (`package.module`) imports in the worker."""
        try:
            with not_noting():
                self.remote_module(name)
        except (SubmissionProblem, ImportError):
            return False
        return True

    def attribute(self, module: str, name: str):
        label = f"{module}.{name}"
        try:
            value = self.slot.get(self.remote_module(module), name, label)
        except SubmissionProblem as problem:
            if worker_client.in_test():
                raise
            return Unavailable(problem)  # the suite still loads; the tests that use it fail
        except AttributeError:
            if self._is_submodule(label):
                return importlib.import_module(label)
            if worker_client.in_test():
                raise
            return Unavailable(SubmissionProblem(
                f"`{module}` has no `{name}`, which the tests use: check its spelling, and that "
                f"it is defined at the top level of your file."))
        except (Exception, NotImplementedYet) as error:  # noqa: BLE001 - the submission's own
            if worker_client.in_test():
                raise
            return Unavailable(SubmissionProblem(
                f"Reading `{label}` raised `{getattr(error, 'remote_type', type(error).__name__)}"
                f"` while the tests were loading; the tests that use it cannot pass."))
        if isinstance(value, RemoteMethod):  # seen to be callable before: asked no more
            return SubmittedFunction(module, name)
        if not isinstance(value, RemoteObject):
            return value
        handle = object.__getattribute__(value, "_handle")
        if handle.type_name == "module":
            return importlib.import_module(label)
        if handle.callable:
            return SubmittedFunction(module, name)
        return value


def install(names: list[str], provided: list[str]) -> SubmissionFinder:
    """Put a finder for the submission's modules `names` and the `provided` ones (the
    instructor's copies) last on `sys.meta_path`, with a worker of its own."""
    taken = sorted(name for name in names if _answered_elsewhere(name))
    if taken:  # the grader's own imports need them; staff read this in the grading log
        print(f"autograder: the submission's modules {', '.join(taken)} have the names of "
              f"installed or standard modules, so a test's `import` of them is not the "
              f"submission's; rename them in the assignment", file=sys.stderr)
    finder = SubmissionFinder([name for name in names if name not in taken],
                              WorkerSlot(grading_api.submission_dir()),
                              {name: grading_api.provided_dir() / f"{name}.py" for name in provided})
    session.current().import_hook = finder
    sys.meta_path.append(finder)
    return finder


def _answered_elsewhere(name: str) -> bool:
    if name in sys.modules or name in sys.stdlib_module_names:
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return True


def uninstall() -> None:
    grading = session.current()
    finder, grading.import_hook = grading.import_hook, None
    if finder is not None:
        finder.slot.close()
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)


def _finder() -> SubmissionFinder:
    finder = session.current().import_hook
    if finder is None:
        raise RuntimeError("the submission's modules are not importable outside a grading run")
    return finder
