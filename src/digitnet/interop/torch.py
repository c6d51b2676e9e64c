"""PyTorch: a digitnet network as an ``nn.Sequential``, and an ``nn.Sequential`` read back.

The network (784, 16, 16, 10) with ReLU hidden layers and a softmax output is, in PyTorch, ::

    nn.Sequential(nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                  nn.Linear(16, 10), nn.Softmax(dim=1))

``nn.Linear.weight`` has digitnet's layout, (n_out, n_in), so the arrays move over as they are,
and the module's state dict names layer l's arrays ``{2(l-1)}.weight`` and ``{2(l-1)}.bias``
(:func:`state_dict_arrays`). The module gives the network's probabilities, those
:meth:`Network.predict_proba` gives, whatever its output: a softmax output ends in
``nn.Softmax(dim=1)`` (drop the last module for the logits that ``nn.CrossEntropyLoss`` wants);
a sigmoid output (``output="sigmoid"``), whose probabilities are its outputs normalised,
σ(z) / Σ_k σ(z_k), ends in ``nn.LogSigmoid(), nn.Softmax(dim=1)``, which computes exactly that
(softmax(log σ(z))), with modules PyTorch has (drop the last one for log σ(z), the log of
:meth:`Network.forward`'s outputs; the last two for z). It takes what the first layer reads: one
row per example, float32.

Its layers are float32 whatever the network's dtype, as PyTorch's are by default, as the printed
module (:func:`python_lines`), the ONNX export and the rows digitnet makes are. A float64
network (``digitnet.from_sklearn``'s, or ``digitnet.from_torch``'s of a ``.double()`` module:
they keep the float64 coefficients, to give the original's answers) is rounded to float32: the
module gives its answers to float32 rounding, and ``from_torch(net.to_torch())`` is float32
(``module.double()``, given float64 rows, computes in float64).

``digitnet.inputs.of(net).rows(x)`` is the module's input for a table (its columns
standardised, float32) and for pictures given as brightness 0..1 (cast to float32); for uint8
pictures it gives uint8 pixels 0..255, which :meth:`Network.forward` scales by 1/255 as it
reads them and the module does not (cast to float, they are 255 times too bright). So, for
uint8 pictures (or recordings' pictures, :func:`digitnet.audio.picture`)::

    x = digitnet.inputs.of(net).rows(images / 255).astype(np.float32)  # deskewed, if net deskews
    module(torch.from_numpy(x))  # net.predict_proba(images), to float32 rounding

Exactly the first layer's input, for any examples: ``net.trace(rows).activations[0]``, with
``rows = digitnet.inputs.of(net).rows(x)``.

What the module does not hold, how examples become those rows (the input record: deskewing, a
table's mean and std) and the class names, is :func:`record`: the metadata of the safetensors
file ``digitnet export --format torch`` writes, and ``module.digitnet`` of :func:`to_torch`'s
module. :func:`read_torch` reads it back (from ``module.digitnet``, or given as ``input`` and
``classes``), so ``from_torch(net.to_torch())`` reads examples as ``net`` does.

This module does not import :mod:`digitnet.network` (``Network.to_torch`` calls it), and
imports torch only inside its functions.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

import numpy as np

from .. import words
from ..errors import ConfigError, UnsupportedModelError
from ..inputs import classes_of, classes_problem
from ..inputs import of as input_of
from . import require
from .dense import LEAKY_SLOPE, Dense, given_input

__all__ = ["to_torch", "read_torch", "record", "state_dict_arrays", "python_lines", "is_export"]

#: The PyTorch modules after a hidden layer's Linear, by digitnet's activation: (torch.nn class,
#: positional arguments, keyword arguments) each, from which :func:`to_torch` builds them and
#: :func:`python_lines` writes them.
HIDDEN_MODULES = {"sigmoid": (("Sigmoid", (), {}),), "tanh": (("Tanh", (), {}),),
                  "relu": (("ReLU", (), {}),), "leaky_relu": (("LeakyReLU", (LEAKY_SLOPE,), {}),)}
#: The modules after the output layer's Linear, by digitnet's output: they give what
#: ``Network.predict_proba`` gives. A sigmoid output's probabilities are σ(z) / Σ_k σ(z_k)
#: (:meth:`digitnet.losses.SigmoidSquaredError.probabilities`), which is softmax(log σ(z)):
#: LogSigmoid then Softmax, two of PyTorch's own modules without parameters, so the printed
#: module needs no class defined and loads the state dict as it is.
OUTPUT_MODULES = {"softmax": (("Softmax", (), {"dim": 1}),),
                  "sigmoid": (("LogSigmoid", (), {}), ("Softmax", (), {"dim": 1}))}
#: What :func:`read_torch` takes, for its messages.
READS = ("an nn.Sequential of nn.Linear layers with ReLU, LeakyReLU(0.01), Sigmoid or Tanh "
         "between them and Softmax, LogSoftmax, Sigmoid or nothing after the last "
         "(Flatten first, Dropout and Identity anywhere)")


def _torch(purpose: str):
    return require("torch", "torch", purpose)


def _functions(net) -> list[tuple]:
    """The modules after each layer's Linear (:data:`HIDDEN_MODULES`, :data:`OUTPUT_MODULES`)."""
    return ([HIDDEN_MODULES[net.activation.name]] * (len(net.weights) - 1)
            + [OUTPUT_MODULES[net.output_function.name]])


