"""Grading tests for models.py, checked by behaviour rather than by printed structure.

Layer sizes and parameter counts are read off the model's own `nn.Linear`/`nn.Conv2d` modules
(followed in the order data flows through them); each `forward` is compared with an
independent NumPy (or `torch.nn.functional`, float64) computation from the model's own
weights, which pins down ReLU placement and raw-logit outputs.
"""
import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from tests.part_b.pytorch_support import (affine_chain_forward, chain_sizes,
                                          dense_parameter_count, describe_linear_layers,
                                          describe_output, describe_sizes, linear_chain,
                                          linear_layers, output_mistake_hint, parameter_count)
from tests.support import show

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
    return torch.as_tensor(np.random.default_rng(seed).standard_normal(shape), dtype=torch.float32)


def run_forward(model, x):
    with torch.no_grad():
        return model(x)


def mlp_call(sizes):
    return f"MultiLayerPerceptron({sizes[0]}, {sizes[1:-1]}, {sizes[-1]})"


def check_layer_sizes(model, name, sizes):
    """The model's fully connected layers must form exactly the chain `sizes`."""
    chain, unused = linear_chain(model, sizes[0])
    assert chain_sizes(chain, sizes[0]) == list(sizes) and not unused, (
        f"`{name}` has {describe_linear_layers(model)}; expected fully connected layers "
        f"{describe_sizes(sizes)} (one `nn.Linear` per arrow).")


def check_parameter_count(model, name, expected):
    got = parameter_count(model)
    assert got == expected, (
        f"`{name}` has {got:,} trainable parameters; expected {expected:,} "
        f"(layers {describe_linear_layers(model)}).")


def check_affine_relu_forward(model, name, x, num_classes):
    """model(x) must equal affine - ReLU - ... - affine through its own Linear layers.

    x: (N, D) float32; the model is put in eval mode.
    """
    model.eval()
    chain, unused = linear_chain(model, x.shape[1])
    assert chain and not unused and chain[-1].out_features == num_classes, (
        f"`{name}`: could not follow its `nn.Linear` layers from {x.shape[1]} inputs to "
        f"{num_classes} outputs (it has {describe_linear_layers(model)}), so its `forward` "
        f"could not be checked.")
    got = run_forward(model, x)
    assert isinstance(got, torch.Tensor) and tuple(got.shape) == (len(x), num_classes), (
        f"`{name}.forward` on input of shape {tuple(x.shape)} returned {describe_output(got)}; "
        f"expected a tensor of shape {(len(x), num_classes)}.")
    got = got.double().numpy()
    expected = affine_chain_forward(chain, x.numpy())
    if np.allclose(got, expected, rtol=1e-4, atol=1e-5):
        return
    layers = describe_sizes(chain_sizes(chain, x.shape[1]))
    message = (f"`{name}.forward` on random input of shape {tuple(x.shape)} does not compute "
               f"affine → ReLU → … → affine through its layers {layers} with raw logits out.\n"
               f"Yours (first row): {show(got[0])}\n"
               f"Expected (first row): {show(expected[0])}")
    hint = output_mistake_hint(got, expected, chain, x.numpy())
    raise AssertionError(f"{message}\n{hint}" if hint else message)


# -- 8.1 Digit_Classifier ------------------------------------------------------------------
def test_digit_classifier_layers(models):
    model = models.Digit_Classifier()
    check_layer_sizes(model, "Digit_Classifier()", DIGIT_SIZES)
    check_parameter_count(model, "Digit_Classifier()", DIGIT_PARAMETERS)


def test_digit_classifier_forward(models):
    check_affine_relu_forward(models.Digit_Classifier(), "Digit_Classifier",
                              random_inputs(N, 784), 10)


# -- 8.2 Dog_Classifier_FC -----------------------------------------------------------------
def test_dog_classifier_layers(models):
    model = models.Dog_Classifier_FC()
    check_layer_sizes(model, "Dog_Classifier_FC()", DOG_SIZES)
    check_parameter_count(model, "Dog_Classifier_FC()", dense_parameter_count(DOG_SIZES))


def test_dog_classifier_forward(models):
    check_affine_relu_forward(models.Dog_Classifier_FC(), "Dog_Classifier_FC",
                              random_inputs(N, 64 * 64 * 3), 10)


