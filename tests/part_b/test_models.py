"""Grading tests for models.py, checked by behaviour rather than by printed structure.

The models live in the student worker. Layer sizes and parameter counts are read off the
`nn.Linear`/`nn.Conv2d` modules the worker reports (followed in the order data flows through
them); every `forward` the worker runs is compared with an independent NumPy (float64)
computation made here from those reported weights, which pins down ReLU placement and raw-logit
outputs, and makes a made-up report worthless. Tensors are `TensorArray`s here: torch is
imported only in the worker.
"""
import numpy as np
import pytest

from autograder.grading_process.grading_api import TensorArray, remote_type_name, tensor
from tests.support.torch_models import (affine_chain_forward, chain_sizes, conv_layers,
                                          dense_parameter_count, describe, describe_linear_layers,
                                          describe_output, describe_sizes, float64, linear_chain,
                                          linear_layers, output_mistake_hint)
from tests.support import show
from tests.support.expected import conv_forward, max_pool_forward

N = 5
DIGIT_SIZES = [784, 128, 64, 10]
DIGIT_PARAMETERS = 109_386
DOG_SIZES = [64 * 64 * 3, 128, 64, 10]
CONV_PARAMETERS = 3_274_634
CONV_WEIGHT_SHAPES = [(32, 1, 5, 5), (64, 32, 5, 5)]
CONV_DENSE_SIZES = [7 * 7 * 64, 1024, 10]
# (input_size, hidden_sizes, num_classes)
MLP_CASES = [(5, [], 3), (6, [4], 2), (7, [6, 5, 4], 3), (8, [8, 8], 4), (784, [128, 64], 10)]


def random_inputs(*shape, seed=0):
    """Standard normal float32 inputs: both signs, so every ReLU matters."""
    return tensor(np.random.default_rng(seed).standard_normal(shape))


def uniform_images(shape, seed):
    """float32 inputs uniform in [0, 1), like pixel values."""
    return tensor(np.random.default_rng(seed).random(shape))


def run_forward(tools, model, x, seed=None):
    """model(x) in the worker, without gradient tracking (`seed`: the same dropout masks)."""
    return tools.forward(model, x, seed=seed)


def mlp_call(sizes):
    return f"MultiLayerPerceptron({sizes[0]}, {sizes[1:-1]}, {sizes[-1]})"


def check_layer_sizes(described, name, sizes):
    """The model's fully connected layers must form exactly the chain `sizes`."""
    chain, unused = linear_chain(described, sizes[0])
    assert chain_sizes(chain, sizes[0]) == list(sizes) and not unused, (
        f"`{name}` has {describe_linear_layers(described)}; expected fully connected layers "
        f"{describe_sizes(sizes)} (one `nn.Linear` per arrow).")


def check_parameter_count(described, name, expected):
    got = described.parameters
    assert got == expected, (
        f"`{name}` has {got:,} trainable parameters; expected {expected:,} "
        f"(layers {describe_linear_layers(described)}).")


def check_affine_relu_forward(tools, model, name, x, num_classes):
    """model(x) must equal affine - ReLU - ... - affine through its own Linear layers.

    x: (N, D) float32; the model is put in eval mode.
    """
    model.eval()
    described = describe(tools, model, name)
    chain, unused = linear_chain(described, x.shape[1])
    assert chain and not unused and chain[-1].out_features == num_classes, (
        f"`{name}`: could not follow its `nn.Linear` layers from {x.shape[1]} inputs to "
        f"{num_classes} outputs (it has {describe_linear_layers(described)}), so its `forward` "
        f"could not be checked.")
    got = run_forward(tools, model, x)
    assert isinstance(got, TensorArray) and tuple(got.shape) == (len(x), num_classes), (
        f"`{name}.forward` on input of shape {tuple(x.shape)} returned {describe_output(got)}; "
        f"expected a tensor of shape {(len(x), num_classes)}.")
    got = float64(got)
    expected = affine_chain_forward(chain, x)
    if np.allclose(got, expected, rtol=1e-4, atol=1e-5):
        return
    layers = describe_sizes(chain_sizes(chain, x.shape[1]))
    message = (f"`{name}.forward` on random input of shape {tuple(x.shape)} does not compute "
               f"affine → ReLU → … → affine through its layers {layers} with raw logits out.\n"
               f"Yours (first row): {show(got[0])}\n"
               f"Expected (first row): {show(expected[0])}")
    hint = output_mistake_hint(got, expected, chain, float64(x))
    raise AssertionError(f"{message}\n{hint}" if hint else message)


