"""The network from "But what is a neural network?": layers of neurons, weights and biases.

A network with ``sizes = (784, 16, 16, 10)`` has an input layer of 784 neurons (one per pixel,
brightness 0..1), two hidden layers of 16 and an output layer of 10, one per digit. Between each
layer and the next sit

* a weight matrix of shape ``(n_out, n_in)``: row j holds how much each neuron of the layer
  before matters to neuron j; this is the video's W;
* a bias vector of shape ``(n_out,)``: how high the weighted sum must be before neuron j lights up;

and the next layer computes a' = σ(W a + b).

**Batch-first.** We push many images through at once, one image per row, so ``a`` has shape
``(batch, n_in)``. For a single column vector the video writes ``W a``; for a batch of rows the
same numbers come out of ``a @ W.T``, giving ``(batch, n_out)``. That is the only reason for the
transpose in :meth:`Network.forward`.

**Layers are numbered as the video numbers them**: the activations a⁽⁰⁾ are the input layer,
a⁽¹⁾ = σ(W a⁽⁰⁾ + b) the first hidden layer, and so on to the output layer a⁽ᴸ⁾, L = len(sizes) - 1.
So layer l has ``sizes[l]`` neurons, ``trace.activations[l]`` holds its activations, and the
weights and biases *into* it are ``weights[l - 1]`` and ``biases[l - 1]`` (Python lists count
from 0, and layer 0, the input, has none). Every part of digitnet that names a layer (the CLI's
``--layer``, the web API, the page, the pictures) uses this numbering.

**One buffer.** All parameters live in one contiguous float array, :attr:`Network.params`: first
every weight matrix, then every bias vector. ``weights`` and ``biases`` are views into it, so an
optimiser can update all 13,002 numbers of the video's network in one operation, and weight decay
applies to the leading ``n_weights`` entries.

This module is the reference everything else is tested against. It knows nothing of training
engines, files or plots: the training loop lives in :mod:`digitnet.training`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from . import activations, config, losses
from .arrays import as_floats, as_rows
from .brightness import check_given, check_not_files, example_rows
from .errors import ConfigError, DataError

__all__ = ["Network", "Trace"]

DEFAULT_SIZES = (784, 16, 16, 10)
#: Rows that :meth:`Network.forward` takes through the network at once: a block's activations
#: stay in the processor's caches from one layer to the next, and uint8 pixels are converted to
#: floats a block at a time rather than all at once.
BLOCK = 1024


@dataclass
class Trace:
    """Everything a forward pass computes, layer by layer.

    Attributes
    ----------
    activations : list of ndarray
        ``activations[l]`` is layer l's a, shape (batch, sizes[l]): ``activations[0]`` is the
        input, the last one the output.
    zs : list of ndarray
        The weighted inputs W a + b of layers 1 to L: ``zs[l - 1]`` is layer l's z, shape
        (batch, sizes[l]), and ``activations[l]`` is σ of it. (The input layer has no z; use
        :meth:`z` to index by layer number.)
    """

    zs: list[np.ndarray]
    activations: list[np.ndarray]

    @property
    def output(self) -> np.ndarray:
        """The output layer's activations, shape (batch, sizes[-1])."""
        return self.activations[-1]

    def z(self, layer: int) -> np.ndarray:
        """Layer ``layer``'s weighted inputs (layer 1 is the first hidden layer)."""
        if type(layer) is bool or not isinstance(layer, (int, np.integer)) or not (
                1 <= layer < len(self.activations)):  # (a whole number: not 1.5, "1" or True)
            raise ConfigError(f"layer {layer!r} has no weighted input z: layers 1 to "
                              f"{len(self.activations) - 1} do (0 is the input)")
        return self.zs[layer - 1]