def python_lines(net) -> str:
    """The Python expression of the ``nn.Sequential`` that :func:`to_torch` builds for ``net``."""
    parts = []
    for w, modules in zip(net.weights, _functions(net)):
        parts.append(f"nn.Linear({w.shape[1]}, {w.shape[0]})")
        for name, args, kwargs in modules:
            given = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
            parts.append(f"nn.{name}({', '.join(given)})")
    return f"nn.Sequential({', '.join(parts)})"


def record(net) -> dict[str, str]:
    """What :func:`to_torch`'s module of ``net`` does not hold, as text: ``"classes"`` (the class
    names, JSON), ``"input"`` (the input record, JSON, :meth:`digitnet.inputs.Input.to_dict`)
    and ``"module"`` (:func:`python_lines`). The torch export's safetensors metadata holds it,
    and the module as ``module.digitnet``."""
    return {"classes": json.dumps(classes_of(net)), "input": json.dumps(input_of(net).to_dict()),
            "module": python_lines(net)}


def is_export(meta: dict) -> bool:
    """Whether ``meta``, a safetensors file's metadata, is what ``digitnet export --format torch``
    writes (``"format": "pt"`` and :func:`record`): a file digitnet exported for PyTorch."""
    return meta.get("format") == "pt" and {"classes", "input", "module"} <= meta.keys()


def to_torch(net):
    """``net`` as a ``torch.nn.Sequential`` that gives ``net``'s probabilities: those of
    ``net.probabilities(rows)``, which are ``net.predict_proba`` of the examples.

    Parameters
    ----------
    net : Network

    Returns
    -------
    torch.nn.Sequential
        float32 Linear layers (a float64 ``net``'s weights rounded) and activation modules,
        ending in ``nn.Softmax(dim=1)``: after the last Linear for a softmax output, after
        ``nn.LogSigmoid()`` for a sigmoid one (softmax(log σ(z)) = σ(z) / Σσ(z), the sigmoid
        outputs normalised as ``predict_proba`` does; :data:`OUTPUT_MODULES`). It takes what
        ``net``'s first layer reads, float32 of shape (batch, sizes[0])
        (``digitnet.inputs.of(net).rows(x)`` of a table's rows; pictures as brightness 0..1,
        never uint8 pixels 0..255: see the module's docstring), and returns (batch,
        sizes[-1]). Its attribute ``digitnet`` is :func:`record` of ``net`` (the input record
        and class names), which ``digitnet.from_torch`` reads back.
    """
    torch = _torch("Network.to_torch")
    nn = torch.nn
    modules = []
    for w, b, functions in zip(net.weights, net.biases, _functions(net)):
        linear = nn.Linear(w.shape[1], w.shape[0], dtype=torch.float32)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.array(w, np.float32)))
            linear.bias.copy_(torch.from_numpy(np.array(b, np.float32)))
        modules += [linear] + [getattr(nn, name)(*args, **kwargs)
                               for name, args, kwargs in functions]
    module = nn.Sequential(*modules)
    module.digitnet = record(net)  # (a plain attribute: kept in memory, copies and pickles)
    return module