def check_structure(tools, model, name, sizes, parameters):
    """The layers and parameter count the worker reports, backed by a forward pass through
    them (a report that does not match what the model computes earns nothing)."""
    described = describe(tools, model, name)
    check_layer_sizes(described, name, sizes)
    check_parameter_count(described, name, parameters)
    check_affine_relu_forward(tools, model, name, random_inputs(2, sizes[0], seed=9), sizes[-1])


# -- 8.1 Digit_Classifier ------------------------------------------------------------------
def test_digit_classifier_layers(models, tools):
    check_structure(tools, models.Digit_Classifier(), "Digit_Classifier()", DIGIT_SIZES,
                    DIGIT_PARAMETERS)


def test_digit_classifier_forward(models, tools):
    check_affine_relu_forward(tools, models.Digit_Classifier(), "Digit_Classifier",
                              random_inputs(N, 784), 10)


# -- 8.2 Dog_Classifier_FC -----------------------------------------------------------------
def test_dog_classifier_layers(models, tools):
    check_structure(tools, models.Dog_Classifier_FC(), "Dog_Classifier_FC()", DOG_SIZES,
                    dense_parameter_count(DOG_SIZES))


def test_dog_classifier_forward(models, tools):
    check_affine_relu_forward(tools, models.Dog_Classifier_FC(), "Dog_Classifier_FC",
                              random_inputs(N, 64 * 64 * 3), 10)


def test_dog_classifier_image_input(models, tools):
    model = models.Dog_Classifier_FC().eval()
    images = random_inputs(N, 64, 64, 3, seed=1)
    from_rows = run_forward(tools, model, images.reshape(N, -1))
    try:
        from_images = run_forward(tools, model, images)
    except RuntimeError as error:
        if not isinstance(from_rows, TensorArray):
            raise
        raise AssertionError(
            f"`Dog_Classifier_FC.forward` takes flattened rows {(N, 64 * 64 * 3)} but fails on "
            f"image-shaped input {(N, 64, 64, 3)}: `{error}`.\nHint: flatten each example inside "
            f"`forward`, e.g. `inputs.reshape(len(inputs), -1)`: the assignment's `forward` takes "
            f"images of shape (N, 64, 64, 3) as well as rows.") from None
    assert isinstance(from_images, TensorArray) and tuple(from_images.shape) == (N, 10), (
        f"`Dog_Classifier_FC.forward` on image-shaped input {(N, 64, 64, 3)} returned "
        f"{describe_output(from_images)}; expected shape {(N, 10)}.\nHint: flatten each example "
        f"inside `forward`, e.g. `inputs.reshape(len(inputs), -1)`.")
    assert isinstance(from_rows, TensorArray) and np.allclose(from_images, from_rows, rtol=1e-5,
                                                              atol=1e-6), (
        f"`Dog_Classifier_FC.forward` gives different logits for images of shape {(N, 64, 64, 3)} "
        f"and for the same images flattened to {(N, 64 * 64 * 3)}.\n"
        f"Images (first row): {show(float64(from_images[0]))}\n"
        f"Flattened (first row): {show(float64(from_rows[0]))}\n"
        f"Hint: flatten with `inputs.reshape(len(inputs), -1)`, which keeps each image's values in "
        f"the order of the flat rows (no `permute`/`transpose`).")
    chain, _ = linear_chain(describe(tools, model, "Dog_Classifier_FC()"), 64 * 64 * 3)
    expected = affine_chain_forward(chain, images.reshape(N, -1))
    assert np.allclose(float64(from_images), expected, rtol=1e-4, atol=1e-5), (
        f"`Dog_Classifier_FC.forward` on image-shaped input {(N, 64, 64, 3)} does not compute "
        f"affine → ReLU → affine → ReLU → affine through its layers on the flattened images.\n"
        f"Yours (first row): {show(float64(from_images[0]))}\nExpected (first row): "
        f"{show(expected[0])}")


