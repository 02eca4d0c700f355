"""PyTorch models for Part B.

Every model returns raw class scores (logits), shape (N, num_classes), with no softmax:
`nn.CrossEntropyLoss` applies log-softmax itself.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Digit_Classifier(nn.Module):
    """Fully connected MNIST classifier: 784 -> 128 -> 64 -> 10, ReLU after each hidden layer.

    forward(inputs): inputs (N, 784) (or (N, 28, 28), flattened) -> logits (N, 10).
    """

    def __init__(self):
        """Create the three `nn.Linear` layers (109,386 parameters in all)."""
        raise NotImplementedError

    def forward(self, inputs):
        """inputs: (N, 784) or (N, 28, 28) -> logits: (N, 10)."""
        raise NotImplementedError


class Dog_Classifier_FC(nn.Module):
    """Fully connected classifier for 64x64 RGB images: 12288 -> 128 -> 64 -> 10, ReLU.

    forward(inputs): inputs (N, 12288) or image-shaped (N, 64, 64, 3) -> logits (N, 10).
    """

    def __init__(self):
        """Create the three `nn.Linear` layers."""
        raise NotImplementedError

    def forward(self, inputs):
        """inputs: (N, 12288) or (N, 64, 64, 3) -> logits: (N, 10). Flattens each example."""
        raise NotImplementedError


class MultiLayerPerceptron(nn.Module):
    """Fully connected network of any depth, ReLU between layers, logits out.

    Inputs:
    - input_size: number of input features D.
    - hidden_sizes: list of hidden layer widths, e.g. [128, 64]; may be empty (then the
      network is a single linear layer).
    - num_classes: number of outputs C.

    `self.layers` is an `nn.ModuleList` of the `nn.Linear` layers, in order, so the state dict
    keys are "layers.0.weight", "layers.0.bias", "layers.1.weight", ...
    forward(inputs): inputs (N, D) (other shapes are flattened per example) -> logits (N, C).
    """

    def __init__(self, input_size, hidden_sizes, num_classes):
        """Create one `nn.Linear` per consecutive pair of sizes."""
        raise NotImplementedError

    def forward(self, inputs):
        """inputs: (N, D) -> logits: (N, C); ReLU after every layer but the last."""
        raise NotImplementedError


class LogisticRegression(nn.Module):
    """Multinomial logistic regression: a single `nn.Linear`, no hidden layer.

    forward(inputs): inputs (N, input_size) -> logits (N, num_classes).
    """

    def __init__(self, input_size, num_classes):
        """Create the one linear layer `self.linear`."""
        raise NotImplementedError

    def forward(self, inputs):
        """inputs: (N, input_size) (other shapes are flattened per example) -> logits."""
        raise NotImplementedError


class DeepConvNet(nn.Module):
    """The classic MNIST convolutional network (3,274,634 parameters).

    conv 5x5, 1 -> 32 channels, "same" padding - ReLU - max-pool 2x2
    - conv 5x5, 32 -> 64 channels, "same" padding - ReLU - max-pool 2x2
    - fully connected 7*7*64 = 3136 -> 1024 - ReLU - dropout(p=0.5) - fully connected 1024 -> 10.
    Dropout is active only in training mode (`model.train()`), not after `model.eval()`.

    forward(inputs): inputs (N, 1, 28, 28) or (N, 784) -> logits (N, 10).
    """

    def __init__(self):
        """Create the two convolutions, the dropout and the two fully connected layers."""
        raise NotImplementedError

    def forward(self, inputs):
        """inputs: (N, 1, 28, 28) or (N, 784) -> logits: (N, 10)."""
        raise NotImplementedError


def load_classifier(path):
    """Rebuild a trained `MultiLayerPerceptron` from a file saved with
    `torch.save(model.state_dict(), path)`.

    Every size (input, hidden widths, classes) is read off the weight shapes: layer i's
    weight "layers.i.weight" has shape (out_features, in_features).

    Input:
    - path: the saved file (e.g. "mnist.pt").

    Returns the `MultiLayerPerceptron` with the saved weights, on the CPU, in eval mode.
    """
    raise NotImplementedError


def get_device():
    """The device to train on: the first GPU, torch.device("cuda:0"), when one is available,
    else torch.device("cpu")."""
    raise NotImplementedError
