"""A looped `TwoLayerNet.loss` earns nothing on 4.4 whatever it does to hide the loop: the
worker's CPU time is read by the grading process from /proc, not counted by the worker, so
switching the line trace off, looping in a thread or in `exec`'d code, or padding small batches
changes nothing; the reference keeps the point."""
from __future__ import annotations

import shutil
import textwrap

import pytest

from harness_tests.conftest import PROJECT, read_results, run_entrypoint

LOOPED = '''

def _looped_loss(self, X, y=None, reg=0.0):
    W1, b1, W2, b2 = (self.params[name] for name in ("W1", "b1", "W2", "b2"))
    N = X.shape[0]
    if y is None:
        return np.maximum(0, X @ W1 + b1) @ W2 + b2
    grads = {name: np.zeros_like(value) for name, value in self.params.items()}
    loss = 0.0
    for i in range(N):
        hidden_in = X[i] @ W1 + b1
        hidden = np.maximum(0, hidden_in)
        scores = hidden @ W2 + b2
        scores = scores - scores.max()
        probs = np.exp(scores) / np.exp(scores).sum()
        loss -= np.log(probs[y[i]])
        dscores = probs.copy()
        dscores[y[i]] -= 1
        dscores /= N
        grads["W2"] += np.outer(hidden, dscores)
        grads["b2"] += dscores
        dhidden = (W2 @ dscores) * (hidden_in > 0)
        grads["W1"] += np.outer(X[i], dhidden)
        grads["b1"] += dhidden
    grads["W1"] += 2 * reg * W1
    grads["W2"] += 2 * reg * W2
    return float(loss / N + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))), grads
'''
HIDING = {
    "trace switched off": '''
        def _hidden(self, X, y=None, reg=0.0):
            import sys
            sys.settrace(None)
            return _looped_loss(self, X, y, reg)
        ''',
    "loop in a thread": '''
        def _hidden(self, X, y=None, reg=0.0):
            import threading
            out = []
            worker = threading.Thread(target=lambda: out.append(_looped_loss(self, X, y, reg)))
            worker.start()
            worker.join()
            return out[0]
        ''',
    "loop in exec'd code": '''
        _namespace = {"np": np}
        exec(compile(_LOOPED_SOURCE, "<generated>", "exec"), _namespace)

        def _hidden(self, X, y=None, reg=0.0):
            return _namespace["_looped_loss"](self, X, y, reg)
        ''',
    "small batches padded": '''
        def _hidden(self, X, y=None, reg=0.0):
            if X.shape[0] < 1000:  # as slow for small batches as for large ones
                for _ in range(20000):
                    pass
            return _looped_loss(self, X, y, reg)
        ''',
}


def _grade(submission, out):
    finished = run_entrypoint(["--submission", str(submission), "--results", str(out),
                               "--items", "two_layer_net_vectorised", "--quiet"])
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return read_results(out)["tests"][0]


@pytest.mark.parametrize("hiding", list(HIDING))
def test_a_hidden_loop_earns_nothing_on_vectorisation(tmp_path, hiding):
    submission = tmp_path / "submission"
    shutil.copytree(PROJECT / "reference", submission)
    with open(submission / "two_layer_net.py", "a") as source:
        source.write(f"\n\n_LOOPED_SOURCE = {LOOPED!r}\n{LOOPED}\n{textwrap.dedent(HIDING[hiding])}"
                     f"\n\nTwoLayerNet.loss = _hidden\n")
    test = _grade(submission, tmp_path / "results.json")
    assert test["score"] == 0
    assert "of CPU time" in test["output"]


def test_the_reference_keeps_the_vectorisation_point(tmp_path):
    assert _grade(PROJECT / "reference", tmp_path / "results.json")["score"] == 1
