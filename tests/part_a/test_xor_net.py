"""Grading tests for xor_net.py: Backprop learns XOR, test() outputs, save/load round trip."""
import numpy as np

from autograder.grading_process.grading_api import seed_numpy
from tests.support import describe_shape, show

XOR_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_TARGETS = np.array([[0.0], [1.0], [1.0], [0.0]])
XOR_TRUE_ROWS = XOR_TARGETS[:, 0] == 1


# The same kind of problem with inputs and targets the contract does not publish (XNOR on
# inputs 0.2 / 0.8): a `test` that looks the published XOR answers up fails it. The trained
# net is then asked about inputs near those it was trained on, never the same ones: a `train`
# that stores its examples for `test` to look up fails too, while a trained network's smooth
# outputs barely move.
UNPUBLISHED_INPUTS = 0.2 + 0.6 * XOR_INPUTS[:, ::-1]
UNPUBLISHED_TARGETS = 1.0 - XOR_TARGETS
UNPUBLISHED_PROBES = UNPUBLISHED_INPUTS + np.array([[0.04, -0.03], [-0.03, 0.04], [0.03, 0.03],
                                                    [-0.04, -0.04]])


def trained_xor_net(xor_net, seed, iterations=10000, X=XOR_INPUTS, T=XOR_TARGETS):
    """np.random.seed(seed) in the worker, then Backprop(2, 3, 1) trained on (X, T) (XOR by
    default) with eta=0.5."""
    seed_numpy(xor_net, seed)
    net = xor_net.Backprop(2, 3, 1)
    net.train(X, T, iterations=iterations, eta=0.5)
    return net


def shaped_outputs(net, X, n_outputs, call):
    """net.test(X), checked to be an (N, n_outputs) array."""
    outputs = net.test(X)
    expected_shape = (len(X), n_outputs)
    if getattr(outputs, "shape", None) != expected_shape:
        raise AssertionError(
            f"`{call}.test(X)` with X of shape {X.shape} returned shape "
            f"{describe_shape(outputs)}; expected {expected_shape}, one row of {n_outputs} "
            f"output(s) per pattern.")
    return outputs


def learned_seeds(xor_net, seeds, X, T, false_max, true_min, probes=None):
    """(how many seeds learned (X, T), one line per seed): a seed passes when `test` on X (or on
    `probes`, inputs close to X's rows) gives <= false_max where the target is 0 and >= true_min
    elsewhere."""
    true_rows = T[:, 0] == 1
    results, passing = [], 0
    for seed in seeds:
        outputs = shaped_outputs(trained_xor_net(xor_net, seed, X=X, T=T),
                                 X if probes is None else probes, 1, "Backprop(2, 3, 1)")[:, 0]
        ok = outputs[~true_rows].max() <= false_max and outputs[true_rows].min() >= true_min
        passing += bool(ok)
        results.append(f"seed {seed}: {show(outputs)}{'' if ok else ' (fails)'}")
    return passing, results


def test_learns_xor(xor_net, item_config):
    seeds, min_passing = item_config["seeds"], item_config["min_passing"]
    false_max, true_min = item_config["false_max"], item_config["true_min"]
    passing, results = learned_seeds(xor_net, seeds, XOR_INPUTS, XOR_TARGETS, false_max, true_min)
    if passing < min_passing:
        report = "\n".join(results)
        raise AssertionError(
            f"`Backprop(2, 3, 1).train(X, T, iterations=10000, eta=0.5)` on XOR (inputs "
            f"[[0, 0], [0, 1], [1, 0], [1, 1]], targets [0, 1, 1, 0]) learned XOR for {passing} "
            f"of {len(seeds)} seeds (`np.random.seed(s)` before building the net); at least "
            f"{min_passing} must. A seed passes when the False rows give <= {false_max} and the "
            f"True rows >= {true_min}. Outputs of `test(X)` after training:\n{report}\n"
            f"Hint: each iteration must move every weight and bias against the error gradient, "
            f"the hidden layer's included.")
    passing, results = learned_seeds(xor_net, seeds, UNPUBLISHED_INPUTS, UNPUBLISHED_TARGETS,
                                     false_max, true_min, probes=UNPUBLISHED_PROBES)
    if passing < min_passing:
        raise AssertionError(
            f"`Backprop(2, 3, 1)` learned XOR, but trained the same way on another problem of the "
            f"same kind (other inputs and targets, which the grader does not publish) it learned "
            f"it for only {passing} of {len(seeds)} seeds, judged on inputs close to the training "
            f"ones; at least {min_passing} must. `train` must learn from the X and T it is given, "
            f"and `test` must compute the network's outputs for the X it is given.")