def test_dog_classifier_image_input(models):
    model = models.Dog_Classifier_FC().eval()
    images = random_inputs(N, 64, 64, 3, seed=1)
    from_images = run_forward(model, images)
    from_rows = run_forward(model, images.reshape(N, -1))
    assert isinstance(from_images, torch.Tensor) and tuple(from_images.shape) == (N, 10), (
        f"`Dog_Classifier_FC.forward` on image-shaped input {(N, 64, 64, 3)} returned "
        f"{describe_output(from_images)}; expected shape {(N, 10)}.\nHint: flatten each example "
        f"inside `forward`, e.g. `inputs.reshape(len(inputs), -1)`.")
    assert torch.allclose(from_images, from_rows, rtol=1e-5, atol=1e-6), (
        f"`Dog_Classifier_FC.forward` gives different logits for images of shape {(N, 64, 64, 3)} "
        f"and for the same images flattened to {(N, 64 * 64 * 3)}.\n"
        f"Images (first row): {show(from_images[0].numpy())}\n"
        f"Flattened (first row): {show(from_rows[0].numpy())}\n"
        f"Hint: flatten with `inputs.reshape(len(inputs), -1)`, which keeps each image's values in "
        f"the order of the flat rows (no `permute`/`transpose`).")


# -- 8.3 MultiLayerPerceptron --------------------------------------------------------------
@pytest.mark.parametrize("input_size, hidden_sizes, num_classes", MLP_CASES)
def test_mlp_layers(models, input_size, hidden_sizes, num_classes):
    sizes = [input_size, *hidden_sizes, num_classes]
    model = models.MultiLayerPerceptron(input_size, list(hidden_sizes), num_classes)
    check_layer_sizes(model, mlp_call(sizes), sizes)
    check_parameter_count(model, mlp_call(sizes), dense_parameter_count(sizes))


@pytest.mark.parametrize("input_size, hidden_sizes, num_classes", MLP_CASES)
def test_mlp_forward(models, input_size, hidden_sizes, num_classes):
    model = models.MultiLayerPerceptron(input_size, list(hidden_sizes), num_classes)
    check_affine_relu_forward(model, mlp_call([input_size, *hidden_sizes, num_classes]),
                              random_inputs(N, input_size), num_classes)


# -- 8.4 LogisticRegression ----------------------------------------------------------------
@pytest.mark.parametrize("input_size, num_classes", [(6, 3), (784, 10)])
def test_logistic_regression(models, input_size, num_classes):
    name = f"LogisticRegression({input_size}, {num_classes})"
    model = models.LogisticRegression(input_size, num_classes)
    layers = linear_layers(model)
    shapes = [(layer.in_features, layer.out_features) for layer in layers]
    assert shapes == [(input_size, num_classes)], (
        f"`{name}` has {describe_linear_layers(model)}; expected exactly one "
        f"`Linear({input_size}, {num_classes})` and no hidden layer.")
    check_parameter_count(model, name, dense_parameter_count([input_size, num_classes]))
    check_affine_relu_forward(model, name, random_inputs(N, input_size), num_classes)


# -- 8.5 DeepConvNet -----------------------------------------------------------------------
def conv_layers(model):
    return [module for module in model.modules() if isinstance(module, nn.Conv2d)]


def deep_conv_parts(model):
    """(conv1, conv2, fc1, fc2) of a DeepConvNet, found by their shapes."""
    convs = sorted(conv_layers(model), key=lambda conv: conv.in_channels)
    dense, unused = linear_chain(model, CONV_DENSE_SIZES[0])
    conv_shapes = [tuple(conv.weight.shape) for conv in convs]
    assert conv_shapes == CONV_WEIGHT_SHAPES, (
        f"`DeepConvNet()` has convolutions with weight shapes {conv_shapes}; expected "
        f"{CONV_WEIGHT_SHAPES} (5×5 kernels, 1 → 32 then 32 → 64 channels).")
    assert chain_sizes(dense, CONV_DENSE_SIZES[0]) == CONV_DENSE_SIZES and not unused, (
        f"`DeepConvNet()` has {describe_linear_layers(model)}; expected fully connected layers "
        f"{describe_sizes(CONV_DENSE_SIZES)} (7·7·64 = 3136 features after the second pooling).")
    return (*convs, *dense)