# -- 8.3 MultiLayerPerceptron --------------------------------------------------------------
@pytest.mark.parametrize("input_size, hidden_sizes, num_classes", MLP_CASES)
def test_mlp_layers(models, tools, input_size, hidden_sizes, num_classes):
    sizes = [input_size, *hidden_sizes, num_classes]
    model = models.MultiLayerPerceptron(input_size, list(hidden_sizes), num_classes)
    check_structure(tools, model, mlp_call(sizes), sizes, dense_parameter_count(sizes))


@pytest.mark.parametrize("input_size, hidden_sizes, num_classes", MLP_CASES)
def test_mlp_forward(models, tools, input_size, hidden_sizes, num_classes):
    model = models.MultiLayerPerceptron(input_size, list(hidden_sizes), num_classes)
    check_affine_relu_forward(tools, model, mlp_call([input_size, *hidden_sizes, num_classes]),
                              random_inputs(N, input_size), num_classes)


# -- 8.4 LogisticRegression ----------------------------------------------------------------
@pytest.mark.parametrize("input_size, num_classes", [(6, 3), (784, 10)])
def test_logistic_regression(models, tools, input_size, num_classes):
    name = f"LogisticRegression({input_size}, {num_classes})"
    model = models.LogisticRegression(input_size, num_classes)
    described = describe(tools, model, name)
    shapes = [(layer.in_features, layer.out_features) for layer in linear_layers(described)]
    assert shapes == [(input_size, num_classes)], (
        f"`{name}` has {describe_linear_layers(described)}; expected exactly one "
        f"`Linear({input_size}, {num_classes})` and no hidden layer.")
    check_parameter_count(described, name, dense_parameter_count([input_size, num_classes]))
    check_affine_relu_forward(tools, model, name, random_inputs(N, input_size), num_classes)


# -- 8.5 DeepConvNet -----------------------------------------------------------------------
def deep_conv_parts(described):
    """(conv1, conv2, fc1, fc2) of a reported DeepConvNet, found by their shapes."""
    convs = sorted(conv_layers(described), key=lambda conv: conv.in_features)
    dense, unused = linear_chain(described, CONV_DENSE_SIZES[0])
    conv_shapes = [tuple(conv.weight.shape) for conv in convs]
    assert conv_shapes == CONV_WEIGHT_SHAPES, (
        f"`DeepConvNet()` has convolutions with weight shapes {conv_shapes}; expected "
        f"{CONV_WEIGHT_SHAPES} (5×5 kernels, 1 → 32 then 32 → 64 channels).")
    assert chain_sizes(dense, CONV_DENSE_SIZES[0]) == CONV_DENSE_SIZES and not unused, (
        f"`DeepConvNet()` has {describe_linear_layers(described)}; expected fully connected "
        f"layers {describe_sizes(CONV_DENSE_SIZES)} (7·7·64 = 3136 features after the second "
        f"pooling).")
    return (*convs, *dense)


def deep_conv_hidden(described, images):
    """Independent float64 pass (eval mode) from the reported weights up to the 1024 hidden
    units after fc1's ReLU. images: (N, 1, 28, 28) -> (N, 1024)."""
    conv1, conv2, fc1, _ = (layer_params(layer) for layer in deep_conv_parts(described))
    x = float64(images)
    for weight, bias in (conv1, conv2):
        x = max_pool_forward(np.maximum(conv_forward(x, weight, bias, stride=1, pad=2), 0), 2, 2, 2)
    return np.maximum(linear(x.reshape(len(x), -1), *fc1), 0)


def deep_conv_expected(described, images):
    """Independent float64 forward pass (eval mode): (N, 1, 28, 28) -> logits (N, 10)."""
    fc2 = layer_params(deep_conv_parts(described)[-1])
    return linear(deep_conv_hidden(described, images), *fc2)


def layer_params(layer):
    """(weight, bias) of a reported layer, float64; a missing bias is zeros."""
    bias = layer.bias if layer.bias is not None else np.zeros(layer.weight.shape[0])
    return layer.weight, bias


def linear(x, weight, bias):
    """x: (N, D), weight: (M, D), bias: (M,) -> (N, M), as `nn.Linear` computes it."""
    return x @ weight.T + bias


