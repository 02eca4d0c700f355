"""What a student reads when a check fails: never a traceback, always the function and why."""
from pathlib import Path

from autograder.grading_process.feedback import describe_failure
from autograder.grading_process.problems import SubmissionImportFailed, describe_import_error


def raise_from_student_file(tmp_path: Path, body: str) -> BaseException:
    student = tmp_path / "layers.py"
    student.write_text(f"def affine_forward(x, w, b):\n    {body}\n")
    namespace: dict = {}
    exec(compile(student.read_text(), str(student), "exec"), namespace)
    try:
        namespace["affine_forward"](1, 2, 3)
    except BaseException as error:  # noqa: BLE001
        return error
    raise AssertionError("the student code did not raise")


def test_stub_says_not_implemented_and_names_the_function(tmp_path):
    error = raise_from_student_file(tmp_path, "raise NotImplementedError")
    assert describe_failure(error, tmp_path) == (
        "Not implemented yet: `layers.affine_forward` still raises `NotImplementedError`.")


def test_crash_in_student_code_names_function_line_and_code(tmp_path):
    message = describe_failure(raise_from_student_file(tmp_path, "return x @ w"), tmp_path)
    assert message.startswith("`layers.affine_forward` raised `TypeError:")
    assert "At `layers.py` line 2:" in message and "return x @ w" in message
    assert "Traceback" not in message


def test_memory_and_recursion_name_the_limit(tmp_path):
    assert "ran out of memory (the grader allows 700 MB)" in describe_failure(
        raise_from_student_file(tmp_path, "raise MemoryError()"), tmp_path, 700)
    assert "recursed too deeply" in describe_failure(
        raise_from_student_file(tmp_path, "return affine_forward(x, w, b)"), tmp_path)


def test_assertion_message_without_pytest_introspection_and_with_the_shrunk_input():
    error = AssertionError("`relu` returned -1 for 2.\n  Hint: clip at zero.\nassert False\n +  where ...")
    error.add_note("Failing test case: test_relu(\n    activations=<module 'activations' from '/tmp/x/activations.py'>,\n    z=2.0,\n)")
    message = describe_failure(error, None)
    assert message.startswith("`relu` returned -1 for 2.\nHint: clip at zero.")
    assert "assert False" not in message and "/tmp/x" not in message
    assert "activations=<your activations.py>" in message and "z=2.0" in message


def test_first_of_several_failures_is_shown():
    group = ExceptionGroup("two bugs", [AssertionError("first bug"), AssertionError("second bug")])
    assert describe_failure(group, None) == "first bug"


def test_import_errors_give_file_and_line():
    try:
        compile("def f(:\n    pass\n", "layers.py", "exec")
    except SyntaxError as error:
        assert describe_import_error("layers.py", error).startswith("`layers.py` has a syntax error at line 1")
    problem = SubmissionImportFailed("deep_net.py", SystemExit(0))
    assert "called `exit()`" in str(problem)