class Network:
    """A fully connected feed-forward network.

    Parameters
    ----------
    sizes : sequence of int
        Neurons per layer, input first: ``(784, 16, 16, 10)`` is the video's network.
    activation : str
        The hidden layers' σ: ``"sigmoid"`` (the video's), ``"relu"``, ``"leaky_relu"`` or
        ``"tanh"``.
    output : str
        The output layer's function with its cost: ``"softmax"`` (with cross-entropy) or
        ``"sigmoid"`` (with the video's squared error). Kept as :attr:`output_function`.
    seed : int or numpy.random.Generator, optional
        Source of the initial weights. Weights are drawn with the initialisation suited to the
        activation: Glorot (uniform) for sigmoid and tanh, He (normal) for the ReLUs; biases
        start at 0. The same seed gives the same weights.
    dtype : numpy dtype
        float32 (fast, the default) or float64 (for gradient checks).

    Examples
    --------
    >>> net = Network((784, 16, 16, 10), seed=0)
    >>> net.parameter_count
    13002
    """

    def __init__(
        self, sizes: Sequence[int] = DEFAULT_SIZES,
        activation: str = "sigmoid",
        output: str = "softmax",
        seed: int | np.random.Generator | None = None,
        dtype=np.float32,
    ):
        self.sizes = _check_sizes(sizes)
        self.activation = activations.get(activation)
        #: The output layer's function and the cost paired with it (:mod:`digitnet.losses`).
        self.output_function = losses.get(output)
        self.dtype = _check_dtype(dtype)
        self.params = np.zeros(self.parameter_count, dtype=self.dtype)
        self.weights, self.biases = self.unflatten(self.params)
        #: Free-form description of how the network was made (training configuration,
        #: history, data fingerprint); saved with the model file.
        self.metadata: dict = {}
        self.initialize(seed)

    # -- structure ---------------------------------------------------------------------------

    @property
    def layer_shapes(self) -> list[tuple[int, int]]:
        """``(n_out, n_in)`` of each weight matrix."""
        return [(n_out, n_in) for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:])]

    @property
    def n_weights(self) -> int:
        """How many weights (not biases) the network has; they lead :attr:`params`."""
        return sum(n_out * n_in for n_out, n_in in self.layer_shapes)

    @property
    def parameter_count(self) -> int:
        """Weights plus biases: 13,002 for (784, 16, 16, 10)."""
        return self.n_weights + sum(self.sizes[1:])

    def parameter_breakdown(self) -> str:
        """The count as a sum, layer by layer: ``784·16+16 + 16·16+16 + 16·10+10 = 13,002``."""
        terms = " + ".join(f"{n_in}·{n_out}+{n_out}" for n_out, n_in in self.layer_shapes)
        return f"{terms} = {self.parameter_count:,}"

    def unflatten(self, flat: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Views of a flat parameter-shaped array as per-layer weights and biases."""
        n = self.parameter_count
        if not isinstance(flat, np.ndarray) or flat.shape != (n,):
            got = f"shape {flat.shape}" if isinstance(flat, np.ndarray) else type(flat).__name__
            raise DataError(f"unflatten takes a flat array of this network's {n:,} parameters "
                            f"(shape ({n},), as params and backprop's gradient are); got {got}")
        weights, biases = [], []
        offset = 0
        for shape in self.layer_shapes:
            size = shape[0] * shape[1]
            weights.append(flat[offset : offset + size].reshape(shape))
            offset += size
        for n_out in self.sizes[1:]:
            biases.append(flat[offset : offset + n_out])
            offset += n_out
        return weights, biases

    def initialize(self, seed: int | np.random.Generator | None = None) -> None:
        """Draw fresh weights (Glorot or He, by activation) and zero the biases."""
        rng = np.random.default_rng(seed)
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            n_out, n_in = w.shape
            hidden = l < len(self.weights) - 1
            if hidden and self.activation.init == "he":
                w[...] = rng.normal(0.0, np.sqrt(2.0 / n_in), size=w.shape)
            else:
                limit = np.sqrt(6.0 / (n_in + n_out))
                w[...] = rng.uniform(-limit, limit, size=w.shape)
            b[...] = 0

    # -- thinking ----------------------------------------------------------------------------

    def forward(self, x) -> np.ndarray:
        """The output layer's activations for inputs ``x``.

        Parameters
        ----------
        x : array_like, shape (batch, sizes[0]) or (sizes[0],)
            The input layer's rows, ``inputs.of(net).rows(examples)``: uint8 pixels (scaled by
            1/255), or for a model of pictures brightness in [0, 1]; other numbers as they are.
            Images (28, 28) or (batch, 28, 28) are flattened when ``sizes[0]`` is 784.

        Returns
        -------
        ndarray, shape (batch, sizes[-1]) or (sizes[-1],) for a single input

        Raises
        ------
        DataError
            Rows of another size; NaN or infinity; for a model of pictures, floats outside
            [0, 1], pixels 0..255 not divided by 255 (:func:`digitnet.brightness.check_given`).
        """
        return self._forward_given(x, "x")

    def _forward_given(self, x, name: str) -> np.ndarray:
        """:meth:`forward` of ``x`` as given, its rows checked (``name``: for the error)."""
        x, single = self._given(x, name)
        out = self._forward(x)
        return out[0] if single else out

    def _given(self, x, name: str) -> tuple[np.ndarray, bool]:
        """``x`` given as the input layer's rows (batch, sizes[0]), checked as :meth:`forward`
        checks them (``name``: for the error), and whether it was a single input."""
        x, single = as_rows(check_not_files(self, x, name, rows=True), self.sizes[0])
        return check_given(self, x, name), single

    def _forward(self, x: np.ndarray) -> np.ndarray:
        """:meth:`forward` of rows (batch, sizes[0]) whose values are checked (but for NaN)."""
        out = np.empty((len(x), self.sizes[-1]), self.dtype)
        for start in range(0, len(x), BLOCK):
            a = as_floats(x[start : start + BLOCK], self.dtype)
            for l, (w, b) in enumerate(zip(self.weights, self.biases)):
                z = a @ w.T + b  # (batch, n_in) @ (n_in, n_out) + (n_out,) -> (batch, n_out)
                a = self._sigma(l, z)  # a' = σ(W a + b), one row per example
            out[start : start + BLOCK] = a
        return out

    def trace(self, x) -> Trace:
        """Run a forward pass and keep every layer's weighted input z and activation a.

        ``x`` is read and refused as :meth:`forward` reads and refuses it (a single input as a
        batch of one); :meth:`loss` and :meth:`backprop` read theirs through it.
        """
        return self._trace(as_floats(self._given(x, "x")[0], self.dtype))

    def _trace(self, a: np.ndarray) -> Trace:
        """:meth:`trace` of float rows (batch, sizes[0]) read and checked already (as the passes
        inside digitnet read them: a picture's row in a figure, each step of a dream)."""
        zs, acts = [], [a]
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            zs.append(a @ w.T + b)
            acts.append(a := self._sigma(l, zs[-1]))
        return Trace(zs, acts)

    def predict_proba(self, x) -> np.ndarray:
        """How strongly the network believes in each class, rows summing to 1.

        ``x`` holds examples as the model's data holds them, read as :meth:`predict` reads
        them. Shape (batch, sizes[-1]), or (sizes[-1],) for a single example.
        """
        rows, single = example_rows(self, x)
        proba = self.output_function.probabilities(self._forward(rows))
        return proba[0] if single else proba

    def probabilities(self, rows) -> np.ndarray:
        """:meth:`predict_proba` for rows the input layer reads as they are (:meth:`forward`'s
        ``x``, refused as it refuses them: for a model of pictures, floats outside [0, 1]),
        whatever the model records of its input."""
        return self.output_function.probabilities(self._forward_given(rows, "rows"))

    def predict(self, x) -> np.ndarray | int:
        """The class each example is read as: the brightest output neuron.

        ``x`` holds examples as the model's data holds them: pictures (n, h, w) or rows
        (n, h*w), uint8 pixels or brightness in [0, 1]; a table's rows of raw column values.
        The transformation the model records (:func:`digitnet.inputs.of`: deskewing, a table's
        standardisation) is applied first, as ``digitnet predict`` applies it. Classes are
        numbered as the model's names them (:func:`digitnet.inputs.classes_of`). An int for a
        single example, else an int array of shape (batch,). (Read by
        :func:`digitnet.brightness.example_rows`, as the pictures of :mod:`digitnet.viz` read one.)
        """
        rows, single = example_rows(self, x)
        out = self._forward(rows)
        return int(out[0].argmax()) if single else out.argmax(axis=1)

    def loss(self, x, labels) -> float:
        """The mean cost over inputs ``x`` (read as :meth:`forward` reads them) with integer
        ``labels``."""
        t = self.trace(x)
        labels = self._check_labels(labels, len(t.activations[0]))
        return self.output_function.loss(t.zs[-1], t.output, labels)

    # -- learning ----------------------------------------------------------------------------

    def backprop(self, x, labels) -> tuple[float, np.ndarray]:
        """The mean cost over a batch and its gradient with respect to every parameter.

        This is the plain, allocate-as-you-go version, kept as the reference that the
        training engines (:mod:`digitnet.engines`) are tested against.

        Parameters
        ----------
        x : array_like, shape (batch, sizes[0])
            Read and refused as :meth:`forward` reads and refuses it.
        labels : array_like of int, shape (batch,)

        Returns
        -------
        loss : float
        grads : ndarray, shape (parameter_count,)
            Laid out like :attr:`params`; :meth:`unflatten` gives per-layer views.
        """
        t = self.trace(x)
        labels = self._check_labels(labels, len(t.activations[0]))
        grads = np.zeros_like(self.params)
        grad_w, grad_b = self.unflatten(grads)
        # δ of the last layer: how the cost changes with each output neuron's z.
        delta = self.output_function.delta(t.zs[-1], t.output, labels)
        for l in reversed(range(len(self.weights))):
            grad_w[l][...] = delta.T @ t.activations[l]  # ∂C/∂W = δ a_prevᵀ, summed over the batch
            grad_b[l][...] = delta.sum(axis=0)  # ∂C/∂b = δ
            if l > 0:
                # Pass the error back one layer: δ_prev = (Wᵀ δ) ⊙ σ'(z_prev).
                delta = delta @ self.weights[l]
                self.activation.backward(delta, t.zs[l - 1], t.activations[l])
        return self.output_function.loss(t.zs[-1], t.output, labels), grads

    # -- helpers -----------------------------------------------------------------------------

    def _sigma(self, l: int, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Layer l's function: the hidden activation, or the output function for the last."""
        if l == len(self.weights) - 1:
            return self.output_function.forward(z, out)
        return self.activation.forward(z, out)

    def _check_labels(self, labels, n: int) -> np.ndarray:
        if n == 0:  # (a mean cost over no examples is NaN)
            raise DataError("x: no examples; the cost and its gradient need at least one")
        labels = np.asarray(labels)
        if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
            raise DataError(f"expected {n} integer labels, got an array of shape {labels.shape} "
                            f"and dtype {labels.dtype}")
        if labels.min() < 0 or labels.max() >= self.sizes[-1]:
            raise DataError(f"labels must lie in 0..{self.sizes[-1] - 1}, "
                            f"got values from {labels.min()} to {labels.max()}")
        return labels

    def __setstate__(self, state: dict) -> None:
        """After copy.deepcopy (or unpickling), which copy ``weights`` and ``biases`` apart from
        ``params``: make them views of it again, so that updating ``params`` moves them."""
        self.__dict__.update(state)
        self.weights, self.biases = self.unflatten(self.params)

    def copy(self) -> "Network":
        """An independent copy with the same parameters and metadata."""
        return self.astype(self.dtype)

    def astype(self, dtype) -> "Network":
        """An independent copy whose parameters are of ``dtype`` (float32 or float64)."""
        twin = copy.copy(self)  # the same layers and functions; no weights drawn to overwrite
        twin.dtype = _check_dtype(dtype)
        twin.params = self.params.astype(twin.dtype, copy=True)
        twin.weights, twin.biases = twin.unflatten(twin.params)
        twin.metadata = copy.deepcopy(self.metadata)
        return twin

    def to_torch(self):
        """This network as a ``torch.nn.Sequential`` that gives, for the input layer's rows,
        this network's probabilities (:meth:`probabilities`; needs the torch extra; see
        :func:`digitnet.interop.torch.to_torch`)."""
        from .interop.torch import to_torch

        return to_torch(self)

    def _repr_html_(self) -> str:
        """A notebook's view: sizes, parameter count, recipe, data and accuracy as a table."""
        from .notebook.summaries import network_html

        return network_html(self)

    def __repr__(self) -> str:
        return (f"Network({'-'.join(map(str, self.sizes))}, activation={self.activation.name!r}, "
                f"output={self.output_function.name!r}, parameters={self.parameter_count:,})")


def _check_sizes(sizes) -> tuple[int, ...]:
    sizes = config.layer_sizes(sizes)  # (whole numbers, as a TrainConfig's: not 16.5, not True)
    if len(sizes) < 2:
        raise ConfigError(f"a network needs at least an input and an output layer, got sizes "
                          f"{sizes}")
    if min(sizes) < 1:
        raise ConfigError(f"every layer needs at least one neuron, got sizes {sizes}")
    return sizes


def _check_dtype(dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ConfigError(f"dtype must be float32 or float64, got {dtype}")
    return dtype