def test_deep_conv_net_layers(models, tools):
    model = models.DeepConvNet().eval()
    described = describe(tools, model, "DeepConvNet()")
    deep_conv_parts(described)
    check_parameter_count(described, "DeepConvNet()", CONV_PARAMETERS)
    images = uniform_images((1, 1, 28, 28), seed=5)
    got = run_forward(tools, model, images)
    assert (isinstance(got, TensorArray) and tuple(got.shape) == (1, 10) and np.allclose(
        float64(got), deep_conv_expected(described, images), rtol=1e-4, atol=1e-5)), (
        "`DeepConvNet()`'s layers have the right shapes, but its `forward` does not compute the "
        "convnet through them (see item 8.5's forward checks).")


@pytest.mark.parametrize("input_shape", [(2, 1, 28, 28), (2, 784)], ids=["images", "flat"])
def test_deep_conv_net_forward(models, tools, input_shape):
    model = models.DeepConvNet().eval()
    images = uniform_images((2, 1, 28, 28), seed=2)
    expected = deep_conv_expected(describe(tools, model, "DeepConvNet()"), images)
    inputs = images.reshape(input_shape)
    got, again = run_forward(tools, model, inputs), run_forward(tools, model, inputs)
    assert isinstance(got, TensorArray) and tuple(got.shape) == (2, 10), (
        f"`DeepConvNet.forward` (eval mode) on input of shape {input_shape} returned "
        f"{describe_output(got)}; expected shape (2, 10).\nHint: reshape the input to "
        f"(N, 1, 28, 28) first, e.g. `inputs.reshape(-1, 1, 28, 28)`.")
    got = float64(got)
    if np.allclose(got, expected, rtol=1e-4, atol=1e-5):
        return
    message = (f"`DeepConvNet.forward` (eval mode) on random images given with shape "
               f"{input_shape} does not compute conv(pad 2) → ReLU → max-pool 2×2 → conv(pad 2) → "
               f"ReLU → max-pool 2×2 → flatten → fc → ReLU → dropout → fc with raw logits out.\n"
               f"Yours (first row): {show(got[0])}\nExpected (first row): {show(expected[0])}")
    if not (isinstance(again, TensorArray) and np.array_equal(float64(again), got)):
        raise AssertionError(f"{message}\nHint: two calls gave different logits: dropout must be "
                             f"off in eval mode (`nn.Dropout(0.5)` module, or "
                             f"`F.dropout(x, 0.5, training=self.training)`).")
    hint = output_mistake_hint(got, expected) or (
        "Hint: flatten the (N, 64, 7, 7) feature maps with `x.reshape(len(x), -1)` (channel, "
        "row, column order), and use `padding=2` so each convolution keeps the image size.")
    raise AssertionError(f"{message}\n{hint}")


