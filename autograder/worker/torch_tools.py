"""PyTorch helpers the grading tests name to build and read objects inside a student worker.

The grading process cannot hold a torch module of the submission, so it asks the worker to
describe one as plain values (`describe`: every `nn.Linear` and `nn.Conv2d` with its weights),
to build the small models, datasets, loaders and optimizers a test hands to submitted code, and
to run a forward pass. Everything these return is the worker's word: the grading tests only
ever compare it with their own computation (a forward pass from the reported weights, an SGD
run simulated from the served order).
"""
from __future__ import annotations

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset, TensorDataset


def describe(model) -> dict:
    """{"layers": [...], "parameters": count, "training": bool}: every `nn.Linear` and
    `nn.Conv2d` of `model` in registration order, each {"kind", "path", "in", "out", "weight",
    "bias" (None when absent), "padding", "stride"} with the weights as they are (float32)."""
    layers = []
    for path, module in model.named_modules():
        if isinstance(module, nn.Linear):
            layers.append({"kind": "Linear", "path": path, "in": module.in_features,
                           "out": module.out_features, **_weights(module),
                           "padding": None, "stride": None})
        elif isinstance(module, nn.Conv2d):
            layers.append({"kind": "Conv2d", "path": path, "in": module.in_channels,
                           "out": module.out_channels, **_weights(module),
                           "padding": list(module.padding) if not isinstance(module.padding, str)
                           else module.padding, "stride": list(module.stride)})
    return {"layers": layers, "parameters": sum(p.numel() for p in model.parameters()),
            "training": bool(model.training)}


def _weights(module) -> dict:
    bias = module.bias.detach() if module.bias is not None else None
    return {"weight": module.weight.detach(), "bias": bias}


def is_module(value) -> bool:
    return isinstance(value, nn.Module)


def device_name(value) -> str | None:
    """`str(value)` when it is a `torch.device`, else None."""
    return str(value) if isinstance(value, torch.device) else None


def cuda_available() -> bool:
    """Whether torch sees a CUDA device here (what `get_device` should go by)."""
    return torch.cuda.is_available()


def cpu() -> torch.device:
    return torch.device("cpu")


def forward(model, inputs, no_grad: bool = True, seed: int | None = None):
    """model(inputs) as float tensor input (float32), under `torch.no_grad()` by default;
    `seed`: seed torch's RNG first (the same dropout masks on every call)."""
    inputs = torch.as_tensor(inputs, dtype=torch.float32)
    if seed is not None:
        torch.manual_seed(seed)
    if no_grad:
        with torch.no_grad():
            return model(inputs)
    return model(inputs)


def forward_recording(model, inputs, path: str):
    """(model(inputs), the input of the submodule at `path`) under `torch.no_grad()`."""
    seen = []
    module = model.get_submodule(path)
    hook = module.register_forward_hook(lambda _m, args, _out: seen.append(args[0].detach().clone()))
    try:
        output = forward(model, inputs)
    finally:
        hook.remove()
    return output, seen[-1] if seen else None


def set_parameter(model, path: str, value) -> None:
    """Copy `value` into the parameter at dotted `path` (e.g. "fc2.bias"), without tracking."""
    with torch.no_grad():
        model.get_parameter(path).copy_(torch.as_tensor(value))


def frozen_parameters(model) -> list[str]:
    """Names of the parameters whose `requires_grad` is off."""
    return [name for name, parameter in model.named_parameters() if not parameter.requires_grad]


def state_dict_shapes(model) -> dict:
    """{key: shape} of `model.state_dict()`."""
    return {key: list(value.shape) for key, value in model.state_dict().items()}


def load_weights(model, tensors: dict) -> None:
    """`model.load_state_dict` of the given arrays (float32 tensors)."""
    model.load_state_dict({key: torch.as_tensor(value, dtype=torch.float32)
                           for key, value in tensors.items()})


def save_state_dict(tensors: dict, path: str) -> None:
    """`torch.save` of a state dict made of the given arrays (float32 tensors)."""
    torch.save({key: torch.as_tensor(value, dtype=torch.float32) for key, value in tensors.items()},
               path)


class ProbeLinear(nn.Module):
    """A linear model `nn.Linear(weight, bias)` for the training-loop tests.

    frozen: the logits are the same but their gradient is 0, so training leaves the model as it
    is. eval_shift: added to the logits in eval mode only (a loss that only the right mode
    gives). grad_shift: added to the logits while gradient tracking is on. train_bias: False
    keeps the bias out of training.
    """

    def __init__(self, weight, bias, frozen=False, eval_shift=None, grad_shift=None,
                 train_bias=True):
        super().__init__()
        weight, bias = torch.as_tensor(weight), torch.as_tensor(bias)
        self.linear = nn.Linear(weight.shape[1], weight.shape[0])
        with torch.no_grad():
            self.linear.weight.copy_(weight)
            self.linear.bias.copy_(bias)
        self.linear.bias.requires_grad_(train_bias)
        self.frozen = frozen
        self.eval_shift = None if eval_shift is None else torch.as_tensor(eval_shift, dtype=torch.float32)
        self.grad_shift = None if grad_shift is None else torch.as_tensor(grad_shift, dtype=torch.float32)

    def forward(self, inputs):
        logits = self.linear(inputs)
        if self.frozen:
            logits = logits.detach() + 0.0 * logits
        if self.eval_shift is not None and not self.training:
            logits = logits + self.eval_shift
        if self.grad_shift is not None and torch.is_grad_enabled():
            logits = logits + self.grad_shift
        return logits


class RecordingDataset(Dataset):
    """Items (float32 features, int64 target) like `data.MyDataset`, recording the index of
    every item served (`served`), which shows the order batches were drawn in."""

    def __init__(self, X, y):
        self.data = TensorDataset(torch.as_tensor(X, dtype=torch.float32),
                                  torch.as_tensor(y, dtype=torch.long))
        self.served: list[int] = []

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        self.served.append(int(index))
        return self.data[index]


def loader(dataset, batch_size: int) -> DataLoader:
    return DataLoader(dataset, batch_size=batch_size, shuffle=False)


def sgd(model, learning_rate: float):
    return torch.optim.SGD(model.parameters(), lr=learning_rate)