def state_dict_arrays(net) -> dict[str, np.ndarray]:
    """The state dict of :func:`to_torch`'s module as NumPy arrays (float32), without importing
    torch. Layer l's Linear (l from 1) is module 2(l - 1): one module (the activation) follows
    each hidden layer's, and the output's modules come after the last Linear."""
    arrays, index = {}, 0
    for w, b, functions in zip(net.weights, net.biases, _functions(net)):
        arrays[f"{index}.weight"] = np.ascontiguousarray(w, np.float32)
        arrays[f"{index}.bias"] = np.ascontiguousarray(b, np.float32)
        index += 1 + len(functions)
    return arrays


def read_torch(module, input=None, classes=None) -> Dense:
    """The fully connected network in a PyTorch ``nn.Sequential`` (nested ones are unpacked).

    ``input`` and ``classes`` are the input record and the class names (each as
    :func:`record`'s text, or an :class:`~digitnet.inputs.Input` or its dict, and a list of
    names); each not given is taken from ``module.digitnet`` (:func:`to_torch`'s), else left
    out. A dict of pictures may say the module reads them standardised, ``"mean"`` and
    ``"std"`` of the brightness (:func:`~digitnet.interop.dense.given_input`): that scaling is
    folded into the first layer (:meth:`Dense.reading <digitnet.interop.dense.Dense.reading>`),
    so the network reads the pictures themselves.

    Raises
    ------
    UnsupportedModelError
        Naming the first module that is none of :data:`READS` (and why: of another kind,
        before any Linear layer, a second activation in a row, another slope or dim), or a
        ``module.digitnet`` record that does not fit the module.
    ConfigError
        An ``input`` or ``classes`` that is not one or does not fit the module.
    """
    torch = _torch("digitnet.from_torch")
    if not isinstance(module, torch.nn.Sequential):
        raise UnsupportedModelError(_not_sequential(module, torch))
    weights, biases, functions = _layers(module, torch.nn)
    dense = Dense(weights, biases, functions, "from_torch",
                  notes={"from": f"PyTorch {type(module).__name__}"})
    if not weights:
        return dense
    attached = getattr(module, "digitnet", None)
    return _fitting(dense, input, classes, attached if isinstance(attached, dict) else {})


#: The activation modules :func:`read_torch` reads, by class name, and what each computes
#: (LogSigmoid: an output's log σ(z), which stands for σ(z), as LogSoftmax for the softmax).
_FUNCTIONS = {"ReLU": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "LeakyReLU": "leaky_relu",
              "Softmax": "softmax", "LogSoftmax": "log_softmax", "LogSigmoid": "log_sigmoid"}