def deep_conv_expected(model, images):
    """Independent float64 forward pass (eval mode) from the model's own weights.

    images: (N, 1, 28, 28) -> logits (N, 10).
    """
    conv1, conv2, fc1, fc2 = (layer_params(layer) for layer in deep_conv_parts(model))
    x = images.double()
    x = F.max_pool2d(F.relu(F.conv2d(x, *conv1, padding=2)), 2)
    x = F.max_pool2d(F.relu(F.conv2d(x, *conv2, padding=2)), 2)
    x = F.relu(F.linear(x.flatten(1), *fc1))
    return F.linear(x, *fc2)


def layer_params(layer):
    bias = layer.bias if layer.bias is not None else torch.zeros(layer.weight.shape[0])
    return layer.weight.detach().double(), bias.detach().double()


def test_deep_conv_net_layers(models):
    model = models.DeepConvNet()
    deep_conv_parts(model)
    check_parameter_count(model, "DeepConvNet()", CONV_PARAMETERS)


@pytest.mark.parametrize("input_shape", [(2, 1, 28, 28), (2, 784)], ids=["images", "flat"])
def test_deep_conv_net_forward(models, input_shape):
    model = models.DeepConvNet().eval()
    images = torch.as_tensor(np.random.default_rng(2).random((2, 1, 28, 28)), dtype=torch.float32)
    expected = deep_conv_expected(model, images).numpy()
    inputs = images.reshape(input_shape)
    got, again = run_forward(model, inputs), run_forward(model, inputs)
    assert isinstance(got, torch.Tensor) and tuple(got.shape) == (2, 10), (
        f"`DeepConvNet.forward` (eval mode) on input of shape {input_shape} returned "
        f"{describe_output(got)}; expected shape (2, 10).\nHint: reshape the input to "
        f"(N, 1, 28, 28) first, e.g. `inputs.reshape(-1, 1, 28, 28)`.")
    got = got.double().numpy()
    if np.allclose(got, expected, rtol=1e-4, atol=1e-5):
        return
    message = (f"`DeepConvNet.forward` (eval mode) on random images given with shape "
               f"{input_shape} does not compute conv(pad 2) → ReLU → max-pool 2×2 → conv(pad 2) → "
               f"ReLU → max-pool 2×2 → flatten → fc → ReLU → dropout → fc with raw logits out.\n"
               f"Yours (first row): {show(got[0])}\nExpected (first row): {show(expected[0])}")
    if not torch.equal(again, torch.as_tensor(got, dtype=again.dtype)):
        raise AssertionError(f"{message}\nHint: two calls gave different logits: dropout must be "
                             f"off in eval mode (`nn.Dropout(0.5)` module, or "
                             f"`F.dropout(x, 0.5, training=self.training)`).")
    hint = output_mistake_hint(got, expected) or (
        "Hint: flatten the (N, 64, 7, 7) feature maps with `x.reshape(len(x), -1)` (channel, "
        "row, column order), and use `padding=2` so each convolution keeps the image size.")
    raise AssertionError(f"{message}\n{hint}")