def test_deep_conv_net_dropout(models, tools):
    """Dropout(0.5) acts on the 1024 hidden units in train mode only.

    The worker records the input of the last layer (1024 -> 10). In eval mode two passes agree;
    in train mode the logits are the last layer applied to that input (computed here), and each
    of its values is the hidden value computed here from the reported weights either dropped (0)
    or scaled by 1 / (1 - 0.5) = 2.
    """
    model = models.DeepConvNet()
    described = describe(tools, model, "DeepConvNet()")
    last = deep_conv_parts(described)[-1]
    images = uniform_images((4, 1, 28, 28), seed=3)
    model.eval()
    (first, hidden_eval), (second, _) = (tools.forward_recording(model, images, last.path)
                                         for _ in range(2))
    assert isinstance(first, TensorArray) and np.array_equal(first, second), (
        "`DeepConvNet` in eval mode (`model.eval()`) gave different logits for the same 4 images "
        "on two calls.\nHint: dropout must be off in eval mode: use an `nn.Dropout(0.5)` module, "
        "or `F.dropout(x, 0.5, training=self.training)`.")
    hidden_eval = deep_conv_hidden(described, images)
    model.train()
    logits_train, hidden_train = tools.forward_recording(model, images, last.path)
    assert isinstance(hidden_train, TensorArray) and hidden_train.shape == hidden_eval.shape, (
        f"`DeepConvNet` in train mode: the input of the last layer (1024 → 10) should have shape "
        f"{tuple(hidden_eval.shape)}; it is {describe_output(hidden_train)}.")
    hidden_train = float64(hidden_train)
    expected_logits = linear(hidden_train, *layer_params(last))
    assert isinstance(logits_train, TensorArray) and logits_train.shape == expected_logits.shape \
        and np.allclose(float64(logits_train), expected_logits, rtol=1e-4, atol=1e-5), (
        f"`DeepConvNet.forward` in train mode returned {describe_output(logits_train)}; expected "
        f"the last layer (1024 → 10) applied to what it received, with nothing after it "
        f"(first row: {show(expected_logits[0])}).")
    active = hidden_eval > 0
    kept = np.isclose(hidden_train, 2 * hidden_eval, rtol=1e-4, atol=1e-6)
    dropped = hidden_train == 0
    consistent = bool(np.where(active, kept | dropped, dropped).all())
    drop_rate = float(dropped[active].mean()) if active.any() else 0.0
    assert consistent and 0.4 <= drop_rate <= 0.6, (
        f"`DeepConvNet` in train mode: the input of the last layer (1024 → 10) should be the "
        f"eval-mode hidden values with each one either zeroed or doubled (dropout with p = 0.5), "
        f"about half of them zeroed. Zeroed: {100 * drop_rate:.1f}% of the active units; "
        f"{'every' if consistent else 'not every'} value is zeroed or doubled.\n"
        f"Hint: apply `nn.Dropout(0.5)` after the ReLU of the 1024-unit layer, right before the "
        f"last layer, and nowhere else.")


# -- 8.6 raw logits ------------------------------------------------------------------------
# name -> (constructor, input shape, input width of the first fully connected layer)
RAW_LOGIT_MODELS = {
    "Digit_Classifier()": (lambda m: m.Digit_Classifier(), (N, 784), 784),
    "Dog_Classifier_FC()": (lambda m: m.Dog_Classifier_FC(), (N, 64 * 64 * 3), 64 * 64 * 3),
    "MultiLayerPerceptron(6, [5], 4)": (lambda m: m.MultiLayerPerceptron(6, [5], 4), (N, 6), 6),
    "LogisticRegression(6, 4)": (lambda m: m.LogisticRegression(6, 4), (N, 6), 6),
    "DeepConvNet()": (lambda m: m.DeepConvNet(), (N, 1, 28, 28), 7 * 7 * 64),
}


@pytest.mark.parametrize("name", list(RAW_LOGIT_MODELS))
def test_outputs_are_raw_logits(models, tools, name):
    """With the output layer's biases set to -3 ... 3, raw logits have both signs; softmax,
    log-softmax or a ReLU on the output cannot. And raw logits move one for one with the output
    layer's bias: raising it by `delta` raises the outputs by exactly `delta` (checked here on
    two forward passes with the same dropout masks)."""
    build, input_shape, dense_width = RAW_LOGIT_MODELS[name]
    model = build(models).eval()
    chain, _ = linear_chain(describe(tools, model, name), dense_width)
    assert chain and chain[-1].bias is not None, (
        f"`{name}`: found no output `nn.Linear` with a bias (it has "
        f"{describe_linear_layers(describe(tools, model, name))}).")
    bias_path = f"{chain[-1].path}.bias" if chain[-1].path else "bias"
    bias = tensor(np.linspace(-3, 3, chain[-1].out_features))
    delta = tensor(np.linspace(0.5, 1.5, chain[-1].out_features))
    inputs = uniform_images(input_shape, seed=4)
    tools.set_parameter(model, bias_path, bias)
    got = float64(run_forward(tools, model, inputs, seed=0))
    tools.set_parameter(model, bias_path, bias + delta)
    moved = float64(run_forward(tools, model, inputs, seed=0))
    if got.min() < 0 < got.max() and np.allclose(moved - got, float64(delta), atol=1e-4):
        return
    message = (f"`{name}` returned outputs that are not raw logits: with the output layer's "
               f"biases set to -3 … 3 they should include negative and positive values.\n"
               f"Yours (first row): {show(got[0])}")
    if np.allclose(got.sum(axis=1), 1):
        hint = "the rows sum to 1: remove the softmax"
    elif np.allclose(np.log(np.exp(got).sum(axis=1)), 0):
        hint = "the rows are log-probabilities: remove the log-softmax"
    elif got.min() >= 0:
        hint = "no value is negative: remove the activation (ReLU/sigmoid) after the last layer"
    else:
        raise AssertionError(f"{message}\nWith the biases moved by {show(float64(delta))} the "
                             f"outputs moved by {show((moved - got)[0])} (first row); raw logits "
                             f"move by exactly that much.")
    raise AssertionError(f"{message}\nHint: {hint}; `nn.CrossEntropyLoss` applies log-softmax "
                         f"itself.")