def test_outputs_shape_and_range(xor_net):
    seed_numpy(xor_net, 0)
    net = xor_net.Backprop(3, 4, 2)
    X = 3 * np.random.default_rng(0).standard_normal((6, 3))
    outputs = shaped_outputs(net, X, 2, "Backprop(3, 4, 2)")
    seed_numpy(xor_net, 1)
    other = shaped_outputs(xor_net.Backprop(3, 4, 2), X, 2, "Backprop(3, 4, 2)")
    again = shaped_outputs(net, X, 2, "Backprop(3, 4, 2)")
    # Outputs of a network: the same for the same net and input, different for other inputs
    # and for other random weights (a constant answer is not one).
    if not (np.array_equal(outputs, again) and np.ptp(outputs, axis=0).min() > 0
            and not np.allclose(outputs, other)):
        raise AssertionError(
            f"`Backprop(3, 4, 2).test(X)` (X: (6, 3)) returned {show(outputs)}, then "
            f"{show(again)} for the same net and input, and {show(other)} for a net with other "
            f"random weights; expected the same outputs for the same net, outputs that vary "
            f"with the input, and other outputs for other weights.")
    if not np.all((outputs > 0) & (outputs < 1)):
        raise AssertionError(
            f"`Backprop(3, 4, 2).test(X)` (X: (6, 3)) returned values outside (0, 1): "
            f"{show(outputs)}.\n"
            f"Hint: the output units are sigmoids, so every output lies strictly between 0 and 1.")


def test_save_load_round_trip(xor_net, worker_tmp_path):
    net = trained_xor_net(xor_net, seed=0, iterations=300)
    path = worker_tmp_path / "xor.pkl"
    net.save(str(path))
    seed_numpy(xor_net, 1)
    restored = xor_net.Backprop(2, 3, 1)
    before = restored.test(XOR_INPUTS)
    restored.load(str(path))
    expected, got = net.test(XOR_INPUTS), restored.test(XOR_INPUTS)
    if np.array_equal(np.asarray(before), np.asarray(expected)):
        raise AssertionError(
            f"A fresh `Backprop(2, 3, 1)` (other random weights) gives the same outputs on the XOR "
            f"inputs as a trained net, {show(expected)}, so a save/load round trip cannot be "
            f"checked.\nHint: `test(X)` must compute the network's outputs from its weights.")
    if not (getattr(got, "shape", None) == expected.shape and np.array_equal(got, expected)):
        raise AssertionError(
            f"After `net.save(path)` and `Backprop(2, 3, 1).load(path)` (a fresh instance with "
            f"other random weights), `test(X)` on the XOR inputs returned {show(got)}; the saved "
            f"net gives {show(expected)}. They must be identical.\n"
            f"Hint: save every weight AND bias, and make `load` replace the instance's own "
            f"attributes.")


def test_load_adopts_saved_sizes(xor_net, worker_tmp_path):
    seed_numpy(xor_net, 2)
    net = xor_net.Backprop(4, 5, 3)
    rng = np.random.default_rng(2)
    X = rng.random((7, 4))
    net.train(X, rng.random((7, 3)), iterations=20, eta=0.5)
    path = worker_tmp_path / "sized.pkl"
    net.save(str(path))
    other = xor_net.Backprop(2, 2, 1)
    other.load(str(path))
    expected, got = net.test(X), other.test(X)
    if not (getattr(got, "shape", None) == expected.shape and np.array_equal(got, expected)):
        raise AssertionError(
            f"A `Backprop(4, 5, 3)` was saved and loaded into a `Backprop(2, 2, 1)`; on X of "
            f"shape {X.shape} the loaded net's `test(X)` returned shape {describe_shape(got)}: "
            f"{show(got)}; expected the saved net's outputs, shape {expected.shape}: "
            f"{show(expected)}.\n"
            f"Hint: `load` must adopt the saved sizes (`n_inputs`, `n_hidden`, `n_outputs`) "
            f"along with the weights, whatever sizes the instance was built with.")