def test_deep_conv_net_dropout(models):
    """Dropout(0.5) acts on the 1024 hidden units in train mode only.

    A forward hook records the input of the last layer (1024 -> 10). In eval mode two passes
    agree; in train mode each hidden value is either dropped (0) or scaled by 1 / (1 - 0.5) = 2.
    """
    model = models.DeepConvNet()
    last = deep_conv_parts(model)[-1]
    seen = []
    last.register_forward_hook(
        lambda module, inputs, output: seen.append(inputs[0].detach().clone()))
    images = torch.as_tensor(np.random.default_rng(3).random((4, 1, 28, 28)), dtype=torch.float32)
    model.eval()
    first, second = run_forward(model, images), run_forward(model, images)
    assert torch.equal(first, second), (
        "`DeepConvNet` in eval mode (`model.eval()`) gave different logits for the same 4 images "
        "on two calls.\nHint: dropout must be off in eval mode: use an `nn.Dropout(0.5)` module, "
        "or `F.dropout(x, 0.5, training=self.training)`.")
    model.train()
    run_forward(model, images)
    hidden_eval, hidden_train = seen[0].double(), seen[-1].double()
    active = hidden_eval > 0
    kept = torch.isclose(hidden_train, 2 * hidden_eval, rtol=1e-4, atol=1e-6)
    dropped = hidden_train == 0
    consistent = bool(torch.where(active, kept | dropped, dropped).all())
    drop_rate = float(dropped[active].double().mean()) if active.any() else 0.0
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
def test_outputs_are_raw_logits(models, name):
    """With the output layer's biases set to -3 ... 3, raw logits have both signs; softmax,
    log-softmax or a ReLU on the output cannot."""
    build, input_shape, dense_width = RAW_LOGIT_MODELS[name]
    model = build(models).eval()
    chain, _ = linear_chain(model, dense_width)
    assert chain and chain[-1].bias is not None, (
        f"`{name}`: found no output `nn.Linear` with a bias (it has "
        f"{describe_linear_layers(model)}).")
    with torch.no_grad():
        chain[-1].bias.copy_(torch.linspace(-3, 3, chain[-1].out_features))
    got = run_forward(model, torch.as_tensor(np.random.default_rng(4).random(input_shape),
                                             dtype=torch.float32))
    got = got.double().numpy()
    if got.min() < 0 < got.max():
        return
    message = (f"`{name}` returned outputs that are not raw logits: with the output layer's "
               f"biases set to -3 … 3 they should include negative and positive values.\n"
               f"Yours (first row): {show(got[0])}")
    if np.allclose(got.sum(axis=1), 1):
        hint = "the rows sum to 1: remove the softmax"
    elif np.allclose(np.log(np.exp(got).sum(axis=1)), 0):
        hint = "the rows are log-probabilities: remove the log-softmax"
    else:
        hint = "no value is negative: remove the activation (ReLU/sigmoid) after the last layer"
    raise AssertionError(f"{message}\nHint: {hint}; `nn.CrossEntropyLoss` applies log-softmax "
                         f"itself.")


# -- 8.7 load_classifier -------------------------------------------------------------------
@pytest.mark.parametrize("input_size, hidden_sizes, num_classes",
                         [(6, [], 3), (6, [5], 3), (9, [7, 5, 4], 2), (784, [128, 64], 10)])
def test_load_classifier_round_trip(models, tmp_path, input_size, hidden_sizes, num_classes):
    sizes = [input_size, *hidden_sizes, num_classes]
    original = models.MultiLayerPerceptron(input_size, list(hidden_sizes), num_classes).eval()
    path = tmp_path / "weights.pt"
    torch.save(original.state_dict(), path)
    loaded = models.load_classifier(str(path))
    case = f"the `state_dict` of `{mlp_call(sizes)}` saved with `torch.save`"
    assert isinstance(loaded, nn.Module), (
        f"`load_classifier` on {case} returned `{type(loaded).__name__}`; expected the rebuilt "
        f"`MultiLayerPerceptron`.")
    assert parameter_count(loaded) == parameter_count(original), (
        f"`load_classifier` on {case} returned a model with {parameter_count(loaded):,} parameters "
        f"({describe_linear_layers(loaded)}); expected {parameter_count(original):,}.\n"
        f"Hint: read every layer size off the weight shapes (each `weight` is "
        f"(out_features, in_features)).")
    x = random_inputs(N, input_size, seed=5)
    expected, got = run_forward(original, x), run_forward(loaded.eval(), x)
    assert torch.equal(got, expected), (
        f"`load_classifier` on {case} returned a model whose outputs differ from the saved model's "
        f"(largest difference {float((got - expected).abs().max()):.3g}).\n"
        f"Hint: copy the saved weights in with `model.load_state_dict(state_dict)`.")


# -- 8.8 get_device ------------------------------------------------------------------------
def test_get_device(models):
    expected = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    got = models.get_device()
    assert isinstance(got, torch.device) and got == expected, (
        f"`get_device()` returned {got!r} (a `{type(got).__name__}`); expected "
        f"`torch.device(\"{expected}\")` on the grading machine (CUDA available: "
        f"{torch.cuda.is_available()}).")