# -- 8.7 load_classifier -------------------------------------------------------------------
@pytest.mark.parametrize("input_size, hidden_sizes, num_classes",
                         [(6, [], 3), (6, [5], 3), (9, [7, 5, 4], 2), (784, [128, 64], 10)])
def test_load_classifier_round_trip(models, tools, worker_tmp_path, input_size, hidden_sizes,
                                    num_classes):
    """The state dict of a `MultiLayerPerceptron` (its own key names) filled with weights
    chosen here, saved with `torch.save`: the model `load_classifier` rebuilds must hold exactly
    those weights (checked here) and compute what the saved model computes."""
    sizes = [input_size, *hidden_sizes, num_classes]
    original = models.MultiLayerPerceptron(input_size, list(hidden_sizes), num_classes)
    rng = np.random.default_rng(input_size + len(hidden_sizes))
    chosen = {key: 0.3 * rng.standard_normal(shape)
              for key, shape in tools.state_dict_shapes(original).items()}
    path = worker_tmp_path / "weights.pt"
    tools.save_state_dict(chosen, str(path))
    loaded = models.load_classifier(str(path))
    case = f"the `state_dict` of `{mlp_call(sizes)}` saved with `torch.save`"
    described = describe(tools, loaded, "load_classifier")
    saved_layers = describe(tools, original, mlp_call(sizes))
    assert described.parameters == saved_layers.parameters, (
        f"`load_classifier` on {case} returned a model with {described.parameters:,} parameters "
        f"({describe_linear_layers(described)}); the saved one has {saved_layers.parameters:,} "
        f"({describe_linear_layers(saved_layers)}).\n"
        f"Hint: read every layer size off the weight shapes (each `weight` is "
        f"(out_features, in_features)).")
    adopted = ([layer.path for layer in linear_layers(described)]
               == [layer.path for layer in linear_layers(saved_layers)]) and all(
        f"{layer.path}.weight" in chosen and np.allclose(
            layer.weight, chosen[f"{layer.path}.weight"].astype(np.float32), atol=1e-7)
        for layer in linear_layers(described))
    assert adopted, (
        f"`load_classifier` on {case} returned a model whose layers "
        f"({describe_linear_layers(described)}) do not hold the saved weights.\n"
        f"Hint: copy the saved weights in with `model.load_state_dict(state_dict)`.")
    tools.load_weights(original, chosen)
    x = random_inputs(N, input_size, seed=5)
    got = run_forward(tools, loaded.eval(), x)
    expected = run_forward(tools, original.eval(), x)
    same_shape = isinstance(got, TensorArray) and got.shape == expected.shape
    assert same_shape and np.array_equal(got, expected), (
        f"`load_classifier` on {case} returned a model whose outputs differ from the saved "
        f"model's ("
        + (f"largest difference {float(np.abs(float64(got) - float64(expected)).max()):.3g}"
           if same_shape else f"{describe_output(got)}, not {describe_output(expected)}")
        + ").\n"
        "Hint: rebuild a `MultiLayerPerceptron` and copy the saved weights in with "
        "`model.load_state_dict(state_dict)`.")


# -- 8.8 get_device ------------------------------------------------------------------------
def test_get_device(models, tools):
    cuda = bool(tools.cuda_available())
    expected = "cuda:0" if cuda else "cpu"
    got = models.get_device()
    name = tools.device_name(got)
    assert name == expected, (
        f"`get_device()` returned {name or repr(got)} (a `{remote_type_name(got)}`); expected "
        f"`torch.device(\"{expected}\")` on the grading machine (CUDA available: {cuda}).")