def _layers(module, nn) -> tuple[list, list, list]:
    """The weights, biases and functions of ``module``'s layers, or an UnsupportedModelError
    naming the first module that has no place among them and why."""
    weights, biases, functions = [], [], []
    before = None  # (index, class name) of the activation after the last Linear
    paired = None  # where the last Linear's LogSigmoid, Softmax (a sigmoid output) ended
    for index, layer in _flat(module, nn):
        if isinstance(layer, (nn.Dropout, nn.Identity)) or isinstance(layer, nn.Flatten) and (
                not weights):
            continue
        if isinstance(layer, nn.Linear):
            if paired is not None:
                raise UnsupportedModelError(
                    f"from_torch: module {index} (Linear) cannot be read: it follows module "
                    f"{paired} (Softmax after LogSigmoid), which normalises the layer before's "
                    "outputs as digitnet's sigmoid output layer does, and only an output layer "
                    "may; digitnet reads one activation after each hidden Linear layer")
            w = layer.weight.detach().cpu().numpy()
            weights.append(w.copy())
            biases.append(np.zeros(w.shape[0], w.dtype) if layer.bias is None
                          else layer.bias.detach().cpu().numpy().copy())
            functions.append(None)
            before = None
            continue
        kind = type(layer).__name__
        name = _FUNCTIONS.get(kind) if type(layer) is getattr(nn, kind, None) else None
        cannot = f"from_torch: module {index} ({kind}) cannot be read"
        if name is None or not weights:
            where = "" if name is None else ": it comes before any Linear layer"
            raise UnsupportedModelError(f"{cannot}{where}; digitnet reads {READS}")
        _check_function(layer, name, index)
        # LogSigmoid then Softmax: softmax(log σ(z)) = σ(z) / Σσ(z), digitnet's sigmoid output
        if before is not None and not (name == "softmax" and functions[-1] == "log_sigmoid"):
            raise UnsupportedModelError(
                f"{cannot}: it follows module {before[0]} ({before[1]}), two activations in a "
                "row; digitnet reads one activation after each Linear layer: remove one")
        functions[-1] = "sigmoid" if before is not None else name
        paired = index if before is not None else None
        before = (index, kind)
    if functions and functions[-1] == "log_sigmoid":  # (hidden, it is refused as it is)
        functions[-1] = "sigmoid"
    return weights, biases, functions


def _check_function(layer, name: str, index: str) -> None:
    """Refuse a LeakyReLU of another slope than digitnet's, or a softmax over another dim than
    each example's outputs, saying what it is and what digitnet reads."""
    if name == "leaky_relu" and not np.isclose(layer.negative_slope, LEAKY_SLOPE):
        slope = layer.negative_slope
        raise UnsupportedModelError(
            f"from_torch: module {index} (LeakyReLU({slope:g})) cannot be read: its slope for "
            f"z < 0 is {slope:g}, and digitnet's leaky ReLU has {LEAKY_SLOPE}; retrain it with "
            f"nn.LeakyReLU({LEAKY_SLOPE}) or nn.ReLU")
    if name in ("softmax", "log_softmax") and layer.dim not in (1, -1, None):
        kind = type(layer).__name__
        raise UnsupportedModelError(
            f"from_torch: module {index} ({kind}(dim={layer.dim})) cannot be read: it normalises "
            f"over dim {layer.dim}, not over each example's outputs; digitnet reads "
            f"{kind}(dim=1): build it so (the weights stay as they are)")


def _not_sequential(value, torch) -> str:
    """What :func:`read_torch` says of ``value``, which is no ``nn.Sequential``: for a state
    dict (names to tensors: the weights without the layers), how to give the module instead;
    for a file's name, to load it first; for a module of its own holding Linear layers (a
    ``forward`` of its own, as PyTorch's MNIST example's ``Net``), to export it to ONNX, which
    records what ``forward`` computes, and read that; for one whose forward returns several
    outputs (heads on a shared body: :func:`_outputs`), whose ONNX export is refused too
    (:mod:`.onnx_outputs`), to pass an ``nn.Sequential`` of the layers of the head wanted."""
    if isinstance(value, Mapping) and value and all(isinstance(v, torch.Tensor)
                                                   for v in value.values()):
        names = [str(name) for name in value]
        return (f"from_torch: got a state dict, {words.a(type(value).__name__)} of {len(value)} "
                f"tensors ({', '.join(names[:3])}{', ...' * (len(names) > 3)}): the weights "
                "without the layers they belong to; build the nn.Sequential they came from, "
                "load them into it (model.load_state_dict(state)) and pass the module: "
                "from_torch(model)")
    got = f"from_torch: got {words.a(type(value).__name__)}"
    if isinstance(value, (str, os.PathLike)):
        name = os.fspath(value)
        if str(name).lower().endswith((".onnx", ".safetensors")):
            return (f"{got}, {name!r}: a file's name, not a module; digitnet reads that file "
                    f"itself: digitnet.load({name!r})")
        return (f"{got}, {name!r}: a file's name, not a module; load the module first, "
                f"model = torch.load({name!r}, weights_only=False) (a module saved whole by "
                "torch.save(model, ...)), then from_torch(model)")
    own = isinstance(value, torch.nn.Module) and not type(value).__module__.startswith("torch.")
    if own and any(isinstance(m, torch.nn.Linear) for m in value.modules()):
        # (a network of its own; its first layer's input size, where that is a Linear)
        first = next((m for m in value.modules() if not list(m.children())), None)
        first = first if isinstance(first, torch.nn.Linear) else None
        x = f"torch.zeros(1, {first.in_features})" if first is not None else "x"
        heads = _outputs(value, first, torch) if first is not None else None
        if heads is not None and heads > 1:  # (its ONNX export would be refused too)
            return (f"{got}, a module whose forward returns {heads} outputs; digitnet reads a "
                    "network with one output, from a module or from its ONNX export alike: pass "
                    "an nn.Sequential of the layers that compute the one you want (e.g. "
                    "nn.Sequential(model.body, model.head), when its parts are such modules)")
        return (f"{got}, a module with a forward of its own, which digitnet cannot follow (it "
                "reads an nn.Sequential of Linear layers and activations); export it to ONNX, "
                "which records what its forward computes, and read that: "
                f"torch.onnx.export(model, ({x},), 'model.onnx')"
                f"{'' if first is not None else ' (x: a batch of its input)'}, then "
                "digitnet.load('model.onnx')")
    return f"{got}; digitnet reads {READS}"


def _outputs(module, first, torch) -> int | None:
    """How many outputs ``module``'s forward returns (the floating-point tensors of a tuple,
    list or dict it returns: several heads; a label is not one), run in eval mode on one
    example of zeros for ``first``, its first Linear layer (its modes are put back after); None
    if it cannot be run so."""
    modes = {m: m.training for m in module.modules()}
    try:
        module.eval()
        with torch.no_grad():
            out = module(torch.zeros(1, first.in_features, dtype=first.weight.dtype))
    except Exception:  # (a forward that needs more than a batch of rows: none said)
        return None
    finally:
        for m, mode in modes.items():
            m.training = mode
    out = list(out.values()) if isinstance(out, Mapping) else out
    out = out if isinstance(out, (tuple, list)) else [out]
    return sum(isinstance(t, torch.Tensor) and t.is_floating_point() for t in out)


def _fitting(dense: Dense, input, classes, attached: dict) -> Dense:
    """``dense`` reading examples as ``input`` says and naming its classes ``classes`` (the
    keyword arguments: :func:`record`'s JSON text, or the values), each not given taken from
    ``attached`` (``module.digitnet``), checked to fit it."""
    for key, given in (("input", input), ("classes", classes)):
        value, carried = (given, False) if given is not None else (attached.get(key), True)
        if value is None:
            continue
        error, where = ((UnsupportedModelError, f"from_torch: the module's digitnet {key} record")
                        if carried else (ConfigError, f"from_torch({key}=...)"))
        remedy = (f"give {key}= the one exported with these weights (safetensors metadata "
                  f"{key!r})" + (", or delete module.digitnet" if carried else ""))
        if key == "input":
            record, mean, std = given_input(value, dense.sizes[0], where, remedy, error=error,
                                            first="the module's first Linear layer")
            dense = dense.reading(record, mean, std)
            continue
        try:
            value = json.loads(value) if isinstance(value, str) else value
        except ValueError as e:
            raise error(f"{where}: not JSON ({str(e).split('; ')[0]}); {remedy}") from None
        names = list(value) if isinstance(value, (list, tuple)) else value
        problem = classes_problem(names, dense.n_classes)
        if problem:
            raise error(f"{where} {problem}; {remedy}")
        dense.classes = [str(n) for n in names]
    return dense


def _flat(module, nn, prefix: str = ""):
    """(index, module) of each module of a Sequential, nested Sequentials unpacked ("1.0")."""
    for name, child in module.named_children():
        if isinstance(child, nn.Sequential):
            yield from _flat(child, nn, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", child
